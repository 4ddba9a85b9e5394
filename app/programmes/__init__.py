"""Enterprise tags (official lists) and interest subsidy programmes (贴息)."""

from flask import Blueprint

bp = Blueprint("programmes", __name__)

from app.programmes import views  # noqa: E402,F401
