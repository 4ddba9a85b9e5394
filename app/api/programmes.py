"""Enterprise tags (officials' lists) and interest subsidy programmes (贴息): programmes are
public to read; officials write them and keep the lists of their region."""

from __future__ import annotations

import sqlalchemy as sa
from marshmallow import Schema, fields, validate

from app.api import schemas
from app.api.common import SECURED, blueprint, field_names, found_before_body, or_404, page
from app.i18n import current_language
from app.models import SubsidyProgramme, db
from app.models.programme import POINTS, SHARE
from app.programmes import rules, tags
from app.programmes import services as programmes
from app.security import ALL_ROLES, OVERSIGHT_ROLES, public, request_user, roles

blp = blueprint("api_programmes", "Interest subsidy programmes and the enterprise lists")


class TagKindSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    name_en = fields.String(required=True)
    builtin = fields.Boolean(required=True)


class TagSchema(Schema):
    id = fields.Integer(required=True)
    enterprise_id = fields.Integer(required=True)
    credit_code = fields.String(required=True, attribute="enterprise.credit_code")
    enterprise_name = fields.String(required=True, attribute="enterprise.name")
    kind = fields.String(required=True, attribute="kind.code")
    kind_name = fields.String(required=True, attribute="kind.name")
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(required=True, allow_none=True)
    source = fields.String(required=True)


class NewTagSchema(schemas.Strict):
    credit_code = fields.String(required=True, validate=validate.Length(max=40))
    kind = fields.String(
        required=True,
        validate=validate.Length(max=64),
        metadata={"description": "A list's code (e.g. specialised_sme) or its name."},
    )
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(load_default=None, allow_none=True)
    source = fields.String(load_default="", validate=validate.Length(max=200))


class TagQuerySchema(schemas.PageArgs):
    kind = fields.Integer(load_default=None, validate=validate.Range(1, 2_147_483_647))
    q = fields.String(load_default="", validate=validate.Length(max=100))


class ProgrammeFields(schemas.Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=128))
    legal_basis = fields.String(load_default="", validate=validate.Length(max=5000))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    sizes = fields.List(
        fields.String(validate=validate.OneOf(["large", "medium", "small", "micro"])),
        load_default=list,
        validate=validate.Length(max=4),
    )
    industries = fields.List(
        fields.String(validate=validate.Length(max=8)),
        load_default=list,
        validate=validate.Length(max=200),
    )
    regions = fields.List(
        fields.String(validate=validate.Length(max=12)),
        load_default=list,
        validate=validate.Length(max=200),
    )
    tag_ids = fields.List(
        fields.Integer(validate=validate.Range(1, 2_147_483_647)),
        load_default=list,
        validate=validate.Length(max=50),
    )
    first_loan_only = fields.Boolean(load_default=False)
    bank_ids = fields.List(
        fields.Integer(validate=validate.Range(1, 2_147_483_647)),
        load_default=list,
        validate=validate.Length(max=500),
    )
    product_ids = fields.List(
        fields.Integer(validate=validate.Range(1, 2_147_483_647)),
        load_default=list,
        validate=validate.Length(max=500),
    )
    kind = fields.String(required=True, validate=validate.OneOf([POINTS, SHARE]))
    value = schemas.Percent(
        required=True,
        metadata={"description": "Percentage points off the rate, or percent of the interest."},
    )
    cap_per_loan = schemas.Money(load_default=None, allow_none=True)
    cap_per_enterprise = schemas.Money(load_default=None, allow_none=True)
    budget = schemas.Money(required=True)


class ProgrammeUpdateSchema(ProgrammeFields):
    version = fields.Integer(required=True, validate=validate.Range(1, 2_147_483_647))


class ProgrammeSchema(Schema):
    id = fields.Integer(required=True)
    region_code = fields.String(required=True)
    name = fields.String(required=True)
    legal_basis = fields.String(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    sizes = fields.Method("_sizes", required=True)
    industries = fields.List(fields.String(), required=True, attribute="industry_codes")
    regions = fields.List(fields.String(), required=True, attribute="region_codes")
    tag_ids = fields.List(fields.Integer(), required=True)
    first_loan_only = fields.Boolean(required=True)
    bank_ids = fields.List(fields.Integer(), required=True)
    product_ids = fields.List(fields.Integer(), required=True)
    kind = fields.String(required=True)
    value = schemas.Percent(required=True)
    cap_per_loan = schemas.Money(required=True, allow_none=True)
    cap_per_enterprise = schemas.Money(required=True, allow_none=True)
    budget = schemas.Money(required=True)
    committed = schemas.Money(required=True)
    status = fields.String(required=True, metadata={"description": "open or closed"})
    version = fields.Integer(required=True)
    eligibility = fields.Method("_eligibility", required=True)

    def _sizes(self, programme) -> list[str]:
        return sorted(s.value for s in programme.sizes)

    def _eligibility(self, programme) -> list[str]:
        language = current_language()
        return rules.eligibility_words(programme, **programmes.names([programme], language))


class CommitmentSchema(Schema):
    agreement_id = fields.Integer(required=True)
    enterprise_id = fields.Integer(required=True)
    amount = schemas.Money(required=True)
    net_rate = schemas.Percent(required=True)


NAMES = {"industry_codes": "industries", "region_codes": "regions"}


def _input(body: dict) -> programmes.ProgrammeInput:
    return programmes.ProgrammeInput(
        name=body["name"],
        legal_basis=body["legal_basis"],
        starts_on=body["starts_on"],
        ends_on=body["ends_on"],
        sizes=list(body["sizes"]),
        industry_codes=list(body["industries"]),
        region_codes=list(body["regions"]),
        tag_ids=list(body["tag_ids"]),
        first_loan_only=body["first_loan_only"],
        bank_ids=list(body["bank_ids"]),
        product_ids=list(body["product_ids"]),
        kind=body["kind"],
        value=body["value"],
        cap_per_loan=body["cap_per_loan"],
        cap_per_enterprise=body["cap_per_enterprise"],
        budget=body["budget"],
    )


API_NAMES = {"cap_per_loan_wan": "cap_per_loan", "cap_per_enterprise_wan": "cap_per_enterprise"}
API_NAMES |= {"budget_wan": "budget"} | NAMES


def _official_programme(programme_id: int) -> SubsidyProgramme:
    return or_404(programmes.get_for(request_user(), programme_id))


@blp.route("/programmes")
@public
@blp.arguments(schemas.PageArgs, location="query")
@blp.response(200, schemas.page_of(ProgrammeSchema, "ProgrammePage"))
def list_programmes(args):
    """Every programme, newest period first, with who qualifies in plain words."""
    stmt = sa.select(SubsidyProgramme).order_by(
        SubsidyProgramme.ends_on.desc(), SubsidyProgramme.id
    )
    return page(stmt, args)


@blp.route("/programmes/<int(max=2147483647):programme_id>")
@public
@blp.response(200, ProgrammeSchema)
def get_programme(programme_id: int):
    return or_404(db.session.get(SubsidyProgramme, programme_id))


@blp.route("/programmes", methods=["POST"])
@roles(*OVERSIGHT_ROLES)
@blp.doc(**SECURED)
@blp.arguments(ProgrammeFields)
@blp.response(201, ProgrammeSchema)
def create_programme(body):
    """A programme of the official's region (amounts in yuan)."""
    with field_names(API_NAMES):
        return programmes.create(request_user(), _input(body))


@blp.route("/programmes/<int(max=2147483647):programme_id>", methods=["PUT"])
@roles(*OVERSIGHT_ROLES)
@blp.doc(**SECURED)
@found_before_body(_official_programme, "programme_id", "programme")
@blp.arguments(ProgrammeUpdateSchema)
@blp.response(200, ProgrammeSchema)
def update_programme(body, programme: SubsidyProgramme):
    """The whole programme again, with the `version` you read (a stale one answers 409)."""
    with field_names(API_NAMES):
        return programmes.update(request_user(), programme, _input(body), body["version"])


@blp.route("/programmes/<int(max=2147483647):programme_id>/commitments")
@roles(*OVERSIGHT_ROLES)
@blp.doc(**SECURED)
@blp.response(200, CommitmentSchema(many=True))
def programme_commitments(programme_id: int):
    """The agreements signed under the programme and the subsidy each is expected to draw."""
    programme = _official_programme(programme_id)
    return [c for c, _agreement in programmes.commitments(programme)]


@blp.route("/tag-kinds")
@roles(*ALL_ROLES)
@blp.doc(**SECURED)
@blp.response(200, TagKindSchema(many=True))
def list_tag_kinds():
    return tags.kinds()


@blp.route("/tags")
@roles(*OVERSIGHT_ROLES)
@blp.doc(**SECURED)
@blp.arguments(TagQuerySchema, location="query")
@blp.response(200, schemas.page_of(TagSchema, "TagPage"))
def list_tags(args):
    """The lists' entries of enterprises in the official's region."""
    return page(tags.listing(request_user(), args["kind"], args["q"]), args)


@blp.route("/tags", methods=["POST"])
@roles(*OVERSIGHT_ROLES)
@blp.doc(**SECURED)
@blp.arguments(NewTagSchema)
@blp.response(201, TagSchema)
def create_tag(body):
    return tags.add(request_user(), tags.TagInput(**body))


@blp.route("/tags/<int(max=2147483647):tag_id>", methods=["DELETE"])
@roles(*OVERSIGHT_ROLES)
@blp.doc(**SECURED)
@blp.response(204)
def delete_tag(tag_id: int):
    tags.remove(request_user(), or_404(tags.get_for(request_user(), tag_id)))
