"""What the officials' figures are filtered by, how each filter reads in words, and the one
rule for which agreements count as of a day."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from app import clock
from app.models import (
    Agreement,
    Bank,
    Enterprise,
    Event,
    Industry,
    Region,
    User,
    db,
)
from app.models.enums import BankType, EnterpriseSize, Role
from app.reference.industries import SECTIONS
from app.regions import services as region_services
from app.regions.branches import visible_branch_ids

SECTION_CODES = frozenset(code for code, _zh, _en in SECTIONS)


@dataclass(frozen=True)
class Filters:
    date_from: date | None = None
    date_to: date | None = None
    region: str = ""
    bank_id: int | None = None
    bank_type: BankType | None = None
    industry: str = ""  # GB/T 4754 section letter
    size: EnterpriseSize | None = None
    event_id: int | None = None
    first_loan: bool = False
    # A bank manager below the bank's top sees their branch's subtree (not a URL filter).
    branches: tuple[int, ...] = ()

    def as_args(self) -> dict[str, str]:
        args = {
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "region": self.region,
            "bank": str(self.bank_id or ""),
            "bank_type": self.bank_type.value if self.bank_type else "",
            "industry": self.industry,
            "size": self.size.value if self.size else "",
            "event": str(self.event_id or ""),
            "first_loan": "1" if self.first_loan else "",
        }
        return {k: v for k, v in args.items() if v}

    def as_of(self, today: date | None = None) -> date:
        """The day the figures are counted to: the end of the window, never after today."""
        today = today or clock.today()
        return min(self.date_to, today) if self.date_to else today

    def cumulative(self) -> Filters:
        """The same filters without the window's start."""
        return replace(self, date_from=None)

    def file_stem(self, name: str, today: date | None = None) -> str:
        """A file name carrying the day and every filter, in ASCII: summary-2026-11-30-bank3."""
        parts = [name]
        if self.date_from:
            parts.append(f"{self.date_from.isoformat()}_to")
        parts.append(self.as_of(today).isoformat())
        for key, value in self.as_args().items():
            if key not in ("from", "to"):
                parts.append(f"{key}{value}" if key != "first_loan" else "first_loan")
        return "-".join(parts)


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _int(raw: str | None) -> int | None:
    """An id from the URL; anything that cannot be one (ids are 32-bit) is no filter."""
    return int(raw) if raw and raw.isdigit() and len(raw) <= 9 else None


def filters_from(args, user: User) -> Filters:
    """Filters from the URL; a bank manager's view is always limited to its own bank."""
    bank_type = args.get("bank_type")
    size = args.get("size")
    industry = args.get("industry") or ""
    f = Filters(
        date_from=_date(args.get("from")),
        date_to=_date(args.get("to")),
        region=region_services.chosen_from(args, "region"),
        bank_id=_int(args.get("bank")),
        bank_type=BankType(bank_type) if bank_type in {t.value for t in BankType} else None,
        industry=industry.strip().upper() if industry.strip().upper() in SECTION_CODES else "",
        size=EnterpriseSize(size) if size in {s.value for s in EnterpriseSize} else None,
        event_id=_int(args.get("event")),
        first_loan=args.get("first_loan") in ("1", "on", "y", "true"),
    )
    if user.role is Role.BANK_MANAGER:
        f = replace(f, bank_id=user.bank_id, bank_type=None)
        f = replace(f, branches=tuple(visible_branch_ids(user) or ()))
    # An official sees their home region's subtree only: a region outside it becomes the home.
    home = home_region_of(user)
    if home is not None and not region_services.contains(home, f.region):
        f = replace(f, region=home.code)
    # A start after the day counted to is no window ("12月1日 至 11月30日 期间"): like an
    # unreadable date, it is dropped and the page shows the cumulative figures.
    if f.date_from is not None and f.date_from > f.as_of():
        f = f.cumulative()
    return f


def home_region_of(user: User) -> Region | None:
    """The subtree an official is limited to (None: the whole platform)."""
    from app.regions.scope import home_of

    return home_of(user)


def describe(f: Filters, language: str = "zh") -> list[str]:
    """Every active filter but the dates, in words: ["农业银行", "制造业", "小型"]."""
    en = language == "en"
    words = []
    if f.bank_id:
        bank = db.session.get(Bank, f.bank_id)
        words.append(bank.short_name if bank else f"#{f.bank_id}")
    if f.bank_type:
        words.append(str(f.bank_type.label))
    if f.region:
        region = db.session.get(Region, f.region)
        words.append(region.display_name(language) if region else f.region)
    if f.industry:
        industry = db.session.get(Industry, f.industry)
        name = (industry.name_en if en else industry.name) if industry else ""
        words.append(f"{f.industry} {name}".strip())
    if f.size:
        words.append(str(f.size.label))
    if f.event_id:
        event = db.session.get(Event, f.event_id)
        words.append(event.title if event else f"#{f.event_id}")
    if f.first_loan:
        words.append(_("first loans only"))
    return words


def day_end(d: date) -> datetime:
    """The end of a platform calendar day (Beijing time), as the first moment after it."""
    return datetime.combine(d + timedelta(days=1), time.min, tzinfo=clock.zone())


def day_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=clock.zone())


def counted_by(end: datetime):
    """Counted in the officials' figures at `end`: confirmed by the enterprise before it and not
    cancelled before it. Read from the dates, not the status, so a past day never changes."""
    return sa.and_(
        Agreement.confirmed_at.is_not(None),
        Agreement.confirmed_at < end,
        sa.or_(Agreement.cancelled_at.is_(None), Agreement.cancelled_at >= end),
    )


def awaiting_confirmation_by(end: datetime):
    """Signed but neither confirmed nor cancelled by `end`."""
    return sa.and_(
        sa.or_(Agreement.confirmed_at.is_(None), Agreement.confirmed_at >= end),
        sa.or_(Agreement.cancelled_at.is_(None), Agreement.cancelled_at >= end),
    )


def region_codes(code: str):
    """The regions whose agreements count in `code` as the regions now stand (a city includes
    its counties and towns; a merged town counts under its successor only), as a subquery on
    the regions' path index."""
    return region_services.counted_codes(code)


def in_section(column, section: str):
    """An industry code column within a GB/T 4754 section (its divisions and their classes)."""
    sections = sa.select(Industry.code).where(
        sa.or_(Industry.code == section, Industry.parent_code == section)
    )
    divisions = sa.select(Industry.code).where(Industry.parent_code.in_(sections))
    return sa.or_(column.in_(sections), column.in_(divisions))


LENDER_TYPES = tuple(t for t in BankType if t is not BankType.GUARANTEE)


def lenders() -> list[Bank]:
    """The banks the figures can be narrowed to: those that lend, retired ones included (their
    past agreements still count); a guarantee agency signs no agreement of its own."""
    return list(
        db.session.scalars(
            sa.select(Bank)
            .where(Bank.bank_type != BankType.GUARANTEE)
            .order_by(Bank.bank_type, Bank.name)
        )
    )


def agreement_where(f: Filters, as_of: date, *, window: bool = True, counted: bool = True) -> list:
    """Conditions on Agreement (joined with Bank) for the agreements counted as of `as_of`
    under `f`; the enterprise's size, industry and region are those recorded at signing."""
    conditions = [Agreement.signed_on <= as_of]
    if counted:
        conditions.append(counted_by(day_end(as_of)))
    if window and f.date_from:
        conditions.append(Agreement.signed_on >= f.date_from)
    if f.region:
        conditions.append(Agreement.enterprise_region_code.in_(region_codes(f.region)))
    if f.bank_id:
        conditions.append(Agreement.bank_id == f.bank_id)
    if f.branches:
        conditions.append(Agreement.branch_id.in_(f.branches))
    if f.bank_type:
        conditions.append(Bank.bank_type == f.bank_type)
    if f.industry:
        conditions.append(in_section(Agreement.enterprise_industry_code, f.industry))
    if f.size:
        conditions.append(Agreement.enterprise_size == f.size)
    if f.event_id:
        conditions.append(Agreement.event_id == f.event_id)
    if f.first_loan:
        conditions.append(Agreement.first_loan.is_(True))
    return conditions


def enterprise_where(f: Filters) -> list:
    """Conditions on Enterprise for figures that have no agreement to read a snapshot from
    (needs and engagements): the enterprise as it is now."""
    conditions = []
    if f.region:
        conditions.append(Enterprise.region_code.in_(region_codes(f.region)))
    if f.industry:
        conditions.append(in_section(Enterprise.industry_code, f.industry))
    if f.size:
        conditions.append(Enterprise.size == f.size)
    if f.first_loan:
        conditions.append(Enterprise.first_loan.is_(True))
    return conditions


def engagement_branches(f: Filters, column) -> list:
    """Conditions on an engagement's branch-id `column` for a manager below the bank's top:
    their branches' work, and the bank's work no branch was named for."""
    return [sa.or_(column.in_(f.branches), column.is_(None))] if f.branches else []


def agreements_with_banks(*columns):
    return sa.select(*columns).select_from(Agreement).join(Bank, Bank.id == Agreement.bank_id)
