"""Background jobs: recorded runs, retries with backoff, failures an admin sees and retries,
idempotent notification delivery, one run at a time per lock (without REDIS_URL the tasks
run in-process, as here; tests/jobs runs them on a real worker)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import clock
from app.jobs import delivery
from app.jobs.registry import JOBS, Job
from app.jobs.runner import backoff, enqueue, exclusive
from app.models import JobRun, JobStatus, Notification
from app.models.enums import NeedStatus, Role
from app.notifications import notify
from tests.web.test_routing import _need_of, _post_need
from tests.web.test_routing import make_product as make_product  # noqa: F401 - a fixture


def test_the_tick_job_expires_needs_once_and_records_its_run(client, login_as, make_product, db):
    make_product()
    owner = login_as(Role.ENTERPRISE)
    _post_need(client)
    need = _need_of(db, owner)
    need.needed_by = clock.today() - timedelta(days=1)
    db.session.commit()

    first = enqueue("engagements.tick")
    second = enqueue("engagements.tick")

    assert need.status is NeedStatus.EXPIRED
    assert (first.status, first.result, first.attempts) == (
        JobStatus.SUCCEEDED,
        {"needs_expired": 1, "engagements_overdue": 0, "products_ended": 0, "tokens_forgotten": 0},
        1,
    )
    assert second.result == {
        "needs_expired": 0,
        "engagements_overdue": 0,
        "products_ended": 0,
        "tokens_forgotten": 0,
    }
    assert first.worker == "in-process" and first.finished_at >= first.started_at


def test_backoff_grows_and_is_capped():
    assert [backoff(n) for n in range(4)] == [10, 40, 160, 640]
    assert backoff(10) == 3600


def test_a_failing_job_is_retried_then_shown_failed_and_the_retry_button_runs_it_again(
    client, login_as, db, monkeypatch
):
    calls = []

    def flaky():
        calls.append(1)
        raise RuntimeError("the bank's gateway said no")

    monkeypatch.setitem(JOBS, "notifications.deliver", Job(flaky, "x", lock="notifications"))
    run = enqueue("notifications.deliver")
    assert run.status is JobStatus.FAILED
    assert run.attempts == len(calls) == 4  # the first try and three retries
    assert "the bank's gateway said no" in run.error

    login_as(Role.ADMIN)
    page = client.get("/admin/jobs/?status=failed").get_data(as_text=True)
    assert f'id="run-{run.id}"' in page and "the bank&#39;s gateway said no" in page
    assert f"/admin/jobs/{run.id}/retry" in page

    monkeypatch.setitem(JOBS, "notifications.deliver", Job(lambda: {"delivered": 7}, "x", lock="n"))
    assert client.post(f"/admin/jobs/{run.id}/retry").status_code == 302
    db.session.refresh(run)
    assert (run.status, run.result, run.error) == (JobStatus.SUCCEEDED, {"delivered": 7}, "")
    # Only failed runs can be retried.
    assert client.post(f"/admin/jobs/{run.id}/retry").status_code == 404


def test_an_admin_runs_a_job_now_and_others_may_not(client, login_as, db):
    login_as(Role.OFFICIAL)
    assert client.post("/admin/jobs/run/engagements.tick").status_code == 403
    client.post("/logout")
    login_as(Role.ADMIN)
    assert client.post("/admin/jobs/run/nothing.such").status_code == 404
    assert client.post("/admin/jobs/run/engagements.tick").status_code == 302
    run = db.session.scalar(sa.select(JobRun).order_by(JobRun.id.desc()))
    assert (run.name, run.status) == ("engagements.tick", JobStatus.SUCCEEDED)
    page = client.get("/admin/jobs/").get_data(as_text=True)
    assert "overdue: 0" in page


def test_notifications_are_delivered_once_through_every_channel(make_user, db, monkeypatch):
    sent = []
    monkeypatch.setattr(delivery, "CHANNELS", [])
    delivery.register_channel(lambda note: sent.append(note.id))
    user = make_user(Role.ENTERPRISE)
    notes = [notify(user, "reminder", text=f"#{i}") for i in range(3)]
    db.session.commit()

    run = enqueue("notifications.deliver")
    again = enqueue("notifications.deliver")

    assert sorted(sent) == sorted(n.id for n in notes)
    assert run.result == {"delivered": 3} and again.result == {"delivered": 0}
    assert all(n.delivered_at is not None for n in notes)
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.delivered_at.is_(None))
        )
        == 0
    )


def test_a_run_waits_for_another_holding_its_lock(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's; SQLite serialises writers itself")
    with exclusive("engagements"):
        busy = enqueue("engagements.tick")
    assert busy.status is JobStatus.FAILED and "another run holds the lock" in busy.error
    assert enqueue("engagements.tick").status is JobStatus.SUCCEEDED


def test_the_scheduler_knows_the_periodic_jobs(app):
    schedule = app.extensions["celery"].conf.beat_schedule
    assert set(schedule) == {
        "engagements.tick",
        "matches.calendar",
        "notifications.deliver",
        "coordination.remind",
        "webhooks.deliver",
    }
    assert schedule["engagements.tick"]["schedule"] == timedelta(
        seconds=app.config["JOB_TICK_SECONDS"]
    )


def test_scheduled_runs_prune_old_successes_but_keep_failures(app, db):
    from app.models.base import utcnow

    old = utcnow() - timedelta(days=app.config["JOB_RUNS_KEEP_DAYS"] + 1)
    done = JobRun(name="engagements.tick", status=JobStatus.SUCCEEDED, created_at=old)
    failed = JobRun(name="engagements.tick", status=JobStatus.FAILED, created_at=old)
    db.session.add_all([done, failed])
    db.session.commit()
    done_id, failed_id = done.id, failed.id

    app.extensions["celery"].tasks["engagements.tick"].apply()  # as beat sends it: no run row

    db.session.expire_all()
    assert db.session.get(JobRun, done_id) is None
    assert db.session.get(JobRun, failed_id).status is JobStatus.FAILED
    newest = db.session.scalar(sa.select(JobRun).order_by(JobRun.id.desc()))
    assert newest.status is JobStatus.SUCCEEDED and newest.id not in (done_id, failed_id)


def test_a_failed_run_reads_failed_in_chinese_not_a_failed_criterion(client, login_as, db, app):
    from flask_babel import force_locale, gettext

    from app.models.webhook import DeliveryStatus

    login_as(Role.ADMIN)
    page = client.get("/admin/jobs/?status=failed&lang=zh").get_data(as_text=True)
    assert "失败" in page and "不符合" not in page
    with app.test_request_context(), force_locale("zh"):
        assert (str(JobStatus.FAILED.label), str(DeliveryStatus.FAILED.label)) == ("失败", "失败")
        assert gettext("Failed") == "不符合"  # a criterion a product fails, in the match table
    with app.test_request_context(), force_locale("en"):
        assert str(JobStatus.FAILED.label) == "Failed"


def test_the_runs_table_heads_its_time_column_as_a_time(client, login_as, db):
    # "Queued" is also a run's status (排队中); the column holds when it was queued.
    login_as(Role.ADMIN)
    client.post("/admin/jobs/run/engagements.tick")
    page = client.get("/admin/jobs/?lang=zh").get_data(as_text=True)
    assert '<th scope="col">排队时间</th>' in page and '<th scope="col">排队中</th>' not in page
