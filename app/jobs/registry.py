"""The jobs the platform runs in the background: what each calls and how often it repeats."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Job:
    run: Callable[..., dict]
    label: object
    lock: str  # runs sharing a lock key never overlap, on any machine ({param} from params)
    every_setting: str | None = None  # the setting holding the period, for the scheduler


def overdue_and_expiry() -> dict:
    """Need expiry, overdue marking and re-routing, ended products' matches dropped, old
    form tokens forgotten: what `flask engagements tick` runs."""
    from dataclasses import asdict

    from app.engagements.scheduled import tick

    return asdict(tick())


def rebuild() -> dict:
    """Every open need against every product (also after a weight change): the needs are
    cut into chunks, each a job of its own that any worker may take."""
    from app.matches.rebuild import start

    return start()


def rebuild_chunk(rebuild: int, chunk: int) -> dict:
    from app.matches.rebuild import run_chunk

    return run_chunk(rebuild=rebuild, chunk=chunk)


def rebuild_finish(rebuild: int) -> dict:
    from app.matches.rebuild import finish

    return finish(rebuild=rebuild)


def product_rematch(product_id: int) -> dict:
    """A product published, edited or retired reaches the needs it enters or leaves."""
    from app.matches.services import rematch_product

    return rematch_product(product_id)


def needs_rematch() -> dict:
    """Lists and subsidy programmes changed: the needs they reach, on the products they
    cover, every waiting request in one pass."""
    from app.matches.narrow import run_pending

    return run_pending()


def follow_calendar() -> dict:
    """Programmes starting or ending, lists held from or until a date, firms coming of age:
    the needs such a day changes are rematched once, the days missed caught up."""
    from app.matches.calendar import follow

    return follow()


def rollup_rebuild() -> dict:
    """The mechanism's roll-up recomputed from the facts, after regions moved or merged."""
    import time

    from app.coordination.rollup import rebuild

    cpu = time.process_time()
    rebuild()
    return {"cpu_seconds": round(time.process_time() - cpu, 3)}


def deliver_notifications() -> dict:
    from app.jobs.delivery import deliver_pending

    return {"delivered": deliver_pending()}


def renewal_reminders() -> dict:
    """Reminders to banks and businesses of loans maturing soon (续贷), once per maturity."""
    from app.coordination.feedback import send_renewal_reminders

    return {"reminded": send_renewal_reminders()}


def deliver_webhooks() -> dict:
    """Signed webhook deliveries that are due, first tries and retries alike (issue 21)."""
    from app.webhooks.delivery import deliver_due

    return {"attempted": deliver_due()}


def send_code(user_id: int, purpose: str, channel: str, target: str = "") -> dict:
    """A password-reset link or code, or a mobile confirmation code, sent to one user."""
    from app.accounts.services import send_code as send

    return send(user_id, purpose, channel, target)


def send_authorisation_link(link_id: int) -> dict:
    """The one-time link by which a visited business authorises sharing its data (issue 16)."""
    from app.coordination.consent import send_link

    return send_link(link_id)


JOBS: dict[str, Job] = {
    "engagements.tick": Job(
        overdue_and_expiry,
        _l("Overdue responses and expired needs"),
        lock="engagements",
        every_setting="JOB_TICK_SECONDS",
    ),
    "matches.rescore": Job(rebuild, _l("Rescore every open need"), lock="matches.rebuild"),
    "matches.rebuild": Job(rebuild, _l("Rebuild every match"), lock="matches.rebuild"),
    "matches.rebuild_chunk": Job(
        rebuild_chunk, _l("Rebuild a chunk of needs' matches"), lock="matches.chunk:{chunk}"
    ),
    "matches.rebuild_finish": Job(
        rebuild_finish, _l("Put a rebuild's matches in place"), lock="matches.finish"
    ),
    # One product's change at a time: two of them may touch the same needs' rows.
    "matches.product": Job(
        product_rematch, _l("Rematch a changed product"), lock="matches.product"
    ),
    # The same lock: both rewrite the rows of needs the other may be rewriting.
    "matches.needs": Job(
        needs_rematch, _l("Rematch needs after a list or programme change"), lock="matches.product"
    ),
    # Its own lock: it only writes requests, which `matches.needs` takes under its lock.
    "matches.calendar": Job(
        follow_calendar,
        _l("Rematch needs a passing date changes"),
        lock="matches.calendar",
        every_setting="JOB_CALENDAR_SECONDS",
    ),
    "coordination.rollup": Job(
        rollup_rebuild, _l("Rebuild the mechanism's roll-up"), lock="coordination.rollup"
    ),
    "notifications.deliver": Job(
        deliver_notifications,
        _l("Deliver notifications"),
        lock="notifications",
        every_setting="JOB_DELIVERY_SECONDS",
    ),
    "coordination.remind": Job(
        renewal_reminders,
        _l("Renewal reminders"),
        lock="renewals",
        every_setting="JOB_REMINDER_SECONDS",
    ),
    "webhooks.deliver": Job(
        deliver_webhooks,
        _l("Deliver webhooks"),
        lock="webhooks",
        every_setting="WEBHOOK_DELIVERY_SECONDS",
    ),
    "accounts.send_code": Job(send_code, _l("Send a one-time code"), lock="codes"),
    "coordination.send_authorisation_link": Job(
        send_authorisation_link, _l("Send an authorisation link by SMS"), lock="codes"
    ),
}
