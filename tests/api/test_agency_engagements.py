"""/api/v1/agency/engagements: a guarantee agency's pipeline over the API, as its portal has it —
list, read, pick up, approve, decline — with the bank API's error shapes, its `version` check,
and every other role and tenant refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import clock
from app.agreements import services as agreements
from app.engagements import services as engagements
from app.models import AuditEntry
from app.models.enums import EngagementStatus, Guarantee, Role
from tests.api.test_main_line import token
from tests.api.test_refusals import error_of
from tests.web.test_guarantees import _engagement_of, _post
from tests.web.test_guarantees import scene as scene  # noqa: F401 - a fixture

BASE = "/api/v1/agency/engagements"


@pytest.fixture()
def sent(scene, db):  # noqa: F811 - the imported fixture
    """A need asking for a guarantee, routed to the scene's bank and agency."""
    need = _post(scene["owner"])
    return dict(
        scene,
        need=need,
        at_agency=_engagement_of(db, need, scene["agency"]),
        at_bank=_engagement_of(db, need, scene["bank"]),
    )


def _as(client, user) -> dict:
    return token(client, user.email)


def test_the_agency_works_its_pipeline_over_the_api(client, sent, db):
    at_agency, need = sent["at_agency"], sent["need"]
    headers = _as(client, sent["g_officer"])

    listing = client.get(BASE, headers=headers).get_json()
    assert [e["id"] for e in listing["items"]] == [at_agency.id]
    item = listing["items"][0]
    assert item["guarantee_product_id"] == sent["offer"].id
    assert item["status"] == "routed" and item["guarantee_approved_at"] is None
    # anonymous until the enterprise accepts the agency, as a bank sees it
    assert "enterprise" not in item["need"] and item["need"]["shared_by_at_least"] >= 1
    assert sent["owner"].enterprise.name not in str(listing)
    assert client.get(f"{BASE}?status=picked_up", headers=headers).get_json()["items"] == []
    assert client.get(f"{BASE}?need={need.id + 1000}", headers=headers).get_json()["total"] == 0
    assert client.get(f"{BASE}?need={need.id}", headers=headers).get_json()["total"] == 1

    one = client.get(f"{BASE}/{at_agency.id}", headers=headers)
    assert one.status_code == 200 and one.headers["ETag"].startswith(f'"v{at_agency.version}-')
    detail = one.get_json()
    assert detail["banks"] == [
        {
            "bank_id": sent["bank"].id,
            "bank_name": sent["bank"].short_name,
            "product_id": sent["product"].id,
            "product_name": sent["product"].name,
        }
    ]
    assert detail["guaranteeing_agreement_id"] is None

    picked = client.post(
        f"{BASE}/{at_agency.id}/pick-up", json={"version": detail["version"]}, headers=headers
    )
    assert picked.status_code == 200, picked.get_json()
    picked = picked.get_json()
    assert picked["status"] == "picked_up" and picked["responded_on_time"] is True
    assert picked["version"] > detail["version"]
    approved = client.post(
        f"{BASE}/{at_agency.id}/approve", json={"version": picked["version"]}, headers=headers
    ).get_json()
    assert approved["guarantee_approved_at"] is not None
    error_of(
        client.post(f"{BASE}/{at_agency.id}/approve", json={}, headers=headers),
        409,
        "wrong_state",
    )
    db.session.refresh(at_agency)
    assert at_agency.status is EngagementStatus.PICKED_UP
    assert at_agency.guarantee_approved_at is not None
    assert (
        db.session.scalar(
            sa.select(AuditEntry.actor_id).where(
                AuditEntry.action == "guarantee_approved", AuditEntry.entity_id == at_agency.id
            )
        )
        == sent["g_officer"].id
    )

    # the bank's agreement records the guarantee: the agency reads it and can no longer decline
    engagements.pick_up(sent["at_bank"], sent["officer"])
    engagements.accept(sent["at_bank"], sent["owner"])
    agreement = agreements.record_agreement(
        sent["at_bank"],
        sent["officer"],
        agreements.AgreementInput(
            Decimal("300"), 12, Decimal("4.00"), Guarantee.GUARANTEE, clock.today()
        ),
    )
    detail = client.get(f"{BASE}/{at_agency.id}", headers=headers).get_json()
    assert detail["guaranteeing_agreement_id"] == agreement.id
    error_of(
        client.post(f"{BASE}/{at_agency.id}/decline", json={"reason": "amount"}, headers=headers),
        409,
        "wrong_state",
    )


def test_a_stale_version_is_409_and_changes_nothing(client, sent, db):
    at_agency = sent["at_agency"]
    headers = _as(client, sent["g_manager"])
    read = client.get(f"{BASE}/{at_agency.id}", headers=headers).get_json()
    stale = read["version"] + 1
    for action, body in (
        ("pick-up", {}),
        ("decline", {"reason": "amount"}),
    ):
        error_of(
            client.post(
                f"{BASE}/{at_agency.id}/{action}", json=body | {"version": stale}, headers=headers
            ),
            409,
            "version_conflict",
        )
    db.session.refresh(at_agency)
    assert at_agency.status is EngagementStatus.ROUTED and at_agency.version == read["version"]

    client.post(
        f"{BASE}/{at_agency.id}/pick-up", json={"version": read["version"]}, headers=headers
    )
    # approving with the version read before the pick-up: someone changed it meanwhile
    error_of(
        client.post(
            f"{BASE}/{at_agency.id}/approve", json={"version": read["version"]}, headers=headers
        ),
        409,
        "version_conflict",
    )
    db.session.refresh(at_agency)
    assert at_agency.guarantee_approved_at is None


def test_declining_names_bad_fields_and_then_declines_with_the_reason(client, sent, db):
    at_agency = sent["at_agency"]
    headers = _as(client, sent["g_officer"])
    url = f"{BASE}/{at_agency.id}/decline"
    assert (
        "note"
        in error_of(client.post(url, json={"reason": "other", "note": ""}, headers=headers), 422)[
            "fields"
        ]
    )
    assert (
        "reason" in error_of(client.post(url, json={"reason": "x"}, headers=headers), 422)["fields"]
    )
    assert "reason" in error_of(client.post(url, json={}, headers=headers), 422)["fields"]
    db.session.refresh(at_agency)
    assert at_agency.status is EngagementStatus.ROUTED
    declined = client.post(
        url, json={"reason": "other", "note": "反担保不足"}, headers=headers
    ).get_json()
    assert declined["status"] == "declined" and declined["decline_reason"] == "other"
    assert declined["decline_note"] == "反担保不足"
    # approving what was declined is refused
    error_of(client.post(f"{BASE}/{at_agency.id}/approve", json={}, headers=headers), 409)


def test_approving_before_picking_up_is_409(client, sent, db):
    headers = _as(client, sent["g_officer"])
    error_of(
        client.post(f"{BASE}/{sent['at_agency'].id}/approve", json={}, headers=headers),
        409,
        "wrong_state",
    )


OPERATIONS = [
    ("get", ""),
    ("post", "/pick-up"),
    ("post", "/approve"),
    ("post", "/decline"),
]


@pytest.mark.parametrize(
    "role",
    [
        Role.BANK_MANAGER,
        Role.BANK_OFFICER,
        Role.ENTERPRISE,
        Role.OFFICIAL,
        Role.ADMIN,
        Role.COORDINATOR,
    ],
)
def test_every_other_role_is_refused_with_403(client, make_user, sent, db, role):
    user = sent["officer"] if role is Role.BANK_OFFICER else make_user(role)
    if role is Role.ENTERPRISE:
        user = sent["owner"]  # even the enterprise whose need it is
    headers = _as(client, user)
    at_agency = sent["at_agency"]
    error_of(client.get(BASE, headers=headers), 403, "forbidden")
    for method, tail in OPERATIONS:
        response = getattr(client, method)(
            f"{BASE}/{at_agency.id}{tail}", json={"reason": "amount"}, headers=headers
        )
        error_of(response, 403, "forbidden")
    db.session.refresh(at_agency)
    assert at_agency.status is EngagementStatus.ROUTED


@pytest.mark.parametrize("body", [{"reason": "amount"}, {"reason": "nonsense", "version": 0}])
def test_another_agency_finds_nothing_even_with_a_bad_body(
    client, make_user, make_agency, sent, db, body
):
    headers = _as(client, make_user(Role.GUARANTEE_MANAGER, bank=make_agency()))
    at_agency = sent["at_agency"]
    assert client.get(BASE, headers=headers).get_json()["items"] == []
    for method, tail in OPERATIONS:
        response = getattr(client, method)(
            f"{BASE}/{at_agency.id}{tail}", json=body, headers=headers
        )
        error_of(response, 404, "not_found")
    db.session.refresh(at_agency)
    assert at_agency.status is EngagementStatus.ROUTED
    # while the agency's own staff act at the same address
    own = _as(client, sent["g_manager"])
    assert client.post(f"{BASE}/{at_agency.id}/pick-up", json={}, headers=own).status_code == 200


def test_an_officer_of_another_branch_does_not_see_what_a_branch_picked_up(
    client, make_user, sent, db
):
    agency = sent["agency"]
    from app.models import Branch

    other_branch = Branch(bank=agency, name="示范担保东区分部", region_code="990121002")
    db.session.add(other_branch)
    db.session.commit()
    elsewhere = make_user(Role.GUARANTEE_OFFICER, bank=agency)
    elsewhere.branch_id = other_branch.id
    db.session.commit()
    at_agency = sent["at_agency"]
    client.post(f"{BASE}/{at_agency.id}/pick-up", json={}, headers=_as(client, sent["g_officer"]))
    headers = _as(client, elsewhere)
    assert client.get(BASE, headers=headers).get_json()["items"] == []
    error_of(client.get(f"{BASE}/{at_agency.id}", headers=headers), 404)
    error_of(
        client.post(f"{BASE}/{at_agency.id}/decline", json={"reason": "amount"}, headers=headers),
        404,
    )
    # the agency's manager at the top sees every branch's work
    manager = _as(client, sent["g_manager"])
    assert [e["id"] for e in client.get(BASE, headers=manager).get_json()["items"]] == [
        at_agency.id
    ]


def test_once_the_enterprise_accepts_the_agency_sees_it_and_the_look_is_logged(
    client, login, sent, db
):
    at_agency = sent["at_agency"]
    headers = _as(client, sent["g_officer"])
    client.post(f"{BASE}/{at_agency.id}/pick-up", json={}, headers=headers)
    engagements.accept(at_agency, sent["owner"])
    need = client.get(f"{BASE}/{at_agency.id}", headers=headers).get_json()["need"]
    assert need["enterprise"]["name"] == sent["owner"].enterprise.name
    assert "shared_by_at_least" not in need
    viewed = db.session.scalars(
        sa.select(AuditEntry.actor_id).where(
            AuditEntry.action == engagements.IDENTITY_VIEWED,
            AuditEntry.entity_id == at_agency.id,
        )
    ).all()
    assert viewed == [sent["g_officer"].id]
    # the portal's page logs its reader the same way
    login(sent["g_manager"])
    assert sent["owner"].enterprise.name in client.get(
        f"/agency/engagements/{at_agency.id}"
    ).get_data(as_text=True)
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEntry.id)).where(
                AuditEntry.action == engagements.IDENTITY_VIEWED,
                AuditEntry.entity_id == at_agency.id,
                AuditEntry.actor_id == sent["g_manager"].id,
            )
        )
        == 1
    )


def test_the_operations_are_declared_with_stable_ids_and_their_errors(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    expected = {
        (BASE, "get"): "list_agency_engagements",
        (BASE + "/{engagement_id}", "get"): "get_agency_engagement",
        (BASE + "/{engagement_id}/pick-up", "post"): "pick_up_agency_engagement",
        (BASE + "/{engagement_id}/approve", "post"): "approve_guarantee",
        (BASE + "/{engagement_id}/decline", "post"): "decline_guarantee",
    }
    for (path, method), operation_id in expected.items():
        operation = spec["paths"][path][method]
        assert operation["operationId"] == operation_id
        statuses = set(operation["responses"])
        assert {"401", "403"} <= statuses
        if method == "post":
            assert {"404", "409", "422"} <= statuses
    detail = spec["components"]["schemas"]["GuaranteeEngagementDetail"]["properties"]
    assert detail["banks"]["items"]["properties"]["bank_id"] == {"type": "integer"}
