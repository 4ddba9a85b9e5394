"""The navigation bar per role, and the unread count beside it."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

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
NAV[Role.GUARANTEE_MANAGER].append(("guarantees.staff", _l("Staff")))
# Documents and the bank's contact card (issue 18).
NAV[Role.ENTERPRISE].insert(4, ("documents.index", _l("Documents")))
for _role in (Role.BANK_OFFICER, Role.BANK_MANAGER):
    NAV[_role].append(("messages.contact_card", _l("My contact card")))


# Rendered bars kept in this worker, per app.
KEPT_BARS = 2048
_FORM_SLOT = "<!--navbar-form-token-->"


def navbar() -> Markup:
    """The bar as `_navbar.html` renders it, kept per worker for everything the template
    reads: the reader's name, role and unread count, the language, and the page's endpoint,
    path arguments and query (its links mark the page and switch its language). Each
    reader's own form token (the sign-out button) is put in after. A new input to the
    template must join the key."""
    if not has_request_context():
        return Markup(render_template("_navbar.html"))  # noqa: S704  # nosec B704
    from flask_wtf.csrf import generate_csrf

    from app.i18n import current_language
    from app.main.services import unread_notifications

    # The reader as the template sees them (the cookie's user, on every path).
    user = current_user._get_current_object() if current_user.is_authenticated else None
    reader = (
        None if user is None else (user.role, user.name, user.email, unread_notifications(user))
    )
    key = (
        current_language(),
        request.script_root,
        request.endpoint,
        tuple(sorted((request.view_args or {}).items())),
        tuple(request.args.items(multi=True)),
        reader,
    )
    kept = current_app.extensions["kept_navbars"]
    html = kept.get(key)
    if html is None:
        token = generate_csrf() if user is not None else None
        html = render_template("_navbar.html")
        if token:
            html = html.replace(token, _FORM_SLOT)
        kept.put(key, html)
    if user is not None:
        html = html.replace(_FORM_SLOT, generate_csrf())
    # Rendered by our own autoescaped template; the token is URL-safe base64 and dots.
    return Markup(html)  # noqa: S704  # nosec B704


def init_app(app: Flask) -> None:
    from app.versions import WorkerCopies

    app.extensions["kept_navbars"] = WorkerCopies(KEPT_BARS)
    app.jinja_env.globals["navbar"] = navbar

    @app.context_processor
    def navigation():
        from app.main.services import unread_notifications

        user = request_user()
        if user is None:
            return {"nav_items": [], "unread_count": 0}
        items = [(e, label) for e, label in NAV[user.role] if e in current_app.view_functions]
        return {"nav_items": items, "unread_count": unread_notifications(user)}
