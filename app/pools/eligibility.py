"""Which products a pool covers and which loans may be filed under it.

A product is in a pool when the pool names it or names its bank. A loan (an agreement) may be
filed under a pool when its product is in the pool, it was signed inside the pool's period, the
enterprise confirmed it, and the enterprise as it stood at signing (the agreement's snapshot of
size, industry and region) fits the pool.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.models import Agreement, Enterprise, Product, RiskPool, db
from app.models.agreement import COUNTED_AGREEMENT_STATUSES
from app.models.pool import risk_pool_banks, risk_pool_products
from app.reference.industries import section_of
from app.regions import services as regions


def covers_product(pool: RiskPool, product: Product | None) -> bool:
    if product is None:
        return False
    return product in pool.products or product.bank_id in {b.id for b in pool.banks}


def industry_fits(pool: RiskPool, industry_code: str | None) -> bool:
    """A pool naming a section or division takes every industry under it."""
    if not pool.industries:
        return True
    code = industry_code or ""
    if not code:
        return False
    family = {code, code[:2], section_of(code)}
    return any(i.code in family for i in pool.industries)


def region_fits(pool: RiskPool, region_code: str | None) -> bool:
    """Regions named (each with its subtree), or the pool's own region when none is named."""
    places = pool.regions or [pool.region]
    return any(regions.contains(place, region_code) for place in places)


def tag_allows(pool: RiskPool, enterprise: Enterprise) -> bool:
    """The seam for enterprise tags (专精特新 and the like, issue 17 item 3): a pool may require
    `enterprise_tag`. Until tags exist no pool can name one, so only an untagged pool fits;
    replace the second clause with a look-up of the enterprise's valid tags when they land."""
    return pool.enterprise_tag is None


def why_not(pool: RiskPool, agreement: Agreement) -> str | None:
    """Why `agreement` may not be filed under `pool`, in plain words; None when it may."""
    if agreement.bank_id not in {b.id for b in pool.banks} and not covers_product(
        pool, agreement.product
    ):
        return str(_l("The loan's product is not in this pool."))
    if agreement.status not in COUNTED_AGREEMENT_STATUSES:
        return str(_l("Only an agreement the enterprise has confirmed can be filed."))
    if not pool.is_open(agreement.signed_on):
        return str(_l("The agreement was not signed within the pool's period."))
    if pool.sizes and agreement.enterprise_size not in pool.sizes:
        return str(_l("The enterprise's size is not covered by this pool."))
    if not industry_fits(pool, agreement.enterprise_industry_code):
        return str(_l("The enterprise's industry is not covered by this pool."))
    if not region_fits(pool, agreement.enterprise_region_code):
        return str(_l("The enterprise is outside the pool's regions."))
    if not tag_allows(pool, agreement.enterprise):
        return str(_l("The enterprise does not hold the tag this pool requires."))
    return None


def pools_of_products(product_ids: list[int], on: date) -> dict[int, list[RiskPool]]:
    """The pools open on `on` that cover each product, for the tags on cards and pages."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    named = sa.select(risk_pool_products.c.pool_id, risk_pool_products.c.product_id).where(
        risk_pool_products.c.product_id.in_(ids)
    )
    by_bank = (
        sa.select(risk_pool_banks.c.pool_id, Product.id)
        .join(Product, Product.bank_id == risk_pool_banks.c.bank_id)
        .where(Product.id.in_(ids))
    )
    pairs = list(db.session.execute(sa.union(named, by_bank)))
    if not pairs:
        return {}
    pools = {
        p.id: p
        for p in db.session.scalars(
            sa.select(RiskPool).where(
                RiskPool.id.in_({pool_id for pool_id, _ in pairs}),
                RiskPool.starts_on <= on,
                RiskPool.ends_on >= on,
            )
        )
    }
    found: dict[int, list[RiskPool]] = {}
    for pool_id, product_id in sorted(pairs):
        if pool_id in pools:
            found.setdefault(product_id, []).append(pools[pool_id])
    return found
