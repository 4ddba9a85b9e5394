"""As-of counting: the figure for every day of a random history (agreements signed, confirmed,
cancelled and paid out on different days and hours, Beijing time) equals a count made by hand,
and a past day's figure does not move when later events happen."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest

from app import clock
from app.models import Agreement, Disbursement, Engagement, Need
from app.models.base import utcnow
from app.models.enums import (
    AgreementStatus,
    BankType,
    EngagementOrigin,
    EngagementStatus,
    EnterpriseSize,
    Guarantee,
    NeedStatus,
    Purpose,
    Role,
)
from app.reports.breakdowns import load_facts
from app.reports.filters import Filters
from app.reports.headline import count_facts, headline

DAYS = 24


def first_day() -> date:
    return clock.today() - timedelta(days=DAYS)


def moment(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=clock.zone())


def build_history(db, seed, banks, enterprises, officer):
    rng = random.Random(seed)
    plan = []
    for _ in range(14):
        enterprise = rng.choice(enterprises)
        bank = rng.choice(banks)
        signed = first_day() + timedelta(days=rng.randint(0, DAYS - 4))
        confirmed = (
            moment(signed + timedelta(days=rng.randint(0, 3)), rng.choice([0, 7, 12, 23]), 30)
            if rng.random() < 0.8
            else None
        )
        cancelled = None
        if rng.random() < 0.3:
            base = confirmed.astimezone(clock.zone()).date() if confirmed else signed
            cancelled = moment(base + timedelta(days=rng.randint(0, 6)), rng.choice([0, 9, 23]), 45)
        tranches = []
        if confirmed is not None and cancelled is None:
            first_paid = confirmed.astimezone(clock.zone()).date()
            for _ in range(rng.randint(0, 2)):
                tranches.append(
                    (
                        min(first_paid + timedelta(days=rng.randint(0, 8)), clock.today()),
                        Decimal(rng.randint(1, 50)) * 10000,
                    )
                )
        amount = Decimal(rng.randint(10, 900)) * 10000 + Decimal("0.37")
        status = AgreementStatus.SIGNED
        if confirmed is not None:
            status = AgreementStatus.DISBURSED if tranches else AgreementStatus.CONFIRMED
        if cancelled is not None:
            status = AgreementStatus.CANCELLED
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
            signed_on=signed,
            status=status,
            confirmed_at=confirmed,
            cancelled_at=cancelled,
            approved_amount=amount if tranches else None,
            approved_on=tranches[0][0] if tranches else None,
            disbursed_amount=sum((t[1] for t in tranches), Decimal("0.00")),
        )
        agreement.snapshot(enterprise)
        for paid_on, paid in tranches:
            agreement.disbursements.append(
                Disbursement(amount=paid, disbursed_on=paid_on, recorded_by_id=officer.id)
            )
        db.session.add(agreement)
        plan.append((enterprise.id, bank, signed, confirmed, cancelled, tranches, amount))
    db.session.commit()
    return plan


def by_hand(plan, day):
    end = moment(day + timedelta(days=1), 0)
    counted = [
        p
        for p in plan
        if p[2] <= day and p[3] is not None and p[3] < end and (p[4] is None or p[4] >= end)
    ]
    commercial = [p for p in counted if p[1].bank_type.is_commercial]
    others = [p for p in counted if not p[1].bank_type.is_commercial]
    return {
        "enterprises": len({p[0] for p in commercial}),
        "banks": len({p[1].id for p in commercial}),
        "amount": sum((p[6] for p in commercial), Decimal("0.00")),
        "others": len({p[1].id for p in others}),
        "others_amount": sum((p[6] for p in others), Decimal("0.00")),
        "agreements": len(counted),
        "disbursed": sum((t[1] for p in counted for t in p[5] if t[0] <= day), Decimal("0.00")),
        "unconfirmed": sum(
            1
            for p in plan
            if p[2] <= day and (p[3] is None or p[3] >= end) and (p[4] is None or p[4] >= end)
        ),
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_day_of_a_history_matches_a_count_by_hand(
    db, seed, make_bank, make_enterprise, make_user
):
    banks = [make_bank(), make_bank(), make_bank()]
    banks[2].bank_type = BankType.CREDIT_COOPERATIVE
    db.session.commit()
    enterprises = [make_enterprise(size=EnterpriseSize.SMALL) for _ in range(4)]
    plan = build_history(db, seed, banks, enterprises, make_user(Role.OFFICIAL))
    for offset in range(DAYS + 1):
        day = first_day() + timedelta(days=offset)
        h = headline(Filters(date_to=day), today=clock.today())
        c = h.cumulative
        got = {
            "enterprises": c.enterprises,
            "banks": c.banks,
            "amount": c.amount,
            "others": c.others,
            "others_amount": c.others_amount,
            "agreements": c.agreements,
            "disbursed": h.disbursed,
            "unconfirmed": h.unconfirmed,
        }
        assert got == by_hand(plan, day), day
        facts = load_facts(Filters(date_to=day), day)
        assert facts.totals().amount == c.total_amount
        assert facts.totals().disbursed == h.disbursed
        assert count_facts(facts) == c


def test_a_past_day_does_not_move_when_an_agreement_is_cancelled_later(
    db, make_bank, make_enterprise, make_user
):
    bank = make_bank()
    plan = build_history(db, 7, [bank], [make_enterprise()], make_user(Role.OFFICIAL))
    day = first_day() + timedelta(days=DAYS - 5)
    before = headline(Filters(date_to=day), today=clock.today())
    now = utcnow()
    for agreement in db.session.query(Agreement):
        if agreement.cancelled_at is not None and agreement.cancelled_at <= now:
            continue
        agreement.status = AgreementStatus.CANCELLED
        agreement.cancelled_at = now
    db.session.commit()
    after = headline(Filters(date_to=day), today=clock.today())
    assert after.cumulative == before.cumulative and after.disbursed == before.disbursed
    assert headline(Filters(), today=clock.today()).cumulative.agreements == 0
    assert plan


def test_the_end_of_a_day_is_midnight_in_beijing_not_in_utc(
    db, make_bank, make_enterprise, make_user
):
    bank = make_bank()
    officer = make_user(Role.OFFICIAL)
    day = clock.today() - timedelta(days=3)
    plan = build_history(db, 11, [bank], [make_enterprise()], officer)
    # One never approved, so moving its signing date breaks no date rule of the table.
    agreement = db.session.query(Agreement).filter(Agreement.approved_on.is_(None)).first()
    agreement.signed_on = day
    agreement.cancelled_at = None
    agreement.confirmed_at = moment(day, 23, 30)  # 15:30 UTC: still the day in Beijing
    db.session.commit()
    late_night = headline(Filters(date_to=day), today=clock.today()).cumulative.agreements
    agreement.confirmed_at = moment(day + timedelta(days=1), 0, 30)  # 16:30 UTC of `day`
    db.session.commit()
    after_midnight = headline(Filters(date_to=day), today=clock.today()).cumulative.agreements
    assert late_night == after_midnight + 1
    assert plan
