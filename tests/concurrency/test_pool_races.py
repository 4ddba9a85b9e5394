"""Two payouts from one risk-compensation pool at once, when its budget covers only one: the
pool's row is locked while the budget left is read, so exactly one is paid, the other is
refused with the budget left beside the amount, and the pool never pays out past its budget."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import clock
from app.models import PoolPayout, User
from app.models import db as _db
from app.models.enums import Role
from app.pools import ledger, services
from app.pools.services import PoolInput
from tests.concurrency.conftest import ROUNDS, race
from tests.concurrency.test_races import _settle, post, tranche
from tests.conftest import PASSWORD


@pytest.fixture(scope="module")
def second_official(people):
    user = User(email="pool-race-official@example.cn", role=Role.OFFICIAL, name="竞争")
    user.set_password(PASSWORD, method="pbkdf2:sha256:1000")
    _db.session.add(user)
    _db.session.commit()
    client = people.app.test_client()
    response = client.post("/login", data={"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_payouts_against_a_budget_for_one(people, second_official, tally, round_):
    pool = services.save(
        PoolInput(
            name=f"竞争资金池{round_}",
            region_code="990121",
            starts_on=clock.today() - timedelta(days=1),
            ends_on=clock.today() + timedelta(days=30),
            budget_wan=Decimal("30"),
            loss_share=Decimal("50"),
            bank_ids=[people.bank.id],
        ),
        people.official,
    )
    losses = []
    for _ in range(2):
        filing = ledger.file_under(pool, tranche(people).agreement_id, people.officers[0])
        losses.append(
            ledger.report_loss(filing, people.officers[0], Decimal("600000"), clock.today(), "")
        )
    codes = race(
        *(
            post(
                client,
                f"/pool-losses/{loss.id}/payout",
                {
                    f"pay{loss.id}-amount_wan": "30",
                    f"pay{loss.id}-paid_on": clock.today().isoformat(),
                },
            )
            for client, loss in zip(
                (people.client(people.official), second_official), losses, strict=True
            )
        )
    )
    _settle()
    tally.add("two payouts, budget for one", races=1, winners=codes.count(302))
    assert sorted(codes) == [302, 422], codes
    paid = _db.session.scalar(
        sa.select(sa.func.sum(PoolPayout.amount)).where(PoolPayout.pool_id == pool.id)
    )
    assert paid == Decimal("300000.00")
