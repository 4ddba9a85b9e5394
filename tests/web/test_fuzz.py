"""Hypothesis over every query parameter the views read and every form the pages show, as
each role and anonymously, with the inputs that used to give 500s among its values: no
answer is a 5xx."""

from __future__ import annotations

import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.models.enums import Role
from tests.web.test_routing import make_product as make_product  # noqa: F401 - a fixture

# Every name the views read from the query string (grep 'args.get' in app/).
QUERY_NAMES = [
    "page", "q", "status", "from", "to", "region", "bank", "bank_type", "industry", "size",
    "event", "first_loan", "amount", "term", "guarantee", "type", "sort", "view", "table",
    "ids", "lang", "next",
]  # fmt: skip
BAD = [
    "\x00", "a\x00b", "\x1b[31m", "\u202e名称", "99999999999999999999", "2147483648",
    "-2147483649", "-1", "0", "1e309", "-1e309", "1e-999999", "NaN", "Infinity", "9999-12-31",
    "0001-01-01", "2026-02-30", "2026-13-01", "", " ", "%", "' OR 1=1 --", "<script>x</script>",
    "1" * 300, "0.000000001", "１２３", "[]", "{}", "//evil.example", "https://evil.example",
]  # fmt: skip
VALUES = st.one_of(st.sampled_from(BAD), st.text(max_size=40), st.integers().map(str))
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "40")),  # more for a deeper run
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,  # the same inputs on every run, so a failure is reproduced
)
ROLES = [None, *Role]
_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
_ACTION = re.compile(r'action="([^"]*)"')
_FIELD = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"')


def _pages(app) -> list[str]:
    """Every GET page without path arguments (the API has schemathesis: .ci/api_fuzz.sh)."""
    skip = {"static", "bootstrap.static", "ops.metrics"}
    return sorted(
        {
            r.rule
            for r in app.url_map.iter_rules()
            if "GET" in r.methods
            and not r.arguments
            and r.endpoint not in skip
            and not r.rule.startswith("/api/")
            and not r.rule.endswith((".xlsx", ".csv"))
        }
    )


def _forms(client, pages: list[str]) -> list[tuple[str, list[str]]]:
    found = {}
    for page in pages:
        response = client.get(page)
        if response.status_code != 200 or "html" not in response.content_type:
            continue
        for attributes, body in _FORM.findall(response.get_data(as_text=True)):
            if 'method="post"' not in attributes.lower():
                continue
            action = (_ACTION.search(attributes) or [None, page])[1] or page
            if action.endswith("/logout"):
                continue
            names = sorted(set(_FIELD.findall(body)) - {"csrf_token"})
            found[action] = sorted(set(found.get(action, [])) | set(names))
    return sorted(found.items())


def _sign_in(login_as, role):
    if role is not None:
        login_as(role)


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "anonymous")
def test_query_parameters_never_give_a_server_error(app, client, login_as, make_product, role):
    make_product()
    _sign_in(login_as, role)
    pages = _pages(app)

    @FUZZ
    @given(st.data())
    def fuzz(data):
        page = data.draw(st.sampled_from(pages))
        names = data.draw(st.lists(st.sampled_from(QUERY_NAMES), min_size=1, max_size=4))
        query = [(name, data.draw(VALUES)) for name in names]
        response = client.get(page, query_string=query)
        assert response.status_code < 500, (page, query)

    fuzz()


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "anonymous")
def test_forms_never_give_a_server_error(app, client, login_as, make_product, role):
    make_product()
    _sign_in(login_as, role)
    forms = _forms(client, _pages(app))
    assert forms, "every role sees at least one form"

    @FUZZ
    @given(st.data())
    def fuzz(data):
        action, names = data.draw(st.sampled_from(forms))
        values = {name: data.draw(VALUES) for name in names}
        response = client.post(action, data=values)
        assert response.status_code < 500, (action, values)

    fuzz()
