"""Matches kept current in the database, routing to the best banks, and who sees what."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import clock
from app.engagements.services import route
from app.matches import services as matches
from app.models import Engagement, Match, Need, Product
from app.models.enums import (
    EngagementStatus,
    Guarantee,
    NeedStatus,
    ProductStatus,
    ProductType,
    Role,
)
from app.products import services as products


@pytest.fixture()
def make_product(db, make_bank):
    def make(bank=None, **fields) -> Product:
        bank = bank or make_bank()
        values = dict(
            bank=bank,
            name=f"产品{bank.id}",
            product_type=ProductType.CREDIT,
            min_amount=Decimal("100000"),
            max_amount=Decimal("5000000"),
            min_term_months=3,
            max_term_months=36,
            min_rate=Decimal("3.50"),
            max_rate=Decimal("4.80"),
            guarantees=frozenset({Guarantee.CREDIT}),
            valid_until=clock.today() + timedelta(days=200),
            status=ProductStatus.PUBLISHED,
            approval_days=5,
        )
        values.update(fields)
        product = Product(**values)
        db.session.add(product)
        db.session.commit()
        return product

    return make


def _post_need(client, **overrides):
    data = {
        "amount_wan": "300",
        "term_months": "12",
        "purpose": "working_capital",
        "guarantees": ["credit"],
        "max_rate": "4.5",
        "needed_by": (clock.today() + timedelta(days=60)).isoformat(),
        "submit": "post",
    }
    data.update(overrides)
    response = client.post("/needs/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response


def _need_of(db, user) -> Need:
    return db.session.scalar(sa.select(Need).where(Need.enterprise_id == user.enterprise_id))


def test_a_posted_need_is_matched_and_routed_to_at_most_n_banks(client, login_as, make_product, db):
    for i in range(7):
        make_product(min_rate=Decimal("3.00") + Decimal(i) / 10)
    user = login_as(Role.ENTERPRISE)
    _post_need(client)
    need = _need_of(db, user)
    eligible = db.session.scalars(
        sa.select(Match).where(Match.need_id == need.id, Match.eligible.is_(True))
    ).all()
    assert len(eligible) == 7
    engagements = db.session.scalars(
        sa.select(Engagement).where(Engagement.need_id == need.id)
    ).all()
    assert len(engagements) == 5
    assert len({e.bank_id for e in engagements}) == 5
    best_banks = {m.bank_id for m in sorted(eligible, key=lambda m: -m.score)[:5]}
    assert {e.bank_id for e in engagements} == best_banks
    assert all(e.deadline_at > e.routed_at for e in engagements)
    # routing again opens nothing new and never a second engagement with the same bank
    assert route(need) == []
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "匹配的产品" in page and "分" in page


def test_rerouting_moves_on_but_keeps_the_bank_that_picked_it_up(
    client, login_as, make_product, db
):
    for _ in range(7):
        make_product()
    user = login_as(Role.ENTERPRISE)
    _post_need(client)
    need = _need_of(db, user)
    first = db.session.scalars(
        sa.select(Engagement).where(Engagement.need_id == need.id).order_by(Engagement.id)
    ).all()
    first[0].status = EngagementStatus.PICKED_UP
    first[1].status = EngagementStatus.DECLINED
    first[2].status = EngagementStatus.OVERDUE
    db.session.commit()
    opened = route(need)
    assert len(opened) == 2
    assert {e.bank_id for e in opened}.isdisjoint({e.bank_id for e in first})
    assert first[0].status is EngagementStatus.PICKED_UP
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(Engagement).where(Engagement.need_id == need.id)
    )
    assert total == 7


def test_near_misses_show_what_would_change_the_answer(client, login_as, make_product, db):
    make_product(max_term_months=6, name="短期贷")
    user = login_as(Role.ENTERPRISE)
    _post_need(client)
    need = _need_of(db, user)
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "短期贷" in page
    assert "期限缩短至 6 个月以内即可申请" in page
    english = client.get(f"/needs/{need.id}?lang=en").get_data(as_text=True)
    assert "Shorten the term to 6 months or less to qualify" in english


def test_editing_a_need_recomputes_its_matches(client, login_as, make_product, db):
    product = make_product()
    user = login_as(Role.ENTERPRISE)
    _post_need(client)
    need = _need_of(db, user)
    assert db.session.scalar(
        sa.select(Match.eligible).where(Match.need_id == need.id, Match.product_id == product.id)
    )
    client.post(
        f"/needs/{need.id}/edit",
        data={
            "amount_wan": "800",
            "term_months": "12",
            "purpose": "working_capital",
            "guarantees": ["credit"],
            "max_rate": "4.5",
            "needed_by": (clock.today() + timedelta(days=60)).isoformat(),
            "version": str(need.version),
        },
    )
    row = db.session.scalar(
        sa.select(Match).where(Match.need_id == need.id, Match.product_id == product.id)
    )
    assert row.eligible is False and row.failed_criterion == "amount"


def test_retiring_or_publishing_a_product_recomputes_the_needs_it_touches(
    client, login_as, make_product, make_user, db
):
    user = login_as(Role.ENTERPRISE)
    _post_need(client)
    need = _need_of(db, user)
    manager = make_user(Role.BANK_MANAGER)
    product = make_product(bank=manager.branch.bank, status=ProductStatus.DRAFT)
    assert db.session.scalar(sa.select(Match).where(Match.product_id == product.id)) is None
    products.change_status(manager, product, ProductStatus.PUBLISHED)
    assert db.session.scalar(
        sa.select(Match.eligible).where(Match.need_id == need.id, Match.product_id == product.id)
    )
    products.change_status(manager, product, ProductStatus.RETIRED)
    assert db.session.scalar(sa.select(Match).where(Match.product_id == product.id)) is None


def test_a_draft_of_an_unverified_enterprise_reaches_no_bank(
    client, login_as, make_product, make_enterprise, db
):
    from app.models.enums import EnterpriseStatus

    make_product()
    user = login_as(Role.ENTERPRISE, enterprise=make_enterprise(status=EnterpriseStatus.PENDING))
    _post_need(client, submit="", save_draft="draft")
    need = _need_of(db, user)
    assert need.status is NeedStatus.DRAFT
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Engagement).where(Engagement.need_id == need.id)
        )
        == 0
    )


def test_the_bank_sees_its_routed_needs_ranked_without_the_enterprises_name(
    client, login_as, login, make_product, make_user, db
):
    manager = make_user(Role.BANK_MANAGER)
    officer = make_user(Role.BANK_OFFICER, bank=manager.branch.bank)
    make_product(bank=manager.branch.bank)
    user = login_as(Role.ENTERPRISE)
    _post_need(client)
    name = user.enterprise.name
    client.post("/logout")
    login(officer)
    page = client.get("/bank/pipeline").get_data(as_text=True)
    assert "300 万元" in page
    assert name not in page and user.enterprise.mobile not in page
    assert "匹配理由" in page
    client.post("/logout")
    login_as(Role.BANK_OFFICER)  # another bank
    assert "300 万元" not in client.get("/bank/pipeline").get_data(as_text=True)


def test_officials_see_every_product_against_a_need(client, login_as, make_product, db):
    make_product(name="合适贷")
    make_product(name="不合适贷", guarantees=frozenset({Guarantee.MORTGAGE}))
    user = login_as(Role.ENTERPRISE)
    _post_need(client)
    need = _need_of(db, user)
    assert client.get(f"/needs/{need.id}/products").status_code == 403
    client.post("/logout")
    login_as(Role.OFFICIAL)
    page = client.get(f"/needs/{need.id}/products").get_data(as_text=True)
    assert "合适贷" in page and "不合适贷" in page and "✗" in page


def test_rebuild_recomputes_everything(app, db, make_product, make_user):
    make_product()
    assert matches.rebuild_all() >= 0
    result = app.test_cli_runner().invoke(args=["match", "rebuild"])
    assert result.exit_code == 0 and "Matches rebuilt" in result.output
