"""What an agreement may say when the bank records it: a signing date within the look-back and
not in the future, approval and disbursement not before signing, the bank's own 首贷 mark, an
event only where the bank took part, the enterprise signed up and the date falls in the
event's window; and the enterprise's size as it was at signing, whatever changes later."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from app import clock
from app.agreements import services as agreements
from app.engagements import services as engagements
from app.errors import ValidationFailed
from app.models import Event, EventParticipant, Product
from app.models.enums import EnterpriseSize, Guarantee, ProductStatus, ProductType, Purpose, Role
from app.reports.filters import Filters
from app.reports.headline import headline
from tests.api.test_main_line import token


@pytest.fixture()
def accepted(db, make_user):
    """An engagement the enterprise accepted: the bank may now record an agreement."""
    from app.needs import services as needs

    manager = make_user(Role.BANK_MANAGER)
    bank = manager.branch.bank
    officer = make_user(Role.BANK_OFFICER, bank=bank)
    db.session.add(
        Product(
            bank=bank,
            name="信用贷",
            product_type=ProductType.CREDIT,
            min_amount=Decimal("100000"),
            max_amount=Decimal("5000000"),
            min_term_months=3,
            max_term_months=36,
            min_rate=Decimal("3.5"),
            max_rate=Decimal("4.8"),
            guarantees=frozenset({Guarantee.CREDIT}),
            valid_until=clock.today() + timedelta(days=300),
            status=ProductStatus.PUBLISHED,
        )
    )
    db.session.commit()
    owner = make_user(Role.ENTERPRISE)
    need = needs.create(
        owner.enterprise,
        needs.NeedInput(
            amount_wan=Decimal("300"),
            term_months=12,
            purpose=Purpose.WORKING_CAPITAL,
            guarantees={Guarantee.CREDIT},
            max_rate=Decimal("4.5"),
            needed_by=clock.today() + timedelta(days=60),
        ),
        owner,
        post=True,
    )
    engagement = next(e for e in engagements.for_need(need) if e.bank_id == bank.id)
    engagements.pick_up(engagement, officer)
    engagements.accept(engagement, owner)
    return {"engagement": engagement, "officer": officer, "owner": owner, "bank": bank}


def data(signed_on=None, **fields):
    return agreements.AgreementInput(
        Decimal("200"), 12, Decimal("4.2"), Guarantee.CREDIT, signed_on or clock.today(), **fields
    )


def refused(call) -> dict:
    with pytest.raises(ValidationFailed) as caught:
        call()
    return {k: str(v) for k, v in caught.value.fields.items()}


def test_the_signing_date_lies_within_the_look_back_and_not_in_the_future(accepted, app):
    e, officer = accepted["engagement"], accepted["officer"]
    too_old = clock.today() - timedelta(days=367)
    errors = refused(lambda: agreements.record_agreement(e, officer, data(too_old)))
    earliest = (clock.today() - timedelta(days=366)).isoformat()
    assert errors == {
        "signed_on": f"签订日期不能早于 {earliest}（意向协议须在签订后 366 天内登记）。"
    }
    future = refused(
        lambda: agreements.record_agreement(e, officer, data(clock.today() + timedelta(days=1)))
    )
    assert set(future) == {"signed_on"}
    app.config["AGREEMENT_LOOKBACK_DAYS"] = 30
    try:
        assert "signed_on" in refused(
            lambda: agreements.record_agreement(
                e, officer, data(clock.today() - timedelta(days=31))
            )
        )
    finally:
        app.config["AGREEMENT_LOOKBACK_DAYS"] = 366
    agreement = agreements.record_agreement(e, officer, data(clock.today() - timedelta(days=366)))
    assert agreement.signed_on == clock.today() - timedelta(days=366)
    agreements.confirm(agreement, accepted["owner"])
    early = clock.today() - timedelta(days=367)
    assert "on" in refused(
        lambda: agreements.approve(agreement, officer, Decimal("200"), early, today=clock.today())
    )


def test_the_api_refuses_an_old_signing_date_with_a_422_naming_the_field(
    client, accepted, make_user
):
    headers = token(client, accepted["officer"].email)
    response = client.post(
        "/api/v1/agreements",
        headers=headers,
        json={
            "engagement_id": accepted["engagement"].id,
            "amount": "2000000.00",
            "term_months": 12,
            "rate": "4.20",
            "guarantee": "credit",
            "signed_on": (clock.today() - timedelta(days=400)).isoformat(),
        },
    )
    assert response.status_code == 422
    assert "signed_on" in response.get_json()["error"]["fields"]


def test_the_form_shows_the_date_rule_beside_the_field(client, login, accepted):
    login(accepted["officer"])
    response = client.post(
        f"/engagements/{accepted['engagement'].id}/agreements",
        data={
            "amount_wan": "200",
            "term_months": "12",
            "rate": "4.2",
            "guarantee": "credit",
            "signed_on": "1900-01-01",
            "version": str(accepted["engagement"].version),
        },
    )
    assert response.status_code == 422
    assert "签订日期不能早于" in response.get_data(as_text=True)


def test_first_loan_is_the_banks_mark_on_the_agreement_not_the_enterprises_tick(
    accepted, db, make_user
):
    e, officer, owner = accepted["engagement"], accepted["officer"], accepted["owner"]
    owner.enterprise.first_loan = True
    db.session.commit()
    agreement = agreements.record_agreement(e, officer, data(first_loan=False))
    agreements.confirm(agreement, owner)
    assert headline(Filters(first_loan=True)).counted.agreements == 0
    agreements.cancel(agreement, officer, "重签")
    marked = agreements.record_agreement(e, officer, data(first_loan=True))
    agreements.confirm(marked, owner)
    assert marked.first_loan is True
    assert headline(Filters(first_loan=True)).counted.agreements == 1
    owner.enterprise.first_loan = False  # unticking the hint rewrites nothing
    db.session.commit()
    assert headline(Filters(first_loan=True)).counted.agreements == 1


def test_the_agreement_keeps_the_size_it_was_signed_in(accepted, db):
    e, officer, owner = accepted["engagement"], accepted["officer"], accepted["owner"]
    owner.enterprise.size = EnterpriseSize.SMALL
    db.session.commit()
    agreement = agreements.record_agreement(e, officer, data())
    agreements.confirm(agreement, owner)
    owner.enterprise.size = EnterpriseSize.MEDIUM
    owner.enterprise.region_code = "990121003"
    db.session.commit()
    assert agreement.enterprise_size is EnterpriseSize.SMALL
    assert headline(Filters(size=EnterpriseSize.SMALL)).counted.agreements == 1
    assert headline(Filters(size=EnterpriseSize.MEDIUM)).counted.agreements == 0


@pytest.fixture()
def event(db, accepted):
    event = Event(
        title="秋季对接会",
        held_on=clock.today() - timedelta(days=5),
        region_code="990121",
        banks=[accepted["bank"]],
    )
    db.session.add(event)
    db.session.commit()
    return event


def test_an_agreement_names_an_event_only_where_both_sides_took_part_in_time(
    accepted, event, db, make_bank
):
    e, officer = accepted["engagement"], accepted["officer"]
    errors = refused(lambda: agreements.record_agreement(e, officer, data(event_id=event.id)))
    assert errors == {"event_id": "该企业未报名本次对接会。"}
    db.session.add(
        EventParticipant(event_id=event.id, enterprise_id=accepted["owner"].enterprise_id)
    )
    db.session.commit()
    too_early = data(clock.today() - timedelta(days=6), event_id=event.id)
    assert "event_id" in refused(lambda: agreements.record_agreement(e, officer, too_early))
    event.banks = [make_bank()]
    db.session.commit()
    errors = refused(lambda: agreements.record_agreement(e, officer, data(event_id=event.id)))
    assert errors == {"event_id": "贵行未参加本次对接会。"}
    event.banks = [accepted["bank"]]
    db.session.commit()
    agreement = agreements.record_agreement(e, officer, data(event_id=event.id))
    assert agreement.event_id == event.id
    agreements.confirm(agreement, accepted["owner"])


def test_an_event_is_out_of_reach_after_its_window(accepted, event, db, app):
    db.session.add(
        EventParticipant(event_id=event.id, enterprise_id=accepted["owner"].enterprise_id)
    )
    db.session.commit()
    app.config["EVENT_ATTRIBUTION_DAYS"] = 3
    try:
        errors = refused(
            lambda: agreements.record_agreement(
                accepted["engagement"], accepted["officer"], data(event_id=event.id)
            )
        )
    finally:
        app.config["EVENT_ATTRIBUTION_DAYS"] = 30
    first, last = event.held_on, event.held_on + timedelta(days=3)
    assert errors == {
        "event_id": f"只有 {first.isoformat()} 至 {last.isoformat()} 期间签订的协议可计入本次对接会。"
    }
