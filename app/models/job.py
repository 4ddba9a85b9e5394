"""A run of a background job: what the admin's jobs page shows and its retry button replays."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import UTCDateTime, db, enum_column_type, utcnow
from app.models.enums import Labelled, _labels


class JobStatus(Labelled):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


_labels(
    JobStatus,
    {
        "queued": _l("Queued"),
        "running": _l("Running"),
        "succeeded": _l("Succeeded"),
        # "Failed" alone is a criterion a product fails (不符合); a run that failed is 失败.
        "failed": _lp("status", "Failed"),
    },
)


class JobRun(db.Model):
    __tablename__ = "job_runs"
    __table_args__ = (sa.Index("ix_job_runs_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status: Mapped[JobStatus] = mapped_column(enum_column_type(JobStatus), default=JobStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    result: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    worker: Mapped[str] = mapped_column(sa.String(128), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
