"""Running as a service: fail-soft Redis and database, input limits, health, logs, metrics,
backups. `configure` runs before the extensions are bound, `init_app` after."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("ops", __name__)


def configure(app: Flask) -> None:
    from app.ops import failsoft, limits

    failsoft.configure(app)
    limits.configure(app)


def init_app(app: Flask) -> None:
    from app import jobs
    from app.models import db
    from app.ops import cli, demo_guard, failsoft, limits, observability, plain_reads

    observability.init_app(app)
    limits.init_app(app)
    failsoft.register_handlers(app)
    with app.app_context():
        failsoft.install_statement_timeout(app, db.engine)
        plain_reads.install(db.engine)
        observability.install_slow_query_log(app, db.engine)
    jobs.init_app(app)
    cli.register(app)
    demo_guard.warn_at_start(app)


from app.ops import views  # noqa: E402, F401
