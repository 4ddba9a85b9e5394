"""What is worked out from the division tree, and how it follows a 区划调整.

Read afresh or kept per version, nothing to do after a change made through the session:
the summary's kept facts (an agreement's region at signing is a code; its subtree is read
when counted), official and coordinator scopes and region filters (path prefixes), the
region paths and names kept per worker (`services.places`, per catalogue version) and the
engine's vocabulary (per catalogue version). The versions move at the import's flush.

Stored with the tree as it was when they were written, so recomputed by the job queue once
the change is committed:
- the mechanism's roll-up (`coordination/rollup.py`), whose rows are keyed by the regions
  above the region each fact counts in now (a merged region's successor: `counting_path`):
  after a move or a merge (`coordination.rollup`);
- the kept matches, whose region verdict follows the need's place up the tree to the
  products' regions: after a move (`matches.rebuild`).
The branches' tree (`branches.arrange`) is put right in the import's own transaction.

Until a roll-up job has run (one that failed included, until it is retried), the
mechanism's report counts from the facts (`rollup_pending`), so no figure is read from rows
made for the old tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app.models import JobRun, JobStatus, MatchRebuild, db

ROLLUP_JOB = "coordination.rollup"
MATCH_JOB = "matches.rebuild"
WAITING = (JobStatus.QUEUED, JobStatus.RUNNING)
UNDONE = (*WAITING, JobStatus.FAILED)
# A rebuild of the matches is its first job, then its chunks' and its finish's.
JOBS = (ROLLUP_JOB, MATCH_JOB, "matches.rebuild_chunk", "matches.rebuild_finish")


def after_change(*, moved: bool, merged: bool) -> list[JobRun]:
    """Queue what a committed change of the tree left stale: regions moved change every
    figure keyed by an ancestor and every region verdict; a merge changes where the merged
    region's figures by bank count. Adding, renaming or retiring without a successor
    changes no stored figure."""
    jobs = []
    if moved or merged:
        jobs.append(_queue_once(ROLLUP_JOB))
    if moved:
        jobs.append(_queue_once(MATCH_JOB))
    return jobs


def _queue_once(name: str) -> JobRun:
    """A run not yet started reads the tree as it is when it starts, so a second change
    before then needs no second run."""
    from app.jobs.runner import enqueue

    waiting = db.session.scalar(
        sa.select(JobRun)
        .where(JobRun.name == name, JobRun.status == JobStatus.QUEUED)
        .order_by(JobRun.id.desc())
        .limit(1)
    )
    return waiting if waiting is not None else enqueue(name)


def _unfinished(names: tuple[str, ...]) -> JobStatus | None:
    """The status of the latest run of `names` that is queued, running or failed, unless one
    succeeded after it (None: every run asked for has been done)."""
    latest = db.session.execute(
        sa.select(JobRun.id, JobRun.status)
        .where(JobRun.status.in_(UNDONE), JobRun.name.in_(names))
        .order_by(JobRun.id.desc())
        .limit(1)
    ).first()
    if latest is None:
        return None
    later = db.session.scalar(
        sa.select(JobRun.id)
        .where(
            JobRun.id > latest.id,
            JobRun.name.in_(names),
            JobRun.status == JobStatus.SUCCEEDED,
        )
        .limit(1)
    )
    return latest.status if later is None else None


def rollup_pending() -> bool:
    """Whether the roll-up may have been made for an older tree: its rebuild is queued,
    running, or failed with none done since (an admin retries it at /admin/jobs/)."""
    return _unfinished((ROLLUP_JOB,)) is not None


@dataclass(frozen=True)
class Recomputation:
    pending: bool
    failed: bool
    done_at: datetime | None  # when the last one finished


def recomputation() -> Recomputation | None:
    """What the admin's regions page says of the figures worked out from the tree (None:
    nothing was ever recomputed)."""
    states = {_unfinished((name,)) for name in JOBS}
    done = db.session.scalar(
        sa.select(sa.func.max(JobRun.finished_at)).where(
            JobRun.name == ROLLUP_JOB, JobRun.status == JobStatus.SUCCEEDED
        )
    )
    if done is None and states == {None}:
        return None
    from app.matches.rebuild import FINISHED

    rebuilt = db.session.scalar(
        sa.select(sa.func.max(MatchRebuild.finished_at)).where(MatchRebuild.status == FINISHED)
    )
    if done is not None and rebuilt is not None:
        done = max(done, rebuilt)
    return Recomputation(any(s in WAITING for s in states), JobStatus.FAILED in states, done)
