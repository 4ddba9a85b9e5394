from flask import Blueprint

bp = Blueprint("admin", __name__)

from app.admin import account_views, views  # noqa: E402, F401
