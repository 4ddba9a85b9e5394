"""What the need page, the pipeline and the navigation bar keep between loads (issue 22):
never another reader's, never older than the last write to what they show, never served
before the access check; each reader's forms carry their own token; and a kept page is the
page rendered afresh."""

from __future__ import annotations

import random
import re
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import clock
from app.models import Engagement, Need
from app.models.enums import Guarantee, NeedStatus, Purpose, Role
from tests.web.test_page_costs import _product

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _tokens(page: str) -> set[str]:
    return set(TOKEN.findall(page))


def _need_input(amount_wan: str = "300"):
    from app.needs import services as needs

    return needs.NeedInput(
        amount_wan=Decimal(amount_wan),
        term_months=12,
        purpose=Purpose.WORKING_CAPITAL,
        guarantees={Guarantee.CREDIT},
        max_rate=Decimal("4.5"),
        needed_by=clock.today() + timedelta(days=60),
    )


@pytest.fixture()
def posted(db, make_user, make_bank):
    """A need matched with one bank's product and routed to it."""
    from app.needs import services as needs

    bank = make_bank()
    db.session.add(_product(bank, "纳税贷"))
    db.session.commit()
    owner = make_user(Role.ENTERPRISE)
    need = needs.create(owner.enterprise, _need_input(), owner, post=True)
    return {"owner": owner, "need": need, "bank": bank}


def test_the_need_page_follows_each_write_to_what_it_shows(client, login, make_user, posted, db):
    from app.engagements import services as engagements
    from app.needs import services as needs

    owner, need = posted["owner"], posted["need"]
    url = f"/needs/{need.id}"
    login(owner)
    first = client.get(url).get_data(as_text=True)
    assert "300 万元" in first and "纳税贷" in first
    assert client.get(url).get_data(as_text=True).count("300 万元") == first.count("300 万元")

    needs.update(need, _need_input("420"), owner, need.version)
    edited = client.get(url).get_data(as_text=True)
    assert "420 万元" in edited and "300 万元" not in edited

    engagement = db.session.scalar(sa.select(Engagement).where(Engagement.need_id == need.id))
    before = client.get(url).get_data(as_text=True)
    officer = make_user(Role.BANK_OFFICER, bank=posted["bank"])
    engagements.pick_up(engagement, officer)
    picked = client.get(url).get_data(as_text=True)
    assert picked != before and "答复银行" in picked and "答复银行" not in before

    client.post("/logout")
    login(make_user(Role.OFFICIAL))
    assert owner.enterprise.name in client.get(url).get_data(as_text=True)
    owner.enterprise.name = "改名后的企业有限公司"
    db.session.commit()
    assert "改名后的企业有限公司" in client.get(url).get_data(as_text=True)


def test_a_kept_need_page_is_served_only_after_the_access_check(client, login, make_user, posted):
    url = f"/needs/{posted['need'].id}"
    login(posted["owner"])
    assert client.get(url).status_code == 200
    client.post("/logout")
    login(make_user(Role.ENTERPRISE))  # another company
    other = client.get(url)
    assert other.status_code == 404 and "纳税贷" not in other.get_data(as_text=True)
    client.post("/logout")
    login(make_user(Role.BANK_OFFICER, bank=posted["bank"]))
    assert client.get(url).status_code == 403


def test_the_owner_and_an_official_each_see_their_own_need_page(client, login, make_user, posted):
    need, owner = posted["need"], posted["owner"]
    url = f"/needs/{need.id}"
    login(owner)
    mine = client.get(url).get_data(as_text=True)
    client.post("/logout")
    official = make_user(Role.OFFICIAL)
    login(official)
    theirs = client.get(url).get_data(as_text=True)
    full_table = f'href="/needs/{need.id}/products"'
    assert f"/needs/{need.id}/withdraw" in mine and f"/needs/{need.id}/withdraw" not in theirs
    assert full_table not in mine and full_table in theirs
    assert owner.name not in theirs and official.name in theirs
    assert official.name not in mine and owner.name in mine


def test_each_reader_of_a_kept_need_page_posts_with_their_own_token(
    app, db, make_user, posted, csrf_on
):
    need, owner = posted["need"], posted["owner"]
    colleague = make_user(Role.ENTERPRISE, enterprise=owner.enterprise)
    url = f"/needs/{need.id}"
    pages = {}
    for user in (owner, colleague):
        client = app.test_client()
        form = client.get("/login").get_data(as_text=True)
        data = {
            "csrf_token": TOKEN.search(form)[1],
            "login": user.email,
            "password": "correct horse battery",
        }
        assert client.post("/login", data=data).status_code == 302
        pages[user.id] = (client, client.get(url).get_data(as_text=True))
    (_, first), (second_client, second) = pages[owner.id], pages[colleague.id]
    assert _tokens(first) and _tokens(second) and not _tokens(first) & _tokens(second)
    withdraw = f"/needs/{need.id}/withdraw"
    stolen = {"csrf_token": TOKEN.search(first)[1], "version": str(need.version)}
    assert second_client.post(withdraw, data=stolen).status_code == 400
    own = {"csrf_token": TOKEN.search(second)[1], "version": str(need.version)}
    assert second_client.post(withdraw, data=own).status_code == 302
    db.session.expire_all()
    assert db.session.get(Need, need.id).status is NeedStatus.WITHDRAWN


def test_a_kept_need_page_is_the_page_rendered_afresh(client, login, make_user, make_bank, db):
    """On random needs and products: the page served from what was kept equals the page
    rendered with nothing kept, form tokens aside; the need read with its matches'
    fingerprint agrees with the fingerprint read alone."""
    from app.matches.services import match_fingerprint
    from app.needs import services as needs
    from app.reports.cache import cache

    rng = random.Random(22)
    for n in range(4):
        bank = make_bank()
        for k in range(2):
            low = rng.choice([10, 50, 100, 300])
            db.session.add(
                _product(
                    bank,
                    f"随机贷{n}{k}",
                    min_amount=Decimal(low * 10000),
                    max_amount=Decimal(low * 10000 * rng.choice([2, 5, 20])),
                    min_rate=Decimal(rng.choice(["3.1", "3.6", "4.2"])),
                    guarantees=frozenset(rng.sample(sorted(Guarantee), 2)),
                )
            )
    db.session.commit()
    owner = make_user(Role.ENTERPRISE)
    login(owner)
    for _ in range(5):
        amount = str(rng.choice([20, 80, 150, 600, 2000]))
        need = needs.create(owner.enterprise, _need_input(amount), owner, post=True)
        head = needs.head_for(owner, need.id)
        assert head is not None and head.match_fingerprint == match_fingerprint(need)
        url = f"/needs/{need.id}"
        client.get(url)
        kept = TOKEN.sub("", client.get(url).get_data(as_text=True))
        cache.clear()
        client.application.extensions.pop("kept_text", None)  # this worker's copies too
        fresh = TOKEN.sub("", client.get(url).get_data(as_text=True))
        assert kept == fresh


def test_the_navigation_bar_is_each_readers_own_and_follows_their_notifications(
    app, client, login, make_user, db, csrf_on
):
    from app.notifications import notify

    first = make_user(Role.ENTERPRISE, name="甲企业用户")
    second = make_user(Role.BANK_OFFICER, name="乙银行用户")
    pages = {}
    for user in (first, second):
        reader = app.test_client()
        form = reader.get("/login").get_data(as_text=True)
        data = {
            "csrf_token": TOKEN.search(form)[1],
            "login": user.email,
            "password": "correct horse battery",
        }
        assert reader.post("/login", data=data).status_code == 302
        pages[user.id] = (reader, reader.get("/products?sort=rate").get_data(as_text=True))
    (one, mine), (other, theirs) = pages[first.id], pages[second.id]
    assert "甲企业用户" in mine and "乙银行用户" not in mine
    assert "乙银行用户" in theirs and "甲企业用户" not in theirs
    assert "/bank/pipeline" in theirs and "/bank/pipeline" not in mine
    assert "sort=rate" in re.search(r'href="([^"]*)"[^>]*>English<', mine)[1]  # this page
    assert "badge text-bg-warning" not in mine
    notify(first, "reminder", text="看一看")
    db.session.commit()
    assert "badge text-bg-warning" in one.get("/products?sort=rate").get_data(as_text=True)
    # The sign-out button carries the reader's own token: another's is refused.
    stolen = {"csrf_token": sorted(_tokens(mine))[0]}
    assert other.post("/logout", data=stolen).status_code == 400
    own = {"csrf_token": sorted(_tokens(theirs))[0]}
    assert other.post("/logout", data=own).status_code == 302
    assert other.get("/bank/pipeline").status_code == 302  # signed out


def test_each_bank_sees_its_own_kept_pipeline_and_each_new_need(
    client, login, make_user, make_bank, db
):
    from app.needs import services as needs

    banks = [make_bank(), make_bank()]
    for bank, name in zip(banks, ("甲行贷", "乙行贷"), strict=True):
        db.session.add(_product(bank, name))
    db.session.commit()
    owner = make_user(Role.ENTERPRISE)
    needs.create(owner.enterprise, _need_input("300"), owner, post=True)
    officers = [make_user(Role.BANK_OFFICER, bank=bank) for bank in banks]
    seen = []
    for officer in officers:
        login(officer)
        seen.append(client.get("/bank/pipeline").get_data(as_text=True))
        client.post("/logout")
    assert "甲行贷" in seen[0] and "乙行贷" not in seen[0]
    assert "乙行贷" in seen[1] and "甲行贷" not in seen[1]
    assert "1 条需求" in seen[0]
    needs.create(owner.enterprise, _need_input("500"), owner, post=True)
    login(officers[0])
    after = client.get("/bank/pipeline").get_data(as_text=True)
    assert "2 条需求" in after and "500 万元" in after
