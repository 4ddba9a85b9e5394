"""The navigation bar per role, and the unread count beside it."""

from __future__ import annotations

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

from app.models.enums import Role
from app.security import request_user

NAV: dict[Role, list[tuple[str, object]]] = {
    Role.ENTERPRISE: [
        ("main.enterprise_home", _l("My enterprise")),
        ("products.public_index", _l("Product supermarket")),
        ("needs.index", _l("My needs")),
        ("enterprises.profile", _l("Profile")),
        ("events.index", _l("Events")),
    ],
    Role.BANK_OFFICER: [
        ("main.bank_home", _l("Bank portal")),
        ("engagements.pipeline", _l("Pipeline")),
        ("products.bank_index", _l("Our products")),
        ("events.index", _l("Events")),
    ],
    Role.BANK_MANAGER: [
        ("main.bank_home", _l("Bank portal")),
        ("engagements.pipeline", _l("Pipeline")),
        ("products.bank_index", _l("Our products")),
        ("banks.staff", _l("Officers")),
        ("webhooks.index", _l("Webhooks")),
        ("reports.summary", _l("Summary")),
        ("events.index", _l("Events")),
    ],
    Role.OFFICIAL: [
        ("main.official_home", _l("Overview")),
        ("reports.summary", _l("Summary")),
        ("enterprises.index", _l("Enterprises")),
        ("needs.index", _l("Needs")),
        ("banks.index", _l("Banks")),
        ("events.index", _l("Events")),
    ],
    Role.ADMIN: [
        ("admin.home", _l("Administration")),
        ("main.official_home", _l("Overview")),
        ("reports.summary", _l("Summary")),
        ("enterprises.index", _l("Enterprises")),
        ("needs.index", _l("Needs")),
        ("banks.index", _l("Banks")),
        ("events.index", _l("Events")),
    ],
}

# The financing coordination mechanism.
NAV[Role.COORDINATOR] = [
    ("coordination.visit_list", _l("Visits")),
    ("coordination.declaration_list", _l("Declared and recommended lists")),
    ("coordination.watch", _l("Watch list")),
]
for _role in (Role.OFFICIAL, Role.ADMIN):
    NAV[_role].append(("coordination.visit_list", _l("Coordination mechanism")))
    NAV[_role].append(("programmes.official_list", _l("Subsidies and lists")))
# Risk-compensation pools (issue 17): officials keep and pay from them, banks file loans.
for _role in (Role.OFFICIAL, Role.BANK_OFFICER, Role.BANK_MANAGER):
    NAV[_role].append(("pools.index", _l("Risk-compensation pools")))
for _role in (Role.BANK_OFFICER, Role.BANK_MANAGER):
    NAV[_role].append(("coordination.bank_index", _l("Recommended businesses")))
NAV[Role.ENTERPRISE].append(("coordination.my_visits", _l("Mechanism visits")))
# Government financing guarantee agencies (issue 17): their own portal, like a bank's.
for _role in (Role.GUARANTEE_OFFICER, Role.GUARANTEE_MANAGER):
    NAV[_role] = [("guarantees.home", _l("Guarantee agency portal"))]
# Documents and the bank's contact card (issue 18).
NAV[Role.ENTERPRISE].insert(4, ("documents.index", _l("Documents")))
for _role in (Role.BANK_OFFICER, Role.BANK_MANAGER):
    NAV[_role].append(("messages.contact_card", _l("My contact card")))


def init_app(app: Flask) -> None:
    @app.context_processor
    def navigation():
        from app.main.services import unread_notifications

        user = request_user()
        if user is None:
            return {"nav_items": [], "unread_count": 0}
        items = [(e, label) for e, label in NAV[user.role] if e in current_app.view_functions]
        return {"nav_items": items, "unread_count": unread_notifications(user)}
