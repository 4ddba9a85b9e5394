from flask import Blueprint

bp = Blueprint("auth", __name__)

from app.auth import two_factor_views, views  # noqa: E402, F401
