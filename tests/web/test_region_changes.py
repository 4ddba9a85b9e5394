"""A region moved through the admin's import: the officials' summary (kept facts, its
roll-up by county, its cached figures) and the kept matches follow the new tree without a
command; moves the tree cannot take are refused line by line; only the admin may import."""

from __future__ import annotations

import io
import random
from datetime import timedelta

import sqlalchemy as sa

from app import clock
from app.matches import services as match_services
from app.models import Agreement, Match, Need, Region
from app.models.enums import EnterpriseSize, Role
from app.regions import importer
from app.reports.breakdowns import counted_facts, load_facts_raw
from app.reports.filters import Filters
from app.reports.rollup import _rollup, rollup

from .test_asof import DAYS, build_history, first_day
from .test_routing import _need_of, _post_need
from .test_routing import make_product as make_product  # noqa: F401 - a fixture
from .test_summary_facts import _same

TOWN, OTHER_TOWN, COUNTY, NEIGHBOUR, CITY = "990121001", "990121002", "990121", "990122", "990100"
HEADER = "action,code,name,level,parent_code,successor_code,date\n"


def _upload(client, text: str):
    return client.post(
        "/admin/regions",
        data={"file": (io.BytesIO(text.encode()), "changes.csv")},
        content_type="multipart/form-data",
    )


def _rows(roll) -> dict:
    return {r.code: (r.enterprises, r.agreements, r.amount, r.disbursed) for r in roll.rows}


def test_the_summary_counts_a_moved_town_in_its_new_county_at_once(
    client, db, login_as, make_bank, make_enterprise, make_user
):
    banks = [make_bank(), make_bank()]
    enterprises = [
        make_enterprise(region_code=TOWN),
        make_enterprise(region_code=OTHER_TOWN, size=EnterpriseSize.MICRO),
        make_enterprise(region_code=OTHER_TOWN),
    ]
    officer = make_user(Role.OFFICIAL)
    build_history(db, 4, banks, enterprises, officer)
    assert db.session.scalar(sa.select(sa.func.count(Agreement.id))) > 0
    rng = random.Random(4)
    days = [first_day() + timedelta(days=rng.randint(0, DAYS)) for _ in range(2)]
    city = Filters(region=CITY)
    before = {day: rollup(city, today=day) for day in (*days, clock.today())}  # kept

    login_as(Role.ADMIN)
    assert _upload(client, HEADER + f"move,{OTHER_TOWN},,,{NEIGHBOUR},,\n").status_code == 302

    for day in (*days, clock.today()):
        for f in (Filters(region=COUNTY), Filters(region=NEIGHBOUR), city, Filters()):
            _same(f, day)
        after = rollup(city, today=day)
        assert after == _rollup(city, load_facts_raw(city, day), "zh")
        assert after == _rollup(city, counted_facts(city, day), "zh")
        # Restated by the regions as they are now: the town's agreements left the county
        # for the neighbour, and the city, holding both, counts as it did.
        moved = counted_facts(Filters(region=OTHER_TOWN), day).totals()
        old, new = _rows(before[day]), _rows(after)
        assert sum(v[1] for v in new.values()) == sum(v[1] for v in old.values())
        assert sum(v[2] for v in new.values()) == sum(v[2] for v in old.values())
        if moved.agreements:
            assert new[NEIGHBOUR][1] == moved.agreements
            assert old[COUNTY][1] - new.get(COUNTY, (0, 0))[1] == moved.agreements


def test_a_need_in_a_moved_town_is_matched_as_in_its_new_county(
    client, db, login_as, make_enterprise, make_product
):
    there = make_product(regions=[db.session.get(Region, NEIGHBOUR)], name="邻县专享贷")
    here = make_product(regions=[db.session.get(Region, COUNTY)], name="本县专享贷")
    user = login_as(Role.ENTERPRISE, enterprise=make_enterprise(region_code=OTHER_TOWN))
    _post_need(client)
    need = _need_of(db, user)

    def eligible(product) -> bool | None:
        return db.session.scalar(
            sa.select(Match.eligible).where(
                Match.need_id == need.id, Match.product_id == product.id
            )
        )

    assert eligible(here) is True and not eligible(there)

    client.post("/logout")
    login_as(Role.ADMIN)
    assert _upload(client, HEADER + f"move,{OTHER_TOWN},,,{NEIGHBOUR},,\n").status_code == 302
    db.session.expire_all()
    assert eligible(there) is True and not eligible(here)
    # What is stored is what matching every need afresh gives.
    stored = set(
        db.session.execute(
            sa.select(Match.need_id, Match.product_id, Match.eligible, Match.failed_criterion)
        ).all()
    )
    match_services.rebuild_all()
    assert stored == set(
        db.session.execute(
            sa.select(Match.need_id, Match.product_id, Match.eligible, Match.failed_criterion)
        ).all()
    )
    assert db.session.get(Need, need.id) is not None


def test_moves_the_tree_cannot_take_are_refused_line_by_line(db):
    bad = (
        HEADER
        + (
            f"move,{COUNTY},,,{TOWN},,\n"  # under its own town: a level below
            f"move,{OTHER_TOWN},,,{COUNTY},,\n"  # there already
            f"move,{OTHER_TOWN},,,{OTHER_TOWN[:-1]}3,,\n"  # a town under a town
            f"move,{OTHER_TOWN},,,999999,,\n"  # no such region
            "move,990000,,,320000,,\n"  # a province has no parent
            f"move,{OTHER_TOWN},,,{NEIGHBOUR},,\n"
            f"retire,{NEIGHBOUR},,,,,\n"  # the town just moved there is live under it
        )
    )
    try:
        importer.import_file(bad.encode(), "bad.csv", user=None)
    except importer.ImportFailed as failed:
        lines = {line: message for line, message in failed.problems}
    else:
        raise AssertionError("the bad file was accepted")
    db.session.rollback()
    assert sorted(lines) == [2, 3, 4, 5, 6, 8]
    assert "级别" in lines[2] and "已在" in lines[3] and "级别" in lines[4]
    assert db.session.get(Region, OTHER_TOWN).parent_code == COUNTY


def test_a_county_moves_with_its_towns_and_a_later_row_sees_the_new_tree(db):
    result = importer.import_file(
        (
            HEADER + f"move,{COUNTY},,,320500,,\n"
            f"add,{COUNTY}099,新街道,town,{COUNTY},,\n"
            f"move,{TOWN},,,{NEIGHBOUR},,\n"
        ).encode(),
        "ok.csv",
        user=None,
    )
    assert (result.moved, result.added) == (2, 1)
    assert db.session.get(Region, OTHER_TOWN).path == f"320000/320500/{COUNTY}/{OTHER_TOWN}/"
    assert db.session.get(Region, f"{COUNTY}099").path == f"320000/320500/{COUNTY}/{COUNTY}099/"
    assert db.session.get(Region, TOWN).path == f"990000/{CITY}/{NEIGHBOUR}/{TOWN}/"
    from app.models import AuditEntry

    logged = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.action == "region_moved")
    ).all()
    assert logged == ["region_moved", "region_moved"]


def test_only_the_admin_changes_regions(client, db, login_as):
    for role in (Role.OFFICIAL, Role.BANK_MANAGER, Role.ENTERPRISE, Role.COORDINATOR):
        client.post("/logout")
        login_as(role)
        response = _upload(client, HEADER + f"move,{OTHER_TOWN},,,{NEIGHBOUR},,\n")
        assert response.status_code == 403, role
    assert db.session.get(Region, OTHER_TOWN).parent_code == COUNTY
