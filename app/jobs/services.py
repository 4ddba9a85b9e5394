"""What the jobs page reads and does."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort

from app.jobs.runner import enqueue, retry
from app.models import JobRun, JobStatus, db

RECENT = 50

__all__ = ["counts", "enqueue", "get_failed_or_404", "recent", "retry"]


def counts() -> dict[JobStatus, int]:
    rows = dict(
        db.session.execute(sa.select(JobRun.status, sa.func.count()).group_by(JobRun.status)).all()
    )
    return {status: rows.get(status, 0) for status in JobStatus}


def recent(status: JobStatus | None = None, limit: int = RECENT) -> list[JobRun]:
    stmt = sa.select(JobRun).order_by(JobRun.id.desc()).limit(limit)
    if status is not None:
        stmt = stmt.where(JobRun.status == status)
    return list(db.session.scalars(stmt))


def get_failed_or_404(run_id: int) -> JobRun:
    run = db.session.get(JobRun, run_id)
    if run is None or run.status is not JobStatus.FAILED:
        abort(404)
    return run
