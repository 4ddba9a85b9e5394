"""Places: the division tree, subtree scoping, cascading pickers, 区划调整 imports."""

from flask import Blueprint

bp = Blueprint("regions", __name__)

from app.regions import views  # noqa: E402, F401
