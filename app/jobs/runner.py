"""Running a job: its run row moves queued → running → succeeded or failed, retried with backoff."""

from __future__ import annotations

import logging
import traceback
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app.models import JobRun, JobStatus, db
from app.models.base import utcnow

log = logging.getLogger("rongqiao.jobs")
_LOCK_SPACE = 1919  # first key of PostgreSQL's two-key advisory locks: this app's jobs


class JobBusy(RuntimeError):
    """Another run holding the same lock is at work; this one tries again later."""


def backoff(retries: int) -> int:
    """Seconds before the next attempt: 10, 40, 160, … capped at an hour."""
    return min(10 * 4**retries, 3600)


@contextmanager
def exclusive(key: str) -> Iterator[None]:
    """Hold a lock named `key` across every worker on every machine while the job runs.

    PostgreSQL's advisory lock, on its own connection so the job's commits do not release it.
    SQLite serialises writers by itself and serves one machine only.
    """
    engine = db.engine
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        lock_id = zlib.crc32(key.encode()) & 0x7FFFFFFF
        got = conn.scalar(sa.select(sa.func.pg_try_advisory_lock(_LOCK_SPACE, lock_id)))
        conn.commit()
        if not got:
            raise JobBusy(f"another run holds the lock {key!r}")
        try:
            yield
        finally:
            conn.execute(sa.select(sa.func.pg_advisory_unlock(_LOCK_SPACE, lock_id)))
            conn.commit()


def _claim(run_id: int | None, name: str, params: dict, request) -> JobRun:
    run = db.session.get(JobRun, run_id) if run_id else None
    if run is None:  # sent by the scheduler, which keeps no rows
        run = JobRun(name=name, params=params)
        db.session.add(run)
    run.status = JobStatus.RUNNING
    run.attempts = (run.attempts or 0) + 1
    run.started_at = utcnow()
    run.finished_at = None
    run.worker = "in-process" if request.is_eager else str(request.hostname or "")[:128]
    db.session.commit()
    return run


def task_body(name: str):
    def body(task, run_id: int | None = None, **params):
        from app.jobs.registry import JOBS

        job = JOBS[name]
        run = _claim(run_id, name, params, task.request)
        try:
            with exclusive(job.lock.format(**params)):
                result = job.run(**params)
        except Exception as exc:
            db.session.rollback()
            run = db.session.get(JobRun, run.id)
            run.error = "".join(traceback.format_exception(exc))[-4000:]
            if task.request.retries < task.max_retries:
                run.status = JobStatus.QUEUED
                db.session.commit()
                log.warning("job %s (run %s) failed, retrying: %s", name, run.id, exc)
                raise task.retry(
                    exc=exc,
                    countdown=backoff(task.request.retries),
                    kwargs={"run_id": run.id, **params},
                ) from exc
            run.status = JobStatus.FAILED
            run.finished_at = utcnow()
            db.session.commit()
            log.error("job %s (run %s) failed for good: %s", name, run.id, exc)
            raise
        run.status = JobStatus.SUCCEEDED
        run.result = result or {}
        run.error = ""
        run.finished_at = utcnow()
        if run_id is None:  # a scheduled run: keep the table to what an admin reads
            prune()
        db.session.commit()
        log.info("job %s (run %s) done: %s", name, run.id, run.result)
        return run.result

    body.__name__ = body.__qualname__ = name.replace(".", "_")
    return body


def prune() -> None:
    """Succeeded runs older than JOB_RUNS_KEEP_DAYS go; failed ones stay until retried."""
    cutoff = utcnow() - timedelta(days=current_app.config["JOB_RUNS_KEEP_DAYS"])
    db.session.execute(
        sa.delete(JobRun).where(JobRun.status == JobStatus.SUCCEEDED, JobRun.created_at < cutoff)
    )


def enqueue(name: str, **params) -> JobRun:
    """Record a run and hand it to the queue (or run it now, without Redis)."""
    run = JobRun(name=name, params=params, status=JobStatus.QUEUED)
    db.session.add(run)
    db.session.commit()
    _dispatch(run)
    return run


def retry(run: JobRun) -> JobRun:
    """The admin's retry button: the failed run goes back to the queue."""
    run.status = JobStatus.QUEUED
    run.finished_at = None
    db.session.commit()
    _dispatch(run)
    return run


def _dispatch(run: JobRun) -> None:
    task = current_app.extensions["celery"].tasks[run.name]
    try:
        task.apply_async(kwargs={"run_id": run.id, **run.params})
    except Exception as exc:  # the broker is down: the request goes on, the run shows why
        log.warning("job %s (run %s) could not be queued: %s", run.name, run.id, exc)
        db.session.rollback()
        run = db.session.get(JobRun, run.id)
        run.status = JobStatus.FAILED
        run.error = f"The queue could not be reached: {exc}"
        run.finished_at = utcnow()
        db.session.commit()
    else:
        db.session.refresh(run)
