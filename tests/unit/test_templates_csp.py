"""The Content-Security-Policy (app/security.py) refuses inline styles, so a style attribute
in a template is silently dropped by the browser: a bar of width 0, a form at full width."""

from __future__ import annotations

import re
from pathlib import Path

from app.security import CSP

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)
JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)


def test_the_policy_refuses_inline_styles():
    assert "style-src 'self';" in CSP


def test_no_template_sets_a_style_attribute():
    found = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)[:80]}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for match in STYLE_ATTRIBUTE.finditer(JINJA_COMMENT.sub("", path.read_text()))
    ]
    assert found == []
