from flask import Blueprint

bp = Blueprint("enterprises", __name__)

from app.enterprises import claim_views, views  # noqa: E402, F401
