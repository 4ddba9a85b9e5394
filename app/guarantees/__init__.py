from flask import Blueprint

bp = Blueprint("guarantees", __name__)

from app.guarantees import views  # noqa: E402, F401
