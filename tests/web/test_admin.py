"""Administration: the matching engine's score weights are settings an admin changes, with
every part checked, the change audited, and every open need rescored at once."""

from __future__ import annotations

import sqlalchemy as sa

from app.matches.services import weights
from app.matching.criteria import DEFAULT_WEIGHTS
from app.models import AuditEntry, Match, Setting
from app.models.enums import Role
from tests.web.test_routing import _need_of, _post_need
from tests.web.test_routing import make_product as make_product  # noqa: F401 - a fixture

WEIGHTS = {key: f"{value:g}" for key, value in DEFAULT_WEIGHTS.items()}


def test_only_admins_reach_the_weights(client, login_as):
    login_as(Role.OFFICIAL)
    assert client.get("/admin/weights").status_code == 403
    assert client.post("/admin/weights", data=WEIGHTS).status_code == 403


def test_the_page_shows_the_weights_in_force(client, login_as, db):
    db.session.add(Setting(key="weight.rate", value="25"))
    db.session.commit()
    login_as(Role.ADMIN)
    page = client.get("/admin/weights").get_data(as_text=True)
    assert 'id="rate"' in page and 'value="25"' in page
    assert "/admin/weights" in client.get("/admin/").get_data(as_text=True)


def test_bad_weights_are_refused_beside_their_field_and_nothing_is_saved(client, login_as, db):
    login_as(Role.ADMIN)
    page = client.post(
        "/admin/weights", data=WEIGHTS | {"speed": "abc", "locality": "120"}
    ).get_data(as_text=True)
    assert 'id="speed-error"' in page and 'id="locality-error"' in page
    assert 'value="abc"' in page  # what was typed is kept
    page = client.post("/admin/weights", data=WEIGHTS | {"rate": "35"}).get_data(as_text=True)
    assert 'id="total-error"' in page and "105" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Setting)) == 0


def test_new_weights_rescore_every_open_need_and_are_audited(client, login_as, make_product, db):
    for i in range(3):
        make_product(min_rate=f"3.{i}0")
    owner = login_as(Role.ENTERPRISE)
    _post_need(client)
    need = _need_of(db, owner)
    before = {
        m.product_id: m.score
        for m in db.session.scalars(sa.select(Match).where(Match.need_id == need.id))
    }
    assert before

    client.post("/logout")
    admin = login_as(Role.ADMIN)
    moved = WEIGHTS | {"rate": "10", "speed": "30"}
    response = client.post("/admin/weights", data=moved)
    assert response.status_code == 302
    assert weights()["rate"] == 10.0 and weights()["speed"] == 30.0
    db.session.expire_all()
    after = {
        m.product_id: m.score
        for m in db.session.scalars(sa.select(Match).where(Match.need_id == need.id))
    }
    assert after.keys() == before.keys() and after != before
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "score_weights_changed")
    )
    assert entry.actor_id == admin.id
    assert entry.changes == {"rate": "30 → 10", "speed": "10 → 30"}


def test_with_a_queue_the_rescore_leaves_the_request_for_a_worker(
    app, client, login_as, make_product, db, monkeypatch
):
    from app.models import JobRun, JobStatus

    make_product()
    owner = login_as(Role.ENTERPRISE)
    _post_need(client)
    before = {
        m.product_id: m.score
        for m in db.session.scalars(sa.select(Match).where(Match.need_id == _need_of(db, owner).id))
    }
    assert before
    client.post("/logout")
    login_as(Role.ADMIN)
    # As with REDIS_URL set: tasks go to a broker (here kombu's in-memory one), not run here.
    monkeypatch.setitem(app.extensions["celery"].conf, "task_always_eager", False)
    page = client.post(
        "/admin/weights", data=WEIGHTS | {"rate": "10", "speed": "30"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "后台" in page
    assert weights()["rate"] == 10.0
    after = {m.product_id: m.score for m in db.session.scalars(sa.select(Match))}
    assert after == before
    run = db.session.scalar(sa.select(JobRun).where(JobRun.name == "matches.rescore"))
    assert run.status is JobStatus.QUEUED and run.attempts == 0
    page = client.post(
        "/admin/weights", data=WEIGHTS | {"rate": "10", "speed": "30"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "未作更改" in page
