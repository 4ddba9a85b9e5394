"""Officials define risk-compensation pools for their region; anyone may read them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.audit import record
from app.errors import FieldErrors, StaleObject
from app.formatting import plain_wan
from app.models import Bank, Industry, Product, Region, RiskPool, User, db
from app.models.enums import EnterpriseSize, Role
from app.regions.scope import sees, where_region
from app.versions import catalogue_changed

WAN = Decimal(10000)


@dataclass
class PoolInput:
    name: str = ""
    legal_basis: str = ""
    region_code: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    budget_wan: Decimal | None = None
    loss_share: Decimal | None = None
    bank_ids: list[int] = field(default_factory=list)
    product_ids: list[int] = field(default_factory=list)
    sizes: set[EnterpriseSize] = field(default_factory=set)
    industry_codes: list[str] = field(default_factory=list)
    region_codes: list[str] = field(default_factory=list)

    @classmethod
    def from_pool(cls, pool: RiskPool) -> PoolInput:
        return cls(
            name=pool.name,
            legal_basis=pool.legal_basis,
            region_code=pool.region_code,
            starts_on=pool.starts_on,
            ends_on=pool.ends_on,
            budget_wan=pool.budget / WAN,
            loss_share=pool.loss_share,
            bank_ids=[b.id for b in pool.banks],
            product_ids=[p.id for p in pool.products],
            sizes=set(pool.sizes),
            industry_codes=[i.code for i in pool.industries],
            region_codes=[r.code for r in pool.regions],
        )


def list_pools(user: User | None = None) -> list[RiskPool]:
    """Every pool, newest period first; an official with a home region sees that subtree."""
    mine = where_region(user, RiskPool.region_code) if user is not None else []
    return list(
        db.session.scalars(
            sa.select(RiskPool).where(*mine).order_by(RiskPool.starts_on.desc(), RiskPool.id)
        )
    )


def get(pool_id: int) -> RiskPool | None:
    return db.session.get(RiskPool, pool_id)


def get_for_official(user: User, pool_id: int) -> RiskPool | None:
    """A pool the official may change: in their home region's subtree."""
    pool = get(pool_id)
    if pool is None or user.role is not Role.OFFICIAL or not sees(user, pool.region_code):
        return None
    return pool


def _rows(model, column, wanted) -> list:
    wanted = list(dict.fromkeys(wanted or []))
    if not wanted:
        return []
    found = {
        getattr(r, column.key): r
        for r in db.session.scalars(sa.select(model).where(column.in_(wanted)))
    }
    return [found[w] for w in wanted if w in found] if len(found) == len(wanted) else None


def check(data: PoolInput, actor: User) -> tuple[FieldErrors, dict]:
    """Every bad field of `data`, and the rows it names."""
    errors = FieldErrors()
    if not (data.name or "").strip():
        errors.add("name", _l("Enter the pool's name."))
    region = db.session.get(Region, data.region_code or "")
    if region is None or not sees(actor, region.code):
        errors.add("region_code", _l("Choose a region within your own."))
    if data.starts_on is None:
        errors.add("starts_on", _l("Enter the first day of the pool's period."))
    if data.ends_on is None:
        errors.add("ends_on", _l("Enter the last day of the pool's period."))
    elif data.starts_on is not None and data.ends_on < data.starts_on:
        errors.add("ends_on", _l("The period cannot end before it starts."))
    if data.budget_wan is None or data.budget_wan <= 0 or data.budget_wan > Decimal("1e8"):
        errors.add("budget_wan", _l("Enter the budget in 万元, more than 0."))
    elif data.budget_wan.as_tuple().exponent < -6:
        errors.add("budget_wan", _l("At most six decimals in 万元 (to the fen)."))
    if data.loss_share is None or not Decimal(0) < data.loss_share <= Decimal(100):
        errors.add("loss_share", _l("Enter the share of a loss the pool pays, 1 to 100 %."))
    elif data.loss_share.as_tuple().exponent < -2:
        errors.add("loss_share", _l("At most two decimals."))
    rows = {
        "banks": _rows(Bank, Bank.id, data.bank_ids),
        "products": _rows(Product, Product.id, data.product_ids),
        "industries": _rows(Industry, Industry.code, data.industry_codes),
        "regions": _rows(Region, Region.code, data.region_codes),
    }
    if rows["banks"] is None:
        errors.add("bank_ids", _l("Choose banks from the list."))
    if rows["products"] is None:
        errors.add("product_ids", _l("Choose products from the list."))
    if not data.bank_ids and not data.product_ids:
        errors.add("product_ids", _l("Name at least one bank or product the pool covers."))
    if rows["industries"] is None:
        errors.add("industry_codes", _l("Choose industries from the list."))
    if rows["regions"] is None or (
        region is not None and any(not sees_within(region, r) for r in rows["regions"] or [])
    ):
        errors.add("region_codes", _l("Choose regions within the pool's region."))
    return errors, rows


def sees_within(region: Region, inner: Region) -> bool:
    return inner.path.startswith(region.path)


def save(
    data: PoolInput, actor: User, pool: RiskPool | None = None, version: int | None = None
) -> RiskPool:
    errors, rows = check(data, actor)
    if pool is not None and "budget_wan" not in errors:
        from app.pools.ledger import paid_from

        paid = paid_from(pool.id)
        if data.budget_wan * WAN < paid:
            errors.add(
                "budget_wan",
                _l("Not less than what the pool has paid: %(paid)s 万元.", paid=plain_wan(paid)),
            )
    errors.raise_if_any()
    if pool is not None and version is not None and version != pool.version:
        raise StaleObject(_l("Someone else changed this pool meanwhile. Reload and try again."))
    created = pool is None
    pool = pool or RiskPool(created_by_id=actor.id)
    pool.name = data.name.strip()
    pool.legal_basis = (data.legal_basis or "").strip()
    pool.region_code = data.region_code
    pool.starts_on = data.starts_on
    pool.ends_on = data.ends_on
    pool.budget = (data.budget_wan * WAN).quantize(Decimal("0.01"))
    pool.loss_share = data.loss_share
    pool.sizes = frozenset(data.sizes or ())
    pool.banks = rows["banks"]
    pool.products = rows["products"]
    pool.industries = rows["industries"]
    pool.regions = rows["regions"]
    db.session.add(pool)
    db.session.flush()
    record(actor, "pool_created" if created else "pool_edited", pool)
    db.session.commit()
    catalogue_changed()  # product cards carry the pool's tag
    return pool
