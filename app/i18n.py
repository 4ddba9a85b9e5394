"""Language choice: ?lang= first, then the session, the user's saved choice, the default."""

from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request, session
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


def series(items) -> str:
    """Items of a list in a sentence: "信用、保证" in Chinese, "Credit, Guarantee" in English."""
    return ("、" if current_language() == "zh" else ", ").join(str(item) for item in items)


def clauses(items) -> str:
    """Clauses of one sentence: "…；…" in Chinese, "…; …" in English."""
    return ("；" if current_language() == "zh" else "; ").join(str(item) for item in items)


def translations():
    """The request's translations, looked up once per request and locale: Flask-Babel's own
    lookup costs ~40 µs a string, and a list page translates a few hundred."""
    from flask_babel import get_translations

    if not has_request_context():
        return get_translations()
    state = g.get("_flask_babel")
    locale = getattr(state, "babel_locale", None)
    kept = g.get("translations_of_locale")
    if kept is not None and locale is not None and kept[0] is locale:
        return kept[1]
    found = get_translations()
    g.translations_of_locale = (getattr(g.get("_flask_babel"), "babel_locale", None), found)
    return found


def init_app(app: Flask) -> None:
    app.before_request(remember_language)
    # Templates translate through the kept translations (same strings, same locale rules).
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )

    app.jinja_env.filters["series"] = series

    @app.context_processor
    def language_context():
        return {
            "current_language": current_language(),
            "languages": supported(),
            "list_sep": "、" if current_language() == "zh" else ", ",
        }
