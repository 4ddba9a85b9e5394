"""What the OpenAPI document says beyond the schemas, so a generated client is clean: a stable
snake_case `operationId` per operation, `security: []` where no token is needed, and every
error status an operation can answer, each with the error body (and 401 with its
`WWW-Authenticate` header)."""

from __future__ import annotations

from apispec import BasePlugin
from flask import Flask

from app.api.schemas import ErrorSchema
from app.security import ALL_ROLES, PUBLIC

UNAUTHORIZED = "UNAUTHORIZED_BEARER"

# Where the view's own name would read poorly as a client function.
OPERATION_IDS = {
    "api_accounts.me": "get_me",
    "api_accounts.health": "get_health",
    "api_reference.banks": "list_banks",
    "api_reference.regions": "list_regions",
    "api_reference.industries": "list_industries",
    "api_enterprises.register": "register_enterprise",
    "api_enterprises.verification": "decide_verification",
    "api_products.apply": "apply_to_product",
    "api_summary.summary": "get_summary",
}
# Public operations that answer more to a caller who sends a token (a bank's own products).
TOKEN_OPTIONAL = {"api_products.list_products", "api_products.get_product"}
# Besides what every operation of its kind may answer.
EXTRA_STATUSES = {
    "api_accounts.create_token": ("401", "429"),
    "api_enterprises.register": ("429",),
}
# Writes that create an account or a session cannot meet a changed record.
NO_CONFLICT = {"api_accounts.create_token", "api_accounts.revoke_token", "api_enterprises.register"}


def operation_id(endpoint: str) -> str:
    return OPERATION_IDS.get(endpoint, endpoint.rpartition(".")[2])


class ContractPlugin(BasePlugin):
    def __init__(self, app: Flask) -> None:
        self.app = app

    def init_spec(self, spec) -> None:
        super().init_spec(spec)
        spec.components.response(
            UNAUTHORIZED,
            {
                "description": "No valid token: send `Authorization: Bearer <token>`",
                "headers": {
                    "WWW-Authenticate": {
                        "description": 'Always `Bearer`, with `error="invalid_token"` when '
                        "the token sent was not valid",
                        "schema": {"type": "string"},
                    }
                },
                "content": {"application/json": {"schema": ErrorSchema}},
            },
        )

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        rule = kwargs.get("rule")
        if rule is None or not operations:
            return
        view = self.app.view_functions[rule.endpoint]
        access = getattr(view, "_access", None)
        public = access == PUBLIC
        for method, operation in operations.items():
            operation["operationId"] = operation_id(rule.endpoint)
            operation.setdefault("summary", operation["operationId"].replace("_", " ").capitalize())
            statuses = ["400", "503"]
            if public:
                optional = rule.endpoint in TOKEN_OPTIONAL
                operation["security"] = [{}, {"bearerAuth": []}] if optional else []
            else:
                statuses += ["401"] if access == ALL_ROLES else ["401", "403"]
            if "{" in (path or ""):
                statuses.append("404")
            if method == "get" and (path or "").endswith("_id}"):
                _conditional(operation)
            if method != "get":
                statuses.append("413")
                if rule.endpoint not in NO_CONFLICT:
                    statuses.append("409")
            statuses += EXTRA_STATUSES.get(rule.endpoint, ())
            responses = operation.setdefault("responses", {})
            for status in statuses:
                responses.setdefault(status, _component(status))


def _conditional(operation: dict) -> None:
    """A single resource's ETag (its version and a digest) and If-None-Match (app.api.sync)."""
    operation.setdefault("parameters", []).append(
        {
            "in": "header",
            "name": "If-None-Match",
            "required": False,
            "description": "The `ETag` read before: 304 with no body if nothing changed",
            "schema": {"type": "string"},
        }
    )
    responses = operation.setdefault("responses", {})
    ok = responses.get("200")
    if isinstance(ok, dict):
        ok.setdefault("headers", {})["ETag"] = {
            "description": '`"v<version>-<digest>"`: the version optimistic locking checks, and '
            "a digest of this body",
            "schema": {"type": "string"},
        }
    responses.setdefault("304", {"description": "Not modified since the ETag sent"})


def _component(status: str) -> str:
    """flask-smorest registers one error response per HTTP status, named as HTTPStatus is."""
    from http import HTTPStatus

    if status == "401":
        return UNAUTHORIZED
    return HTTPStatus(int(status)).name


def enum_type(converter, field, ret: dict, **kwargs) -> dict:
    """An enum field's `type` (string or integer), which apispec leaves out: Redocly refuses
    `nullable` without one, and a generated client would type the value as any."""
    from marshmallow import fields

    if not isinstance(field, fields.Enum) or "type" in ret:
        return {}
    values = [m.value if field.by_value else m.name for m in field.enum]
    return {"type": "integer" if all(isinstance(v, int) for v in values) else "string"}
