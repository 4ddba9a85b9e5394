"""The model layer: exact money on both databases, enum sets, transitions, optimistic locking."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from app.audit import transition
from app.errors import IllegalTransition
from app.models import (
    AGREEMENT_TRANSITIONS,
    NEED_TRANSITIONS,
    AuditEntry,
    Need,
    Product,
)
from app.models.enums import (
    AgreementStatus,
    EnterpriseSize,
    Guarantee,
    NeedStatus,
    ProductType,
    Purpose,
)


def _need(enterprise, **fields) -> Need:
    values = dict(
        enterprise=enterprise,
        amount=Decimal("100000.10"),
        term_months=12,
        purpose=Purpose.WORKING_CAPITAL,
        guarantees=frozenset({Guarantee.CREDIT}),
        max_rate=Decimal("4.50"),
        needed_by=date(2027, 3, 1),
    )
    values.update(fields)
    return Need(**values)


def test_money_sums_exactly(db, make_enterprise):
    enterprise = make_enterprise()
    for _ in range(10):
        db.session.add(_need(enterprise, amount=Decimal("0.10")))
    db.session.add(_need(enterprise, amount=Decimal("9999999999999999.99")))
    db.session.flush()
    total = db.session.scalar(
        sa.select(sa.func.sum(Need.amount)).where(Need.enterprise_id == enterprise.id)
    )
    assert total == Decimal("10000000000000000.99")
    assert isinstance(total, Decimal)


def test_money_never_accepts_a_float(db, make_enterprise):
    db.session.add(_need(make_enterprise(), amount=0.1))
    with pytest.raises(sa.exc.StatementError):
        db.session.flush()
    db.session.rollback()


def test_timestamps_come_back_aware(db, make_enterprise):
    need = _need(make_enterprise())
    db.session.add(need)
    db.session.flush()
    db.session.expire(need)
    assert isinstance(need.created_at, datetime)
    assert need.created_at.tzinfo is not None


def test_enum_sets_round_trip_and_filter_in_sql(db, make_bank):
    bank = make_bank()
    product = Product(
        bank=bank,
        name="测试贷",
        product_type=ProductType.CREDIT,
        min_amount=Decimal("10000"),
        max_amount=Decimal("1000000"),
        min_term_months=1,
        max_term_months=12,
        min_rate=Decimal("3.5"),
        max_rate=Decimal("4.5"),
        guarantees=frozenset({Guarantee.CREDIT, Guarantee.PLEDGE}),
        sizes=frozenset({EnterpriseSize.SMALL}),
        valid_until=date(2027, 12, 31),
    )
    db.session.add(product)
    db.session.flush()
    db.session.expire(product)
    assert product.guarantees == {Guarantee.CREDIT, Guarantee.PLEDGE}
    assert product.sizes == {EnterpriseSize.SMALL}
    column_type = Product.__table__.c.guarantees.type
    offering_pledge = sa.select(Product.id).where(
        Product.guarantees.op("&")(column_type.mask([Guarantee.PLEDGE])) != 0
    )
    offering_mortgage = sa.select(Product.id).where(
        Product.guarantees.op("&")(column_type.mask([Guarantee.MORTGAGE])) != 0
    )
    assert product.id in db.session.scalars(offering_pledge).all()
    assert product.id not in db.session.scalars(offering_mortgage).all()


def test_an_illegal_status_change_is_refused_with_a_message(db, make_enterprise, make_user):
    need = _need(make_enterprise(), status=NeedStatus.FUNDED)
    db.session.add(need)
    db.session.flush()
    with pytest.raises(IllegalTransition) as refused:
        transition(need, NEED_TRANSITIONS, NeedStatus.OPEN, None)
    assert "cannot become" in str(refused.value.message) or "不能" in str(refused.value.message)
    assert need.status is NeedStatus.FUNDED


def test_every_status_change_is_audited(db, make_enterprise, make_user):
    actor = make_user()
    need = _need(make_enterprise(), status=NeedStatus.DRAFT)
    db.session.add(need)
    db.session.flush()
    transition(need, NEED_TRANSITIONS, NeedStatus.OPEN, actor)
    db.session.flush()
    entry = db.session.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.entity_type == "needs", AuditEntry.entity_id == need.id
        )
    )
    assert (entry.actor_id, entry.old_status, entry.new_status) == (actor.id, "draft", "open")


def test_transition_tables_cover_every_status():
    for table, enum_cls in (
        (NEED_TRANSITIONS, NeedStatus),
        (AGREEMENT_TRANSITIONS, AgreementStatus),
    ):
        assert set(table.table) == set(enum_cls)
    assert not AGREEMENT_TRANSITIONS.allowed(AgreementStatus.CANCELLED, AgreementStatus.CONFIRMED)
    assert AGREEMENT_TRANSITIONS.allowed(AgreementStatus.SIGNED, AgreementStatus.CONFIRMED)


def test_concurrent_edits_of_a_need_do_not_overwrite_each_other(db, make_enterprise):
    need = _need(make_enterprise())
    db.session.add(need)
    db.session.flush()
    assert need.version == 1
    # Another request saves first: the row's version moves on under us.
    db.session.execute(
        sa.update(Need.__table__).where(Need.__table__.c.id == need.id).values(version=2)
    )
    need.term_months = 24
    with pytest.raises(StaleDataError):
        db.session.flush()
    db.session.rollback()
