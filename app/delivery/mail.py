"""E-mail over SMTP with the standard library; without MAIL_SERVER, mails go to the log."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app

log = logging.getLogger("rongqiao.mail")


def send_mail(to: str, subject: str, body: str) -> None:
    """Send one plain-text mail (UTF-8); raises on an SMTP failure so the job retries."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = formataddr((config["PLATFORM_NAME"], config["MAIL_DEFAULT_SENDER"]))
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=config["MAIL_DEFAULT_SENDER"].rpartition("@")[2])
    message.set_content(body)
    server = config.get("MAIL_SERVER")
    if not server:
        log.info("mail (no MAIL_SERVER set, not sent) to %s: %s\n%s", to, subject, body)
        return
    with smtplib.SMTP(server, config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)
