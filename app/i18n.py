"""Language choice: ?lang= first, then the session, the user's saved choice, the default."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user


def supported() -> tuple[str, ...]:
    return current_app.config["LANGUAGES"]


def select_locale() -> str:
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    asked = request.args.get("lang")
    if asked in supported():
        return asked
    if session.get("lang") in supported():
        return session["lang"]
    if current_user and current_user.is_authenticated and current_user.locale in supported():
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def remember_language() -> None:
    asked = request.args.get("lang")
    if asked not in supported():
        return
    session["lang"] = asked
    if current_user.is_authenticated and current_user.locale != asked:
        from app.models import db

        current_user.locale = asked
        db.session.commit()


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    app.before_request(remember_language)

    @app.context_processor
    def language_context():
        return {"current_language": current_language(), "languages": supported()}
