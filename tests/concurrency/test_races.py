"""Every pair of actions that can collide, raced 20 times over real concurrent requests:
exactly one wins, the loser is told 409 with a message, nothing answers 5xx, nothing is done
twice, and the officials' totals still equal a direct count of the rows."""

from __future__ import annotations

import secrets
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import clock
from app.agreements import services as agreements
from app.engagements import scheduled
from app.engagements import services as engagements
from app.models import Agreement, AuditEntry, Disbursement, Engagement, Need
from app.models import db as _db
from app.models.agreement import COUNTED_AGREEMENT_STATUSES
from app.models.base import utcnow
from app.models.enums import (
    AgreementStatus,
    EngagementOrigin,
    EngagementStatus,
    Guarantee,
    NeedStatus,
    Purpose,
)
from tests.concurrency.conftest import ROUNDS, race


def _token() -> str:
    return secrets.token_hex(8)


def _need(p, **fields) -> Need:
    values = dict(
        enterprise_id=p.enterprise.id,
        amount=Decimal("1000000"),
        term_months=12,
        purpose=Purpose.WORKING_CAPITAL,
        guarantees=frozenset({Guarantee.CREDIT}),
        max_rate=Decimal("6"),
        needed_by=clock.today() + timedelta(days=60),
        status=NeedStatus.OPEN,
        posted_at=utcnow(),
    )
    values.update(fields)
    need = Need(**values)
    _db.session.add(need)
    return need


def routed(p, *, late: bool = False) -> Engagement:
    now = utcnow()
    routed_at = now - timedelta(days=10) if late else now
    engagement = Engagement(
        need=_need(p),
        bank_id=p.bank.id,
        origin=EngagementOrigin.ROUTED,
        status=EngagementStatus.ROUTED,
        routed_at=routed_at,
        deadline_at=routed_at + timedelta(days=3),
    )
    _db.session.add(engagement)
    _db.session.commit()
    return engagement


def picked(p) -> Engagement:
    return engagements.pick_up(routed(p), p.officers[0])


def accepted(p) -> Engagement:
    return engagements.accept(picked(p), p.owners[0])


def terms() -> dict:
    return {
        "amount_wan": "100",
        "term_months": "12",
        "rate": "4.5",
        "guarantee": "credit",
        "signed_on": clock.today().isoformat(),
    }


def signed(p) -> Agreement:
    return agreements.record_agreement(
        accepted(p),
        p.officers[0],
        agreements.AgreementInput(
            Decimal("100"), 12, Decimal("4.5"), Guarantee.CREDIT, clock.today()
        ),
    )


def confirmed(p) -> Agreement:
    return agreements.confirm(signed(p), p.owners[0])


def approved(p) -> Agreement:
    return agreements.approve(confirmed(p), p.officers[0], Decimal("100"), clock.today())


def tranche(p) -> Disbursement:
    return agreements.disburse(approved(p), p.officers[0], Decimal("60"), clock.today())


def post(client, url: str, data: dict):
    return lambda: client.post(url, data=data | {"token": _token()}).status_code


def prefixed(agreement: Agreement, action: str, **fields) -> dict:
    fields.setdefault("token", _token())
    return {f"a{agreement.id}-{action}-{k}": v for k, v in fields.items()}


def judge(tally, pair: str, codes: list) -> None:
    """A request won with its redirect (302); the tick won when it marked the row (True)."""
    statuses = [c for c in codes if type(c) is int]
    winners = statuses.count(302) + codes.count(True)
    conflicts = statuses.count(409)
    server_errors = sum(c >= 500 for c in statuses)
    tally.add(pair, races=1, winners=winners, **{"409": conflicts, "5xx": server_errors})
    assert server_errors == 0, codes
    assert winners == 1, codes
    # every request that did not win was refused with a 409, nothing else
    assert statuses.count(302) + conflicts == len(statuses), codes


def _settle() -> None:
    _db.session.commit()
    _db.session.expire_all()


def _status_changes(entity, new_status) -> int:
    return _db.session.scalar(
        sa.select(sa.func.count(AuditEntry.id)).where(
            AuditEntry.entity_type == entity.__tablename__,
            AuditEntry.entity_id == entity.id,
            AuditEntry.action == "status_changed",
            AuditEntry.new_status == new_status.value,
        )
    )


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_pick_ups(people, tally, round_):
    e = routed(people)
    a, b = (people.client(o) for o in people.officers)
    url = f"/engagements/{e.id}/pick-up"
    codes = race(post(a, url, {"version": "1"}), post(b, url, {"version": "1"}))
    _settle()
    judge(tally, "two pick-ups", codes)
    assert e.status is EngagementStatus.PICKED_UP
    assert _status_changes(e, EngagementStatus.PICKED_UP) == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_pick_up_against_decline(people, tally, round_):
    e = routed(people)
    a, b = (people.client(o) for o in people.officers)
    codes = race(
        post(a, f"/engagements/{e.id}/pick-up", {"version": "1"}),
        post(b, f"/engagements/{e.id}/decline", {"version": "1", "reason": "amount"}),
    )
    _settle()
    judge(tally, "pick-up vs decline", codes)
    assert e.status in (EngagementStatus.PICKED_UP, EngagementStatus.DECLINED)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_accept_against_reject(people, tally, round_):
    e = picked(people)
    a, b = (people.client(o) for o in people.owners)
    version = str(e.version)
    codes = race(
        post(a, f"/engagements/{e.id}/accept", {"version": version}),
        post(b, f"/engagements/{e.id}/reject", {"version": version}),
    )
    _settle()
    judge(tally, "accept vs reject", codes)
    assert e.status in (EngagementStatus.ACCEPTED, EngagementStatus.REJECTED)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_agreements_on_one_engagement(people, tally, round_):
    e = accepted(people)
    a, b = (people.client(o) for o in people.officers)
    url = f"/engagements/{e.id}/agreements"
    codes = race(post(a, url, terms()), post(b, url, terms()))
    _settle()
    judge(tally, "two agreements on one engagement", codes)
    live = _db.session.scalar(
        sa.select(sa.func.count(Agreement.id)).where(
            Agreement.engagement_id == e.id, Agreement.status != AgreementStatus.CANCELLED
        )
    )
    assert live == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_confirm_against_cancel(people, tally, round_):
    ag = signed(people)
    v = str(ag.version)
    codes = race(
        post(
            people.client(people.owners[0]),
            f"/agreements/{ag.id}/confirm",
            prefixed(ag, "confirm", version=v),
        ),
        post(
            people.client(people.officers[1]),
            f"/agreements/{ag.id}/cancel",
            prefixed(ag, "cancel", version=v, reason="企业另选他行"),
        ),
    )
    _settle()
    judge(tally, "confirm vs cancel", codes)
    assert ag.status in (AgreementStatus.CONFIRMED, AgreementStatus.CANCELLED)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_approve_twice(people, tally, round_):
    ag = confirmed(people)
    v = str(ag.version)
    a, b = (people.client(o) for o in people.officers)
    url = f"/agreements/{ag.id}/approve"
    codes = race(
        *(
            post(
                c,
                url,
                prefixed(ag, "approve", version=v, amount_wan="100", on=clock.today().isoformat()),
            )
            for c in (a, b)
        )
    )
    _settle()
    judge(tally, "approve twice", codes)
    assert ag.status is AgreementStatus.APPROVED
    assert _status_changes(ag, AgreementStatus.APPROVED) == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_receipt_confirmations(people, tally, round_):
    t = tranche(people)
    a, b = (people.client(o) for o in people.owners)
    url = f"/disbursements/{t.id}/received"
    codes = race(post(a, url, {}), post(b, url, {}))
    _settle()
    judge(tally, "two receipt confirmations", codes)
    receipts = _db.session.scalar(
        sa.select(sa.func.count(AuditEntry.id)).where(
            AuditEntry.action == "disbursement_received",
            AuditEntry.entity_id == t.agreement_id,
        )
    )
    assert t.received_confirmed_at is not None and receipts == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_tick_against_a_pick_up(people, tally, round_):
    e = routed(people, late=True)
    officer = people.client(people.officers[0])

    def tick():
        with people.app.app_context():
            return scheduled.mark_overdue(utcnow()) == 1

    codes = race(post(officer, f"/engagements/{e.id}/pick-up", {"version": "1"}), tick)
    _settle()
    judge(tally, "tick vs pick-up", codes)
    assert e.status in (EngagementStatus.PICKED_UP, EngagementStatus.OVERDUE)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_a_double_click_acts_once(people, tally, round_):
    """The same form sent twice (one token): the second does nothing and says so."""
    ag = approved(people)
    data = prefixed(
        ag, "disburse", version=str(ag.version), amount_wan="10", on=clock.today().isoformat()
    )
    data[f"a{ag.id}-disburse-token"] = _token()
    a, b = people.client(people.officers[0]), people.client(people.officers[1])
    url = f"/agreements/{ag.id}/disburse"
    codes = race(
        lambda: a.post(url, data=data).status_code, lambda: b.post(url, data=data).status_code
    )
    _settle()
    tally.add("double submit (one token)", races=1, winners=1, **{"5xx": 0})
    assert codes == [302, 302]
    assert len(ag.disbursements) == 1 and ag.disbursed_amount == Decimal("100000.00")


def test_the_officials_totals_equal_a_direct_count(people, ctx):
    from app.integrity import check
    from app.reports import services as reports

    totals = reports.headline(reports.Filters()).cumulative
    counted = sa.select(Agreement).where(Agreement.status.in_(COUNTED_AGREEMENT_STATUSES))
    rows = list(_db.session.scalars(counted))
    assert totals.agreements == len(rows) > 0
    assert totals.total_amount == sum(r.amount for r in rows)
    assert totals.all_enterprises == len({r.enterprise_id for r in rows})
    assert check() == []
    result = ctx.test_cli_runner().invoke(args=["integrity", "check"])
    assert result.exit_code == 0, result.output
