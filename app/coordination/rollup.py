"""The mechanism's figures rolled up per region, bank and day, written with the facts.

Every figure of the report is a count of distinct businesses, a count of recommendations
or a sum, over the facts dated within a window (or up to a date). Sums and counts add up
from days. A count of distinct businesses does not: a business visited on two days of a
window is one business. So for each business and each step the roll-up keeps, per day,
whether the business reached the step that day (`n`, summed over businesses), and for each
two consecutive days on which it did (`repeats`, keyed by both days). The businesses that
reached the step within [from, to] are then exactly

    sum of n over the days in [from, to]  -  repeats with from <= previous day and day <= to

(a business with k such days inside the window is counted k times and has k - 1 consecutive
pairs inside it). Both are sums over small indexed ranges, so the report's time no longer
grows with the facts, and a past date's figures stay as they were (the facts are dated and
final, as the report's own rules require).

Two kinds of rows, as the report counts: `r` counts a business once per region it has
facts in (the report sums regions upwards) and is stored for the region the fact counts in
now and each region above it; `b` counts a business once per bank within a scope (a city, a
province, or `*` for everything) and is stored for the cities and provinces above the region
the fact counts in, and `*`. A merged region's facts count under its successor only.
A county's or a town's figures by bank are read from the facts themselves (few rows).

The roll-up is kept by the session: before a flush touches a business's visits,
declarations, recommendations, tranches or renewals, its contribution is computed from the
facts (the business's row locked first, so two writers of one business take turns); at
commit the contribution is computed again and the difference applied. Core bulk inserts
(the roster import) call `track` themselves. `rebuild()` recomputes everything: after a
bulk load in SQL by hand, after regions moved or merged through the job queue
(`app/regions/derived.py`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from app import clock
from app.models import Enterprise, Region, db
from app.models.coordination import (
    Declaration,
    DeclarationStatus,
    MechanismRollup,
    MechanismRollupRepeat,
    Recommendation,
    RecommendationStatus,
    Renewal,
    Tranche,
    Visit,
)
from app.models.enums import RegionLevel
from app.regions import services as region_services

EVERYWHERE = "*"
BANK_LEVELS = frozenset({RegionLevel.PROVINCE, RegionLevel.CITY})
REFUSAL = "refusal:"
CHUNK = 2000
ZERO = Decimal(0)
Key = tuple  # (kind, scope, bank_id, metric, day)
PairKey = tuple  # (kind, scope, bank_id, metric, prev_day, day)


class Contribution:
    """What some businesses add to the roll-up: per key, n, amount and amount × rate."""

    def __init__(self) -> None:
        self.n: Counter = Counter()
        self.amount: Counter = Counter()
        self.rate_amount: Counter = Counter()
        self.repeats: Counter = Counter()

    def minus(self, other: Contribution) -> Contribution:
        out = Contribution()
        for name in ("n", "amount", "rate_amount", "repeats"):
            mine, theirs = getattr(self, name), getattr(other, name)
            diff = getattr(out, name)
            for key in set(mine) | set(theirs):
                value = mine.get(key, 0) - theirs.get(key, 0)
                if value:
                    diff[key] = value
        return out


# Scopes ---------------------------------------------------------------------------------


class Scopes:
    """Where a fact of a region is stored: the regions on the path it counts in now (kind r);
    the cities and provinces on that path, and `*` (kind b). A merged region's facts count
    under its successor only (`region_services.counting_path`), as every report counts."""

    def __init__(self) -> None:
        self._r: dict[str, list[str]] = {}
        self._b: dict[str, list[str]] = {}

    def load(self, codes: Iterable[str]) -> None:
        missing = sorted({c for c in codes if c not in self._r})
        for start in range(0, len(missing), 5000):
            chunk = missing[start : start + 5000]
            found = dict(
                db.session.execute(
                    sa.select(Region.code, Region.path).where(Region.code.in_(chunk))
                ).all()
            )
            paths = {
                code: _codes(region_services.counting_path(code, path))
                for code, path in found.items()
            }
            levels = self._levels(paths.values())
            for code in chunk:
                path = paths.get(code) or [code]
                self._r[code] = path
                bank = [c for c in path if levels.get(c) in BANK_LEVELS]
                self._b[code] = [*bank, EVERYWHERE]

    @staticmethod
    def _levels(paths: Iterable[list[str]]) -> dict[str, RegionLevel]:
        codes = sorted({c for p in paths for c in p})
        return dict(
            db.session.execute(
                sa.select(Region.code, Region.level).where(Region.code.in_(codes))
            ).all()
        )

    def region(self, code: str) -> list[str]:
        return self._r[code]

    def bank(self, code: str) -> list[str]:
        return self._b[code]


def _codes(path: str) -> list[str]:
    return [c for c in (path or "").split("/") if c]


# Facts → contribution (the one definition of each figure's fact) -------------------------


def contribution(enterprise_ids: Iterable[int]) -> Contribution:
    """The roll-up rows the businesses' facts make, read from the facts."""
    ids = sorted(set(enterprise_ids))
    out = Contribution()
    scopes = Scopes()
    for start in range(0, len(ids), CHUNK):
        _add_chunk(out, scopes, ids[start : start + CHUNK])
    return out


def _add_chunk(out: Contribution, scopes: Scopes, ids: list[int]) -> None:
    D, Rec = Declaration, Recommendation
    day = clock.local_date
    # (kind, unit scope, bank, metric, enterprise) -> days: a business counts once a day.
    marks: dict[tuple, set[date]] = defaultdict(set)
    adds: list[tuple[str, str, int, str, date, int, Decimal, Decimal]] = []

    visits = db.session.execute(
        sa.select(Visit.region_code, Visit.enterprise_id, Visit.visited_on, Visit.has_need).where(
            Visit.enterprise_id.in_(ids)
        )
    ).all()
    declarations = db.session.execute(
        sa.select(D.region_code, D.enterprise_id, D.declared_on, D.status, D.screened_on).where(
            D.enterprise_id.in_(ids)
        )
    ).all()
    recs = db.session.execute(
        sa.select(
            D.region_code,
            D.enterprise_id,
            Rec.bank_id,
            Rec.status,
            Rec.sent_at,
            Rec.contacted_at,
            Rec.contact_due_at,
            Rec.decided_at,
            Rec.decision_due_at,
            Rec.granted_amount,
            Rec.rate,
            Rec.credit_loan,
            Rec.refusal_reason,
        )
        .join(D, D.id == Rec.declaration_id)
        .where(D.enterprise_id.in_(ids))
    ).all()
    payments = []
    for model, on, extra in (
        (Tranche, Tranche.lent_on, sa.literal(False)),
        (Renewal, Renewal.renewed_on, Renewal.without_principal),
    ):
        payments += [
            (model, *row)
            for row in db.session.execute(
                sa.select(D.region_code, D.enterprise_id, Rec.bank_id, on, model.amount, extra)
                .select_from(model)
                .join(Rec, Rec.id == model.recommendation_id)
                .join(D, D.id == Rec.declaration_id)
                .where(D.enterprise_id.in_(ids))
            )
        ]
    scopes.load(
        {v[0] for v in visits}
        | {d[0] for d in declarations}
        | {r[0] for r in recs}
        | {p[1] for p in payments}
    )

    def mark(region: str, bank: int, metric: str, enterprise: int, on: date, *, bank_too=True):
        marks[("r", region, 0, metric, enterprise)].add(on)
        if bank_too:
            for scope in scopes.bank(region):
                marks[("b", scope, bank, metric, enterprise)].add(on)

    def add(region: str, bank: int, metric: str, on: date, n=0, amount=ZERO, rate_amount=ZERO):
        for scope in scopes.region(region):
            adds.append(("r", scope, 0, metric, on, n, amount, rate_amount))
        for scope in scopes.bank(region):
            adds.append(("b", scope, bank, metric, on, n, amount, rate_amount))

    for region, enterprise, visited_on, has_need in visits:
        mark(region, 0, "visited", enterprise, visited_on, bank_too=False)
        if has_need:
            mark(region, 0, "with_need", enterprise, visited_on, bank_too=False)
    for region, enterprise, declared_on, status, screened_on in declarations:
        mark(region, 0, "declared", enterprise, declared_on, bank_too=False)
        if status == DeclarationStatus.RECOMMENDED and screened_on is not None:
            mark(region, 0, "recommended", enterprise, screened_on, bank_too=False)
    R = RecommendationStatus
    for (
        region,
        enterprise,
        bank,
        status,
        sent_at,
        contacted_at,
        contact_due,
        decided_at,
        decision_due,
        granted,
        rate,
        credit,
        reason,
    ) in recs:
        for scope in scopes.bank(region):
            marks[("b", scope, bank, "sent", enterprise)].add(day(sent_at))
        if contacted_at is not None:
            mark(region, bank, "contacted", enterprise, day(contacted_at))
            if contacted_at <= contact_due:
                mark(region, bank, "on_time", enterprise, day(contacted_at))
        if contacted_at is None or contacted_at > contact_due:
            add(region, bank, "contact_late", day(contact_due), n=1)
        if decided_at is None or decided_at > decision_due:
            add(region, bank, "decision_late", day(decision_due), n=1)
        if decided_at is None:
            continue
        if status == R.GRANTED:
            mark(region, bank, "granted", enterprise, day(decided_at))
            amount = granted or ZERO
            add(
                region,
                bank,
                "granted",
                day(decided_at),
                amount=amount,
                rate_amount=amount * (rate or ZERO),
            )
            if credit:
                add(region, bank, "credit", day(decided_at), amount=amount)
        elif status == R.REFUSED:
            mark(region, bank, "refused", enterprise, day(decided_at))
            add(region, bank, REFUSAL + (reason.value if reason else ""), day(decided_at), n=1)
    for model, region, enterprise, bank, on, amount, no_principal in payments:
        metric = "lent" if model is Tranche else "renewed"
        mark(region, bank, metric, enterprise, on)
        add(region, bank, metric, on, amount=amount)
        if no_principal:
            mark(region, bank, "no_principal", enterprise, on)
            add(region, bank, "no_principal", on, amount=amount)

    for (kind, unit, bank, metric, _enterprise), days in marks.items():
        ordered = sorted(days)
        stored = scopes.region(unit) if kind == "r" else [unit]
        for scope in stored:
            for i, on in enumerate(ordered):
                out.n[(kind, scope, bank, metric, on)] += 1
                if i:
                    out.repeats[(kind, scope, bank, metric, ordered[i - 1], on)] += 1
    for kind, scope, bank, metric, on, n, amount, rate_amount in adds:
        key = (kind, scope, bank, metric, on)
        if n:
            out.n[key] += n
        if amount:
            out.amount[key] += amount
        if rate_amount:
            out.rate_amount[key] += rate_amount


# Applying a difference ------------------------------------------------------------------


def _upsert(table, rows: list[dict], keys: list[str], adds: list[str]) -> None:
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    for start in range(0, len(rows), 1000):
        stmt = insert(table).values(rows[start : start + 1000])
        stmt = stmt.on_conflict_do_update(
            index_elements=keys,
            set_={c: getattr(table.c, c) + getattr(stmt.excluded, c) for c in adds},
        )
        db.session.execute(stmt)


def apply(diff: Contribution) -> None:
    keys = set(diff.n) | set(diff.amount) | set(diff.rate_amount)
    rows = [
        {
            "kind": k[0],
            "scope": k[1],
            "bank_id": k[2],
            "metric": k[3],
            "day": k[4],
            "n": diff.n.get(k, 0),
            "amount": diff.amount.get(k, ZERO),
            "rate_amount": diff.rate_amount.get(k, ZERO),
        }
        for k in sorted(keys)
    ]
    table = MechanismRollup.__table__
    _upsert(
        table, rows, ["kind", "scope", "bank_id", "metric", "day"], ["n", "amount", "rate_amount"]
    )
    pairs = [
        {
            "kind": k[0],
            "scope": k[1],
            "bank_id": k[2],
            "metric": k[3],
            "prev_day": k[4],
            "day": k[5],
            "n": n,
        }
        for k, n in sorted(diff.repeats.items())
    ]
    repeat = MechanismRollupRepeat.__table__
    _upsert(repeat, pairs, ["kind", "scope", "bank_id", "metric", "prev_day", "day"], ["n"])


# Keeping it with the session --------------------------------------------------------------

BEFORE = "rollup_before"
NEW = "rollup_new"


def _enterprise_id(session: Session, obj) -> int | Enterprise | None:
    if isinstance(obj, Visit | Declaration):
        return obj.enterprise_id or obj.enterprise
    if isinstance(obj, Recommendation):
        declaration = obj.declaration or session.get(Declaration, obj.declaration_id)
        return declaration.enterprise_id or declaration.enterprise
    if isinstance(obj, Tranche | Renewal):
        rec = session.get(Recommendation, obj.recommendation_id)
        return rec.declaration.enterprise_id if rec is not None else None
    return None


def track(enterprise_ids: Iterable[int], session: Session | None = None) -> None:
    """Note the businesses' contribution before their facts change (the caller writes next)."""
    session = session or db.session
    before: dict[int, Contribution] = session.info.setdefault(BEFORE, {})
    fresh = sorted({i for i in enterprise_ids if i is not None and i not in before})
    if not fresh:
        return
    if session.get_bind().dialect.name == "postgresql":
        for start in range(0, len(fresh), 5000):
            session.execute(
                sa.select(Enterprise.id)
                .where(Enterprise.id.in_(fresh[start : start + 5000]))
                .with_for_update()
            ).all()
    found = contribution(fresh)
    for i in fresh:
        before[i] = None
    before.setdefault(-1, Contribution())  # the pooled "before" of every tracked business
    pooled = before[-1]
    for name in ("n", "amount", "rate_amount", "repeats"):
        getattr(pooled, name).update(getattr(found, name))


def track_new(enterprise_ids: Iterable[int], session: Session | None = None) -> None:
    """Businesses written just now by a bulk insert, with no facts before."""
    session = session or db.session
    before = session.info.setdefault(BEFORE, {})
    for i in enterprise_ids:
        before.setdefault(i, None)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context, _instances) -> None:
    touched = [
        o
        for o in (*session.new, *session.dirty, *session.deleted)
        if isinstance(o, Visit | Declaration | Recommendation | Tranche | Renewal)
    ]
    if not touched:
        return
    with session.no_autoflush:
        ids, pending = set(), session.info.setdefault(NEW, [])
        for obj in touched:
            found = _enterprise_id(session, obj)
            if isinstance(found, Enterprise):
                if found.id is None:
                    pending.append(found)
                else:
                    ids.add(found.id)
            elif found is not None:
                ids.add(found)
        track(ids, session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if not session.info.get(BEFORE) and not session.info.get(NEW):
        return
    session.flush()
    before = session.info.pop(BEFORE, {})
    new = session.info.pop(NEW, [])
    pooled = before.pop(-1, Contribution())
    ids = set(before) | {e.id for e in new if e.id is not None}
    if not ids:
        return
    with session.no_autoflush:
        apply(contribution(ids).minus(pooled))


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous) -> None:
    if previous.nested:
        # A savepoint undone: what was noted before stays true of the facts outside it, and
        # the commit reads the facts as they then are.
        return
    session.info.pop(BEFORE, None)
    session.info.pop(NEW, None)


# Rebuilding -----------------------------------------------------------------------------


def rebuild(*, commit: bool = True) -> None:
    """Everything recomputed from the facts (in SQL on PostgreSQL, by batches elsewhere)."""
    if db.session.get_bind().dialect.name == "postgresql":
        # A writer applies its difference at commit: one that has applied it waits to commit
        # before the rebuild reads the facts; one that has not waits for the rebuild, then
        # adds its difference to the rebuilt rows. Either way it is counted once. Readers
        # are not held up.
        db.session.execute(
            sa.text("LOCK TABLE mechanism_rollup, mechanism_rollup_repeats IN EXCLUSIVE MODE")
        )
    db.session.execute(sa.delete(MechanismRollupRepeat))
    db.session.execute(sa.delete(MechanismRollup))
    if db.session.get_bind().dialect.name == "postgresql":
        from app.coordination.rollup_sql import rebuild_postgresql

        rebuild_postgresql()
    else:
        ids = list(db.session.scalars(sa.select(Visit.enterprise_id).distinct()))
        ids += list(db.session.scalars(sa.select(Declaration.enterprise_id).distinct()))
        apply(contribution(ids))
    db.session.info.pop(BEFORE, None)
    db.session.info.pop(NEW, None)
    if commit:
        db.session.commit()
