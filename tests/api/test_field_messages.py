"""422 field messages come in the request's language (Chinese unless ?lang=en), keyed by the
English field names clients code against."""

from __future__ import annotations

from app.models.enums import Role
from tests.api.test_main_line import need_body, token
from tests.api.test_refusals import error_of

BAD = need_body(term_months=0, purpose="lottery", needed_by="soon", max_rate="99", amount=1.5)
BAD.pop("guarantees")


def test_field_messages_are_chinese_by_default(client, make_user):
    headers = token(client, make_user(Role.ENTERPRISE).email)
    fields = error_of(client.post("/api/v1/needs", json=BAD, headers=headers), 422)["fields"]
    assert fields == {
        "term_months": "必须大于等于 1 且小于等于 360。",
        "purpose": fields["purpose"],
        "needed_by": "不是有效的日期（格式为 YYYY-MM-DD）。",
        "max_rate": "必须在 0 到 36 之间。",
        "amount": '请以字符串形式给出以元为单位的金额，例如 "8000000.00"。',
        "guarantees": "缺少必填字段。",
    }
    assert (
        fields["purpose"].startswith("必须是以下之一：") and "working_capital" in fields["purpose"]
    )


def test_field_messages_are_english_when_asked(client, make_user):
    headers = token(client, make_user(Role.ENTERPRISE).email)
    response = client.post("/api/v1/needs?lang=en", json=BAD, headers=headers)
    fields = error_of(response, 422)["fields"]
    assert (
        fields["term_months"] == "Must be greater than or equal to 1 and less than or equal to 360."
    )
    assert fields["guarantees"] == "Missing data for required field."
    assert fields["max_rate"] == "Must be between 0 and 36."
    assert fields["purpose"].startswith("Must be one of: ")


def test_query_and_nested_field_messages_are_translated_too(client, make_user):
    headers = token(client, make_user(Role.OFFICIAL).email)
    fields = error_of(client.get("/api/v1/needs?per_page=101", headers=headers), 422)["fields"]
    assert fields == {"per_page": "必须大于等于 1 且小于等于 100。"}
    short = {"user": {"email": "a" * 300}}
    fields = error_of(client.post("/api/v1/enterprises", json=short), 422)["fields"]
    assert fields["user.email"] == "长度不能超过 254。"
    assert fields["user.password"] == "缺少必填字段。"
