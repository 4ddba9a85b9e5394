"""Who may use what: every view declares its roles here; object checks live here too.

`@public` or `@roles(...)` on every endpoint; a test walks the URL map and fails for an
endpoint with neither. Objects of another tenant answer 404, so ids reveal nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, abort, current_app, g, jsonify, request
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user

from app.models import Bank, Enterprise, User, db
from app.models.enums import Role

PUBLIC = "public"
ALL_ROLES = frozenset(Role)
BANK_ROLES = frozenset({Role.BANK_OFFICER, Role.BANK_MANAGER})
AGENCY_ROLES = frozenset({Role.GUARANTEE_OFFICER, Role.GUARANTEE_MANAGER})
OVERSIGHT_ROLES = frozenset({Role.OFFICIAL, Role.ADMIN})


def public(view: Callable) -> Callable:
    view._access = PUBLIC
    return view


def is_api_request() -> bool:
    return request.blueprint == "api" or request.path.startswith("/api/")


def roles(*allowed: Role) -> Callable[[Callable], Callable]:
    """Only signed-in users with one of `allowed` roles reach the view."""
    allowed_set = frozenset(allowed) or ALL_ROLES

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any):
            user = request_user()
            if user is None:
                if is_api_request():
                    abort(401)
                return current_app.login_manager.unauthorized()
            if user.role not in allowed_set:
                abort(403)
            return view(*args, **kwargs)

        wrapped._access = allowed_set
        return wrapped

    return decorator


def signed_in(view: Callable) -> Callable:
    """Any signed-in user, whatever the role."""
    return roles(*ALL_ROLES)(view)


def request_user() -> User | None:
    """The web session's user; on the API only the bearer token's user (no cookie auth there)."""
    if is_api_request():
        return g.get("api_user")
    if current_user.is_authenticated:
        return current_user._get_current_object()
    return None


def endpoint_access(app: Flask, endpoint: str) -> object | None:
    view = app.view_functions.get(endpoint)
    return getattr(view, "_access", None)


# Object checks ------------------------------------------------------------------------


def check_enterprise_access(user: User, enterprise: Enterprise) -> None:
    """Enterprise users only their own company; officials and admins all; banks never here."""
    if user.role in OVERSIGHT_ROLES:
        from app.regions.scope import sees_enterprise

        if sees_enterprise(user, enterprise):  # an official: only their home region's subtree
            return
        abort(404)
    if user.role is Role.ENTERPRISE and user.enterprise_id == enterprise.id:
        return
    abort(404)


def check_bank_access(user: User, bank_id: int) -> None:
    """Bank users only their own bank; officials and admins all."""
    if user.role in OVERSIGHT_ROLES:
        return
    if user.role in BANK_ROLES and user.bank_id == bank_id:
        return
    abort(404)


def get_enterprise_or_404(user: User, enterprise_id: int) -> Enterprise:
    enterprise = db.session.get(Enterprise, enterprise_id)
    if enterprise is None:
        abort(404)
    check_enterprise_access(user, enterprise)
    return enterprise


def get_bank_or_404(user: User, bank_id: int) -> Bank:
    bank = db.session.get(Bank, bank_id)
    if bank is None:
        abort(404)
    check_bank_access(user, bank.id)
    return bank


# Wiring --------------------------------------------------------------------------------


def init_login(app: Flask, login_manager: LoginManager) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    from app.auth import sessions

    sessions.install()

    @login_manager.user_loader
    def load_user(session_token: str) -> User | None:
        return sessions.load(session_token)

    @login_manager.unauthorized_handler
    def unauthorized():
        if is_api_request():
            return jsonify(
                error={"code": "unauthorized", "message": "Authentication required", "fields": {}}
            ), 401
        from flask import flash, redirect, url_for

        flash(str(login_manager.login_message), login_manager.login_message_category)
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def init_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response


# Issue 20: proxies, HSTS and caching ---------------------------------------------------


def init_proxy(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, take the client's address and scheme from
    their X-Forwarded-* headers (and only from as many hops as are trusted)."""
    hops = app.config.get("TRUSTED_PROXIES", 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def init_cache_headers(app: Flask) -> None:
    @app.after_request
    def no_store_and_hsts(response):
        hsts = app.config.get("HSTS_SECONDS", 0)
        if hsts:
            response.headers.setdefault(
                "Strict-Transport-Security", f"max-age={hsts}; includeSubDomains"
            )
        personal = is_api_request() or (
            request.endpoint not in ("static", "bootstrap.static") and current_user.is_authenticated
        )
        if personal or response.headers.get("Content-Disposition", "").startswith("attachment"):
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
        return response
