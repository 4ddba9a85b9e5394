"""Financing needs: drafting, posting, editing, withdrawing, expiry; one lifecycle for web and API."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from app import clock
from app.audit import record, transition
from app.concurrency import guard_stale, lock
from app.errors import FieldErrors, StaleObject, WrongState
from app.formatting import exact_wan, to_the_fen, wan_to_yuan
from app.models import NEED_TRANSITIONS, Enterprise, Need, User, db
from app.models.base import utcnow
from app.models.enums import Collateral, EngagementClosure, Guarantee, NeedStatus, Purpose, Role
from app.regions.scope import sees_enterprise, where_enterprise

MAX_AMOUNT_WAN = Decimal("100000")
MAX_RATE = Decimal("36")
SECURED = frozenset({Guarantee.MORTGAGE, Guarantee.PLEDGE})

STALE = _l(
    "Someone changed this need while you were editing it. Reload the page to see the latest version, then make your change again."
)


@dataclass
class NeedInput:
    amount_wan: Decimal | None
    term_months: int | None
    purpose: Purpose | None
    guarantees: set[Guarantee] = field(default_factory=set)
    collateral: set[Collateral] = field(default_factory=set)
    max_rate: Decimal | None = None
    needed_by: date | None = None
    description: str = ""

    @classmethod
    def from_need(cls, need: Need) -> NeedInput:
        return cls(
            amount_wan=exact_wan(need.amount),
            term_months=need.term_months,
            purpose=need.purpose,
            guarantees=set(need.guarantees),
            collateral=set(need.collateral),
            max_rate=need.max_rate,
            needed_by=need.needed_by,
            description=need.description,
        )


def check_amount_and_term(
    errors: FieldErrors, amount_wan: Decimal | None, term_months: int | None
) -> None:
    """The amount and term any financing need must have, wherever it is recorded."""
    if amount_wan is None:
        errors.add("amount_wan", _l("Enter the amount in 万元."))
    elif not Decimal(0) < amount_wan <= MAX_AMOUNT_WAN:
        errors.add("amount_wan", _l("The amount must be more than 0 and at most 100,000 万元."))
    elif not to_the_fen(amount_wan):
        errors.add("amount_wan", _l("Amounts go to the fen at most (six decimals in 万元)."))
    if term_months is None:
        errors.add("term_months", _l("Enter the term in months."))
    elif not 1 <= term_months <= 360:
        errors.add("term_months", _l("The term must be between 1 and 360 months."))


def check(data: NeedInput, today: date) -> None:
    errors = FieldErrors()
    check_amount_and_term(errors, data.amount_wan, data.term_months)
    if data.purpose is None:
        errors.add("purpose", _l("Choose what the money is for."))
    if not data.guarantees:
        errors.add("guarantees", _l("Choose at least one guarantee method you can offer."))
    elif data.guarantees & SECURED and not data.collateral:
        errors.add("collateral", _l("A mortgage or pledge needs the collateral you can offer."))
    if data.max_rate is None:
        errors.add("max_rate", _l("Enter the highest annual rate you accept, in percent."))
    elif not Decimal(0) < data.max_rate <= MAX_RATE:
        errors.add("max_rate", _l("The rate must be more than 0 and at most 36%."))
    elif data.max_rate != data.max_rate.quantize(Decimal("0.01")):
        errors.add("max_rate", _l("Use at most two decimals."))
    if data.needed_by is None:
        errors.add("needed_by", _l("Enter the date you need the money by."))
    elif data.needed_by < today:
        errors.add("needed_by", _l("The date cannot be in the past."))
    if len(data.description or "") > 2000:
        errors.add("description", _l("At most 2000 characters."))
    errors.raise_if_any()


def _values(data: NeedInput) -> dict:
    guarantees = frozenset(data.guarantees)
    return {
        "amount": wan_to_yuan(data.amount_wan),
        "term_months": data.term_months,
        "purpose": data.purpose,
        "guarantees": guarantees,
        "collateral": frozenset(data.collateral) if guarantees & SECURED else frozenset(),
        "max_rate": data.max_rate,
        "needed_by": data.needed_by,
        "description": (data.description or "").strip(),
    }


def why_not_editable(need: Need) -> str | None:
    if need.editable:
        return None
    if need.status in (NeedStatus.SIGNED, NeedStatus.FUNDED):
        return str(
            _l(
                "An intent agreement has been signed on this need, so its terms are fixed. Post a new need for other terms."
            )
        )
    if need.status is NeedStatus.EXPIRED:
        return str(
            _l(
                "The date you needed the money by has passed. Post a new need if you still need financing."
            )
        )
    return str(_l("This need was withdrawn and can no longer be changed."))


def why_waiting(need: Need) -> str | None:
    """Why a need does not reach banks yet, in words the enterprise understands."""
    enterprise = need.enterprise
    if need.status is NeedStatus.DRAFT and not enterprise.is_verified:
        return str(
            _l(
                "Your enterprise is not verified yet. The need stays a draft until an official verifies your enterprise; then you can post it."
            )
        )
    if need.status is NeedStatus.DRAFT:
        return str(_l("This need is a draft: post it to have it matched and sent to banks."))
    return None


def create(
    enterprise: Enterprise, data: NeedInput, actor: User, *, post: bool, today: date | None = None
) -> Need:
    today = today or clock.today()
    check(data, today)
    need = Need(enterprise=enterprise, status=NeedStatus.DRAFT, **_values(data))
    db.session.add(need)
    db.session.flush()
    record(actor, "need_created", need, new_status=NeedStatus.DRAFT)
    if post:
        _post(need, actor)
        _refresh(need, actor)
    db.session.commit()
    return need


def _refresh(need: Need, actor: User | None) -> None:
    """Matches follow every change of a need at once; an open need then reaches its banks."""
    from app.engagements.services import route
    from app.matches.services import recompute_need

    recompute_need(need)
    route(need, actor)


def _post(need: Need, actor: User) -> None:
    if not need.enterprise.is_verified:
        raise WrongState(
            _l(
                "Your enterprise is not verified yet. The need stays a draft until an official verifies your enterprise; then you can post it."
            )
        )
    transition(need, NEED_TRANSITIONS, NeedStatus.OPEN, actor)
    need.posted_at = utcnow()


@guard_stale(STALE)
def post(need: Need, actor: User, version: int | None = None) -> Need:
    _check_version(need, version)
    _post(need, actor)
    _refresh(need, actor)
    return _commit(need)


@guard_stale(STALE)
def update(
    need: Need, data: NeedInput, actor: User, version: int | None, *, today: date | None = None
) -> dict:
    _check_version(need, version)
    reason = why_not_editable(need)
    if reason:
        raise WrongState(reason)
    check(data, today or clock.today())
    changes = {}
    for key, value in _values(data).items():
        if getattr(need, key) != value:
            changes[key] = value
            setattr(need, key, value)
    if changes:
        record(actor, "need_edited", need, changes=changes)
        _refresh(need, actor)
    _commit(need)
    return changes


@guard_stale(STALE)
def withdraw(need: Need, actor: User, version: int | None = None) -> Need:
    """One click, no penalty, any time before the money is paid; live engagements close with it."""
    from app.engagements.closing import close_for_need

    need = lock(Need, need.id)
    _check_version(need, version)
    transition(need, NEED_TRANSITIONS, NeedStatus.WITHDRAWN, actor)
    need.closed_at = utcnow()
    close_for_need(need, EngagementClosure.NEED_WITHDRAWN, actor)
    _refresh(need, actor)
    return _commit(need)


EXPIRING = (NeedStatus.OPEN, NeedStatus.IN_TALKS)


def expire_past_due(today: date | None = None) -> int:
    """Needs whose needed-by date has passed with nothing signed become expired, one locked
    need per transaction; their engagements close without penalty. Safe to repeat, and safe
    beside users acting on the same needs."""
    from app.engagements.closing import close_for_need

    today = today or clock.today()
    due = list(
        db.session.scalars(
            sa.select(Need.id).where(Need.status.in_(EXPIRING), Need.needed_by < today)
        )
    )
    count = 0
    for need_id in due:
        need = lock(Need, need_id)
        if need.status not in EXPIRING or need.needed_by >= today:
            db.session.rollback()
            continue
        transition(need, NEED_TRANSITIONS, NeedStatus.EXPIRED, None, note="needed-by date passed")
        need.closed_at = utcnow()
        close_for_need(need, EngagementClosure.NEED_EXPIRED, None)
        _refresh(need, None)
        db.session.commit()
        count += 1
    return count


def _check_version(need: Need, version: int | None) -> None:
    if version is not None and version != need.version:
        raise StaleObject(
            _l(
                "Someone changed this need while you were editing it. Reload the page to see the latest version, then make your change again."
            )
        )


def _commit(need: Need) -> Need:
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise StaleObject(
            _l(
                "Someone changed this need while you were editing it. Reload the page to see the latest version, then make your change again."
            )
        ) from None
    return need


def get_for(user: User, need_id: int) -> Need | None:
    """The need if `user` may see it: its own enterprise's users, officials and admins."""
    oversight = user.role in (Role.OFFICIAL, Role.ADMIN)
    # An official sees it by its enterprise's place: the three read in one statement.
    need = db.session.get(Need, need_id, options=_WITH_PLACE if oversight else ())
    return need if need is not None and may_see(user, need.enterprise_id) else None


def may_see(user: User, enterprise_id: int) -> bool:
    """Whether `user` may see the needs of the enterprise `enterprise_id` (as `get_for`)."""
    if user.role in (Role.OFFICIAL, Role.ADMIN):
        return sees_enterprise(user, db.session.get(Enterprise, enterprise_id))
    return user.role is Role.ENTERPRISE and enterprise_id == user.enterprise_id


@dataclass(frozen=True)
class NeedHead:
    """What the need page is kept by: the need's id, owner and version and the fingerprint
    of its stored matches, read without loading the need itself."""

    id: int
    enterprise_id: int
    version: int
    match_fingerprint: str


_WITH_PLACE = (sa.orm.joinedload(Need.enterprise).joinedload(Enterprise.region),)


@functools.cache
def _need_head() -> sa.Select:
    """Built once: a statement keeps its cache key (working it out costs as much as the read)."""
    from app.matches.services import fingerprint_columns

    return sa.select(
        Need.id, Need.enterprise_id, Need.version, *fingerprint_columns(Need.id)
    ).where(Need.id == sa.bindparam("need_id"))


def head_for(user: User, need_id: int) -> NeedHead | None:
    """The need's head if `user` may see the need (`get_for`'s rule), in one round trip."""
    from app.matches.services import fingerprint

    found = db.session.execute(_need_head(), {"need_id": need_id}).first()
    if found is None or not may_see(user, found.enterprise_id):
        return None
    return NeedHead(found.id, found.enterprise_id, found.version, fingerprint(*found[3:]))


@dataclass(frozen=True)
class NeedListing:
    items: list[Need]
    total: int
    page: int
    pages: int


def list_for(
    user: User, statuses: list[NeedStatus] | None, page: int, per_page: int = 20
) -> NeedListing:
    stmt = sa.select(Need)
    if user.role is Role.ENTERPRISE:
        stmt = stmt.where(Need.enterprise_id == user.enterprise_id)
    stmt = stmt.where(*where_enterprise(user, Need.enterprise_id))
    if statuses:
        stmt = stmt.where(Need.status.in_(statuses))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    items = list(
        db.session.scalars(
            stmt.options(sa.orm.joinedload(Need.enterprise))
            .order_by(Need.created_at.desc(), Need.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    return NeedListing(items, total, page, pages)
