"""Delivery outside the site: e-mail over SMTP, SMS through a provider, chosen per kind."""

from flask import Blueprint

bp = Blueprint("delivery", __name__)

from app.delivery import views  # noqa: E402,F401
