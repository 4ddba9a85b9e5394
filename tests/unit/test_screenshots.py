"""The screenshots the browser tests write are the ones the README shows."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"


def test_every_screenshot_the_readme_shows_is_there():
    shown = set(
        re.findall(r"docs/screenshots/([\w.-]+\.(?:png|jpg))", (ROOT / "README.md").read_text())
    )
    assert shown
    assert sorted(name for name in shown if not (SCREENSHOTS / name).exists()) == []


def test_no_page_is_kept_in_two_formats():
    stems = [p.stem for p in SCREENSHOTS.iterdir() if p.suffix in (".png", ".jpg")]
    assert sorted({s for s in stems if stems.count(s) > 1}) == []
