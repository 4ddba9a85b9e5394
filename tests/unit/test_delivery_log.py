"""In development (no request log) the texts and mails the log backends 'send' reach the
console, so a developer can follow a sign-up code or a consent link sent by SMS."""

from __future__ import annotations

import logging

from app import create_app


def test_without_the_request_log_the_sms_and_mail_logs_are_shown(tmp_path):
    create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "REQUEST_LOG": False,
        }
    )
    for name in ("rongqiao.sms", "rongqiao.mail"):
        logger = logging.getLogger(name)
        assert logger.isEnabledFor(logging.INFO)
        assert any(isinstance(h, logging.StreamHandler) for h in logger.handlers)
