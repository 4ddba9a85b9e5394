"""The JSON API (/api/v1). Bearer-token auth only, so it is exempt from CSRF."""

from flask import Blueprint

from app.extensions import csrf

bp = Blueprint("api", __name__)
csrf.exempt(bp)

from app.api import views  # noqa: E402, F401
