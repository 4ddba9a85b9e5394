"""Every role's main pages, reached through its own menu, at desktop and phone size: axe-core
finds no serious or critical violation, nothing scrolls sideways on a phone, every page has
its own title, and the screenshots for the README are saved."""

from __future__ import annotations

import json
import re

import pytest

from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.helpers import (
    ADMIN,
    ENTERPRISE,
    MANAGER,
    OFFICER,
    OFFICIAL,
    axe_violations,
    shot,
    sign_in,
)

ROLES = {
    "public": (None, ["/", "/products", "/login", "/register"]),
    "enterprise": (ENTERPRISE, ["#needs-detail"]),
    "officer": (OFFICER, ["#engagement-detail"]),
    "manager": (MANAGER, []),
    "official": (OFFICIAL, ["#enterprise-detail", "/reports/summary/table/league"]),
    "admin": (ADMIN, ["/admin/weights", "/admin/jobs/"]),
}
# A detail page per role, reached by following the first link of a list.
DETAILS = {
    "#needs-detail": ("/needs", "a[href^='/needs/']:not([href$='/new'])"),
    "#engagement-detail": ("/bank/pipeline", "article.card h2 a"),
    "#enterprise-detail": ("/enterprises", "main table a[href^='/enterprises/']"),
}


# The pages shown in the README; axe and the phone check run on every page regardless.
SHOWN = {
    ("public", "home"),
    ("public", "products"),
    ("enterprise", "enterprise"),
    ("enterprise", "needs"),
    ("officer", "bank"),
    ("manager", "bank-products"),
    ("manager", "bank-staff"),
    ("official", "official"),
    ("official", "reports-summary"),
    ("official", "enterprises"),
    ("admin", "admin"),
}


def _slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.strip("/").lower()).strip("-") or "home"


def _pages(page, extra: list[str]) -> list[str]:
    menu = page.locator("#nav-main ul.me-auto a.nav-link").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    paths = list(dict.fromkeys([*menu, *[p for p in extra if not p.startswith("#")]]))
    for marker in (p for p in extra if p.startswith("#")):
        listing, link = DETAILS[marker]
        page.goto(listing)
        href = page.locator(link).first.get_attribute("href")
        paths.append(href)
    return paths


@pytest.mark.parametrize("role", list(ROLES))
def test_each_roles_pages_are_accessible_and_fit_a_phone(new_page, role):
    login, extra = ROLES[role]
    desktop = new_page(viewport=DESKTOP)
    if login:
        sign_in(desktop, login)
    paths = _pages(desktop, extra) if login else extra
    assert len(paths) >= 3, paths
    phone = new_page(viewport=PHONE)
    if login:
        sign_in(phone, login)
    titles = set()
    problems = {}
    for path in paths:
        desktop.goto(path)
        assert desktop.locator("h1").count() >= 1, path
        titles.add(desktop.title())
        bad = axe_violations(desktop)
        if bad:
            problems[path] = bad
        if (role, _slug(path)) in SHOWN:
            shot(desktop, f"{role}-{_slug(path)}")
        phone.goto(path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} scrolls sideways on a phone ({width}px)"
        bad = axe_violations(phone)
        if bad:
            problems[f"{path} (phone)"] = bad
        if (role, _slug(path)) in SHOWN:
            shot(phone, f"phone-{role}-{_slug(path)}", full_page=False)
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)
    assert len(titles) == len(paths), f"pages share a title: {sorted(titles)}"


def test_axe_does_find_what_it_is_asked_to(new_page):
    """The check itself works: a field without a label on a test page is reported."""
    page = new_page()
    page.goto("/login")
    page.evaluate("document.querySelector('label[for=login]').remove()")
    assert any(v["id"] == "label" for v in axe_violations(page, impacts=("critical", "serious")))
