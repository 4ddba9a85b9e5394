"""Words for the audit log's identifiers: the tables and actions it records, so the viewer
reads as the rest of the admin pages do (the identifier stays beside it, for searching)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

OBJECTS = {
    "agreements": _l("Intent agreement"),
    "disbursements": _l("Disbursement"),
    "banks": _l("Bank"),
    "branches": _l("Branch"),
    "credit_code_claims": _l("Credit-code claim"),
    "visits": _l("Visit"),
    "declarations": _l("Declaration"),
    "recommendations": _l("Recommendation"),
    "tranches": _l("Tranche lent"),
    "renewals": _l("Renewal"),
    "joint_reviews": _l("Joint review"),
    "negative_list_entries": _l("Negative-list entry"),
    "mechanism_deadlines": _l("Mechanism deadline"),
    "disputes": _l("Dispute"),
    "documents": _l("Document"),
    "engagements": _l("Bank engagement"),
    "enterprises": _l("Enterprise"),
    "events": _l("Matchmaking event"),
    "needs": _l("Financing need"),
    "products": _l("Loan product"),
    "regions": _l("Region"),
    "industries": _l("Industry"),
    "settings": _l("Setting"),
    # "Account" alone is the column of whether one is active (账号状态).
    "users": _lp("record", "Account"),
    "messages": _l("Message"),
    "deletion_requests": _l("Deletion request"),
    "webhook_endpoints": _l("Webhook endpoint"),
    "delivery_preferences": _l("Notification channels"),
    "registration_windows": _l("Venue registration window"),
}
ACTIONS = {
    "account_changed": _l("Account changed"),
    "account_disabled": _l("Account disabled"),
    "account_enabled": _l("Account enabled"),
    "account_role_changed": _l("Role or scope changed"),
    "agreement_recorded": _l("Agreement recorded"),
    "applied_to_product": _l("Applied to a product"),
    "authorised": _l("Authorisation recorded"),
    "bank_settings": _l("Bank settings changed"),
    "contact_card_changed": _l("Contact card changed"),
    "coordinator_created": _l("Coordinator created"),
    "credit_code_claim_resolved": _l("Claim resolved"),
    "credit_code_claimed": _l("Credit code claimed"),
    "declared": _l("Declared"),
    "deletion_requested": _l("Deletion requested"),
    "delivery_preferences_changed": _l("Notification channels changed"),
    "disbursed": _l("Disbursed"),
    "disbursement_received": _l("Money confirmed received"),
    "dispute_closed": _l("Dispute closed"),
    "dispute_raised": _l("Dispute raised"),
    "document_uploaded": _l("Document uploaded"),
    "enterprise_edited": _l("Enterprise edited"),
    "enterprise_met_on_visit": _l("Enterprise met on a visit"),
    "enterprise_registered": _l("Enterprise registered"),
    "event_signed_up": _l("Signed up for an event"),
    "home_region_changed": _l("Home region changed"),
    "identity_shared": _l("Identity shared with a bank"),
    "joint_review": _l("Joint review recorded"),
    "message_posted": _l("Message posted"),
    "message_retracted": _l("Message retracted"),
    "mobile_confirmed": _l("Mobile number confirmed"),
    "need_created": _l("Need created"),
    "need_edited": _l("Need edited"),
    "negative_entry_added": _l("Negative-list entry added"),
    "negative_entry_removed": _l("Negative-list entry removed"),
    "password_changed": _l("Password changed"),
    "password_reset": _l("Password reset"),
    "password_reset_by_admin": _l("Password reset by an admin"),
    "platform_named": _l("Platform named"),
    "privacy_consent": _l("Privacy notice accepted"),
    "product_created": _l("Product created"),
    "product_edited": _l("Product edited"),
    "recommended_to_bank": _l("Recommended to a bank"),
    "reminder_sent": _l("Reminder sent"),
    "renewal_reminded": _l("Renewal reminder sent"),
    "renewed": _l("Renewal recorded"),
    "roster_imported": _l("Roster imported"),
    "routed": _l("Routed to a bank"),
    "status_changed": _l("Status changed"),
    "tranche_lent": _l("Tranche lent"),
    "user_created": _l("Account created"),
    "venue_registration_opened": _l("Venue registration opened"),
    "visit_recorded": _l("Visit recorded"),
    "webhook_enabled": _l("Webhook enabled again"),
    "webhook_registered": _l("Webhook registered"),
    "webhook_removed": _l("Webhook removed"),
    "webhook_resent": _l("Webhook delivery resent"),
}

# Risk-compensation pools (app.pools).
OBJECTS["risk_pools"] = _l("Risk-compensation pool")
ACTIONS.update(
    {
        "pool_created": _l("Pool created"),
        "pool_edited": _l("Pool edited"),
        "pool_loan_filed": _l("Loan filed under a pool"),
        "pool_loss_reported": _l("Loss reported to a pool"),
        "pool_payout_recorded": _l("Pool compensation paid"),
    }
)


STATUS_ENUMS = {
    "agreements": "enums.AgreementStatus",
    "engagements": "enums.EngagementStatus",
    "enterprises": "enums.EnterpriseStatus",
    "needs": "enums.NeedStatus",
    "products": "enums.ProductStatus",
    # The mechanism's lists change status too; without these the log read "sent → granted".
    "declarations": "coordination.DeclarationStatus",
    "recommendations": "coordination.RecommendationStatus",
}


def status_label(entity_type: str, value: str | None) -> str:
    """A status value in the words of its record's own status list."""
    if not value:
        return "—"
    from app.models import coordination, enums

    module, _dot, name = STATUS_ENUMS.get(entity_type, "").partition(".")
    found = {"enums": enums, "coordination": coordination}.get(module)
    kind = getattr(found, name, None)
    member = next((m for m in kind if m.value == value), None) if kind else None
    return str(member.label) if member is not None else value


def object_label(entity_type: str) -> str:
    return str(OBJECTS.get(entity_type, entity_type))


def action_label(action: str) -> str:
    return str(ACTIONS.get(action, action))
