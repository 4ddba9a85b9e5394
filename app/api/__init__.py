"""The JSON API (/api/v1) for banks' systems and officials' tools.

Bearer tokens only (no cookies, so no CSRF); the same service functions as the web pages,
so no rule is written twice. The OpenAPI document is built from the schemas and served at
/api/v1/openapi.json.
"""

from __future__ import annotations

from flask import Flask, g, request
from flask_smorest import Api

from app.api import schemas, sync
from app.api.spec import ContractPlugin, enum_type
from app.security import public

PREFIX = "/api/v1"
BEARER = "bearerAuth"


class RongqiaoApi(Api):
    ERROR_SCHEMA = schemas.ErrorSchema

    def _register_error_handlers(self):
        """app.error_pages answers every error, the API's in its JSON shape."""


def init_app(app: Flask) -> None:
    from app.api import (
        accounts,
        agency,
        agreements,
        engagements,
        enterprises,
        events,
        guarantees,
        needs,
        pools,
        pricing,
        products,
        programmes,
        recommendations,
        reference,
        summary,
        webhooks,
    )
    from app.extensions import csrf

    app.config.update(
        API_TITLE="Rongqiao API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
    )
    api = RongqiaoApi(
        app,
        spec_kwargs={
            "extra_plugins": [ContractPlugin(app)],
            "servers": [{"url": "/"}],
            "security": [{BEARER: []}],
            "info": {
                "description": (
                    "The API of Rongqiao (融桥). Amounts are decimal strings in yuan, rates "
                    "percent strings, dates ISO 8601. Get a token with POST /api/v1/tokens "
                    "and send it as `Authorization: Bearer <token>`. PATCH takes a JSON "
                    "Merge Patch (RFC 7396) with the `version` you read. Field messages of "
                    "422 answers are in Chinese, or English with `?lang=en`."
                )
            },
        },
    )
    for field in (schemas.Money, schemas.Percent, schemas.Score, schemas.Days):
        api.register_field(field, "string", "decimal")
    api.ma_plugin.converter.add_attribute_function(enum_type)
    api.spec.components.security_scheme(BEARER, {"type": "http", "scheme": "bearer"})
    for module in (
        accounts,
        reference,
        enterprises,
        needs,
        products,
        pricing,
        guarantees,
        programmes,
        engagements,
        agency,
        agreements,
        events,
        pools,
        summary,
        recommendations,
        webhooks,
    ):
        api.register_blueprint(module.blp, url_prefix=PREFIX)
        csrf.exempt(module.blp)
    spec_view = app.view_functions["api-docs.openapi_json"]
    app.view_functions["api-docs.openapi_json"] = public(lambda: spec_view())
    app.before_request(_load_bearer)
    sync.init_app(app)


def _load_bearer() -> None:
    if not request.path.startswith(PREFIX + "/"):
        return
    from app.auth import tokens

    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return
    found = tokens.holder(token.strip())
    if found:
        g.api_user, g.api_token = found
