"""Jobs on a real Celery worker over Redis, as deployed: queued by this process, run by
another. `.ci/worker_jobs.sh` starts the worker and runs this file with WORKER_TESTS=1,
DATABASE_URL and REDIS_URL set; elsewhere it is skipped (the eager path is tests/web/test_jobs.py)."""

from __future__ import annotations

import os
import time

import pytest
import sqlalchemy as sa

from app.models.enums import Role

pytestmark = pytest.mark.skipif(
    os.environ.get("WORKER_TESTS") != "1", reason="needs a running worker: .ci/worker_jobs.sh"
)
WAIT_SECONDS = 60


@pytest.fixture(scope="module")
def queue_app():
    from app import create_app

    application = create_app({"TESTING": True})
    assert application.config["REDIS_URL"], "REDIS_URL must point at the worker's broker"
    assert not application.extensions["celery"].conf.task_always_eager
    with application.app_context():
        yield application


def _finished(run_id: int):
    from app.models import JobRun, JobStatus, db

    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        db.session.expire_all()
        run = db.session.get(JobRun, run_id)
        if run.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} still {run.status} after {WAIT_SECONDS} s")


def test_a_queued_job_is_run_by_the_worker_not_here(queue_app):
    from app.jobs.runner import enqueue
    from app.models import JobStatus

    run = enqueue("engagements.tick")
    assert run.status is JobStatus.QUEUED  # handed to the broker, not run in this process
    done = _finished(run.id)
    assert done.status is JobStatus.SUCCEEDED, done.error
    assert done.result == {
        "needs_expired": 0,
        "engagements_overdue": 0,
        "products_ended": 0,
        "tokens_forgotten": 0,
    }
    assert done.attempts == 1 and done.worker.startswith("celery@")


def test_the_worker_delivers_notifications_once(queue_app):
    from app.jobs.runner import enqueue
    from app.models import JobStatus, Notification, User, db
    from app.notifications import notify

    user = User(email=f"worker-{time.time_ns()}@example.cn", role=Role.ADMIN, name="worker test")
    user.set_password("not used here 123", method="pbkdf2:sha256:1000")
    db.session.add(user)
    db.session.commit()
    note = notify(user, "reminder", text="from the worker test")
    db.session.commit()

    first = _finished(enqueue("notifications.deliver").id)
    second = _finished(enqueue("notifications.deliver").id)

    assert first.status is JobStatus.SUCCEEDED and first.result["delivered"] >= 1
    assert second.result == {"delivered": 0}
    db.session.expire_all()
    assert (
        db.session.scalar(sa.select(Notification.delivered_at).where(Notification.id == note.id))
        is not None
    )


def test_the_worker_rescores_after_a_weight_change(queue_app):
    from app.jobs.runner import enqueue
    from app.models import JobStatus

    done = _finished(enqueue("matches.rescore").id)
    assert done.status is JobStatus.SUCCEEDED and done.result["chunks"] >= 1


def test_workers_take_the_rebuild_s_chunks_and_put_it_in_place(queue_app):
    """`flask match rebuild` through the queue: the chunks and the finish are run by the
    worker, and the command returns once the new matches are in place."""
    from app.matches.rebuild import wait
    from app.models import JobRun, JobStatus, MatchRebuild, db

    done = _finished(enqueue_rebuild().id)
    assert done.status is JobStatus.SUCCEEDED, done.error
    rebuild = wait(done.result["rebuild"], timeout=WAIT_SECONDS)
    assert rebuild.status in ("finished", "superseded")
    chunk_runs = [
        r
        for r in db.session.scalars(sa.select(JobRun).where(JobRun.name == "matches.rebuild_chunk"))
        if r.params.get("rebuild") == rebuild.id
    ]
    assert len(chunk_runs) == rebuild.chunk_count
    assert all(r.worker.startswith("celery@") for r in chunk_runs)
    assert db.session.get(MatchRebuild, rebuild.id).finished_at is not None


def enqueue_rebuild():
    from app.jobs.runner import enqueue

    return enqueue("matches.rebuild")
