from flask import Blueprint

bp = Blueprint("banks", __name__)

from app.banks import views  # noqa: E402, F401
