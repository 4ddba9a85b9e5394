"""The OpenAPI document is what banks generate their clients from: stable snake_case
operation ids, an ASCII title, public operations marked so, every error status declared with
the error body, and 401s that say which scheme to use."""

from __future__ import annotations

import re

from app.models.enums import Role
from tests.api.test_main_line import token

METHODS = {"get", "post", "put", "patch", "delete"}


def _operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_every_operation_has_a_unique_snake_case_operation_id(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    ids = [op.get("operationId") for _, _, op in _operations(spec)]
    assert len(ids) >= 40
    assert all(i and re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in ids), ids
    assert len(set(ids)) == len(ids), [i for i in ids if ids.count(i) > 1]
    by_route = {(p, m): op["operationId"] for p, m, op in _operations(spec)}
    assert by_route["/api/v1/products/{product_id}", "patch"] == "update_product"
    assert by_route["/api/v1/banks", "get"] == "list_banks"


def test_the_title_is_ascii_and_every_tag_is_described(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["info"]["title"] == "Rongqiao API"
    used = {tag for _, _, op in _operations(spec) for tag in op["tags"]}
    described = {t["name"]: t.get("description") for t in spec["tags"]}
    assert used <= set(described) and all(described[t] for t in used)


def test_public_operations_need_no_token_and_the_rest_declare_401_and_403(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["security"] == [{"bearerAuth": []}]
    routes = {(p, m): op for p, m, op in _operations(spec)}
    for public in (("/api/v1/tokens", "post"), ("/api/v1/health", "get"), ("/api/v1/banks", "get")):
        assert routes[public]["security"] == []
    assert {} in routes["/api/v1/products", "get"]["security"]  # a token shows more
    patch = routes["/api/v1/products/{product_id}", "patch"]
    assert patch["security"] == [{"bearerAuth": []}]
    assert {"401", "403", "404", "409", "422"} <= set(patch["responses"])
    error = {"$ref": "#/components/schemas/Error"}
    for status in ("401", "403", "404", "409", "422"):
        name = patch["responses"][status]["$ref"].rpartition("/")[2]
        assert spec["components"]["responses"][name]["content"]["application/json"] == {
            "schema": error
        }
    unauthorized = spec["components"]["responses"]["UNAUTHORIZED_BEARER"]
    assert "WWW-Authenticate" in unauthorized["headers"]
    assert "429" in routes["/api/v1/tokens", "post"]["responses"]
    assert "401" not in routes["/api/v1/banks", "get"]["responses"]


def test_a_401_says_bearer_and_whether_the_token_sent_failed(client, make_user):
    bare = client.get("/api/v1/me")
    assert bare.status_code == 401
    assert bare.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    wrong = client.get("/api/v1/me", headers={"Authorization": "Bearer nonsense"})
    assert wrong.status_code == 401
    assert wrong.headers["WWW-Authenticate"] == 'Bearer realm="api", error="invalid_token"'
    user = make_user(Role.ENTERPRISE)
    bad_password = client.post("/api/v1/tokens", json={"login": user.email, "password": "x"})
    assert bad_password.status_code == 401
    assert bad_password.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/v1/me", headers=token(client, user.email)).status_code == 200


def test_list_fields_are_typed(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    strings = {"type": "array", "items": {"type": "string"}}
    assert schemas["Product"]["properties"]["industries"] == {**strings, "readOnly": True}
    assert schemas["Event"]["properties"]["bank_ids"]["items"] == {"type": "integer"}
    # Sent as "2.0", so a client must not be told to expect a JSON number.
    assert schemas["LeagueRow"]["properties"]["average_days"]["type"] == "string"
