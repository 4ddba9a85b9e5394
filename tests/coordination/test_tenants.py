"""Every mechanism route with an id refuses the wrong tenant: another bank, another area's
coordinator, another business. (tests/web/test_access.py checks roles on every route.)"""

from __future__ import annotations

import pytest

from app.models.enums import Role
from tests.coordination.conftest import OTHER_TOWN

BANK_ROUTES = [
    ("GET", "/mechanism/recommendations/{rec}"),
    ("POST", "/mechanism/recommendations/{rec}/contact"),
    ("POST", "/mechanism/recommendations/{rec}/decision"),
    ("POST", "/mechanism/recommendations/{rec}/tranche"),
    ("POST", "/mechanism/recommendations/{rec}/renewal"),
]
# With the status the area's own coordinator gets (an empty POST is answered, not refused).
AREA_ROUTES = [
    ("GET", "/mechanism/visits/{visit}", 200),
    ("POST", "/mechanism/visits/{visit}/authorise", 422),
    ("GET", "/mechanism/declarations/{declaration}", 200),
    ("POST", "/mechanism/declarations/{declaration}/screen", 422),
    ("POST", "/mechanism/declarations/{declaration}/push", 422),
    ("POST", "/mechanism/declarations/{declaration}/reopen", 302),
    ("GET", "/mechanism/recommendations/{rec}", 200),
]


@pytest.mark.parametrize(("method", "path"), BANK_ROUTES)
def test_another_bank_gets_404(client, login, recommended, make_bank, make_user, method, path):
    declaration = recommended(make_bank())
    ids = {"rec": declaration.recommendations[0].id}
    login(make_user(Role.BANK_OFFICER))
    assert client.open(path.format(**ids), method=method).status_code == 404


@pytest.mark.parametrize(("method", "path", "own"), AREA_ROUTES)
def test_another_areas_coordinator_gets_404(
    client, login, recommended, make_bank, make_coordinator, method, path, own
):
    declaration = recommended(make_bank())
    ids = {
        "visit": declaration.visit_id,
        "declaration": declaration.id,
        "rec": declaration.recommendations[0].id,
    }
    login(make_coordinator(OTHER_TOWN))
    assert client.open(path.format(**ids), method=method).status_code == 404


@pytest.mark.parametrize(("method", "path", "own"), AREA_ROUTES)
def test_the_areas_own_coordinator_gets_in(
    client, login, recommended, make_bank, make_coordinator, method, path, own
):
    declaration = recommended(make_bank())
    ids = {
        "visit": declaration.visit_id,
        "declaration": declaration.id,
        "rec": declaration.recommendations[0].id,
    }
    login(make_coordinator())
    assert client.open(path.format(**ids), method=method).status_code == own


def test_a_coordinator_never_sees_a_banks_decision_form(
    client, login, recommended, make_bank, make_coordinator
):
    rec = recommended(make_bank()).recommendations[0]
    login(make_coordinator())
    page = client.get(f"/mechanism/recommendations/{rec.id}").get_data(as_text=True)
    assert f"/mechanism/recommendations/{rec.id}/decision" not in page
    assert client.post(f"/mechanism/recommendations/{rec.id}/decision").status_code == 403


def test_a_bank_cannot_use_the_offices_export_of_another_bank(
    client, login, recommended, make_bank, make_user
):
    other = make_bank()
    recommended(other)
    login(make_user(Role.BANK_MANAGER))
    assert client.get(f"/mechanism/banks/{other.id}/recommended.xlsx").status_code == 403
