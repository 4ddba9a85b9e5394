"""现行区划口径: after a town is merged into a town of another city (the admin's import, `retire`
with a successor), every figure counts it once, under the region as it now stands. The
officials' summary (totals, roll-up by region, breakdown by town), the mechanism's report by
region and its report by bank give the same totals at every level, equal to the loans
themselves; the town's old county, city and province no longer count it, and no town is
counted twice."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import clock
from app.coordination import feedback, report, screening, visits
from app.models import Agreement, Declaration, Engagement, Need, Region
from app.models.base import utcnow
from app.models.enums import (
    AgreementStatus,
    EngagementOrigin,
    EngagementStatus,
    Guarantee,
    NeedStatus,
    Purpose,
    Role,
)
from app.reports.breakdowns import breakdowns, counted_facts
from app.reports.filters import Filters
from app.reports.rollup import rollup
from tests.coordination.conftest import COUNTY, OTHER_TOWN, TOWN, all_met, visit_input

MERGED_INTO = "320505001"  # a town of 320505, in 320500 (苏州), in 320000
WAN = {TOWN: [120, 80], OTHER_TOWN: [300, 50, 40]}  # each business's loan, 万元
HEADER = "action,code,name,level,parent_code,successor_code,date\n"


def _agreement(db, enterprise, bank, officer, amount: Decimal) -> None:
    need = Need(
        enterprise_id=enterprise.id,
        amount=amount,
        term_months=12,
        purpose=Purpose.OTHER,
        guarantees=frozenset({Guarantee.CREDIT}),
        max_rate=Decimal("5"),
        needed_by=clock.today() + timedelta(days=30),
        status=NeedStatus.SIGNED,
        posted_at=utcnow(),
    )
    db.session.add(need)
    db.session.flush()
    engagement = Engagement(
        need_id=need.id,
        bank_id=bank.id,
        branch_id=bank.branches[0].id,
        origin=EngagementOrigin.ROUTED,
        status=EngagementStatus.ACCEPTED,
        routed_at=utcnow(),
        deadline_at=utcnow() + timedelta(days=3),
    )
    db.session.add(engagement)
    db.session.flush()
    agreement = Agreement(
        engagement_id=engagement.id,
        need_id=need.id,
        enterprise_id=enterprise.id,
        bank_id=bank.id,
        branch_id=bank.branches[0].id,
        officer_id=officer.id,
        amount=amount,
        term_months=12,
        rate=Decimal("4"),
        guarantee=Guarantee.CREDIT,
        signed_on=clock.today() - timedelta(days=2),
        status=AgreementStatus.CONFIRMED,
        confirmed_at=utcnow() - timedelta(days=1),
    )
    agreement.snapshot(enterprise)
    db.session.add(agreement)
    db.session.commit()


@pytest.fixture()
def merged(client, db, login_as, make_bank, make_user, make_enterprise, make_coordinator):
    """Businesses of two towns of one county, each with a loan granted through the mechanism
    and the same amount in a confirmed intent agreement; then OTHER_TOWN merged into a town
    of another province."""
    bank = make_bank()
    officer = make_user(Role.BANK_OFFICER, bank=bank)
    official = make_user(Role.OFFICIAL)
    coordinator = make_coordinator(COUNTY)
    for town, loans in WAN.items():
        for wan in loans:
            enterprise = make_enterprise(region_code=town)
            visit = visits.record_visit(visit_input(enterprise.credit_code), coordinator)
            declaration = db.session.scalar(
                sa.select(Declaration).where(Declaration.visit_id == visit.id)
            )
            screening.screen(declaration, all_met([bank.id]), official)
            feedback.record_decision(
                declaration.recommendations[0],
                officer,
                feedback.DecisionInput(
                    granted=True,
                    amount_wan=Decimal(wan),
                    rate=Decimal("3.5"),
                    term_months=12,
                    credit_loan=True,
                    maturity_on=clock.today() + timedelta(days=365),
                    refusal_reason=None,
                ),
            )
            _agreement(db, enterprise, bank, officer, Decimal(wan) * 10000)

    login_as(Role.ADMIN)
    response = client.post(
        "/admin/regions",
        data={
            "file": (
                io.BytesIO(f"{HEADER}retire,{OTHER_TOWN},,,,{MERGED_INTO},\n".encode()),
                "m.csv",
            )
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.expire_all()
    return official


def _yuan(town: str) -> Decimal:
    return sum((Decimal(w) * 10000 for w in WAN[town]), Decimal("0.00"))


def _three_totals(official, db, code: str) -> list[Decimal]:
    """What the summary, the mechanism's report by region and by bank count in region `code`
    (the mechanism's read from the roll-up and from the facts)."""
    region = db.session.get(Region, code)
    today = clock.today()
    summary = counted_facts(Filters(region=code), today).totals().amount
    figures = [summary]
    for raw in (False, True):
        figures.append(report.region_report(official, region, None, today, raw=raw).total)
        figures.append(report.bank_report(official, None, today, region=region, raw=raw).total)
    return [figures[0], *(f.granted_amount for f in figures[1:])]


# Each place, and what it holds as the regions now stand.
NOW = {
    TOWN: [TOWN],
    COUNTY: [TOWN],
    "990100": [TOWN],
    "990000": [TOWN],
    OTHER_TOWN: [],  # merged away: its loans count in its successor
    MERGED_INTO: [OTHER_TOWN],
    "320505": [OTHER_TOWN],
    "320500": [OTHER_TOWN],
    "320000": [OTHER_TOWN],
}


def test_each_loan_counts_once_under_the_region_as_it_now_stands_in_all_three_reports(merged, db):
    for code, towns in NOW.items():
        expected = sum((_yuan(t) for t in towns), Decimal("0.00"))
        assert _three_totals(merged, db, code) == [expected] * 5, code
    # No town counted twice: the two provinces hold every loan, and no more.
    everything = _yuan(TOWN) + _yuan(OTHER_TOWN)
    for i in range(5):
        provinces = [_three_totals(merged, db, p)[i] for p in ("990000", "320000")]
        assert sum(provinces) == everything
    assert counted_facts(Filters(), clock.today()).totals().amount == everything
    platform = report.bank_report(merged, None, clock.today())
    assert platform.total.granted_amount == everything


def test_the_rows_under_a_region_put_the_merged_town_under_its_successor(merged, db):
    today = clock.today()
    # The summary's roll-up of the successor's province: its city holds the merged town.
    roll = rollup(Filters(region="320000"), today=today)
    assert {r.code: r.amount for r in roll.rows} == {"320500": _yuan(OTHER_TOWN)}
    # The old county's roll-up of towns no longer has the merged town.
    roll = rollup(Filters(region=COUNTY), today=today)
    assert {r.code: r.amount for r in roll.rows} == {TOWN: _yuan(TOWN)}
    # The mechanism's report by region: the same rows, read from the roll-up or the facts.
    for raw in (False, True):
        county = report.region_report(merged, db.session.get(Region, COUNTY), None, today, raw=raw)
        granted = {r.key: r.granted_amount for r in county.rows if r.granted_amount}
        assert granted == {TOWN: _yuan(TOWN)}
        assert OTHER_TOWN not in {r.key for r in county.rows}
        town = report.region_report(merged, db.session.get(Region, "320505"), None, today, raw=raw)
        granted = {r.key: r.granted_amount for r in town.rows if r.granted_amount}
        assert granted == {MERGED_INTO: _yuan(OTHER_TOWN)}
    # The summary's breakdown by town names the town the loans now count in.
    by_town = next(b for b in breakdowns(counted_facts(Filters(), today)) if b.key == "town")
    assert {r.key: r.amount for r in by_town.rows} == {
        TOWN: _yuan(TOWN),
        MERGED_INTO: _yuan(OTHER_TOWN),
    }


def test_a_chain_of_merges_and_a_merged_county_s_towns_count_where_the_last_successor_is(db):
    from app.regions import importer
    from app.regions import services as regions

    importer.import_file(
        (
            HEADER + "retire,990121003,,,,990121004,\n"
            f"retire,990121004,,,,{MERGED_INTO},\n"
            "add,990122001,新镇,town,990122,,\n"
            "retire,990122001,,,,,\n"  # no successor of its own: it follows its county
            f"retire,990122,,,,{COUNTY},\n"
        ).encode(),
        "chain.csv",
        user=None,
    )
    db.session.commit()
    assert regions.counted_code("990121003") == MERGED_INTO
    assert regions.counted_code("990122001") == COUNTY
    assert regions.counted_code(TOWN) == TOWN

    def counted(code: str) -> set[str]:
        return set(db.session.scalars(regions.counted_codes(code)))

    assert {"990121003", "990121004", MERGED_INTO} <= counted("320505")
    assert not {"990121003", "990121004"} & counted(COUNTY)
    assert {"990122", "990122001", TOWN} <= counted(COUNTY)
    assert counted("990122") == set() and counted("990121004") == set()
    # Each region counts in exactly one county of the two provinces' counties.
    everywhere = counted("990000") | counted("320000")
    assert len(counted("990000") & counted("320000")) == 0
    assert {"990121003", "990121004", "990122001"} <= everywhere
