"""Webhooks (issue 21): banks' endpoints, signed deliveries through the job queue."""

from flask import Blueprint

bp = Blueprint("webhooks", __name__)

from app.webhooks import outbox, views  # noqa: E402, F401
