"""The reasons behind a match, answered as the asker needs them."""

from __future__ import annotations

from flask import render_template, request


def render_reasons(reasons, *, title: str, back: str, back_label: str) -> str:
    """The bare list the page's script fetches into an opened section; when the browser opens
    the link itself (no script, a new tab) it gets a whole page in the site's frame, in the
    page's language and with a way back, instead of an unstyled list on a blank page."""
    if request.headers.get("Sec-Fetch-Mode") == "navigate":
        return render_template(
            "matches/reasons_page.html",
            reasons=reasons,
            title=title,
            back=back,
            back_label=back_label,
        )
    return render_template("matches/_reasons.html", reasons=reasons)
