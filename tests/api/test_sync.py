"""Keeping a bank's system in step: lists after a time or a cursor in order of update, the
pipeline filtered by need, status and branch, and ETags on single resources (issue 21)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.models import Engagement, Need
from app.models.base import utcnow
from app.models.enums import EngagementOrigin, EngagementStatus, Role
from tests.api.test_main_line import token


def _engagements(db, make_enterprise, bank, n: int, *, branch=None) -> list[Engagement]:
    from decimal import Decimal

    from app.models.enums import NeedStatus, Purpose

    made = []
    base = utcnow() - timedelta(hours=n + 1)
    for i in range(n):
        need = Need(
            enterprise=make_enterprise(),
            amount=Decimal("1000000.00"),
            term_months=12,
            purpose=Purpose.WORKING_CAPITAL,
            max_rate=Decimal("5.00"),
            guarantees=["credit"],
            needed_by=(utcnow() + timedelta(days=30)).date(),
            status=NeedStatus.OPEN,
        )
        db.session.add(need)
        engagement = Engagement(
            need=need,
            bank_id=bank.id,
            branch_id=(branch or bank.branches[0]).id,
            origin=EngagementOrigin.ROUTED,
            status=EngagementStatus.ROUTED,
            routed_at=base,
            deadline_at=base + timedelta(days=3),
            updated_at=base + timedelta(minutes=i),
        )
        db.session.add(engagement)
        made.append(engagement)
    db.session.commit()
    return made


def test_a_bank_walks_its_pipeline_by_cursor_and_later_gets_only_what_changed(
    client, db, make_user, make_bank, make_enterprise
):
    bank = make_bank()
    headers = token(client, make_user(Role.BANK_MANAGER, bank=bank).email)
    made = _engagements(db, make_enterprise, bank, 5)
    _engagements(db, make_enterprise, make_bank(), 2)  # another bank's: never listed

    since = (utcnow() - timedelta(days=1)).isoformat()
    first = client.get(
        "/api/v1/engagements", query_string={"updated_since": since, "per_page": 2}, headers=headers
    ).get_json()
    assert [e["id"] for e in first["items"]] == [made[0].id, made[1].id]
    assert first["total"] == 5 and first["next_cursor"]
    seen = [e["id"] for e in first["items"]]
    cursor = first["next_cursor"]
    while True:
        got = client.get(
            "/api/v1/engagements", query_string={"cursor": cursor, "per_page": 2}, headers=headers
        ).get_json()
        if not got["items"]:
            assert got["next_cursor"] == cursor  # keep it; ask again later
            break
        seen += [e["id"] for e in got["items"]]
        cursor = got["next_cursor"]
    assert seen == [e.id for e in made]

    # The bank picks one up: asking again from the kept cursor gives that one alone.
    picked = client.post(
        f"/api/v1/engagements/{made[1].id}/pick-up", json={"version": 1}, headers=headers
    )
    assert picked.status_code == 200, picked.get_json()
    later = client.get(
        "/api/v1/engagements", query_string={"cursor": cursor}, headers=headers
    ).get_json()
    assert [(e["id"], e["status"]) for e in later["items"]] == [(made[1].id, "picked_up")]


def test_updated_since_applies_to_every_list_and_a_bad_cursor_is_a_field_error(
    client, db, make_user, make_bank, make_enterprise
):
    official = token(client, make_user(Role.OFFICIAL).email)
    future = (utcnow() + timedelta(hours=1)).isoformat()
    for path in ("/api/v1/needs", "/api/v1/engagements", "/api/v1/agreements", "/api/v1/products"):
        got = client.get(path, query_string={"updated_since": future}, headers=official)
        assert got.status_code == 200, (path, got.get_json())
        assert got.get_json()["items"] == [] and got.get_json()["next_cursor"] is None
    bad = client.get("/api/v1/needs", query_string={"cursor": "not-ours"}, headers=official)
    assert bad.status_code == 422 and "cursor" in bad.get_json()["error"]["fields"]
    naive = client.get(
        "/api/v1/needs", query_string={"updated_since": "2026-01-01T00:00:00"}, headers=official
    )
    assert naive.status_code == 422 and "updated_since" in naive.get_json()["error"]["fields"]


def test_the_pipeline_filters_by_need_status_and_branch(
    client, db, make_user, make_bank, make_enterprise
):
    from app.models import Branch

    bank = make_bank(branches=2)
    headers = token(client, make_user(Role.BANK_MANAGER, bank=bank).email)
    second = db.session.scalar(
        sa.select(Branch).where(Branch.bank_id == bank.id).order_by(Branch.id.desc())
    )
    first_branch = _engagements(db, make_enterprise, bank, 2)
    second_branch = _engagements(db, make_enterprise, bank, 1, branch=second)

    def ids(**query):
        got = client.get("/api/v1/engagements", query_string=query, headers=headers)
        assert got.status_code == 200, got.get_json()
        return sorted(e["id"] for e in got.get_json()["items"])

    assert ids(branch=second.id) == [second_branch[0].id]
    assert ids(need=first_branch[1].need_id) == [first_branch[1].id]
    assert ids(status="picked_up") == []
    assert ids(status="routed", branch=bank.branches[0].id) == sorted(e.id for e in first_branch)


def test_etag_follows_the_version_and_if_none_match_answers_304(
    client, db, make_user, make_bank, make_enterprise
):
    bank = make_bank()
    headers = token(client, make_user(Role.BANK_MANAGER, bank=bank).email)
    [engagement] = _engagements(db, make_enterprise, bank, 1)
    url = f"/api/v1/engagements/{engagement.id}"
    first = client.get(url, headers=headers)
    tag = first.headers["ETag"]
    assert tag.startswith('"v1-')
    unchanged = client.get(url, headers={**headers, "If-None-Match": tag})
    assert unchanged.status_code == 304 and unchanged.get_data() == b""

    client.post(f"{url}/pick-up", json={"version": 1}, headers=headers)
    changed = client.get(url, headers={**headers, "If-None-Match": tag})
    assert changed.status_code == 200 and changed.get_json()["version"] == 2
    assert changed.headers["ETag"].startswith('"v2-')
    other = token(client, make_user(Role.BANK_MANAGER).email)
    assert client.get(url, headers={**other, "If-None-Match": tag}).status_code == 404
