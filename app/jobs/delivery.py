"""Notification delivery: each notification passes once through every delivery channel.

The notification row itself is the in-app channel. Other channels (e-mail, SMS: issue 18)
register a function here; the delivery job calls each once per notification and then
marks the notification delivered, so a repeated or retried run sends nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import sqlalchemy as sa

from app.models import Notification, db
from app.models.base import utcnow

Channel = Callable[[Notification], None]
CHANNELS: list[Channel] = []
BATCH = 500
log = logging.getLogger("rongqiao.delivery")


class DeliveryFailed(RuntimeError):
    """Some notifications could not be sent; the job is retried and sends only those."""


def register_channel(channel: Channel) -> Channel:
    if channel not in CHANNELS:
        CHANNELS.append(channel)
    return channel


def deliver_pending(batch: int = BATCH) -> int:
    """Deliver notifications not delivered yet, a batch at a time; returns how many. A
    notification a channel fails on is left undelivered (the others go on) and the run
    raises at the end, so the job's retry tries it again."""
    delivered = 0
    failed: list[int] = []
    while True:
        # SKIP LOCKED: two workers sweeping at once share the rows instead of both sending them.
        notes = list(
            db.session.scalars(
                sa.select(Notification)
                .where(Notification.delivered_at.is_(None), Notification.id.not_in(failed))
                .order_by(Notification.id)
                .limit(batch)
                .with_for_update(skip_locked=True)
            )
        )
        if not notes:
            break
        for note in notes:
            note_id = note.id
            try:
                for channel in CHANNELS:
                    channel(note)
                note.delivered_at = utcnow()
                db.session.commit()
            except Exception as exc:  # any channel's failure: keep going, retry it later
                db.session.rollback()
                log.warning("notification %s not delivered: %s", note_id, exc)
                failed.append(note_id)
            else:
                delivered += 1
    if failed:
        raise DeliveryFailed(f"{len(failed)} notifications not delivered, first {failed[0]}")
    return delivered
