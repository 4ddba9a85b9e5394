"""SMS through a provider: a development backend that logs, and Alibaba Cloud SMS.

Chinese carriers only deliver texts from approved templates, so every message is a
template id plus parameters: SMS_TEMPLATE_CODE for one-time codes (parameter `code`),
SMS_TEMPLATE_NOTICE for notifications (parameters `text` and `link`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from typing import Protocol

from flask import current_app

log = logging.getLogger("rongqiao.sms")


class SmsError(RuntimeError):
    """The provider refused or could not be reached; the delivery job retries."""


class SmsProvider(Protocol):
    def send(self, mobile: str, template: str, params: dict[str, str]) -> None: ...


class LogSms:
    """Development: the text goes to the log, nothing leaves the machine."""

    def send(self, mobile: str, template: str, params: dict[str, str]) -> None:
        log.info("SMS (log backend, not sent) to %s, template %s: %s", mobile, template, params)


def _encode(value: str) -> str:
    # Alibaba Cloud's percent-encoding: RFC 3986 unreserved characters stay, all else is %XX.
    return urllib.parse.quote(value, safe="-_.~")


class AliyunSms:
    """Alibaba Cloud SMS (dysmsapi SendSms, RPC API with HMAC-SHA1 signature version 1.0)."""

    VERSION = "2017-05-25"

    def __init__(self, endpoint: str, key_id: str, key_secret: str, sign_name: str):
        if not endpoint.startswith(("https://", "http://")):
            raise SmsError(f"SMS endpoint must be an http(s) URL, got {endpoint!r}")
        self.endpoint = endpoint.rstrip("/") + "/"
        self.key_id = key_id
        self.key_secret = key_secret
        self.sign_name = sign_name

    def signed_query(self, params: dict[str, str], *, nonce: str, timestamp: str) -> str:
        query = {
            "AccessKeyId": self.key_id,
            "Format": "JSON",
            "RegionId": "cn-hangzhou",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce,
            "SignatureVersion": "1.0",
            "Timestamp": timestamp,
            "Version": self.VERSION,
            **params,
        }
        canonical = "&".join(f"{_encode(k)}={_encode(query[k])}" for k in sorted(query))
        to_sign = "GET&%2F&" + _encode(canonical)
        digest = hmac.new((self.key_secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()
        signature = base64.b64encode(digest).decode()
        return f"Signature={_encode(signature)}&{canonical}"

    def send(self, mobile: str, template: str, params: dict[str, str]) -> None:
        query = self.signed_query(
            {
                "Action": "SendSms",
                "PhoneNumbers": mobile,
                "SignName": self.sign_name,
                "TemplateCode": template,
                "TemplateParam": json.dumps(params, ensure_ascii=False),
            },
            nonce=secrets.token_hex(16),
            timestamp=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        timeout = current_app.config["SMS_TIMEOUT"]
        try:
            # The scheme is checked in __init__: only http(s) endpoints are opened.
            url = self.endpoint + "?" + query
            with urllib.request.urlopen(url, timeout=timeout) as reply:  # noqa: S310  # nosec B310
                answer = json.loads(reply.read().decode())
        except (OSError, ValueError) as exc:
            raise SmsError(f"Alibaba Cloud SMS could not be reached: {exc}") from exc
        if answer.get("Code") != "OK":
            raise SmsError(
                f"Alibaba Cloud SMS refused: {answer.get('Code')} {answer.get('Message')}"
            )


def provider() -> SmsProvider:
    config = current_app.config
    if config["SMS_BACKEND"] == "aliyun":
        return AliyunSms(
            config["SMS_ALIYUN_ENDPOINT"],
            config["SMS_ACCESS_KEY_ID"],
            config["SMS_ACCESS_KEY_SECRET"],
            config["SMS_SIGN_NAME"],
        )
    return LogSms()


def send_code(mobile: str, code: str) -> None:
    provider().send(mobile, current_app.config["SMS_TEMPLATE_CODE"], {"code": code})


def send_notice(mobile: str, text: str, link: str) -> None:
    provider().send(
        mobile, current_app.config["SMS_TEMPLATE_NOTICE"], {"text": text[:200], "link": link}
    )
