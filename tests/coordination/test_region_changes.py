"""A 区划调整 made by the admin's import leaves the mechanism's report true without anyone
running a command: after a town moves to another county, or a town is merged into one of
another city, the report read from the roll-up equals the report counted from the facts
at every level, by region and by bank, for every window; and while the roll-up is being
rebuilt the report counts from the facts."""

from __future__ import annotations

import io
import random
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import clock
from app.coordination import report
from app.models import Branch, JobRun, JobStatus, Region
from app.models.enums import Role
from app.regions import derived
from tests.coordination.conftest import COUNTY, OTHER_TOWN, TOWN
from tests.coordination.test_rollup import _random_writes, _stored, _windows

NEIGHBOUR = "990122"
CITY = "990100"
HEADER = "action,code,name,level,parent_code,successor_code,date\n"


def _upload(client, text: str):
    return client.post(
        "/admin/regions",
        data={"file": (io.BytesIO(text.encode()), "changes.csv")},
        content_type="multipart/form-data",
    )


def _figures(row: report.Row) -> list:
    return [getattr(row, n) for n in report.Row.COUNTS + report.Row.AMOUNTS] + [row.refusals]


def _places(db, *codes):
    return [db.session.get(Region, c) for c in codes]


def _same_reports(db, official, places):
    checked = 0
    for start, end in _windows():
        for place in places:
            rolled = report.region_report(official, place, start, end)
            raw = report.region_report(official, place, start, end, raw=True)
            assert rolled.rows == raw.rows, (place.code, start, end)
            assert rolled.total == raw.total, (place.code, start, end)
            checked += raw.total.visited
        for place in [None, *places]:
            rolled = report.bank_report(official, start, end, region=place)
            raw = report.bank_report(official, start, end, region=place, raw=True)
            assert rolled.rows == raw.rows, (place and place.code, start, end)
    return checked


@pytest.mark.parametrize("seed", [1, 2])
def test_a_town_moved_to_another_county_is_reported_there_from_the_roll_up(
    client, db, login_as, seed, make_bank, make_user, make_enterprise, make_coordinator
):
    rng = random.Random(seed)
    official = _random_writes(rng, db, make_bank, make_user, make_enterprise, make_coordinator)
    past = clock.today() - timedelta(days=10)
    city_before = report.region_report(official, db.session.get(Region, CITY), None, past)
    counties_before = {r.key: r.visited for r in city_before.rows}
    assert counties_before[COUNTY] > 0 and counties_before[NEIGHBOUR] == 0

    login_as(Role.ADMIN)
    response = _upload(client, HEADER + f"move,{OTHER_TOWN},,,{NEIGHBOUR},,\n")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Region, OTHER_TOWN).path == f"990000/{CITY}/{NEIGHBOUR}/{OTHER_TOWN}/"
    assert not derived.rollup_pending()  # without Redis the job ran at once

    places = _places(db, "990000", CITY, COUNTY, NEIGHBOUR, TOWN, OTHER_TOWN)
    assert _same_reports(db, official, places) > 0
    # The neighbour county now holds the town's figures; the old county no longer does.
    neighbour = report.region_report(official, places[3], None, clock.today(), raw=True)
    town = report.region_report(official, places[5], None, clock.today(), raw=True)
    assert _figures(neighbour.total) == _figures(town.total)
    # Past dates are counted by the regions as they are now; the city holding both counties
    # keeps every past figure it had (the change moves figures between its rows, no more).
    city_after = report.region_report(official, places[1], None, past)
    assert city_after.total == city_before.total
    counties_after = {r.key: r.visited for r in city_after.rows}
    moved = report.region_report(official, places[5], None, past, raw=True).total.visited
    assert counties_after[NEIGHBOUR] == moved
    assert counties_after[COUNTY] == counties_before[COUNTY] - moved
    # What the job left is what rebuilding from the facts gives.
    kept = _stored(db)
    from app.coordination.rollup import rebuild

    rebuild()
    assert _stored(db) == kept


def test_a_town_merged_into_another_city_counts_there_by_bank(
    client, db, login_as, make_bank, make_user, make_enterprise, make_coordinator
):
    rng = random.Random(5)
    official = _random_writes(rng, db, make_bank, make_user, make_enterprise, make_coordinator)
    suzhou = db.session.get(Region, "320500")
    before = report.bank_report(official, None, clock.today(), region=suzhou)
    assert before.total.recommended == 0
    past = clock.today() - timedelta(days=10)
    everywhere = report.bank_report(official, None, past)
    town = report.bank_report(official, None, clock.today(), region=_places(db, OTHER_TOWN)[0])
    city = report.bank_report(official, None, clock.today(), region=_places(db, CITY)[0])

    login_as(Role.ADMIN)
    response = _upload(client, HEADER + f"retire,{OTHER_TOWN},,,,320505001,\n")
    assert response.status_code == 302
    assert db.session.get(Region, OTHER_TOWN).successor_code == "320505001"

    places = _places(db, "990000", CITY, COUNTY, TOWN, OTHER_TOWN, "320000", "320500", "320505")
    assert _same_reports(db, official, places) > 0
    # The merged town's history counts where it went, and no longer where it was (现行区划口径:
    # once, under the region as it now stands); the whole platform's figures for a past date
    # stay as they were.
    merged = report.bank_report(official, None, clock.today(), region=suzhou)
    assert _figures(merged.total) == _figures(town.total) and merged.total.recommended > 0
    city_after = report.bank_report(official, None, clock.today(), region=places[1], raw=True)
    for name in report.Row.AMOUNTS:
        left = getattr(city.total, name) - getattr(town.total, name)
        assert getattr(city_after.total, name) == left, name
    gone = report.bank_report(official, None, clock.today(), region=places[4], raw=True)
    assert gone.total.recommended == 0 and gone.total.granted_amount == 0
    assert report.bank_report(official, None, past).rows == everywhere.rows


def test_while_the_roll_up_is_rebuilt_the_report_counts_from_the_facts(
    client, db, login_as, monkeypatch, make_bank, make_user, make_enterprise, make_coordinator
):
    from app.jobs import runner

    rng = random.Random(3)
    official = _random_writes(rng, db, make_bank, make_user, make_enterprise, make_coordinator)
    queued = []
    monkeypatch.setattr(runner, "_dispatch", queued.append)  # a queue nobody has taken from
    login_as(Role.ADMIN)
    _upload(client, HEADER + f"move,{OTHER_TOWN},,,{NEIGHBOUR},,\n")
    assert sorted(r.name for r in queued) == ["coordination.rollup", "matches.rebuild"]
    page = client.get("/admin/regions").get_data(as_text=True)
    assert "正在为新的区划重新计算" in page
    # A second change before the job starts needs no second run.
    _upload(client, HEADER + f"move,{TOWN},,,{NEIGHBOUR},,\n")
    assert len(queued) == 2
    assert derived.rollup_pending()
    places = _places(db, CITY, COUNTY, NEIGHBOUR, OTHER_TOWN)
    for place in places:
        rolled = report.region_report(official, place, None, clock.today())
        raw = report.region_report(official, place, None, clock.today(), raw=True)
        assert rolled.rows == raw.rows

    monkeypatch.undo()
    for run in queued:
        runner._dispatch(db.session.get(JobRun, run.id))
    assert db.session.get(JobRun, queued[0].id).status is JobStatus.SUCCEEDED
    assert not derived.rollup_pending()
    _same_reports(db, official, places)
    page = client.get("/admin/regions").get_data(as_text=True)
    assert "地区调整后的数字已于" in page and "重新计算" in page


def test_a_moved_county_s_branches_hang_under_the_bank_s_branch_of_its_new_city(
    client, db, login_as, make_bank
):
    bank = make_bank()
    home = bank.branches[0]
    home.region_code = "990100"
    for code in ("320500", COUNTY):
        db.session.add(Branch(bank=bank, name=f"支行{code}", region_code=code))
    db.session.commit()
    from app.regions.branches import arrange

    arrange(bank.id)
    db.session.commit()
    county = db.session.scalar(sa.select(Branch).where(Branch.region_code == COUNTY))
    assert county.parent_id == home.id

    login_as(Role.ADMIN)
    _upload(client, HEADER + f"move,{COUNTY},,,320500,,\n")
    db.session.expire_all()
    suzhou = db.session.scalar(sa.select(Branch).where(Branch.region_code == "320500"))
    assert db.session.get(Branch, county.id).parent_id == suzhou.id
    assert db.session.get(Region, TOWN).path == f"320000/320500/{COUNTY}/{TOWN}/"


def test_a_failed_rebuild_keeps_the_report_on_the_facts_until_it_is_retried(
    client, db, login_as, monkeypatch, make_bank, make_user, make_enterprise, make_coordinator
):
    from app.jobs import registry

    rng = random.Random(4)
    official = _random_writes(rng, db, make_bank, make_user, make_enterprise, make_coordinator)

    def broken() -> dict:
        raise RuntimeError("the database went away")

    monkeypatch.setitem(
        registry.JOBS, "coordination.rollup", registry.Job(broken, "x", lock="coordination.rollup")
    )
    login_as(Role.ADMIN)
    _upload(client, HEADER + f"move,{OTHER_TOWN},,,{NEIGHBOUR},,\n")
    run = db.session.scalar(sa.select(JobRun).where(JobRun.name == "coordination.rollup"))
    assert run.status is JobStatus.FAILED
    assert derived.rollup_pending()
    page = client.get("/admin/regions").get_data(as_text=True)
    assert "重新计算数字失败" in page
    places = _places(db, CITY, COUNTY, NEIGHBOUR)
    for place in places:
        rolled = report.region_report(official, place, None, clock.today())
        raw = report.region_report(official, place, None, clock.today(), raw=True)
        assert rolled.rows == raw.rows

    monkeypatch.undo()
    assert client.post(f"/admin/jobs/{run.id}/retry").status_code == 302
    assert db.session.get(JobRun, run.id).status is JobStatus.SUCCEEDED
    assert not derived.rollup_pending()
    _same_reports(db, official, places)
