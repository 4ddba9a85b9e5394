"""What the API reads and writes, field by field; the OpenAPI document is built from these.

Amounts are decimal strings in yuan, rates percent strings, dates ISO 8601. Field names are
the ones banks code against, so they differ from the columns where the domain's words do.
"""

from __future__ import annotations

import copy
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, missing, validate

from app.api.sync import Cursor
from app.models.enums import (
    AgreementStatus,
    BankType,
    Collateral,
    DeclineReason,
    DisputeOutcome,
    EngagementOrigin,
    EngagementStatus,
    EnterpriseSize,
    EnterpriseStatus,
    Guarantee,
    NeedStatus,
    ProductStatus,
    ProductType,
    Purpose,
    RegionLevel,
    RepaymentMethod,
    Role,
    TaxRating,
)

MAX_YUAN = Decimal("1000000000000")  # 1万亿元


class DecimalString(fields.Field):
    """A decimal written as a string with two decimals ("8000000.00", "4.50"), never a float."""

    shape = _l('Give the amount as a decimal string in yuan, e.g. "8000000.00".')
    not_decimal = _l("Not a decimal amount.")
    precision = _l("At most two decimals (fen).")

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f"{Decimal(value):.2f}"

    def _parse(self, value) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ValidationError(str(self.shape))
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValidationError(str(self.not_decimal)) from None
        if not number.is_finite() or number.as_tuple().exponent < -2:
            raise ValidationError(str(self.precision))
        return number


class Money(DecimalString):
    """Yuan, to the fen."""

    def __init__(self, *, maximum: Decimal = MAX_YUAN, zero: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.maximum = maximum
        self.zero = zero

    def _deserialize(self, value, attr, data, **kwargs):
        amount = self._parse(value)
        if amount < 0 or (amount == 0 and not self.zero) or amount > self.maximum:
            if self.zero:
                message = _("Must be 0 or more and at most %(maximum)s.", maximum=self.maximum)
            else:
                message = _("Must be more than 0 and at most %(maximum)s.", maximum=self.maximum)
            raise ValidationError(message)
        return amount.quantize(Decimal("0.01"))


class Percent(DecimalString):
    """An annual rate in percent."""

    shape = _l('Give the rate as a percent string, e.g. "4.50".')
    not_decimal = _l("Not a decimal rate.")
    precision = _l("At most two decimals.")

    def _deserialize(self, value, attr, data, **kwargs):
        rate = self._parse(value)
        if not Decimal(0) <= rate <= Decimal(36):
            raise ValidationError(_("Must be between 0 and 36."))
        return rate


class Score(DecimalString):
    """Points, or a score out of 100 (read only)."""


class Days(DecimalString):
    """Working days, to a tenth (read only)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f"{Decimal(value):.1f}"


ID_MAX = 2**31 - 1


def ident(**kwargs):
    """A row id or version: databases keep 32-bit integers, so larger numbers are refused,
    not overflowed."""
    return fields.Integer(validate=validate.Range(1, ID_MAX), **kwargs)


def enum(kind, **kwargs):
    return fields.Enum(kind, by_value=True, **kwargs)


def enum_list(kind, **kwargs):
    return fields.List(fields.Enum(kind, by_value=True), **kwargs)


def text(maximum: int, **kwargs):
    return fields.String(validate=validate.Length(max=maximum), **kwargs)


def whole(minimum: int, maximum: int, **kwargs):
    return fields.Integer(strict=True, validate=validate.Range(minimum, maximum), **kwargs)


class Strict(Schema):
    """Unknown fields are ignored on input, so clients may send what they read."""

    class Meta:
        unknown = EXCLUDE


def merge_patch_of(fields_schema: type[Schema], name: str) -> type[Schema]:
    """A JSON Merge Patch (RFC 7396) body for `fields_schema`: every field optional and without
    a default, since an absent field stays as it is; `null` clears the fields that may be empty
    and is refused by the others; lists are replaced whole. `version` is required (the one
    read), so a change made meanwhile answers 409 instead of being overwritten."""
    declared = {}
    for key, field in fields_schema._declared_fields.items():
        optional = copy.copy(field)
        optional.required = False
        optional.load_default = missing
        declared[key] = optional
    declared["version"] = ident(required=True)
    return Strict.from_dict(declared, name=name)


# Errors and pages ------------------------------------------------------------------------


class ErrorBodySchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields_ = fields.Dict(
        data_key="fields", keys=fields.String(), values=fields.String(), required=True
    )


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


class PageArgs(Strict):
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class SyncArgs(PageArgs):
    """(#21) A list in order of update, after a time or a cursor, besides the page numbers."""

    updated_since = fields.AwareDateTime(
        load_default=None,
        metadata={
            "description": "Only what changed at or after this time (ISO 8601 with a zone); "
            "the list is then in order of update, oldest first, and `page` is not used."
        },
    )
    cursor = Cursor(
        load_default=None,
        validate=validate.Length(max=200),
        metadata={
            "description": "The `next_cursor` of the page read before: the list goes on after "
            "it, in order of update. Keep the last one to ask later for what changed since."
        },
    )


def page_of(item_schema: type[Schema], name: str, *, sync: bool = False) -> type[Schema]:
    extra = {}
    if sync:
        extra["next_cursor"] = fields.String(
            required=True,
            allow_none=True,
            metadata={
                "description": "With `updated_since` or `cursor`: where the next page starts "
                "(null in page-number mode, or when nothing matched)."
            },
        )
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "total": fields.Integer(required=True),
            "page": fields.Integer(required=True),
            "per_page": fields.Integer(required=True),
            **extra,
        },
        name=name,
    )


# Accounts ----------------------------------------------------------------------------


class TokenRequestSchema(Strict):
    login = fields.String(required=True, validate=validate.Length(min=1, max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    otp = fields.String(
        load_default="",
        validate=validate.Length(max=20),
        metadata={"description": "The second factor's code, for accounts that have one"},
    )


class TokenSchema(Schema):
    token = fields.String(required=True)
    expires_at = fields.AwareDateTime(required=True)


class MeSchema(Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    mobile = fields.String(allow_none=True)
    name = fields.String(required=True)
    role = enum(Role, required=True)
    enterprise_id = fields.Integer(allow_none=True)
    bank_id = fields.Integer(allow_none=True)
    branch_id = fields.Integer(allow_none=True)


class HealthSchema(Schema):
    status = fields.String(required=True)


# Reference ---------------------------------------------------------------------------


class RegionSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    name_en = fields.String(allow_none=True)
    level = enum(RegionLevel, required=True)
    parent_code = fields.String(allow_none=True)
    retired_on = fields.Date(allow_none=True)
    successor_code = fields.String(allow_none=True)


class RegionArgs(PageArgs):
    parent = fields.String(
        load_default="", validate=[validate.Length(max=12), validate.Regexp(r"^\d*$")]
    )
    # PostgreSQL text cannot hold NUL, so it is refused here rather than failing in the query.
    q = fields.String(
        load_default="", validate=[validate.Length(max=32), validate.Regexp(r"^[^\x00]*$")]
    )
    retired = fields.Boolean(load_default=False)


class IndustrySchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    name_en = fields.String(allow_none=True)
    level = fields.String(required=True)
    parent_code = fields.String(allow_none=True)


class BranchSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    region = fields.String(attribute="region_code", required=True)
    address = fields.String()
    phone = fields.String()


class BankSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    short_name = fields.String(required=True)
    type = enum(BankType, attribute="bank_type", required=True)
    branches = fields.List(fields.Nested(BranchSchema), required=True)


# Enterprises -------------------------------------------------------------------------


class EnterpriseFields(Strict):
    name = text(128, required=True)
    credit_code = text(40, required=True)
    legal_representative = text(64, required=True)
    contact_name = text(64, required=True)
    mobile = text(20, required=True)
    email = text(254, required=True)
    industry = text(8, required=True)
    region = text(12, required=True)
    founded_on = fields.Date(required=True)
    employees = whole(0, 10_000_000, required=True)
    revenue = Money(zero=True, required=True)
    total_assets = Money(zero=True, required=True)
    tax_rating = enum(TaxRating, allow_none=True, load_default=None)
    first_loan = fields.Boolean(load_default=False)


class NewUserSchema(Strict):
    email = text(254, required=True)
    mobile = text(20, load_default="")
    password = fields.String(required=True, validate=validate.Length(max=200))


class RegistrationSchema(EnterpriseFields):
    user = fields.Nested(NewUserSchema, required=True)


class RegistrationReceivedSchema(Schema):
    message = fields.String(required=True)


class EnterpriseSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    credit_code = fields.String(required=True)
    legal_representative = fields.String(required=True)
    contact_name = fields.String(required=True)
    mobile = fields.String(required=True)
    email = fields.String(required=True)
    industry = fields.String(attribute="industry_code", required=True)
    region = fields.String(attribute="region_code", required=True)
    founded_on = fields.Date(required=True)
    employees = fields.Integer(required=True)
    revenue = Money(required=True)
    total_assets = Money(required=True)
    tax_rating = enum(TaxRating, allow_none=True)
    first_loan = fields.Boolean(required=True)
    size = enum(EnterpriseSize, required=True)
    size_reason = fields.String(required=True)
    status = enum(EnterpriseStatus, required=True)
    rejection_reason = fields.String()


class VerificationSchema(Strict):
    decision = fields.String(required=True, validate=validate.OneOf(["verify", "reject"]))
    reason = text(500, load_default="")


# Needs -------------------------------------------------------------------------------


class NeedFields(Strict):
    amount = Money(required=True)
    term_months = whole(1, 360, required=True)
    purpose = enum(Purpose, required=True)
    guarantees = enum_list(Guarantee, required=True)
    collateral = enum_list(Collateral, load_default=list)
    max_rate = Percent(required=True)
    needed_by = fields.Date(required=True)
    description = text(2000, load_default="")


class NewNeedSchema(NeedFields):
    publish = fields.Boolean(load_default=False)


NeedPatchSchema = merge_patch_of(NeedFields, "NeedPatchSchema")


class VersionSchema(Strict):
    version = ident(load_default=None, allow_none=True)


class NeedSchema(Schema):
    id = fields.Integer(required=True)
    enterprise_id = fields.Integer(required=True)
    amount = Money(required=True)
    term_months = fields.Integer(required=True)
    purpose = enum(Purpose, required=True)
    guarantees = enum_list(Guarantee, required=True)
    collateral = enum_list(Collateral, required=True)
    max_rate = Percent(required=True)
    needed_by = fields.Date(required=True)
    description = fields.String(required=True)
    status = enum(NeedStatus, required=True)
    version = fields.Integer(required=True)
    posted_at = fields.AwareDateTime(allow_none=True)


class NeedQuerySchema(SyncArgs):
    status = enum(NeedStatus, load_default=None)


class ReasonSchema(Schema):
    criterion = fields.String(required=True)
    passed = fields.Boolean(required=True)
    points = Score(allow_none=True)
    message = fields.String(required=True)
    fix = fields.String()


class EligibleSchema(Schema):
    product_id = fields.Integer(required=True)
    bank_id = fields.Integer(required=True)
    product_name = fields.String(required=True)
    score = Score(required=True)
    reasons = fields.List(fields.Nested(ReasonSchema), required=True)


class NearMissSchema(Schema):
    product_id = fields.Integer(required=True)
    bank_id = fields.Integer(required=True)
    product_name = fields.String(required=True)
    failed = fields.Nested(ReasonSchema, required=True)


class MatchesSchema(Schema):
    eligible = fields.List(fields.Nested(EligibleSchema), required=True)
    near_misses = fields.List(fields.Nested(NearMissSchema), required=True)


# Products ----------------------------------------------------------------------------


class ProductFields(Strict):
    name = text(128, required=True)
    type = enum(ProductType, required=True)
    branch_id = ident(load_default=None, allow_none=True)
    min_amount = Money(required=True)
    max_amount = Money(required=True)
    min_term_months = whole(1, 360, required=True)
    max_term_months = whole(1, 360, required=True)
    min_rate = Percent(required=True)
    max_rate = Percent(required=True)
    fee_rate = Percent(load_default=Decimal("0"))
    upfront_fee_rate = Percent(load_default=Decimal("0"))
    upfront_fee_amount = Money(zero=True, load_default=Decimal("0"))
    monthly_fee_amount = Money(zero=True, load_default=Decimal("0"))
    guarantee_fee_rate = Percent(load_default=Decimal("0"))
    repayment_methods = enum_list(
        RepaymentMethod, load_default=lambda: [RepaymentMethod.INTEREST_ONLY]
    )
    fees_note = text(500, load_default="")
    guarantees = enum_list(Guarantee, required=True)
    industries = fields.List(fields.String(validate=validate.Length(max=8)), load_default=list)
    sizes = enum_list(EnterpriseSize, load_default=list)
    regions = fields.List(fields.String(validate=validate.Length(max=12)), load_default=list)
    purposes = enum_list(Purpose, required=True)
    required_tags = fields.List(
        ident(),
        load_default=list,
        validate=validate.Length(max=20),
        metadata={
            "description": "ids of official lists (GET /api/v1/tag-kinds); only enterprises on "
            "one of them qualify; empty: any enterprise"
        },
    )
    min_years = whole(0, 100, load_default=0)
    min_tax_rating = enum(TaxRating, load_default=None, allow_none=True)
    first_loan = fields.Boolean(load_default=False)
    approval_days = whole(1, 365, load_default=7)
    requirements = text(4000, load_default="")
    documents = text(4000, load_default="")
    valid_until = fields.Date(load_default=None, allow_none=True)


ProductPatchSchema = merge_patch_of(ProductFields, "ProductPatchSchema")


STRINGS = {"type": "array", "items": {"type": "string"}}  # how the spec types a list method


class ProductSchema(Schema):
    id = fields.Integer(required=True)
    bank_id = fields.Integer(required=True)
    branch_id = fields.Integer(allow_none=True)
    name = fields.String(required=True)
    type = enum(ProductType, attribute="product_type", required=True)
    min_amount = Money(required=True)
    max_amount = Money(required=True)
    min_term_months = fields.Integer(required=True)
    max_term_months = fields.Integer(required=True)
    min_rate = Percent(required=True)
    max_rate = Percent(required=True)
    fee_rate = Percent(required=True)
    upfront_fee_rate = Percent(required=True)
    upfront_fee_amount = Money(zero=True, required=True)
    monthly_fee_amount = Money(zero=True, required=True)
    guarantee_fee_rate = Percent(required=True)
    repayment_methods = fields.Method("_methods", required=True, metadata=STRINGS)
    all_in = fields.Method(
        "_all_in",
        required=True,
        metadata={
            "type": "object",
            "description": "the lowest all-in annual rate (IRR x 12) for a reference loan of "
            "100 万元 over 12 months, moved inside the product's range",
            "required": ["amount", "months", "method", "all_in_rate"],
            "properties": {
                "amount": {"type": "string", "format": "decimal"},
                "months": {"type": "integer"},
                "method": {"type": "string", "enum": [m.value for m in RepaymentMethod]},
                "all_in_rate": {"type": "string", "format": "decimal"},
            },
        },
    )
    fees_note = fields.String(required=True)
    guarantees = enum_list(Guarantee, required=True)
    industries = fields.Method("_industries", required=True, metadata=STRINGS)
    sizes = enum_list(EnterpriseSize, required=True)
    regions = fields.Method("_regions", required=True, metadata=STRINGS)
    purposes = enum_list(Purpose, required=True)
    required_tags = fields.Function(
        lambda p: sorted(p.required_tag_ids or []),
        required=True,
        metadata={"type": "array", "items": {"type": "integer"}},
    )
    min_years = fields.Integer(required=True)
    min_tax_rating = enum(TaxRating, allow_none=True)
    first_loan = fields.Boolean(required=True)
    approval_days = fields.Integer(required=True)
    requirements = fields.String(required=True)
    documents = fields.String(required=True)
    valid_until = fields.Date(allow_none=True)
    status = enum(ProductStatus, required=True)
    version = fields.Integer(required=True)

    def _methods(self, product) -> list[str]:
        return list(product.price_items().methods)

    def _all_in(self, product) -> dict:
        q = product.indicative_quote
        return {
            "amount": f"{q.amount:.2f}",
            "months": q.months,
            "method": q.method,
            "all_in_rate": f"{q.all_in_rate:.2f}",
        }

    def _industries(self, product) -> list[str]:
        return sorted(i.code for i in product.industries)

    def _regions(self, product) -> list[str]:
        return sorted(r.code for r in product.regions)


class ProductQuerySchema(SyncArgs):
    q = text(100, load_default="")
    type = enum(ProductType, load_default=None)
    guarantee = enum(Guarantee, load_default=None)
    bank = ident(load_default=None)
    bank_type = enum(BankType, load_default=None)
    region = text(12, load_default="")
    industry = text(8, load_default="")
    size = enum(EnterpriseSize, load_default=None)
    amount = Money(load_default=None)
    term_months = whole(1, 360, load_default=None)
    first_loan = fields.Boolean(load_default=False)
    own = fields.Boolean(load_default=False)
    sort = fields.String(
        load_default="rate",
        validate=validate.OneOf(["rate", "amount", "speed"]),
        metadata={
            "description": "rate: lowest all-in annual rate of the reference loan (fees "
            "included) first; amount: largest first; speed: fastest approval first"
        },
    )


class ApplicationSchema(Strict):
    need_id = ident(required=True)


# Engagements and agreements ------------------------------------------------------------


class EngagementSchema(Schema):
    id = fields.Integer(required=True)
    need_id = fields.Integer(required=True)
    bank_id = fields.Integer(required=True)
    branch_id = fields.Integer(allow_none=True)
    product_id = fields.Integer(allow_none=True)
    origin = enum(EngagementOrigin, required=True)
    status = enum(EngagementStatus, required=True)
    score = Score(allow_none=True)
    routed_at = fields.AwareDateTime(required=True)
    deadline = fields.AwareDateTime(attribute="deadline_at", required=True)
    first_response_at = fields.AwareDateTime(allow_none=True)
    responded_on_time = fields.Boolean(allow_none=True)
    decline_reason = enum(DeclineReason, allow_none=True)
    decline_note = fields.String()
    version = fields.Integer(required=True)
    need = fields.Method("_need", required=True)

    def _need(self, engagement) -> dict:
        """The need's terms, and the enterprise as the caller may see it
        (anonymity.identity_shown): the k-anonymous profile until it consents, then its name,
        contacts and exact facts."""
        from app.enterprises import anonymity
        from app.security import request_user

        need = engagement.need
        enterprise = need.enterprise
        shown = {
            "amount": f"{need.amount:.2f}",
            "term_months": need.term_months,
            "purpose": need.purpose.value,
            "guarantees": sorted(g.value for g in need.guarantees),
            "max_rate": f"{need.max_rate:.2f}",
            "needed_by": need.needed_by.isoformat(),
        }
        profile = anonymity.shown_profile(request_user(), engagement)
        if profile is not None:
            shown.update(profile.as_api())
            return shown
        shown.update(
            industry=enterprise.industry_code,
            size=enterprise.size.value,
            region=enterprise.region_code,
            enterprise={
                "id": enterprise.id,
                "name": enterprise.name,
                "contact_name": enterprise.contact_name,
                "mobile": enterprise.mobile,
                "email": enterprise.email,
            },
        )
        return shown


class EngagementQuerySchema(SyncArgs):
    status = enum(EngagementStatus, load_default=None)
    need = ident(load_default=None)
    branch = ident(load_default=None)


class DeclineSchema(Strict):
    reason = enum(DeclineReason, required=True)
    note = text(500, load_default="")
    version = ident(load_default=None, allow_none=True)


class AgreementFields(Strict):
    amount = Money(required=True)
    term_months = whole(1, 360, required=True)
    rate = Percent(required=True)
    guarantee = enum(Guarantee, required=True)
    signed_on = fields.Date(required=True)
    event_id = ident(load_default=None, allow_none=True)
    note = text(1000, load_default="")
    first_loan = fields.Boolean(load_default=False)


class NewAgreementSchema(AgreementFields):
    engagement_id = ident(required=True)


class DisbursementSchema(Schema):
    id = fields.Integer(required=True)
    amount = Money(required=True)
    disbursed_on = fields.Date(required=True)
    received_confirmed_at = fields.AwareDateTime(allow_none=True)


class AgreementSchema(Schema):
    id = fields.Integer(required=True)
    engagement_id = fields.Integer(required=True)
    need_id = fields.Integer(required=True)
    enterprise_id = fields.Integer(required=True)
    bank_id = fields.Integer(required=True)
    branch_id = fields.Integer(allow_none=True)
    product_id = fields.Integer(allow_none=True)
    amount = Money(required=True)
    term_months = fields.Integer(required=True)
    rate = Percent(required=True)
    guarantee = enum(Guarantee, required=True)
    signed_on = fields.Date(required=True)
    event_id = fields.Integer(allow_none=True)
    first_loan = fields.Boolean(required=True)
    note = fields.String(required=True)
    status = enum(AgreementStatus, required=True)
    dispute_reason = fields.String()
    approved_amount = Money(allow_none=True)
    approved_on = fields.Date(allow_none=True)
    disbursed_amount = Money(required=True)
    disbursements = fields.List(fields.Nested(DisbursementSchema), required=True)
    cancel_reason = fields.String()
    version = fields.Integer(required=True)


class AgreementQuerySchema(SyncArgs):
    status = enum(AgreementStatus, load_default=None)


class CorrectionSchema(AgreementFields):
    """(#14) The bank's corrected terms for a disputed agreement."""

    version = ident(load_default=None, allow_none=True)


class DisputeClosingSchema(Strict):
    """(#14) An official's written outcome: `stands` (back to the enterprise to confirm) or
    `voided` (the agreement is cancelled)."""

    outcome = enum(DisputeOutcome, required=True)
    note = text(1000, required=True)
    version = ident(load_default=None, allow_none=True)


class ReasonBodySchema(Strict):
    reason = text(500, required=True)
    version = ident(load_default=None, allow_none=True)


class ApprovalSchema(Strict):
    approved_amount = Money(required=True)
    approved_on = fields.Date(required=True)
    version = ident(load_default=None, allow_none=True)


class NewDisbursementSchema(Strict):
    amount = Money(required=True)
    disbursed_on = fields.Date(required=True)
    version = ident(load_default=None, allow_none=True)


# Events and the summary ------------------------------------------------------------------


class EventSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    held_on = fields.Date(required=True)
    venue = fields.String()
    region = fields.String(attribute="region_code", allow_none=True)
    organiser = fields.String()
    description = fields.String()
    bank_ids = fields.Method(
        "_bank_ids", required=True, metadata={"type": "array", "items": {"type": "integer"}}
    )

    def _bank_ids(self, event) -> list[int]:
        return sorted(b.id for b in event.banks)


class EventDetailSchema(EventSchema):
    bank_ids = fields.List(fields.Integer(), required=True)
    enterprises = fields.Integer(required=True)
    banks = fields.Integer(required=True)
    agreements = fields.Integer(required=True)
    amount = Money(required=True)
    sentence = fields.String(required=True)


class SummaryQuerySchema(Strict):
    from_ = fields.Date(data_key="from", load_default=None)
    to = fields.Date(load_default=None)
    region = text(12, load_default="")
    bank = ident(load_default=None)
    bank_type = enum(BankType, load_default=None)
    industry = text(8, load_default="")
    size = enum(EnterpriseSize, load_default=None)
    event = ident(load_default=None)
    first_loan = fields.Boolean(load_default=False)


class BreakdownRowSchema(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    enterprises = fields.Integer(required=True)
    banks = fields.Integer(required=True)
    agreements = fields.Integer(required=True)
    amount = Money(required=True)
    disbursed = Money(required=True)


class LeagueRowSchema(Schema):
    bank_id = fields.Integer(required=True)
    bank = fields.String(required=True)
    routed = fields.Integer(required=True)
    on_time_rate = Percent(allow_none=True, required=True)
    pick_up_rate = Percent(allow_none=True, required=True)
    average_days = Days(allow_none=True, required=True)
    overdue_now = fields.Integer(required=True)
    agreements = fields.Integer(required=True)
    amount = Money(zero=True, required=True)
    disbursed = Money(zero=True, required=True)
    landing_rate = Percent(allow_none=True, required=True)


class SummarySchema(Schema):
    as_of = fields.Date(required=True)
    date_from = fields.Date(allow_none=True, required=True)
    enterprises = fields.Integer(required=True)
    banks = fields.Integer(required=True)
    other_institutions = fields.Integer(required=True)
    agreements = fields.Integer(required=True)
    amount = Money(zero=True, required=True)
    amount_commercial = Money(zero=True, required=True)
    amount_other = Money(zero=True, required=True)
    disbursed = Money(zero=True, required=True)
    received = Money(zero=True, required=True)
    landing_rate = Percent(allow_none=True, required=True)
    unconfirmed = fields.Integer(required=True)
    disputed = fields.Integer(required=True)
    sentence = fields.String(required=True)
    filters = fields.List(fields.String(), required=True)
    breakdowns = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Nested(BreakdownRowSchema)),
        required=True,
    )
    league = fields.List(fields.Nested(LeagueRowSchema), required=True)
