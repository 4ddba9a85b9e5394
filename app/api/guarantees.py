"""Government financing guarantee agencies and their guarantee products."""

from __future__ import annotations

import sqlalchemy as sa
from marshmallow import Schema, fields, validate

from app.api import schemas
from app.api.common import SECURED, blueprint, field_names, or_404, page
from app.formatting import exact_wan
from app.guarantees import services
from app.models import Bank, GuaranteeProduct
from app.models.enums import BankType, EnterpriseSize, Role
from app.security import request_user, roles, signed_in

blp = blueprint(
    "api_guarantees",
    "Government financing guarantee agencies (政府性融资担保机构) and their guarantee products",
)

NAMES = {"max_amount_wan": "max_amount"}


class AgencySchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    short_name = fields.String(required=True)


class GuaranteeProductSchema(Schema):
    id = fields.Integer(required=True)
    agency_id = fields.Integer(required=True)
    name = fields.String(required=True)
    max_amount = schemas.Money(required=True, metadata={"description": "largest amount, yuan"})
    fee_rate = schemas.Percent(required=True, metadata={"description": "guarantee fee a year"})
    above_policy_cap = fields.Boolean(
        required=True,
        metadata={
            "description": "the fee exceeds the 1 % a year asked of government guarantee "
            "agencies for small and micro firms (国办发〔2019〕6号), and it serves them"
        },
    )
    sizes = fields.Method(
        "_sizes",
        required=True,
        metadata={
            "type": "array",
            "items": {"type": "string", "enum": [s.value for s in EnterpriseSize]},
            "description": "enterprise sizes served; empty: every size",
        },
    )
    partner_bank_ids = fields.Method(
        "_banks",
        required=True,
        metadata={"type": "array", "items": {"type": "integer"}},
    )
    description = fields.String(required=True)
    published = fields.Boolean(required=True)
    version = fields.Integer(required=True)

    def _sizes(self, product) -> list[str]:
        return sorted(s.value for s in product.sizes)

    def _banks(self, product) -> list[int]:
        return [b.id for b in product.partner_banks]


class GuaranteeProductQuerySchema(schemas.PageArgs):
    agency = schemas.ident(load_default=None)


class GuaranteeProductFields(schemas.Strict):
    name = schemas.text(128, required=True)
    max_amount = schemas.Money(required=True)
    fee_rate = schemas.Percent(required=True)
    sizes = schemas.enum_list(EnterpriseSize, load_default=list)
    partner_bank_ids = fields.List(
        schemas.ident(), required=True, validate=validate.Length(min=1, max=100)
    )
    description = schemas.text(2000, load_default="")
    published = fields.Boolean(load_default=True)


@blp.route("/agencies")
@signed_in
@blp.doc(**SECURED)
@blp.response(200, AgencySchema(many=True))
def list_agencies():
    """Active government financing guarantee agencies (their branches are in GET /banks)."""
    return services.list_agencies()


@blp.route("/guarantee-products")
@signed_in
@blp.doc(**SECURED)
@blp.arguments(GuaranteeProductQuerySchema, location="query")
@blp.response(200, schemas.page_of(GuaranteeProductSchema, "GuaranteeProductPage"))
def list_guarantee_products(args):
    """Published guarantee products of active agencies, optionally of one `agency`; an agency's
    own staff also see its unpublished ones."""
    user = request_user()
    published = sa.and_(GuaranteeProduct.published.is_(True), Bank.active.is_(True))
    if user.role.is_agency:
        published = sa.or_(published, GuaranteeProduct.agency_id == user.agency_id)
    stmt = (
        sa.select(GuaranteeProduct)
        .join(Bank, Bank.id == GuaranteeProduct.agency_id)
        .where(published, Bank.bank_type == BankType.GUARANTEE)
    )
    if args["agency"] is not None:
        stmt = stmt.where(GuaranteeProduct.agency_id == args["agency"])
    return page(stmt.order_by(GuaranteeProduct.id), args)


@blp.route("/guarantee-products/<int(max=2147483647):product_id>")
@signed_in
@blp.doc(**SECURED)
@blp.response(200, GuaranteeProductSchema)
def get_guarantee_product(product_id: int):
    """A published guarantee product, or one of the caller's agency's own."""
    user = request_user()
    own = services.get_product_for(user, product_id)
    if own is not None:
        return own
    return or_404(services.public_product(product_id))


@blp.route("/guarantee-products", methods=["POST"])
@roles(Role.GUARANTEE_MANAGER)
@blp.doc(**SECURED)
@blp.arguments(GuaranteeProductFields)
@blp.response(201, GuaranteeProductSchema)
def create_guarantee_product(body):
    """A guarantee product of the caller's agency (its manager's), published unless
    `published` is false; a fee above 1 % for small and micro firms is flagged."""
    data = services.GuaranteeProductInput(
        name=body["name"],
        max_amount_wan=exact_wan(body["max_amount"]),
        fee_rate=body["fee_rate"],
        sizes=set(body["sizes"]),
        partner_bank_ids=body["partner_bank_ids"],
        description=body["description"],
        published=body["published"],
    )
    with field_names(NAMES):
        return services.save_product(request_user(), data)
