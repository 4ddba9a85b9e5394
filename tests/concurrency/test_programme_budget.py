"""Two banks' agreements under one subsidy programme, recorded at the same instant: the
budget is counted under the programme's row lock, so the two commitments add up to what the
programme says is committed, never past the budget, and the second gets what was left."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import clock
from app.models import ProgrammeCommitment, SubsidyProgramme
from app.models import db as _db
from app.models.programme import CLOSED, POINTS
from tests.concurrency.conftest import race
from tests.concurrency.test_races import accepted, post, terms

ROUNDS = 10


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_agreements_against_one_budget(people, round_):
    # 100 万 over 12 months, 2 points: 20,000.04 元 each; the budget holds one and a half.
    programme = SubsidyProgramme(
        region_code="990121",
        name=f"竞争贴息{round_}",
        starts_on=clock.today() - timedelta(days=1),
        ends_on=clock.today() + timedelta(days=30),
        kind=POINTS,
        value=Decimal("2.00"),
        budget=Decimal("30000.00"),
        committed=Decimal("0.00"),
    )
    _db.session.add(programme)
    _db.session.commit()
    try:
        one, two = accepted(people), accepted(people)
        a, b = (people.client(o) for o in people.officers)
        codes = race(
            post(a, f"/engagements/{one.id}/agreements", terms()),
            post(b, f"/engagements/{two.id}/agreements", terms()),
        )
        assert codes == [302, 302]
        _db.session.expire_all()
        amounts = sorted(
            _db.session.scalars(
                sa.select(ProgrammeCommitment.amount).where(
                    ProgrammeCommitment.programme_id == programme.id
                )
            )
        )
        programme = _db.session.get(SubsidyProgramme, programme.id)
        assert amounts == [Decimal("9999.96"), Decimal("20000.04")]
        assert programme.committed == sum(amounts) == programme.budget
        assert programme.status == CLOSED
    finally:
        programme = _db.session.get(SubsidyProgramme, programme.id)
        programme.status = CLOSED
        programme.ends_on = clock.today() - timedelta(days=1)
        _db.session.commit()
