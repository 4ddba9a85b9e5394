"""An agency withdrawing its approval at the moment the bank records the agreement that
would name it: one of the two takes effect, never both. Either the agreement records the
agency and its fee and the agency's engagement stands, or the engagement is declined and the
agreement (if recorded) names no agency. Nothing answers 5xx."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from app.engagements import services as engagements
from app.models import Agreement, Bank, Branch, Engagement, GuaranteeProduct
from app.models import db as _db
from app.models.base import utcnow
from app.models.enums import (
    BankType,
    EngagementOrigin,
    EngagementStatus,
    Guarantee,
    Role,
)
from tests.concurrency.conftest import ROUNDS, race
from tests.concurrency.test_races import _need, post, terms
from tests.conftest import PASSWORD


@pytest.fixture(scope="module")
def agency(people):
    from app.enterprises.credit_code import make as make_code

    agency = Bank(
        name=f"竞争融资担保{people.bank.id}有限公司",
        short_name=f"竞争担保{people.bank.id}",
        bank_type=BankType.GUARANTEE,
        credit_code=make_code(f"91990121MG{people.bank.id:07d}"),
    )
    branch = Branch(bank=agency, name="竞争担保本部", region_code="990121001")
    offer = GuaranteeProduct(
        agency=agency,
        name="竞争担保产品",
        max_amount=Decimal("5000000"),
        fee_rate=Decimal("0.80"),
        partner_banks=[people.bank],
    )
    _db.session.add_all([agency, branch, offer])
    _db.session.flush()
    staff = people._user(Role.GUARANTEE_OFFICER, branch_id=branch.id)
    _db.session.commit()
    client = people.app.test_client()
    response = client.post("/login", data={"login": staff.email, "password": PASSWORD})
    assert response.status_code == 302
    return {"agency": agency, "branch": branch, "offer": offer, "client": client}


def _approved_beside_an_accepted_bank(people, agency) -> tuple[Engagement, Engagement]:
    now = utcnow()
    need = _need(people, amount=Decimal("3000000"), guarantees=frozenset({Guarantee.GUARANTEE}))
    at_bank = Engagement(
        need=need,
        bank_id=people.bank.id,
        origin=EngagementOrigin.ROUTED,
        status=EngagementStatus.ROUTED,
        routed_at=now,
        deadline_at=now + timedelta(days=3),
    )
    at_agency = Engagement(
        need=need,
        bank_id=agency["agency"].id,
        branch_id=agency["branch"].id,
        guarantee_product_id=agency["offer"].id,
        origin=EngagementOrigin.ROUTED,
        status=EngagementStatus.PICKED_UP,
        routed_at=now,
        deadline_at=now + timedelta(days=3),
        guarantee_approved_at=now,
    )
    _db.session.add_all([need, at_bank, at_agency])
    _db.session.commit()
    engagements.pick_up(at_bank, people.officers[0])
    engagements.accept(at_bank, people.owners[0])
    return at_bank, at_agency


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_withdrawing_a_guarantee_against_recording_the_agreement(people, agency, tally, round_):
    at_bank, at_agency = _approved_beside_an_accepted_bank(people, agency)
    terms_through_the_agency = terms() | {"amount_wan": "300", "guarantee": "guarantee"}
    codes = race(
        post(
            agency["client"],
            f"/agency/engagements/{at_agency.id}/decline",
            {"version": str(at_agency.version), "reason": "amount", "note": ""},
        ),
        post(
            people.client(people.officers[1]),
            f"/engagements/{at_bank.id}/agreements",
            terms_through_the_agency,
        ),
    )
    _db.session.commit()
    _db.session.expire_all()
    assert all(code < 500 for code in codes), codes
    agreement = _db.session.query(Agreement).filter_by(engagement_id=at_bank.id).one_or_none()
    withdrawn = at_agency.status is EngagementStatus.DECLINED
    recorded = agreement is not None and agreement.guarantee_agency_id == agency["agency"].id
    tally.add(
        "guarantee withdrawal vs agreement",
        races=1,
        winners=int(withdrawn) + int(recorded),
        **{"409": codes.count(409), "5xx": 0},
    )
    assert withdrawn != recorded, (codes, at_agency.status, agreement)
    if recorded:
        assert codes[0] == 409 and codes[1] == 302
        assert agreement.guarantee_fee_rate == Decimal("0.80")
        assert at_agency.guarantee_approved_at is not None
    else:
        assert codes[0] == 302 and at_agency.guarantee_approved_at is None
        # the agreement the bank recorded after the withdrawal names no agency
        assert agreement is None or agreement.guarantee_agency_id is None


@pytest.fixture(scope="module")
def agency_tokens(people, agency):
    """Two officers of the agency, each with an API token of its own."""
    headers = []
    for _ in range(2):
        officer = people._user(Role.GUARANTEE_OFFICER, branch_id=agency["branch"].id)
        _db.session.commit()
        response = people.app.test_client().post(
            "/api/v1/tokens", json={"login": officer.email, "password": PASSWORD}
        )
        assert response.status_code == 201
        headers.append({"Authorization": f"Bearer {response.get_json()['token']}"})
    return headers


def _routed_to_the_agency(people, agency) -> Engagement:
    now = utcnow()
    need = _need(people, amount=Decimal("3000000"), guarantees=frozenset({Guarantee.GUARANTEE}))
    at_agency = Engagement(
        need=need,
        bank_id=agency["agency"].id,
        guarantee_product_id=agency["offer"].id,
        origin=EngagementOrigin.ROUTED,
        status=EngagementStatus.ROUTED,
        routed_at=now,
        deadline_at=now + timedelta(days=3),
    )
    _db.session.add_all([need, at_agency])
    _db.session.commit()
    return at_agency


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_api_pick_ups_by_the_agency(people, agency, agency_tokens, tally, round_):
    """Two officers' systems pick the same need up over the API, neither sending a version:
    one wins, the other is told 409, and the pick-up is recorded once."""
    at_agency = _routed_to_the_agency(people, agency)
    url = f"/api/v1/agency/engagements/{at_agency.id}/pick-up"

    def pick_up(headers):
        return lambda: people.app.test_client().post(url, json={}, headers=headers).status_code

    codes = race(*(pick_up(h) for h in agency_tokens))
    _db.session.commit()
    _db.session.expire_all()
    tally.add(
        "two API pick-ups (agency)",
        races=1,
        winners=codes.count(200),
        **{"409": codes.count(409), "5xx": sum(c >= 500 for c in codes)},
    )
    assert sorted(codes) == [200, 409], codes
    assert at_agency.status is EngagementStatus.PICKED_UP
    assert at_agency.officer_id is not None
