"""Intent agreements (意向协议): recorded by the bank, confirmed by the enterprise, then
approved and disbursed, or cancelled with a reason."""

from __future__ import annotations

import sqlalchemy as sa

from app.agreements import disputes, services
from app.agreements.services import AgreementInput
from app.api import schemas
from app.api.common import SECURED, blueprint, field_names, or_404, page
from app.engagements.services import get_for as get_engagement
from app.formatting import exact_wan
from app.models import Agreement
from app.models.enums import Role
from app.regions.branches import where_branch
from app.regions.scope import where_enterprise
from app.security import BANK_ROLES, OVERSIGHT_ROLES, request_user, roles

blp = blueprint("api_agreements", "Intent agreements from signature to disbursement")

EVERYONE = (Role.ENTERPRISE, *BANK_ROLES, *OVERSIGHT_ROLES)


def _agreement(agreement_id: int) -> Agreement:
    return or_404(services.get_for(request_user(), agreement_id))


@blp.route("/agreements")
@roles(*EVERYONE)
@blp.doc(**SECURED)
@blp.arguments(schemas.AgreementQuerySchema, location="query")
@blp.response(200, schemas.page_of(schemas.AgreementSchema, "AgreementPage", sync=True))
def list_agreements(args):
    """A bank's agreements, an enterprise's, or all for officials; newest signed first."""
    user = request_user()
    stmt = sa.select(Agreement).options(sa.orm.selectinload(Agreement.disbursements))
    if user.role in BANK_ROLES:
        stmt = stmt.where(
            Agreement.bank_id == user.bank_id, *where_branch(user, Agreement.branch_id)
        )
    elif user.role is Role.ENTERPRISE:
        stmt = stmt.where(Agreement.enterprise_id == user.enterprise_id)
    stmt = stmt.where(*where_enterprise(user, Agreement.enterprise_id))
    if args["status"] is not None:
        stmt = stmt.where(Agreement.status == args["status"])
    return page(stmt.order_by(Agreement.signed_on.desc(), Agreement.id.desc()), args, Agreement)


@blp.route("/agreements", methods=["POST"])
@roles(*BANK_ROLES)
@blp.doc(**SECURED)
@blp.arguments(schemas.NewAgreementSchema)
@blp.response(201, schemas.AgreementSchema)
def create_agreement(body):
    """The bank records an agreement on an engagement the enterprise accepted."""
    engagement = or_404(get_engagement(request_user(), body["engagement_id"]))
    data = AgreementInput(
        amount_wan=exact_wan(body["amount"]),
        term_months=body["term_months"],
        rate=body["rate"],
        guarantee=body["guarantee"],
        signed_on=body["signed_on"],
        event_id=body["event_id"],
        note=body["note"],
        first_loan=body["first_loan"],
    )
    with field_names({"amount_wan": "amount"}):
        return services.record_agreement(engagement, request_user(), data)


@blp.route("/agreements/<int(max=2147483647):agreement_id>")
@roles(*EVERYONE)
@blp.doc(**SECURED)
@blp.response(200, schemas.AgreementSchema)
def get_agreement(agreement_id: int):
    return _agreement(agreement_id)


@blp.route("/agreements/<int(max=2147483647):agreement_id>/confirm", methods=["POST"])
@roles(Role.ENTERPRISE)
@blp.doc(**SECURED)
@blp.arguments(schemas.VersionSchema)
@blp.response(200, schemas.AgreementSchema)
def confirm(body, agreement_id: int):
    """Only confirmed agreements count as signed in the officials' totals."""
    return services.confirm(_agreement(agreement_id), request_user(), body["version"])


@blp.route("/agreements/<int(max=2147483647):agreement_id>/dispute", methods=["POST"])
@roles(Role.ENTERPRISE)
@blp.doc(**SECURED)
@blp.arguments(schemas.ReasonBodySchema)
@blp.response(200, schemas.AgreementSchema)
def dispute(body, agreement_id: int):
    agreement = _agreement(agreement_id)
    disputes.dispute(agreement, request_user(), body["reason"], body["version"])
    return agreement


@blp.route("/agreements/<int(max=2147483647):agreement_id>/correct", methods=["POST"])
@roles(*BANK_ROLES)
@blp.doc(**SECURED)
@blp.arguments(schemas.CorrectionSchema)
@blp.response(200, schemas.AgreementSchema)
def correct(body, agreement_id: int):
    """The bank corrects a disputed agreement; it goes back to the enterprise to confirm."""
    data = AgreementInput(
        amount_wan=exact_wan(body["amount"]),
        term_months=body["term_months"],
        rate=body["rate"],
        guarantee=body["guarantee"],
        signed_on=body["signed_on"],
        event_id=body["event_id"],
        note=body["note"],
    )
    with field_names({"amount_wan": "amount"}):
        return disputes.correct(_agreement(agreement_id), request_user(), data, body["version"])


@blp.route("/agreements/<int(max=2147483647):agreement_id>/close-dispute", methods=["POST"])
@roles(Role.OFFICIAL)
@blp.doc(**SECURED)
@blp.arguments(schemas.DisputeClosingSchema)
@blp.response(200, schemas.AgreementSchema)
def close_dispute(body, agreement_id: int):
    """An official closes the open dispute with a written outcome."""
    agreement = _agreement(agreement_id)
    disputes.close_by_official(
        agreement, request_user(), body["outcome"], body["note"], body["version"]
    )
    return agreement


@blp.route("/agreements/<int(max=2147483647):agreement_id>/approve", methods=["POST"])
@roles(*BANK_ROLES)
@blp.doc(**SECURED)
@blp.arguments(schemas.ApprovalSchema)
@blp.response(200, schemas.AgreementSchema)
def approve(body, agreement_id: int):
    with field_names({"amount_wan": "approved_amount", "on": "approved_on"}):
        return services.approve(
            _agreement(agreement_id),
            request_user(),
            exact_wan(body["approved_amount"]),
            body["approved_on"],
            body["version"],
        )


@blp.route("/agreements/<int(max=2147483647):agreement_id>/disbursements", methods=["POST"])
@roles(*BANK_ROLES)
@blp.doc(**SECURED)
@blp.arguments(schemas.NewDisbursementSchema)
@blp.response(201, schemas.AgreementSchema)
def disburse(body, agreement_id: int):
    """Record money paid out (in parts if need be); answers with the agreement as it now is."""
    agreement = _agreement(agreement_id)
    with field_names({"amount_wan": "amount", "on": "disbursed_on"}):
        services.disburse(
            agreement,
            request_user(),
            exact_wan(body["amount"]),
            body["disbursed_on"],
            body["version"],
        )
    return agreement


@blp.route("/disbursements/<int(max=2147483647):disbursement_id>/received", methods=["POST"])
@roles(Role.ENTERPRISE)
@blp.doc(**SECURED)
@blp.response(200, schemas.AgreementSchema)
def confirm_received(disbursement_id: int):
    """The enterprise confirms a tranche the bank recorded has arrived (确认到账); answers
    with the agreement as it now is."""
    tranche = or_404(services.get_tranche_for(request_user(), disbursement_id))
    services.confirm_received(tranche, request_user())
    return tranche.agreement


@blp.route("/agreements/<int(max=2147483647):agreement_id>/cancel", methods=["POST"])
@roles(*BANK_ROLES)
@blp.doc(**SECURED)
@blp.arguments(schemas.ReasonBodySchema)
@blp.response(200, schemas.AgreementSchema)
def cancel(body, agreement_id: int):
    return services.cancel(
        _agreement(agreement_id), request_user(), body["reason"], body["version"]
    )
