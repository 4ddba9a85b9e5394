"""The report read from the roll-up equals the report counted from the facts, after random
writes through the services, for any as-of date and window; and a rebuild from the facts
gives the roll-up the writes kept."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from app import clock
from app.coordination import feedback, report, screening, visits
from app.coordination.cli import coordination_group
from app.models import Region
from app.models.base import utcnow
from app.models.coordination import (
    Declaration,
    MechanismRollup,
    MechanismRollupRepeat,
    RefusalReason,
)
from app.models.enums import Role
from tests.coordination.conftest import COUNTY, OTHER_TOWN, TOWN, all_met, visit_input


def _random_writes(rng, db, make_bank, make_user, make_enterprise, make_coordinator):
    today = clock.today()
    banks = [make_bank() for _ in range(3)]
    officers = {b.id: make_user(Role.BANK_OFFICER, bank=b) for b in banks}
    coordinator = make_coordinator(COUNTY)
    official = make_user(Role.OFFICIAL)
    businesses = [make_enterprise(region_code=rng.choice([TOWN, OTHER_TOWN])) for _ in range(6)]
    for _ in range(14):
        business = rng.choice(businesses)
        need = rng.random() < 0.8
        visit = visits.record_visit(
            visit_input(
                business.credit_code,
                visited_on=today - timedelta(days=rng.randint(0, 30)),
                has_need=need,
                authorised=rng.random() < 0.85,
            ),
            coordinator,
        )
        declaration = db.session.scalar(
            sa.select(Declaration).where(Declaration.visit_id == visit.id)
        )
        if declaration is None or not visit.authorised or rng.random() < 0.2:
            continue
        chosen = rng.sample(banks, rng.randint(1, 2))
        screening.screen(declaration, all_met([b.id for b in chosen]), official)
        for rec in declaration.recommendations:
            officer = officers[rec.bank_id]
            roll = rng.random()
            if roll < 0.2:
                continue  # still waiting for contact
            now = utcnow() + timedelta(hours=rng.randint(-200, 200))
            if roll < 0.4:
                feedback.record_contact(rec, officer, now=now)
                continue
            granted = roll < 0.75
            data = feedback.DecisionInput(
                granted=granted,
                amount_wan=Decimal(rng.randint(10, 300)) if granted else None,
                rate=Decimal(rng.randint(300, 600)) / 100 if granted else None,
                term_months=12 if granted else None,
                credit_loan=rng.random() < 0.5,
                maturity_on=today + timedelta(days=rng.randint(30, 400)) if granted else None,
                refusal_reason=None if granted else rng.choice(list(RefusalReason)[:-1]),
            )
            feedback.record_decision(rec, officer, data, now=now)
            if granted and rng.random() < 0.7:
                for _ in range(rng.randint(1, 2)):
                    feedback.record_tranche(
                        rec, officer, Decimal(5), today - timedelta(days=rng.randint(0, 20))
                    )
                if rng.random() < 0.5:
                    feedback.record_renewal(
                        rec,
                        officer,
                        Decimal(5),
                        today - timedelta(days=rng.randint(0, 10)),
                        today + timedelta(days=500),
                        rng.random() < 0.5,
                    )
    return official


def _windows():
    today = clock.today()
    return [
        (None, today),
        (None, today - timedelta(days=10)),
        (today - timedelta(days=20), today),
        (today - timedelta(days=5), today - timedelta(days=1)),
        (None, today + timedelta(days=40)),
        (today - timedelta(days=3), today + timedelta(days=40)),
        (today, today),
    ]


def _stored(db) -> tuple[dict, dict]:
    days = {
        (r.kind, r.scope, r.bank_id, r.metric, r.day): (r.n, r.amount, r.rate_amount)
        for r in db.session.scalars(sa.select(MechanismRollup))
        if r.n or r.amount or r.rate_amount
    }
    pairs = {
        (r.kind, r.scope, r.bank_id, r.metric, r.prev_day, r.day): r.n
        for r in db.session.scalars(sa.select(MechanismRollupRepeat))
        if r.n
    }
    return days, pairs


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_rolled_up_report_equals_the_report_from_the_facts(
    db, seed, make_bank, make_user, make_enterprise, make_coordinator
):
    rng = random.Random(seed)
    official = _random_writes(rng, db, make_bank, make_user, make_enterprise, make_coordinator)
    county = db.session.get(Region, COUNTY)
    places = [county, db.session.get(Region, TOWN)]
    while places[0].parent is not None:
        places.insert(0, places[0].parent)
    checked = 0
    for start, end in _windows():
        for place in places:
            rolled = report.region_report(official, place, start, end)
            raw = report.region_report(official, place, start, end, raw=True)
            assert rolled.rows == raw.rows, (place.code, start, end)
            assert rolled.total == raw.total
            checked += raw.total.visited
        for place in [None, *places]:
            rolled = report.bank_report(official, start, end, region=place)
            raw = report.bank_report(official, start, end, region=place, raw=True)
            assert rolled.rows == raw.rows, (place and place.code, start, end)
    assert checked > 0  # the writes reached the report

    kept = _stored(db)
    db.session.execute(sa.delete(MechanismRollup))  # lost: the command builds it again
    db.session.commit()
    out = CliRunner().invoke(coordination_group, ["rollup"], obj=None, standalone_mode=False)
    assert "rebuilt" in out.output
    assert _stored(db) == kept


def test_a_window_counts_a_business_once_however_many_days_it_was_visited(
    db, make_enterprise, make_coordinator, make_user
):
    today = clock.today()
    business = make_enterprise(region_code=TOWN)
    coordinator = make_coordinator(COUNTY)
    for days_ago in (9, 5, 5, 1):
        visits.record_visit(
            visit_input(business.credit_code, visited_on=today - timedelta(days=days_ago)),
            coordinator,
        )
    town = db.session.get(Region, TOWN)
    official = make_user(Role.OFFICIAL)
    for start, expected in ((None, 1), (today - timedelta(days=6), 1), (today, 0)):
        rolled = report.region_report(official, town.parent, start, today)
        assert rolled.total.visited == expected
        assert rolled.total.declared == expected
    # What was stored: one business a day (two visits on one day are one), and the two
    # consecutive pairs of days that a window holding both subtracts.
    days, pairs = _stored(db)
    assert sorted(k[4] for k in days if k[:4] == ("r", TOWN, 0, "visited")) == [
        today - timedelta(days=d) for d in (9, 5, 1)
    ]
    assert {k[4:] for k in pairs if k[:4] == ("r", TOWN, 0, "visited")} == {
        (today - timedelta(days=9), today - timedelta(days=5)),
        (today - timedelta(days=5), today - timedelta(days=1)),
    }
    assert OTHER_TOWN not in {k[1] for k in days}


def test_a_roster_import_reaches_the_rolled_up_report(
    db, make_coordinator, make_user, make_enterprise
):
    from app.coordination.exports import roster_header
    from app.coordination.roster import import_roster
    from app.enterprises.credit_code import make as make_code
    from tests.coordination.test_excel import _row, _sheet

    known = make_enterprise(region_code=TOWN)
    coordinator = make_coordinator(COUNTY)
    visits.record_visit(
        visit_input(known.credit_code, visited_on=clock.today() - timedelta(days=3)), coordinator
    )
    sheet = _sheet(
        [
            roster_header(),
            _row(make_code("92990121MA0000001")),
            _row(make_code("92990121MA0000002"), c15="否"),
            _row(known.credit_code, known.name),
        ]
    )
    assert import_roster(sheet, coordinator) == 3
    official = make_user(Role.OFFICIAL)
    county = db.session.get(Region, COUNTY)
    for start in (None, clock.today()):
        rolled = report.region_report(official, county, start, clock.today())
        raw = report.region_report(official, county, start, clock.today(), raw=True)
        assert rolled.rows == raw.rows
    assert rolled.total.visited == 3 and rolled.total.declared == 2
    from app.models import Enterprise
    from app.models.enums import EnterpriseSize, EnterpriseStatus

    new = db.session.scalar(
        sa.select(Enterprise).where(Enterprise.credit_code == make_code("92990121MA0000001"))
    )
    assert (new.status, new.size, new.mobile, new.region_code) == (
        EnterpriseStatus.PENDING,
        EnterpriseSize.MICRO,
        "13912340000",
        TOWN,
    )
    assert "微型" in new.size_reason and new.created_at is not None
