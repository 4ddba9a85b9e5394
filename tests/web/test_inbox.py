"""The inbox: each notification leads its reader to the page where they act, and is then read;
all can be marked read at once; the list is paged and filtered; homes show what waits."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import clock
from app.agreements import disputes
from app.agreements import services as agreements
from app.engagements import services as engagements
from app.inbox.links import LINKS
from app.inbox.services import GROUPS
from app.models import Engagement, GuaranteeProduct, Notification, User, WebhookEndpoint
from app.models.base import utcnow
from app.models.enums import DeclineReason, DisputeOutcome, EngagementOrigin, Guarantee, Role
from app.notifications import MESSAGES, notify
from tests.coordination.conftest import make_coordinator, recommended  # noqa: F401
from tests.web.test_engagements import make_world
from tests.web.test_page_costs import statements  # noqa: F401


@pytest.fixture()
def world(db, make_user, make_bank):
    return make_world(db, make_user, make_bank)


def _engagement(db, world, index: int) -> Engagement:
    return db.session.scalar(
        sa.select(Engagement).where(
            Engagement.need_id == world["need"].id,
            Engagement.bank_id == world["banks"][index]["bank"].id,
        )
    )


def _terms(amount: str = "100", rate: str = "4.2") -> agreements.AgreementInput:
    return agreements.AgreementInput(
        Decimal(amount), 12, Decimal(rate), Guarantee.CREDIT, clock.today()
    )


def _switch(client, login, user: User) -> None:
    client.post("/logout")
    login(user)


def _open_all(client, login, db, notes: list[Notification]) -> set[str]:
    """Each recipient opens each of their notifications: it leads to a page they can open."""
    opened = set()
    by_user: dict[int, list[Notification]] = {}
    for note in notes:
        by_user.setdefault(note.user_id, []).append(note)
    for user_id, own in by_user.items():
        _switch(client, login, db.session.get(User, user_id))
        for note in own:
            response = client.get(f"/notifications/{note.id}/open")
            assert response.status_code == 302, note.kind
            target = response.headers["Location"]
            assert target != "/home", (note.kind, note.params)
            page = client.get(target, follow_redirects=True)
            assert page.status_code == 200, (note.kind, target, page.status_code)
            assert page.request.path not in ("/login", "/home"), (note.kind, target)
            db.session.refresh(note)
            assert note.read_at is not None, note.kind
            opened.add(note.kind)
    return opened


def test_the_main_line_s_notifications_lead_each_reader_to_the_page_to_act(
    client, login, make_user, world, db
):
    official = make_user(Role.OFFICIAL)
    owner = world["owner"]
    first, second = (b["officer"] for b in world["banks"])
    chosen, other = _engagement(db, world, 0), _engagement(db, world, 1)
    engagements.pick_up(chosen, first)
    engagements.pick_up(other, second)
    engagements.accept(chosen, owner)
    agreement = agreements.record_agreement(chosen, first, _terms())
    disputes.dispute(agreement, owner, "利率与面谈不符")
    disputes.correct(agreement, first, _terms(rate="3.9"))
    agreements.confirm(agreement, owner)
    agreements.approve(agreement, first, Decimal("100"), clock.today())
    tranche = agreements.disburse(agreement, first, Decimal("100"), clock.today())
    agreements.confirm_received(tranche, owner)

    notes = list(db.session.scalars(sa.select(Notification).order_by(Notification.id)))
    opened = _open_all(client, login, db, notes)
    assert {
        "need_routed",
        "need_picked_up",
        "interest_accepted",
        "agreement_signed",
        "agreement_disputed",
        "dispute_closed",
        "agreement_confirmed",
        "need_closed",
        "agreement_approved",
        "agreement_disbursed",
        "disbursement_received",
    } <= opened
    assert any(n.user_id == official.id for n in notes)


def test_a_picked_up_need_leads_the_owner_to_the_engagement(client, login, world, db):
    engagement = _engagement(db, world, 0)
    engagements.pick_up(engagement, world["banks"][0]["officer"])
    login(world["owner"])
    note = db.session.scalar(
        sa.select(Notification).where(Notification.user_id == world["owner"].id)
    )
    assert note.kind == "need_picked_up" and note.read_at is None
    response = client.get(f"/notifications/{note.id}/open")
    assert response.headers["Location"] == f"/engagements/{engagement.id}"
    db.session.refresh(note)
    assert note.read_at is not None
    first_read = note.read_at
    client.get(f"/notifications/{note.id}/open")
    db.session.refresh(note)
    assert note.read_at == first_read


@pytest.fixture()
def every_kind(db, make_user, make_enterprise, make_agency, world, recommended):  # noqa: F811
    """A notification of every kind, to a reader it is sent to, with the ids its sender gives."""
    owner = world["owner"]
    bank = world["banks"][0]
    engagement = _engagement(db, world, 0)
    engagements.pick_up(engagement, bank["officer"])
    engagements.accept(engagement, owner)
    agreement = agreements.record_agreement(engagement, bank["officer"], _terms())
    official = make_user(Role.OFFICIAL)
    declaration = recommended(bank["bank"])
    rec = declaration.recommendations[0]
    screened_owner = make_user(Role.ENTERPRISE, enterprise=declaration.enterprise)
    hook = WebhookEndpoint(
        bank_id=bank["bank"].id, url="https://example.cn/hook", events=[], secret="s"
    )
    db.session.add(hook)
    db.session.flush()
    agency = make_agency()
    guarantor = make_user(Role.GUARANTEE_OFFICER, bank=agency)
    offer = GuaranteeProduct(
        agency=agency, name="担保", max_amount=Decimal("5000000"), fee_rate=Decimal("0.8")
    )
    at_agency = Engagement(
        need=world["need"],
        bank_id=agency.id,
        branch_id=agency.branches[0].id,
        guarantee_product=offer,
        origin=EngagementOrigin.ROUTED,
        deadline_at=engagement.deadline_at,
        routed_at=engagement.routed_at,
    )
    db.session.add_all([offer, at_agency])
    db.session.flush()
    e, a, r = engagement.id, agreement.id, rec.id
    sent = {
        "enterprise_verified": (owner, {"name": "x"}),
        "enterprise_rejected": (owner, {"name": "x", "reason": "y"}),
        "need_routed": (bank["officer"], {"amount": "1", "engagement": e}),
        "guarantee_requested": (
            guarantor,
            {"amount": "1", "bank": "b", "engagement": at_agency.id},
        ),
        "need_picked_up": (owner, {"bank": "b", "amount": "1", "engagement": e}),
        "engagement_declined": (owner, {"bank": "b", "reason": "r", "engagement": e}),
        "interest_accepted": (bank["officer"], {"need": 1, "engagement": e}),
        "interest_rejected": (bank["officer"], {"need": 1, "engagement": e}),
        "agreement_signed": (owner, {"bank": "b", "amount": "1", "agreement": a}),
        "agreement_confirmed": (bank["officer"], {"agreement": a}),
        "agreement_disputed": (official, {"agreement": a, "reason": "r"}),
        "agreement_approved": (owner, {"agreement": a, "amount": "1"}),
        "agreement_disbursed": (owner, {"agreement": a, "amount": "1"}),
        "disbursement_received": (bank["manager"], {"agreement": a, "amount": "1"}),
        "agreement_cancelled": (owner, {"agreement": a, "reason": "r"}),
        "engagement_overdue": (bank["manager"], {"need": 1, "engagement": e}),
        "need_closed": (bank["officer"], {"need": 1, "engagement": e}),
        "dispute_closed": (owner, {"agreement": a, "outcome": "o"}),
        "reminder": (bank["manager"], {"text": "t"}),
        "registration_with_your_login": (owner, {"name": "x"}),
        "credit_code_claim": (
            official,
            {
                "name": "n",
                "code": "c",
                "existing": "e",
                "contact": "c",
                "mobile": "m",
                "email": "e",
                "enterprise": owner.enterprise_id,
            },
        ),
        "credit_code_claimed": (owner, {"name": "x"}),
        "mechanism_screened_out": (screened_owner, {"reason": "r", "declaration": 1}),
        "mechanism_recommended": (bank["officer"], {"amount": "1", "recommendation": r}),
        "renewal_due": (screened_owner, {"amount": "1", "recommendation": r}),
        "webhook_disabled": (bank["manager"], {"url": "u", "endpoint": hook.id}),
        "deletion_requested": (official, {"request": 1, "name": "x"}),
        "message_received": (owner, {"engagement": e}),
    }
    db.session.execute(sa.delete(Notification))
    notes = [notify(user, kind, **params) for kind, (user, params) in sent.items()]
    notes.append(notify(bank["officer"], "renewal_due", amount="1", recommendation=r))
    db.session.commit()
    return notes


def test_every_kind_of_notification_leads_its_reader_to_a_page_that_opens(
    client, login, db, every_kind
):
    assert set(LINKS) == set(MESSAGES)
    assert {n.kind for n in every_kind} == set(MESSAGES)
    assert _open_all(client, login, db, every_kind) == set(MESSAGES)


def test_every_kind_is_in_exactly_one_filter_group():
    grouped = [kind for _label, kinds in GROUPS.values() for kind in kinds]
    assert sorted(grouped) == sorted(MESSAGES)


def test_another_user_s_notification_is_not_found(client, login_as, make_user, db):
    stranger = make_user(Role.ENTERPRISE)
    note = notify(stranger, "enterprise_verified", name="x")
    db.session.commit()
    login_as(Role.ENTERPRISE)
    assert client.get(f"/notifications/{note.id}/open").status_code == 404
    assert client.get("/notifications/999999/open").status_code == 404
    db.session.refresh(note)
    assert note.read_at is None


def _badge(client) -> str | None:
    found = re.search(
        r'class="badge text-bg-warning">(\d+)<span class="visually-hidden">',
        client.get("/needs").get_data(as_text=True),
    )
    return found.group(1) if found else None


def test_the_badge_counts_unread_only_and_mark_all_read_needs_csrf(
    app, client, login_as, db, monkeypatch
):
    user = login_as(Role.ENTERPRISE)
    for _ in range(3):
        notify(user, "enterprise_verified", name="x")
    notify(user, "enterprise_verified", name="x").read_at = utcnow()
    db.session.commit()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert _badge(client) == "3"

    assert client.post("/notifications/read-all").status_code == 400
    assert _badge(client) == "3"

    page = client.get("/notifications").get_data(as_text=True)
    assert "全部标为已读" in page and "3 条未读" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/notifications/read-all", data={"csrf_token": token})
    assert response.status_code == 302
    assert _badge(client) is None
    unread = db.session.scalar(
        sa.select(sa.func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    )
    assert unread == 0
    assert "全部标为已读" not in client.get("/notifications").get_data(as_text=True)


def _listed(client, query: str = "") -> list[str]:
    page = client.get(f"/notifications{query}").get_data(as_text=True)
    return re.findall(r'data-state="(\w+)"', page)


def test_the_list_is_paged_by_twenty_and_filtered_by_state_and_kind(client, login_as, db):
    user = login_as(Role.ENTERPRISE)
    start = utcnow() - timedelta(days=1)
    for i in range(23):
        note = notify(user, "enterprise_verified", name=f"企业{i}")
        note.created_at = start + timedelta(minutes=i)
        if i < 5:
            note.read_at = utcnow()
    notify(user, "agreement_cancelled", agreement=1, reason="r")
    db.session.commit()

    assert len(_listed(client)) == 20
    assert len(_listed(client, "?page=2")) == 4
    assert "企业22" in client.get("/notifications").get_data(as_text=True)
    assert "企业0" in client.get("/notifications?page=2").get_data(as_text=True)
    assert _listed(client, "?state=read") == ["read"] * 5
    assert set(_listed(client, "?state=unread")) == {"unread"}
    assert len(_listed(client, "?state=unread")) == 19
    assert _listed(client, "?kind=agreements") == ["unread"]
    assert len(_listed(client, "?kind=enterprise&state=unread")) == 18
    assert len(_listed(client, "?kind=mechanism")) == 0
    # A filter that names nothing known is no filter.
    assert len(_listed(client, "?state=bogus&kind=bogus&page=x")) == 20


def test_the_enterprise_home_lists_offers_to_answer_and_agreements_to_confirm(
    client, login, world, db
):
    owner = world["owner"]
    first, second = (b["officer"] for b in world["banks"])
    chosen, other = _engagement(db, world, 0), _engagement(db, world, 1)
    engagements.pick_up(other, second)
    login(owner)
    page = client.get("/enterprise").get_data(as_text=True)
    assert 'href="#offers-to-answer">1</a>' in page
    assert f'href="/engagements/{other.id}"' in page
    assert "暂无等待您确认的意向协议" in page

    engagements.pick_up(chosen, first)
    engagements.accept(chosen, owner)
    agreement = agreements.record_agreement(chosen, first, _terms())
    page = client.get("/enterprise").get_data(as_text=True)
    assert 'href="#agreements-to-confirm">1</a>' in page
    assert f'href="/agreements/{agreement.id}"' in page


def test_the_bank_home_lists_needs_nearest_their_deadline_and_links_its_counts(
    client, login, make_user, make_enterprise, world, db
):
    officer = world["banks"][0]["officer"]
    engagement = _engagement(db, world, 0)
    engagement.deadline_at = utcnow() + timedelta(days=1)
    db.session.commit()
    login(officer)
    page = client.get("/bank").get_data(as_text=True)
    todo = page[page.index('id="todo"') :]
    assert f'href="/engagements/{engagement.id}"' in todo
    assert 'href="/bank/pipeline?view=waiting">1</a>' in page
    other_bank = _engagement(db, world, 1)
    assert f'href="/engagements/{other_bank.id}"' not in page

    engagements.decline(engagement, officer, DeclineReason.OTHER, "不符合")
    page = client.get("/bank").get_data(as_text=True)
    assert "暂无等待本行答复的需求" in page
    assert 'href="/bank/pipeline?view=closed">1</a>' in page


def test_the_official_home_lists_verifications_and_disputes_of_the_official_s_region(
    client, login, make_user, make_enterprise, world, db
):
    from app.enterprises.credit_code import make as make_code
    from app.models.enums import EnterpriseStatus

    own = make_enterprise(status=EnterpriseStatus.PENDING, region_code="990121001")
    elsewhere = make_enterprise(
        status=EnterpriseStatus.PENDING,
        region_code="990122",
        credit_code=make_code("91990122MB0000001"),
    )
    official = make_user(Role.OFFICIAL, region_code="990121")
    owner, officer = world["owner"], world["banks"][0]["officer"]
    engagement = _engagement(db, world, 0)
    engagements.pick_up(engagement, officer)
    engagements.accept(engagement, owner)
    agreement = agreements.record_agreement(engagement, officer, _terms())
    disputes.dispute(agreement, owner, "金额不符")

    login(official)
    page = client.get("/official").get_data(as_text=True)
    assert f'href="/enterprises/{own.id}"' in page
    assert f'href="/enterprises/{elsewhere.id}"' not in page
    assert f'href="/agreements/{agreement.id}"' in page
    assert 'href="/enterprises?status=verified"' in page
    assert 'href="/needs?status=open&amp;status=in_talks"' in page
    assert 'href="#open-disputes"' in page

    needs_page = client.get("/needs?status=open&status=in_talks").get_data(as_text=True)
    assert f'href="/needs/{world["need"].id}"' in needs_page

    disputes.close_open_dispute(agreement, official, DisputeOutcome.STANDS)
    db.session.commit()
    assert f'href="/agreements/{agreement.id}"' not in client.get("/official").get_data(
        as_text=True
    )


def test_the_inbox_page_costs_the_same_with_five_notifications_or_forty_five(
    client,
    login_as,
    db,
    statements,  # noqa: F811
):
    user = login_as(Role.BANK_OFFICER)
    client.get("/notifications")  # what every page keeps per catalogue version, kept
    costs = []
    for count in (5, 40):
        for _ in range(count):
            notify(user, "reminder", text="t")
        db.session.commit()
        statements.clear()
        assert client.get("/notifications").status_code == 200
        costs.append(len(statements))
    assert costs[0] == costs[1], costs


def test_the_filter_offers_only_the_groups_a_role_receives(client, login, make_user, make_bank):
    bank = make_bank()
    login(make_user(Role.ENTERPRISE))
    page = client.get("/notifications").get_data(as_text=True)
    assert 'value="webhooks"' not in page and 'value="agreements"' in page
    client.post("/logout")
    login(make_user(Role.BANK_MANAGER, bank=bank))
    page = client.get("/notifications").get_data(as_text=True)
    assert 'value="webhooks"' in page and 'value="enterprise"' in page
