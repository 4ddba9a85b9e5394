"""The pool's tag on product cards, product pages and matches, in plain words."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _

from app import clock
from app.models import RiskPool
from app.pools.eligibility import pools_of_products


def tag(pool: RiskPool) -> str:
    return _(
        "In %(pool)s: the pool bears %(share)s%% of a loss",
        pool=pool.name,
        share=f"{pool.loss_share.normalize():f}",
    )


def tags_for(product_ids: Iterable[int]) -> dict[int, list[tuple[int, str]]]:
    """(pool id, tag) for each product in a pool open today."""
    found = pools_of_products(list(product_ids), clock.today())
    return {pid: [(p.id, tag(p)) for p in pools] for pid, pools in found.items()}
