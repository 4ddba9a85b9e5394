"""What the business forbids, as a table: every (entity, state, action, role) and what must
happen — done, refused as not yours (403) or refused in that state (409). The expectations are
written out here by hand, not read from the code's tables, so a table that allows too much
fails this test."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from app import clock
from app.agreements import disputes
from app.agreements import services as agreements
from app.engagements import services as engagements
from app.errors import DomainError
from app.models import Agreement, Disbursement, Dispute, Engagement, Need
from app.models.base import utcnow
from app.models.enums import (
    AgreementStatus,
    DeclineReason,
    DisputeOutcome,
    EngagementOrigin,
    EngagementStatus,
    Guarantee,
    NeedStatus,
    Purpose,
    Role,
)

E, A = EngagementStatus, AgreementStatus
OK, MINE_NOT, STATE = "done", 403, 409

# (action, the role that may act) -> states in which it is done; elsewhere 409; other roles 403.
ENGAGEMENT_RULES = {
    ("pick_up", "bank"): {E.ROUTED, E.OVERDUE},
    ("decline", "bank"): {E.ROUTED, E.OVERDUE, E.PICKED_UP, E.ACCEPTED},
    ("accept", "enterprise"): {E.PICKED_UP},
    ("reject", "enterprise"): {E.PICKED_UP},
}
AGREEMENT_RULES = {
    ("confirm", "enterprise"): {A.SIGNED},
    ("dispute", "enterprise"): {A.SIGNED},
    ("correct", "bank"): {A.DISPUTED},
    ("approve", "bank"): {A.CONFIRMED},
    ("disburse", "bank"): {A.APPROVED, A.DISBURSED},
    ("cancel", "bank"): {A.SIGNED, A.DISPUTED, A.CONFIRMED, A.APPROVED},
    ("close_dispute", "official"): {A.DISPUTED},
}
ROLES = ("bank", "enterprise", "official")


def terms() -> agreements.AgreementInput:
    return agreements.AgreementInput(
        Decimal("100"), 12, Decimal("4.2"), Guarantee.CREDIT, clock.today()
    )


def expected(rules, action, role, state):
    (allowed_role, states), *_ = [(r, s) for (a, r), s in rules.items() if a == action]
    if role != allowed_role:
        return MINE_NOT
    return OK if state in states else STATE


def _outcome(call, *args) -> object:
    try:
        call(*args)
    except DomainError as error:
        return error.status_code
    return OK


def _cast(db, make_user, make_bank):
    bank_user = make_user(Role.BANK_OFFICER)
    owner = make_user(Role.ENTERPRISE)
    official = make_user(Role.OFFICIAL)
    return {"bank": bank_user, "enterprise": owner, "official": official}


def _need(db, owner, status=NeedStatus.IN_TALKS) -> Need:
    need = Need(
        enterprise_id=owner.enterprise_id,
        amount=Decimal("1000000"),
        term_months=12,
        purpose=Purpose.WORKING_CAPITAL,
        guarantees=frozenset({Guarantee.CREDIT}),
        max_rate=Decimal("6"),
        needed_by=clock.today() + timedelta(days=60),
        status=status,
        posted_at=utcnow(),
    )
    db.session.add(need)
    return need


def _engagement(db, cast, status) -> Engagement:
    now = utcnow()
    e = Engagement(
        need=_need(db, cast["enterprise"]),
        bank_id=cast["bank"].bank_id,
        origin=EngagementOrigin.ROUTED,
        status=status,
        routed_at=now,
        deadline_at=now + timedelta(days=3),
        accepted_at=now if status is E.ACCEPTED else None,
    )
    db.session.add(e)
    db.session.commit()
    return e


def test_every_engagement_action_in_every_state_for_every_role(db, make_user, make_bank):
    cast = _cast(db, make_user, make_bank)
    calls = {
        "pick_up": lambda e, u: engagements.pick_up(e, u),
        "decline": lambda e, u: engagements.decline(e, u, DeclineReason.AMOUNT),
        "accept": lambda e, u: engagements.accept(e, u),
        "reject": lambda e, u: engagements.reject(e, u),
    }
    wrong = []
    for state in E:
        for (action, _), _states in ENGAGEMENT_RULES.items():
            for role in ROLES:
                e = _engagement(db, cast, state)
                got = _outcome(calls[action], e, cast[role])
                want = expected(ENGAGEMENT_RULES, action, role, state)
                if got != want:
                    wrong.append(("engagement", state.value, action, role, got, want))
    assert wrong == []


def _agreement(db, cast, status) -> Agreement:
    e = _engagement(db, cast, E.ACCEPTED)
    amount = Decimal("1000000")
    a = Agreement(
        engagement=e,
        need_id=e.need_id,
        enterprise_id=cast["enterprise"].enterprise_id,
        bank_id=e.bank_id,
        branch_id=cast["bank"].branch_id,
        officer_id=cast["bank"].id,
        amount=amount,
        term_months=12,
        rate=Decimal("4.2"),
        guarantee=Guarantee.CREDIT,
        signed_on=clock.today(),
        status=status,
    )
    if status in (A.CONFIRMED, A.APPROVED, A.DISBURSED):
        a.confirmed_at = utcnow()
        e.need.status = NeedStatus.SIGNED
    if status in (A.APPROVED, A.DISBURSED):
        a.approved_amount, a.approved_on = amount, clock.today()
    db.session.add(a)
    db.session.flush()
    if status is A.DISBURSED:
        half = amount / 2
        db.session.add(
            Disbursement(
                agreement=a, amount=half, disbursed_on=clock.today(), recorded_by_id=cast["bank"].id
            )
        )
        a.disbursed_amount, a.last_disbursed_on = half, clock.today()
        e.need.status = NeedStatus.FUNDED
    if status is A.DISPUTED:
        db.session.add(Dispute(agreement=a, reason="金额不对", raised_at=utcnow()))
    if status is A.CANCELLED:
        a.cancelled_at, a.cancel_reason = utcnow(), "作废"
    db.session.commit()
    return a


def test_every_agreement_action_in_every_state_for_every_role(db, make_user, make_bank):
    cast = _cast(db, make_user, make_bank)
    calls = {
        "confirm": lambda a, u: agreements.confirm(a, u),
        "dispute": lambda a, u: disputes.dispute(a, u, "利率不对"),
        "correct": lambda a, u: disputes.correct(a, u, terms()),
        "approve": lambda a, u: agreements.approve(a, u, Decimal("100"), clock.today()),
        "disburse": lambda a, u: agreements.disburse(a, u, Decimal("10"), clock.today()),
        "cancel": lambda a, u: agreements.cancel(a, u, "企业另选他行"),
        "close_dispute": lambda a, u: disputes.close_by_official(
            a, u, DisputeOutcome.STANDS, "经核实，维持原协议"
        ),
    }
    wrong = []
    for state in A:
        for (action, _), _states in AGREEMENT_RULES.items():
            for role in ROLES:
                a = _agreement(db, cast, state)
                got = _outcome(calls[action], a, cast[role])
                want = expected(AGREEMENT_RULES, action, role, state)
                if got != want:
                    wrong.append(("agreement", state.value, action, role, got, want))
    assert wrong == []
    assert db.session.scalar(sa.select(sa.func.count(Agreement.id))) == len(A) * 7 * 3


def test_an_enterprise_that_is_not_verified_cannot_accept_apply_or_confirm(
    db, make_user, make_bank
):
    from app.models.enums import EnterpriseStatus

    cast = _cast(db, make_user, make_bank)
    e = _engagement(db, cast, E.PICKED_UP)
    a = _agreement(db, cast, A.SIGNED)
    cast["enterprise"].enterprise.status = EnterpriseStatus.PENDING
    db.session.commit()
    assert _outcome(engagements.accept, e, cast["enterprise"]) == STATE
    assert _outcome(agreements.confirm, a, cast["enterprise"]) == STATE
    assert _outcome(disputes.dispute, a, cast["enterprise"], "x") == STATE
    from app.models import Product
    from app.models.enums import ProductStatus, ProductType
    from app.products import services as products

    product = Product(
        bank=make_bank(),
        name="测试贷",
        product_type=ProductType.CREDIT,
        min_amount=Decimal("100000"),
        max_amount=Decimal("5000000"),
        min_term_months=3,
        max_term_months=36,
        min_rate=Decimal("3.5"),
        max_rate=Decimal("4.8"),
        valid_until=clock.today() + timedelta(days=30),
        status=ProductStatus.PUBLISHED,
    )
    db.session.add(product)
    db.session.commit()
    need = e.need
    assert _outcome(products.apply, cast["enterprise"], product, need.id) == STATE
