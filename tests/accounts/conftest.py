"""A real SMTP server on this machine (aiosmtpd) and a fake Alibaba Cloud SMS endpoint."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from tests.web.test_engagements import world  # noqa: F401
from tests.web.test_reports import make_agreement  # noqa: F401


def _free_port() -> int:
    """A port nobody listens on now: two suites (SQLite and PostgreSQL) may run at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


SMTP_PORT = _free_port()
SMS_PORT = _free_port()
BASE_URL = "http://rongqiao.test"


class _Inbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture(scope="session")
def _smtp_controller():
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture()
def smtp(app, _smtp_controller):
    """Mail goes to the local SMTP server for this test; returns its inbox."""
    inbox = _smtp_controller.handler
    inbox.messages.clear()
    saved = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT", "PUBLIC_BASE_URL")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=SMTP_PORT, PUBLIC_BASE_URL=BASE_URL)
    yield inbox
    app.config.update(saved)


class _SmsHandler(BaseHTTPRequestHandler):
    answer = {"Code": "OK", "Message": "OK", "BizId": "1", "RequestId": "r"}
    received: list[dict] = []

    def do_GET(self):
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        type(self).received.append(query)
        body = json.dumps(type(self).answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture()
def aliyun(app):
    """The app sends SMS to a fake Alibaba Cloud endpoint on this machine."""
    server = ThreadingHTTPServer(("127.0.0.1", SMS_PORT), _SmsHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _SmsHandler.received = []
    _SmsHandler.answer = {"Code": "OK", "Message": "OK", "BizId": "1", "RequestId": "r"}
    keys = (
        "SMS_BACKEND",
        "SMS_ALIYUN_ENDPOINT",
        "SMS_ACCESS_KEY_ID",
        "SMS_ACCESS_KEY_SECRET",
        "SMS_SIGN_NAME",
        "SMS_TEMPLATE_CODE",
        "SMS_TEMPLATE_NOTICE",
    )
    saved = {k: app.config.get(k) for k in keys}
    app.config.update(
        SMS_BACKEND="aliyun",
        SMS_ALIYUN_ENDPOINT=f"http://127.0.0.1:{SMS_PORT}/",
        SMS_ACCESS_KEY_ID="testId",
        SMS_ACCESS_KEY_SECRET="testSecret",
        SMS_SIGN_NAME="融桥平台",
        SMS_TEMPLATE_CODE="SMS_1001",
        SMS_TEMPLATE_NOTICE="SMS_1002",
    )
    yield _SmsHandler
    app.config.update(saved)
    server.shutdown()
    server.server_close()
