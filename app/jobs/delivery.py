"""Notification delivery: each notification passes once through every delivery channel.

The notification row itself is the in-app channel. Other channels (e-mail, SMS: issue 18)
register a function here; the delivery job calls each once per notification and then
marks the notification delivered, so a repeated or retried run sends nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from app.models import Notification, db
from app.models.base import utcnow

Channel = Callable[[Notification], None]
CHANNELS: list[Channel] = []
BATCH = 500


def register_channel(channel: Channel) -> Channel:
    if channel not in CHANNELS:
        CHANNELS.append(channel)
    return channel


def deliver_pending(batch: int = BATCH) -> int:
    """Deliver notifications not delivered yet, a batch at a time; returns how many."""
    delivered = 0
    while True:
        # SKIP LOCKED: two workers sweeping at once share the rows instead of both sending them.
        notes = list(
            db.session.scalars(
                sa.select(Notification)
                .where(Notification.delivered_at.is_(None))
                .order_by(Notification.id)
                .limit(batch)
                .with_for_update(skip_locked=True)
            )
        )
        if not notes:
            return delivered
        for note in notes:
            for channel in CHANNELS:
                channel(note)
            note.delivered_at = utcnow()
        db.session.commit()
        delivered += len(notes)
