"""The fixed parts of every page's frame: the styles and scripts it loads and the platform's
own words around the content. Rendered once per app, language and script root: building
their URLs and translations on every request cost about a tenth of a kept page."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_babel import gettext as _
from markupsafe import Markup

from app.i18n import current_language


def frame() -> dict[str, Markup | str]:
    kept = current_app.extensions.setdefault("page_frame", {})
    key = (current_language(), request.script_root)
    found = kept.get(key)
    if found is None:
        found = {
            "head": Markup(render_template("_frame_head.html")),  # noqa: S704  # nosec B704
            "scripts": Markup(render_template("_frame_scripts.html")),  # noqa: S704  # nosec B704
            "site": _("Rongqiao"),
            "skip": _("Skip to content"),
            "tagline": _("Rongqiao bank–enterprise financing matchmaking"),
        }
        kept[key] = found
    return found


def init_app(app: Flask) -> None:
    app.jinja_env.globals["page_frame"] = frame
