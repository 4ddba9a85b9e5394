"""Demo data has no place in production: `flask seed-demo` refuses there, and a production
start with demo accounts present says so loudly (their password is in the README)."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Flask

from app.models import User, db

log = logging.getLogger("rongqiao.security")


def is_production(app: Flask) -> bool:
    return app.config.get("APP_ENV") == "production"


def demo_accounts() -> list[str]:
    """Sign-ins the demo creates, all with the published demo password."""
    return list(
        db.session.scalars(
            sa.select(User.email)
            .where(
                User.active.is_(True),
                sa.or_(
                    User.email.like("%demo.rongqiao.cn"),
                    User.email.like("%@qiye%.example.cn"),
                ),
            )
            .order_by(User.email)
            .limit(20)
        )
    )


def warn_at_start(app: Flask) -> None:
    if not is_production(app):
        return
    with app.app_context():
        try:
            found = demo_accounts()
        except sa.exc.SQLAlchemyError:  # not migrated yet, or the database is down
            db.session.rollback()
            return
        finally:
            db.session.remove()
    if found:
        log.warning(
            "DEMO ACCOUNTS IN PRODUCTION: %s signed in with the published demo password "
            "(%s…). Disable or delete them: flask seed-demo is for development only.",
            len(found),
            ", ".join(found[:3]),
        )
