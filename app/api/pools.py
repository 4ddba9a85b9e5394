"""Risk-compensation pools (风险补偿资金池): anyone reads them; officials define them and record
the compensation paid; banks file their loans under them and report losses."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate

from app.api import schemas
from app.api.common import SECURED, blueprint, field_names, found_before_body, or_404
from app.api.schemas import Money, Strict, enum_list, ident, text
from app.formatting import exact_wan
from app.models.enums import EnterpriseSize, Role
from app.pools import ledger, services
from app.pools.services import PoolInput
from app.pools.tags import tag
from app.security import BANK_ROLES, public, request_user, roles

blp = blueprint("api_pools", "Risk-compensation pools: loans filed, losses and payouts")

NAMES = {
    "budget_wan": "budget",
    "bank_ids": "banks",
    "product_ids": "products",
    "industry_codes": "industries",
    "region_codes": "regions",
    "region_code": "region",
}


class Share(schemas.Percent):
    """A share in percent, more than 0 and at most 100 (a pool may bear a whole loss)."""

    shape = schemas.Percent.shape

    def _deserialize(self, value, attr, data, **kwargs):
        share = self._parse(value)
        if not Decimal(0) < share <= Decimal(100):
            raise ValidationError(str(_l("Enter the share of a loss the pool pays, 1 to 100 %.")))
        return share


class PoolFields(Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    legal_basis = text(4000, load_default="")
    region = text(12, required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    budget = Money(required=True)
    loss_share = Share(
        required=True, metadata={"description": "The share of a loss the pool pays, 1-100 %"}
    )
    banks = fields.List(ident(), load_default=list)
    products = fields.List(ident(), load_default=list)
    sizes = enum_list(EnterpriseSize, load_default=list)
    industries = fields.List(fields.String(validate=validate.Length(max=8)), load_default=list)
    regions = fields.List(fields.String(validate=validate.Length(max=12)), load_default=list)


class PoolSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    tag = fields.Method("_tag", required=True, metadata={"type": "string"})
    legal_basis = fields.String(required=True)
    region = fields.String(attribute="region_code", required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    budget = Money(required=True)
    loss_share = schemas.Score(required=True)
    banks = fields.Method(
        "_banks", required=True, metadata={"type": "array", "items": {"type": "integer"}}
    )
    products = fields.Method(
        "_products", required=True, metadata={"type": "array", "items": {"type": "integer"}}
    )
    sizes = fields.Method(
        "_sizes", required=True, metadata={"type": "array", "items": {"type": "string"}}
    )
    industries = fields.Method(
        "_industries", required=True, metadata={"type": "array", "items": {"type": "string"}}
    )
    regions = fields.Method(
        "_regions", required=True, metadata={"type": "array", "items": {"type": "string"}}
    )
    enterprise_tag = fields.String(
        allow_none=True,
        required=True,
        metadata={"description": "An enterprise tag the pool requires (none until tags exist)"},
    )
    version = fields.Integer(required=True)

    def _tag(self, pool) -> str:
        return tag(pool)

    def _banks(self, pool) -> list[int]:
        return [b.id for b in pool.banks]

    def _products(self, pool) -> list[int]:
        return [p.id for p in pool.products]

    def _sizes(self, pool) -> list[str]:
        return sorted(s.value for s in pool.sizes)

    def _industries(self, pool) -> list[str]:
        return [i.code for i in pool.industries]

    def _regions(self, pool) -> list[str]:
        return [r.code for r in pool.regions]


class FiguresSchema(Schema):
    loans = fields.Integer(required=True)
    enterprises = fields.Integer(required=True)
    signed = Money(required=True)
    disbursed = Money(required=True)
    exposure = Money(
        required=True,
        metadata={"description": "Disbursed principal of the loans under the pool, less losses"},
    )
    losses = Money(required=True)
    paid = Money(required=True)
    budget = Money(required=True)
    budget_left = Money(required=True)


class PoolDetailSchema(PoolSchema):
    figures = fields.Nested(FiguresSchema, required=True)


class FilingBodySchema(Strict):
    agreement_id = ident(required=True)


class PayoutSchema(Schema):
    id = fields.Integer(required=True)
    amount = Money(required=True)
    paid_on = fields.Date(required=True)
    note = fields.String(required=True)


class LossSchema(Schema):
    id = fields.Integer(required=True)
    filing_id = fields.Integer(required=True)
    pool_id = fields.Integer(required=True)
    amount = Money(required=True)
    occurred_on = fields.Date(required=True)
    note = fields.String(required=True)
    payout = fields.Nested(PayoutSchema, allow_none=True, required=True)


class FilingSchema(Schema):
    id = fields.Integer(required=True)
    pool_id = fields.Integer(required=True)
    agreement_id = fields.Integer(required=True)
    bank_id = fields.Integer(required=True)
    filed_at = fields.DateTime(required=True)
    disbursed = Money(attribute="agreement.disbursed_amount", required=True)
    losses = fields.List(fields.Nested(LossSchema), required=True)


class LossBodySchema(Strict):
    amount = Money(required=True)
    occurred_on = fields.Date(required=True)
    note = text(500, load_default="")


class PayoutBodySchema(Strict):
    amount = Money(required=True)
    paid_on = fields.Date(required=True)
    note = text(500, load_default="")


def _input(body: dict) -> PoolInput:
    return PoolInput(
        name=body["name"],
        legal_basis=body["legal_basis"],
        region_code=body["region"],
        starts_on=body["starts_on"],
        ends_on=body["ends_on"],
        budget_wan=exact_wan(body["budget"]),
        loss_share=body["loss_share"],
        bank_ids=body["banks"],
        product_ids=body["products"],
        sizes=set(body["sizes"]),
        industry_codes=body["industries"],
        region_codes=body["regions"],
    )


class _WithFigures:
    """A pool as PoolDetailSchema reads it: its own fields, and its figures."""

    def __init__(self, pool) -> None:
        self._pool = pool
        self.figures = ledger.figures_of([pool])[pool.id]

    def __getattr__(self, name: str):
        return getattr(self._pool, name)


def _detail(pool) -> _WithFigures:
    return _WithFigures(pool)


def _pool(pool_id: int):
    return or_404(services.get(pool_id))


@blp.route("/pools")
@public
@blp.response(200, PoolSchema(many=True))
def list_pools():
    """Every pool, newest period first."""
    return services.list_pools()


@blp.route("/pools", methods=["POST"])
@roles(Role.OFFICIAL)
@blp.doc(**SECURED)
@blp.arguments(PoolFields)
@blp.response(201, PoolDetailSchema)
def create_pool(body):
    """An official defines a pool in their own region."""
    with field_names(NAMES):
        pool = services.save(_input(body), request_user())
    return _detail(pool)


@blp.route("/pools/<int(max=2147483647):pool_id>")
@public
@blp.response(200, PoolDetailSchema)
def get_pool(pool_id: int):
    """The pool with its exposure, losses, payouts and budget left."""
    return _detail(_pool(pool_id))


@blp.route("/pools/<int(max=2147483647):pool_id>/filings")
@roles(*BANK_ROLES, Role.OFFICIAL, Role.ADMIN)
@blp.doc(**SECURED)
@blp.response(200, FilingSchema(many=True))
def list_filings(pool_id: int):
    """The loans under the pool: a bank sees its own, the pool's officials all of them."""
    return ledger.filings_seen_by(_pool(pool_id), request_user())


@blp.route("/pools/<int(max=2147483647):pool_id>/filings", methods=["POST"])
@roles(*BANK_ROLES)
@blp.doc(**SECURED)
@found_before_body(_pool, "pool_id", "pool")
@blp.arguments(FilingBodySchema)
@blp.response(201, FilingSchema)
def file_loan(body, pool):
    """The bank files one of its confirmed agreements under the pool (备案)."""
    return ledger.file_under(pool, body["agreement_id"], request_user())


def _own_filing(filing_id: int):
    return or_404(ledger.get_filing_for_bank(request_user(), filing_id))


@blp.route("/pool-filings/<int(max=2147483647):filing_id>/losses", methods=["POST"])
@roles(*BANK_ROLES)
@blp.doc(**SECURED)
@found_before_body(_own_filing, "filing_id", "filing")
@blp.arguments(LossBodySchema)
@blp.response(201, LossSchema)
def report_loss(body, filing):
    """The bank reports a loss on a loan under a pool: at most the principal disbursed and
    not yet reported lost."""
    return ledger.report_loss(
        filing, request_user(), body["amount"], body["occurred_on"], body["note"]
    )


def _official_loss(loss_id: int):
    return or_404(ledger.get_loss_for_official(request_user(), loss_id))


@blp.route("/pool-losses/<int(max=2147483647):loss_id>/payout", methods=["POST"])
@roles(Role.OFFICIAL)
@blp.doc(**SECURED)
@found_before_body(_official_loss, "loss_id", "loss")
@blp.arguments(PayoutBodySchema)
@blp.response(201, PayoutSchema)
def record_payout(body, loss):
    """The pool's official records the compensation paid: at most the pool's share of the
    loss and the budget left."""
    return ledger.pay(loss, request_user(), body["amount"], body["paid_on"], body["note"])
