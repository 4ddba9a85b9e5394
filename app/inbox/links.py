"""Where each kind of notification leads its reader: the page on which to act.

One entry per kind in `app.notifications.MESSAGES`; a test walks every kind. The link is
worked out when the reader opens it, from the ids the notification carries, so it follows
the routes as they are now. A notification written before it carried ids leads home.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import url_for

from app.models import User
from app.models.enums import Role

Link = Callable[[dict, User], str]


def _to(endpoint: str, param: str, key: str) -> Link:
    def link(params: dict, user: User) -> str:
        value = params.get(key)
        if not isinstance(value, int):
            return url_for("main.home")
        return url_for(endpoint, **{param: value})

    return link


def _fixed(endpoint: str, **values) -> Link:
    return lambda params, user: url_for(endpoint, **values)


_bank_engagement = _to("engagements.detail", "engagement_id", "engagement")
_agency_engagement = _to("guarantees.engagement", "engagement_id", "engagement")


def engagement(params: dict, user: User) -> str:
    """A guarantee agency works its engagements in its own portal."""
    if user.role.is_agency:
        return _agency_engagement(params, user)
    return _bank_engagement(params, user)


agreement = _to("engagements.agreement_detail", "agreement_id", "agreement")
recommendation = _to("coordination.recommendation", "rec_id", "recommendation")


def _renewal(params: dict, user: User) -> str:
    if user.role is Role.ENTERPRISE:
        return url_for("coordination.my_visits")
    return recommendation(params, user)


def _claim(params: dict, user: User) -> str:
    """The claim in the officials' queue; claims noted before the queue existed lead to the
    company."""
    if isinstance(params.get("claim"), int):
        return url_for("enterprises.claim", claim_id=params["claim"])
    return _to("enterprises.detail", "enterprise_id", "enterprise")(params, user)


LINKS: dict[str, Link] = {
    "enterprise_verified": _fixed("enterprises.profile"),
    "enterprise_rejected": _fixed("enterprises.edit_profile"),
    "need_routed": engagement,
    "need_picked_up": engagement,
    "guarantee_requested": engagement,
    "engagement_declined": engagement,
    "interest_accepted": engagement,
    "interest_rejected": engagement,
    "agreement_signed": agreement,
    "agreement_confirmed": agreement,
    "agreement_disputed": agreement,
    "agreement_approved": agreement,
    "agreement_disbursed": agreement,
    "disbursement_received": agreement,
    "agreement_cancelled": agreement,
    "engagement_overdue": engagement,
    "need_closed": engagement,
    "dispute_closed": agreement,
    "reminder": _fixed("engagements.pipeline", view="waiting"),
    # Someone else tried the reader's login: their account's security is the place to look.
    "registration_with_your_login": _fixed("auth.change_password"),
    "credit_code_claim": _claim,
    "credit_code_claimed": _fixed("enterprises.profile"),
    "mechanism_screened_out": _fixed("coordination.my_visits"),
    "mechanism_recommended": recommendation,
    "renewal_due": _renewal,
    "webhook_disabled": _to("webhooks.detail", "endpoint_id", "endpoint"),
    "deletion_requested": _fixed("accounts.deletion_requests"),
    "message_received": _to("messages.thread", "engagement_id", "engagement"),
}


def link_for(kind: str, params: dict, user: User) -> str:
    link = LINKS.get(kind)
    return link(params or {}, user) if link is not None else url_for("main.home")
