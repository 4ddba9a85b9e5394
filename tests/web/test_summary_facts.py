"""The summary's kept facts (issue 22): after random writes (signing, confirming, cancelling,
disputing, paying out, receipts, back-dated dates, a bank changing type), every figure read
from the facts a worker holds equals the same figure counted from the agreements, for every
filter, on every day; and `flask integrity check` finds the facts in step."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import clock, integrity
from app.models import Agreement, Disbursement, Dispute, SummaryFact, db
from app.models.base import utcnow
from app.models.enums import AgreementStatus, BankType, DisputeOutcome, EnterpriseSize, Role
from app.reports import keeping, resident
from app.reports.breakdowns import (
    counted_facts,
    disbursed_by_month,
    disbursed_by_month_raw,
    load_facts_raw,
)
from app.reports.facts import KEYS
from app.reports.filters import Filters
from app.reports.funnel import funnel, funnel_raw
from app.reports.headline import _compute, compute_raw

from .test_asof import DAYS, build_history, first_day, moment

FACTS_RULE = "summary facts differ from their agreements"


def _same(f: Filters, day) -> None:
    assert not keeping.pending(db.session())  # the kept facts are read, not the agreements
    kept, raw = counted_facts(f, day), load_facts_raw(f, day)
    assert kept.totals() == raw.totals(), (f, day)
    for key in KEYS:
        assert sorted(kept.grouped(key), key=repr) == sorted(raw.grouped(key), key=repr), key
    assert _compute(f, day) == compute_raw(f, day), (f, day)
    assert disbursed_by_month(f, day) == disbursed_by_month_raw(f, day)
    assert funnel(f, day) == funnel_raw(f, day), (f, day)


def _write(db, rng, officer, agreements, banks) -> None:
    """One random change, as the services and officials make them (and some they refuse)."""
    agreement = rng.choice(agreements)
    choice = rng.randrange(9)
    if choice == 0 and agreement.confirmed_at is None:
        agreement.confirmed_at = moment(agreement.signed_on + timedelta(days=rng.randint(0, 3)), 9)
        agreement.status = AgreementStatus.CONFIRMED
    elif choice == 1 and agreement.cancelled_at is None:
        agreement.cancelled_at = moment(
            min(first_day() + timedelta(days=rng.randint(0, DAYS)), clock.today()), 23
        )
        agreement.status = AgreementStatus.CANCELLED
    elif choice == 2 and not db.session.scalar(
        sa.select(Dispute.id).where(
            Dispute.agreement_id == agreement.id, Dispute.closed_at.is_(None)
        )
    ):
        db.session.add(
            Dispute(
                agreement_id=agreement.id,
                reason="金额不符",
                raised_at=moment(agreement.signed_on, 15),
                **rng.choice(
                    [
                        {},
                        {
                            "closed_at": moment(agreement.signed_on + timedelta(days=2), 10),
                            "closed_by_id": officer.id,
                            "outcome": DisputeOutcome.STANDS,
                        },
                    ]
                ),
            )
        )
    elif choice == 3:
        room = (agreement.approved_amount or agreement.amount) - agreement.disbursed_amount
        paid = min(room, Decimal(rng.randint(1, 9)) * 10000)
        if paid > 0:
            agreement.approved_amount = agreement.approved_amount or agreement.amount
            agreement.approved_on = agreement.approved_on or agreement.signed_on
            on = min(agreement.approved_on + timedelta(days=rng.randint(0, 9)), clock.today())
            agreement.disbursements.append(
                Disbursement(amount=paid, disbursed_on=on, recorded_by_id=officer.id)
            )
            agreement.disbursed_amount += paid
            agreement.last_disbursed_on = max(agreement.last_disbursed_on or on, on)
    elif choice == 4:
        with db.session.no_autoflush:
            for tranche in agreement.disbursements:
                if tranche.received_confirmed_at is None:
                    tranche.received_confirmed_by_id = officer.id
                    tranche.received_confirmed_at = moment(tranche.disbursed_on, 20)
    elif choice == 5 and agreement.approved_on is None:
        agreement.signed_on = agreement.signed_on - timedelta(days=rng.randint(1, 5))  # back-dated
        agreement.first_loan = not agreement.first_loan
    elif choice == 6:
        bank = rng.choice(banks)
        bank.bank_type = rng.choice([BankType.CITY_COMMERCIAL, BankType.POLICY])
    elif choice == 7:  # the funnel's first steps: a bank picks a need up, on some day
        agreement.engagement.picked_up_at = moment(agreement.signed_on - timedelta(days=1), 10)
    elif choice == 8:
        agreement.enterprise.size = rng.choice(list(EnterpriseSize))
    db.session.commit()


@pytest.mark.parametrize("seed", [4, 5])
def test_the_kept_facts_count_as_the_agreements_after_random_writes(
    db, seed, make_bank, make_enterprise, make_user
):
    rng = random.Random(seed)
    banks = [make_bank(), make_bank(), make_bank()]
    banks[2].bank_type = BankType.CREDIT_COOPERATIVE
    db.session.commit()
    enterprises = [
        make_enterprise(size=EnterpriseSize.SMALL),
        make_enterprise(size=EnterpriseSize.MICRO, industry_code="52"),
        make_enterprise(size=EnterpriseSize.MEDIUM, region_code="990121"),
    ]
    officer = make_user(Role.OFFICIAL)
    build_history(db, seed, banks, enterprises, officer)
    agreements = list(db.session.scalars(sa.select(Agreement)))
    filters = [
        Filters(),
        Filters(date_from=first_day() + timedelta(days=6)),
        Filters(bank_id=banks[0].id),
        Filters(bank_type=BankType.CREDIT_COOPERATIVE),
        Filters(industry="C"),
        Filters(size=EnterpriseSize.MICRO),
        Filters(region="990121001"),
        Filters(first_loan=True),
        Filters(branches=(banks[1].branches[0].id,)),
    ]
    for round_ in range(6):
        for _ in range(5):
            _write(db, rng, officer, agreements, banks)

        for f in filters:
            for day in (first_day() + timedelta(days=rng.randint(0, DAYS)), clock.today()):
                _same(f, day)
        if round_ == 2:
            # A worker that starts now reads everything; the one before read only changes.
            resident.forget()
    # (Disputes here are raised without moving the agreement's status: only the facts' rule.)
    assert FACTS_RULE not in [p.rule for p in integrity.check()]


def test_a_write_not_yet_committed_is_counted_from_the_agreements(
    db, make_bank, make_enterprise, make_user
):
    bank = make_bank()
    build_history(db, 8, [bank], [make_enterprise()], make_user(Role.OFFICIAL))
    before = counted_facts(Filters(), clock.today()).totals()
    agreement = db.session.scalars(
        sa.select(Agreement).where(
            Agreement.confirmed_at.is_not(None), Agreement.cancelled_at.is_(None)
        )
    ).first()
    agreement.cancelled_at = utcnow()
    db.session.flush()
    assert keeping.pending(db.session())
    during = counted_facts(Filters(), clock.today()).totals()
    assert during.agreements == before.agreements - 1
    db.session.commit()
    assert counted_facts(Filters(), clock.today()).totals() == during


def test_the_integrity_check_finds_facts_out_of_step(db, make_bank, make_enterprise, make_user):
    bank = make_bank()
    build_history(db, 9, [bank], [make_enterprise()], make_user(Role.OFFICIAL))
    fact = db.session.scalars(sa.select(SummaryFact)).first()
    # A hand edit behind the ORM's back, through the connection the facts are written with.
    db.session.connection().execute(
        sa.update(SummaryFact.__table__)
        .where(SummaryFact.__table__.c.agreement_id == fact.agreement_id)
        .values(amount_fen=1)
    )
    problems = integrity.check()
    assert [p.rule for p in problems] == [FACTS_RULE]
    assert problems[0].ids == (fact.agreement_id,)
    keeping.rebuild()
    db.session.commit()
    assert integrity.check() == []
