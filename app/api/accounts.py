"""Tokens, the caller's own account, and a health check."""

from __future__ import annotations

from flask import abort, g
from flask_babel import gettext as _

from app.api import schemas
from app.api.common import SECURED, blueprint
from app.auth import tokens
from app.auth.services import LOGIN_LIMIT_SCOPE, login_rate_limit
from app.errors import DomainError
from app.extensions import limiter
from app.security import public, request_user, signed_in

blp = blueprint("api_accounts", "Tokens and the caller's account")


class WrongLogin(DomainError):
    status_code = 401
    code = "unauthorized"


@blp.route("/tokens", methods=["POST"])
@limiter.shared_limit(login_rate_limit, scope=LOGIN_LIMIT_SCOPE)
@public
@blp.arguments(schemas.TokenRequestSchema)
@blp.response(201, schemas.TokenSchema)
def create_token(body):
    """Exchange a login (email or mobile) and password for a bearer token."""
    issued = tokens.issue(body["login"], body["password"], otp=body["otp"])
    if issued is None:
        raise WrongLogin(_("The login or password is wrong, or the account is disabled."))
    token, row = issued
    return {"token": token, "expires_at": row.expires_at}


@blp.route("/tokens/current", methods=["DELETE"])
@signed_in
@blp.doc(**SECURED)
@blp.response(204)
def revoke_token():
    """Revoke the token this request was sent with."""
    row = g.get("api_token")
    if row is None:
        abort(401)
    tokens.revoke(row)
    return ""


@blp.route("/me")
@signed_in
@blp.doc(**SECURED)
@blp.response(200, schemas.MeSchema)
def me():
    return request_user()


@blp.route("/health")
@public
@blp.response(200, schemas.HealthSchema)
def health():
    return {"status": "ok"}
