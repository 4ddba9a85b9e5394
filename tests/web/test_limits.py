"""Limits and input hygiene: oversized bodies, deep JSON, out-of-range numbers and control
characters are refused with a 4xx, never a 500; bidirectional overrides are stripped."""

from __future__ import annotations

import json

import pytest
from flask import request

from app.models.enums import Role
from app.ops.limits import json_depth
from tests.web.test_routing import make_product as make_product  # noqa: F401 - a fixture


def test_ids_past_the_integer_columns_are_not_found(client, login_as, make_product):
    product = make_product()
    assert client.get(f"/products/{product.id}").status_code == 200
    assert client.get("/products/2147483648").status_code == 404
    assert client.get("/products/99999999999999999999999").status_code == 404
    assert client.get("/products/" + "1" * 5000).status_code == 404  # past int()'s digit limit
    login_as(Role.ENTERPRISE)
    assert client.get("/needs/9223372036854775808").status_code == 404


def test_query_numbers_out_of_range_count_as_absent(client, make_product):
    make_product()
    page = client.get("/products?page=99999999999999999999&term=-99999999999999&bank=4294967296")
    assert page.status_code == 200
    assert "产品" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        "amount=1e309",
        "amount=-1e-999999",
        "amount=NaN",
        "term=1e3",
        "q=%00",
        "ids=99999999999999999999&ids=1",
    ],
)
def test_odd_numbers_in_the_supermarket_are_no_error(client, make_product, query):
    make_product()
    response = client.get(f"/products?{query}")
    assert response.status_code < 500


def test_nul_and_control_characters_are_refused_and_named(client, login_as):
    assert client.get("/products?q=abc%00def").status_code == 400
    login_as(Role.OFFICIAL)
    refused = client.get("/enterprises?q=%1b%5B31m")
    assert refused.status_code == 400
    assert "字段 q 含有不允许的字符" in refused.get_data(as_text=True)
    # Tabs and line breaks are ordinary text.
    assert client.get("/enterprises?q=a%09b").status_code == 200


def test_a_form_with_a_nul_byte_is_refused_before_anything_is_saved(client, login_as):
    login_as(Role.ENTERPRISE)
    response = client.post("/needs/new", data={"amount_wan": "300", "note": "ok\x00"})
    assert response.status_code == 400


def test_bidirectional_overrides_are_stripped_from_text(app):
    spoofed = "张三\u202egpj.exe\u2066x\u2069"
    with app.test_request_context(
        "/", method="POST", data={"name": spoofed}, query_string={"q": spoofed}
    ):
        assert request.form["name"] == "张三gpj.exex"
        assert request.args["q"] == "张三gpj.exex"


def test_json_nested_too_deeply_is_refused(client):
    body = "[" * 1000 + "]" * 1000
    response = client.post("/api/v1/tokens", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == "JSON 文档嵌套层数过多。"


def test_json_with_a_nul_in_a_string_is_refused(client):
    body = json.dumps({"login": "a\u0000b", "password": "x"})
    response = client.post("/api/v1/tokens", data=body, content_type="application/json")
    assert response.status_code == 400


def test_json_and_bodies_past_their_limits_are_too_large(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_JSON_BYTES", 1000)
    body = json.dumps({"login": "x" * 2000, "password": "x"})
    response = client.post("/api/v1/tokens", data=body, content_type="application/json")
    assert response.status_code == 413
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 10_000)
    response = client.post("/login", data={"login": "x" * 20_000, "password": "x"})
    assert response.status_code == 413


def test_json_depth_ignores_brackets_inside_strings():
    assert json_depth(b'{"a": [1, {"b": "[[[[{{{{"}]}') == 3
    assert json_depth(b'"\\"[[["') == 0
    assert json_depth(b"[" * 50 + b"]" * 50) == 50


def test_far_dates_in_the_summary_filters_are_no_error(client, login_as):
    login_as(Role.OFFICIAL)
    for query in ("to=9999-12-31", "from=0001-01-01&to=9999-12-31", "from=9999-12-31"):
        assert client.get(f"/reports/summary?{query}").status_code < 500, query
