"""Error pages in both languages; the API gets its JSON error shape instead."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.api.field_messages import translate
from app.errors import DomainError
from app.models import db
from app.security import is_api_request

TITLES = {
    400: lambda: _("The request could not be understood"),
    401: lambda: _("Please sign in"),
    403: lambda: _("You may not see this page"),
    404: lambda: _("Page not found"),
    405: lambda: _("This action is not allowed here"),
    409: lambda: _("The record changed meanwhile"),
    413: lambda: _("The upload is too large"),
    422: lambda: _("Some input is not valid"),
    429: lambda: _("Too many attempts"),
    500: lambda: _("Something went wrong on our side"),
    503: lambda: _("The service is briefly unavailable"),
}

EXPLANATIONS = {
    400: lambda: _("Go back, check what you entered and try again."),
    401: lambda: _("Sign in and try again."),
    403: lambda: _("Your account's role does not give access to this page."),
    404: lambda: _("The address may be mistyped, or the record does not exist or is not yours."),
    405: lambda: _("Use the buttons on the page instead of typing the address."),
    409: lambda: _("Reload the page to see the latest version, then try again."),
    413: lambda: _("Choose a smaller file."),
    422: lambda: _("Go back and correct the fields marked in red."),
    429: lambda: _("Wait a minute before trying again."),
    500: lambda: _("The error has been logged. Try again in a moment."),
    503: lambda: _(
        "Wait a moment and try again. If you were sending a form, go back: what you entered is still there."
    ),
}

API_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "validation_failed",
    429: "too_many_requests",
    500: "server_error",
    503: "unavailable",
}


def _render(status: int, message: str | None = None, *, code: str | None = None, fields=None):
    status = status if status in TITLES else 500
    if is_api_request():
        body = {
            "error": {
                "code": code or API_CODES[status],
                "message": str(message or TITLES[status]()),
                "fields": {str(k): str(v) for k, v in (fields or {}).items()},
            }
        }
        if status == 401:  # RFC 6750: say which scheme, and whether the token sent failed
            sent = request.headers.get("Authorization", "").lower().startswith("bearer ")
            return jsonify(body), status, {"WWW-Authenticate": _bearer_challenge(sent)}
        return jsonify(body), status
    return render_template(
        "errors/error.html",
        status=status,
        title=TITLES[status](),
        explanation=message or EXPLANATIONS[status](),
    ), status


def _bearer_challenge(token_sent: bool) -> str:
    return 'Bearer realm="api", error="invalid_token"' if token_sent else 'Bearer realm="api"'


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(
            400,
            _("The form expired or was sent from elsewhere. Reload the page and send it again."),
        )

    @app.errorhandler(DomainError)
    def domain_error(error):
        db.session.rollback()
        return _render(
            error.status_code,
            str(error.message),
            code=error.code,
            fields=getattr(error, "fields", None),
        )

    @app.errorhandler(HTTPException)
    def http_error(error):
        status = error.code or 500
        data = getattr(error, "data", None) or {}
        if status in (400, 422) and "messages" in data:  # webargs, for the API
            return _render(status, fields=_flatten(data["messages"]))
        if status == 401 and is_api_request():
            return _render(
                401, _("Send a valid token: Authorization: Bearer <token> (POST /api/v1/tokens).")
            )
        return _render(status)

    @app.errorhandler(Exception)
    def server_error(error):
        app.logger.exception("Unhandled error", exc_info=error)
        db.session.rollback()
        return _render(500)


def _flatten(messages, prefix: str = "") -> dict[str, str]:
    """webargs' {"json": {"user": {"email": ["..."]}}} as {"user.email": "..."}, each message in
    the request's language."""

    flat: dict[str, str] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            if not prefix and key in ("json", "query", "form", "view_args", "headers"):
                flat.update(_flatten(value))
            else:
                flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(messages, list | tuple):
        if all(isinstance(m, str) for m in messages):
            flat[prefix or "_schema"] = " ".join(translate(m) for m in messages)
        else:
            for m in messages:
                flat.update(_flatten(m, prefix))
    else:
        flat[prefix or "_schema"] = translate(str(messages))
    return flat
