"""The coordination mechanism's recommended businesses, for banks' systems: the list, one
recommendation, and feedback (contact, credit decision, a tranche lent) in one call."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.api import schemas
from app.api.common import SECURED, blueprint, or_404
from app.coordination import feedback
from app.formatting import yuan_to_wan
from app.models import db
from app.models.coordination import RecommendationStatus, RefusalReason
from app.security import BANK_ROLES, request_user, roles

blp = blueprint("api_recommendations", "The coordination mechanism's recommended businesses")


class TrancheSchema(schemas.Strict):
    amount = schemas.Money(required=True)
    lent_on = fields.Date(required=True)


class FeedbackSchema(schemas.Strict):
    contacted_at = fields.AwareDateTime(load_default=None, allow_none=True)
    decision = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(["granted", "refused"])
    )
    amount = schemas.Money(load_default=None, allow_none=True)
    rate = schemas.Percent(load_default=None, allow_none=True)
    term_months = schemas.whole(1, 360, load_default=None, allow_none=True)
    credit_loan = fields.Boolean(load_default=False)
    maturity_on = fields.Date(load_default=None, allow_none=True)
    refusal_reason = schemas.enum(RefusalReason, load_default=None, allow_none=True)
    refusal_note = schemas.text(500, load_default="")
    tranche = fields.Nested(TrancheSchema, load_default=None, allow_none=True)
    version = schemas.ident(load_default=None, allow_none=True)


class RecommendationSchema(Schema):
    """Only what the business's authorisation covers."""

    id = fields.Integer(required=True)
    status = schemas.enum(RecommendationStatus, required=True)
    business = fields.Method("_business", required=True)
    amount_needed = schemas.Money(attribute="declaration.amount", required=True)
    sent_at = fields.AwareDateTime(required=True)
    contact_due_at = fields.AwareDateTime(required=True)
    decision_due_at = fields.AwareDateTime(required=True)
    contacted_at = fields.AwareDateTime(allow_none=True)
    decided_at = fields.AwareDateTime(allow_none=True)
    granted_amount = schemas.Money(allow_none=True)
    rate = schemas.Percent(allow_none=True)
    term_months = fields.Integer(allow_none=True)
    credit_loan = fields.Boolean(allow_none=True)
    maturity_on = fields.Date(allow_none=True)
    refusal_reason = schemas.enum(RefusalReason, allow_none=True)
    refusal_note = fields.String()
    lent_total = schemas.Money(required=True)
    version = fields.Integer(required=True)

    def _business(self, rec) -> dict:
        e = rec.declaration.enterprise
        return {
            "name": e.name,
            "credit_code": e.credit_code,
            "region_code": rec.declaration.region_code,
            "contact_name": e.contact_name,
            "mobile": e.mobile,
        }


@blp.route("/recommendations")
@roles(*BANK_ROLES)
@blp.doc(**SECURED)
@blp.response(200, RecommendationSchema(many=True))
def list_recommendations():
    """The businesses the mechanism recommended to the caller's bank (authorised ones only)."""
    return feedback.bank_list(request_user().bank_id)


@blp.route("/recommendations/<int(max=2147483647):rec_id>")
@roles(*BANK_ROLES)
@blp.doc(**SECURED)
@blp.response(200, RecommendationSchema)
def get_recommendation(rec_id: int):
    return or_404(feedback.get_for(request_user(), rec_id))


@blp.route("/recommendations/<int(max=2147483647):rec_id>/feedback", methods=["POST"])
@roles(*BANK_ROLES)
@blp.doc(**SECURED)
@blp.arguments(FeedbackSchema)
@blp.response(200, RecommendationSchema)
def post_feedback(body, rec_id: int):
    """Contact, the credit decision (`granted` needs amount, rate, term and maturity;
    `refused` a reason) and a tranche lent, applied together or not at all."""
    user = request_user()
    rec = or_404(feedback.get_for(user, rec_id))
    try:
        if body["contacted_at"] is not None and rec.status is RecommendationStatus.SENT:
            feedback.record_contact(
                rec, user, body["version"], now=body["contacted_at"], commit=False
            )
        if body["decision"] is not None:
            data = feedback.DecisionInput(
                granted=body["decision"] == "granted",
                amount_wan=yuan_to_wan(body["amount"]),
                rate=body["rate"],
                term_months=body["term_months"],
                credit_loan=body["credit_loan"],
                maturity_on=body["maturity_on"],
                refusal_reason=body["refusal_reason"],
                refusal_note=body["refusal_note"],
            )
            feedback.record_decision(rec, user, data, body["version"], commit=False)
        if body["tranche"] is not None:
            tranche = body["tranche"]
            feedback.record_tranche(
                rec, user, yuan_to_wan(tranche["amount"]), tranche["lent_on"], commit=False
            )
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return rec
