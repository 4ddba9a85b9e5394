"""Risk-compensation pools (风险补偿资金池), issue 17 item 5."""

from flask import Blueprint

bp = Blueprint("pools", __name__)

from app.pools import views  # noqa: E402, F401
