from flask import Blueprint

bp = Blueprint("events", __name__)

from app.events import venue_views, views  # noqa: E402, F401
