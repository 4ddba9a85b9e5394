"""Accounts that take care of themselves: password reset, forced change, mobile confirmation,
privacy consent, the user's own data and deletion requests."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from app.accounts import views  # noqa: E402,F401
