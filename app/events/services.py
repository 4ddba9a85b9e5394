"""Matchmaking events (融资对接会): officials run them, enterprises bring needs, banks sign."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import clock
from app.audit import record
from app.errors import FieldErrors, NotAllowed, ValidationFailed, WrongState
from app.models import Agreement, Bank, Event, EventParticipant, Need, Region, User, db, event_banks
from app.models.enums import NeedStatus, Role
from app.regions.scope import sees, where_region
from app.reports.filters import Filters
from app.reports.headline import EVENT, Headline, headline


@dataclass
class EventInput:
    title: str
    held_on: date | None
    venue: str
    region_code: str
    organiser: str
    description: str
    bank_ids: list[int]


def list_events(user: User | None = None) -> list[Event]:
    """Every event; an official with a home region sees that region's subtree."""
    mine = where_region(user, Event.region_code) if user is not None else []
    return list(
        db.session.scalars(
            sa.select(Event).where(*mine).order_by(Event.held_on.desc(), Event.id.desc())
        )
    )


def events_for_bank(bank_id: int) -> list[Event]:
    return list(
        db.session.scalars(
            sa.select(Event)
            .join(event_banks, event_banks.c.event_id == Event.id)
            .where(event_banks.c.bank_id == bank_id)
            .order_by(Event.held_on.desc())
        )
    )


def save(data: EventInput, actor: User, event: Event | None = None) -> Event:
    errors = FieldErrors()
    if not (data.title or "").strip():
        errors.add("title", _l("Enter the title."))
    if data.held_on is None:
        errors.add("held_on", _l("Enter the date."))
    region = db.session.get(Region, data.region_code or "")
    if region is None or not sees(actor, region.code):
        errors.add("region_code", _l("Choose the town or county from the list."))
    banks = list(db.session.scalars(sa.select(Bank).where(Bank.id.in_(data.bank_ids or [0]))))
    if len(banks) != len(set(data.bank_ids or [])):
        errors.add("bank_ids", _l("Choose banks from the list."))
    errors.raise_if_any()
    created = event is None
    event = event or Event(created_by_id=actor.id)
    event.title = data.title.strip()
    event.held_on = data.held_on
    event.venue = (data.venue or "").strip()
    event.region_code = data.region_code
    event.organiser = (data.organiser or "").strip()
    event.description = (data.description or "").strip()
    event.banks = banks
    db.session.add(event)
    db.session.flush()
    record(actor, "event_created" if created else "event_edited", event)
    db.session.commit()
    return event


def sign_up(event: Event, user: User, need_ids: list[int], *, today: date | None = None) -> None:
    """A verified enterprise signs up and chooses the open needs it brings."""
    if user.role is not Role.ENTERPRISE:
        raise NotAllowed(_l("Only enterprises sign up for events."))
    enterprise = user.enterprise
    if not enterprise.is_verified:
        raise WrongState(_l("Only verified enterprises can sign up."))
    if event.held_on < (today or clock.today()):
        raise WrongState(_l("This event has already taken place."))
    needs = list(db.session.scalars(sa.select(Need).where(Need.id.in_(need_ids or [0]))))
    if not needs or any(
        n.enterprise_id != enterprise.id or n.status not in (NeedStatus.OPEN, NeedStatus.IN_TALKS)
        for n in needs
    ):
        raise ValidationFailed(_l("Choose at least one of your open needs."), field="need_ids")
    if db.session.get(EventParticipant, (event.id, enterprise.id)) is None:
        db.session.add(EventParticipant(event_id=event.id, enterprise_id=enterprise.id))
    for need in needs:
        if need not in event.needs:
            event.needs.append(need)
    record(user, "event_signed_up", event, changes={"needs": [n.id for n in needs]})
    db.session.commit()


@dataclass(frozen=True)
class EventSummary:
    participants: int
    needs: int
    headline: Headline

    @property
    def enterprises(self) -> int:
        return self.headline.counted.enterprises

    @property
    def banks(self) -> int:
        return self.headline.counted.banks

    @property
    def agreements(self) -> int:
        return self.headline.counted.agreements

    @property
    def amount(self) -> Decimal:
        return self.headline.counted.total_amount

    @property
    def disbursed(self) -> Decimal:
        return self.headline.disbursed

    @property
    def unconfirmed(self) -> int:
        return self.headline.unconfirmed

    @property
    def landing_rate(self) -> Decimal | None:
        return self.headline.landing_rate

    def sentence(self, language: str = "zh") -> str:
        return self.headline.text(language)


def summary(event: Event, *, today: date | None = None) -> EventSummary:
    """What was signed at the event, counted by the headline's rules as of today."""
    participants = (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(EventParticipant)
            .where(EventParticipant.event_id == event.id)
        )
        or 0
    )
    return EventSummary(
        participants,
        len(event.needs),
        headline(Filters(event_id=event.id), today=today, scope=EVENT),
    )


def agreements_of(event: Event) -> list[Agreement]:
    return list(
        db.session.scalars(
            sa.select(Agreement)
            .where(Agreement.event_id == event.id)
            .order_by(Agreement.signed_on, Agreement.id)
        )
    )


def can_see_needs(user: User, event: Event) -> bool:
    if user.role in (Role.OFFICIAL, Role.ADMIN):
        return True
    return user.role in (Role.BANK_OFFICER, Role.BANK_MANAGER) and any(
        b.id == user.bank_id for b in event.banks
    )
