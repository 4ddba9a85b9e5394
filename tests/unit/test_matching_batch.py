"""The batch's shortcuts (criteria run once per distinct place, trade and list of tags; the
all-in rate worked out once per pair and only on the pairs left) keep exactly what the plain
per-pair evaluation keeps, on random tables with every kind of product and need."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest

from app.matching.criteria import CRITERIA, subsidised
from app.matching.engine import (
    evaluate_pairs,
    match_all,
    match_block,
    match_product,
    prepare,
    update_for_products,
)
from app.matching.tables import (
    GUARANTEES,
    PURPOSES,
    SIZES,
    Vocabulary,
    build_needs,
    build_products,
)
from app.pricing.items import METHODS

TODAY = date(2026, 11, 28)
TOP_K, NEAR_K = 4, 3


def vocabulary() -> Vocabulary:
    parent, level = {"990000": None, "110000": None}, {"990000": "province", "110000": "province"}
    for c in range(1, 3):
        city = f"99{c:02d}00"
        parent[city], level[city] = "990000", "city"
        for k in range(21, 23):
            county = f"99{c:02d}{k}"
            parent[county], level[county] = city, "county"
            for t in range(1, 3):
                parent[f"{county}00{t}"], level[f"{county}00{t}"] = county, "town"
    section = {"A": "A", "C": "C", "F": "F", "01": "A", "13": "C", "35": "C", "52": "F"}
    section["1310"] = "C"
    return Vocabulary(parent, level, section)


def random_tables(seed: int):
    rng = random.Random(seed)
    vocab = vocabulary()
    places = list(vocab.region_parent)
    trades = list(vocab.industry_section)
    banks = [
        {
            "id": b,
            "active": rng.random() > 0.1,
            "branch_regions": rng.sample(places, 2),
            "record": rng.choice([None, 0.5, 0.9]),
        }
        for b in range(1, 6)
    ]
    programmes = [
        {
            "id": g,
            "kind": rng.choice(["points", "share"]),
            "value": Decimal(rng.choice(["0.50", "1.00", "30"])),
            "cap_per_loan": rng.choice([None, Decimal("2000"), Decimal("50000")]),
            "bank_ids": rng.sample(range(1, 6), rng.randint(0, 2)),
            "product_ids": rng.sample(range(1, 61), rng.randint(0, 5)),
            "name": f"贴息{g}",
            "name_en": f"subsidy {g}",
        }
        for g in (7, 9)
    ]
    products = []
    for p in range(1, 61):
        rate = rng.uniform(3.0, 5.5)
        products.append(
            {
                "id": p * 3,  # ids out of step with rows: the tiebreak is by id
                "bank_id": rng.randint(1, 5),
                "min_amount": rng.choice([10_000, 10_000, 500_000]),
                "max_amount": rng.choice([1_000_000, 5_000_000]),
                "min_term_months": rng.choice([1, 6, 12]),
                "max_term_months": rng.choice([24, 36, 60]),
                "min_rate": Decimal(f"{rate:.2f}"),
                "max_rate": Decimal(f"{rate + 1:.2f}"),
                "guarantees": rng.sample(GUARANTEES, rng.randint(1, 3)),
                "sizes": rng.sample(SIZES, rng.choice([0, 0, 1, 2])),
                "purposes": rng.sample(PURPOSES, rng.choice([0, 0, 2])),
                "industries": rng.sample(trades, rng.choice([0, 0, 1, 2])),
                "regions": rng.sample(places, rng.choice([0, 0, 1, 2])),
                "min_years": rng.choice([0, 0, 3]),
                "min_tax_rating": rng.choice([None, None, "B"]),
                "first_loan": rng.random() < 0.3,
                "approval_days": rng.choice([1, 5, 30]),
                "status": rng.choice(["published"] * 9 + ["draft"]),
                "valid_until": TODAY + timedelta(days=rng.choice([-1, 100])),
                "repayment_methods": rng.sample(METHODS, rng.randint(0, 3)),
                "upfront_fee_rate": Decimal(rng.choice(["0", "0", "0.50"])),
                "upfront_fee_amount": Decimal(rng.choice(["0", "0", "800"])),
                "fee_rate": Decimal(rng.choice(["0", "0", "0.30"])),
                "monthly_fee_amount": Decimal(rng.choice(["0", "0", "50"])),
                "guarantee_fee_rate": Decimal(rng.choice(["0", "1.00"])),
                "required_tag_ids": rng.choice([[], [], [], [1], [2, 3]]),
            }
        )
    needs = [
        {
            "id": n,
            "enterprise_id": n,
            "amount": Decimal(rng.choice([50_000, 300_000, 2_000_000])),
            "term_months": rng.choice([3, 12, 36]),
            "guarantees": rng.sample(GUARANTEES, rng.randint(1, 2)),
            "purpose": rng.choice(PURPOSES),
            "max_rate": Decimal(rng.choice(["3.50", "4.50", "5.50", "6.50"])),
            "industry_code": rng.choice(trades),
            "size": rng.choice(SIZES),
            "region_code": rng.choice(places),  # provinces, cities, counties and towns
            "founded_on": TODAY - timedelta(days=rng.randint(100, 3000)),
            "tax_rating": rng.choice([None, "A", "B", "C"]),
            "first_loan": rng.random() < 0.5,
            "verified": rng.random() < 0.9,
            "tag_ids": rng.choice([[], [1], [3], [1, 2]]),
            "programmes": {
                g: rng.choice([None, Decimal("1000"), Decimal("0")])
                for g in rng.sample([7, 9], rng.randint(0, 2))
            },
        }
        for n in range(1, 241)
    ]
    return (
        build_needs(needs, vocab, TODAY),
        build_products(products, banks, vocab, TODAY, programmes),
    )


def plain(N, P, top_k: int, near_k: int) -> set[tuple]:
    """Every pair through `evaluate_pairs`, then each need's best by score and product id."""
    ii, jj = np.meshgrid(np.arange(len(N)), np.arange(len(P)), indexing="ij")
    v = evaluate_pairs(N, P, ii.ravel(), jj.ravel())
    keys = [c.key for c in CRITERIA]
    kept = set()
    candidates = np.flatnonzero((v.failed_count <= 1) & v.passed["availability"])
    for row in range(len(N)):
        mine = candidates[v.need_rows[candidates] == row]
        for eligible, k in ((True, top_k), (False, near_k)):
            pairs = [m for m in mine if bool(v.eligible[m]) == eligible]
            pairs.sort(
                key=lambda m: (-round(float(v.score[m]) * 100), int(P.ids[v.product_rows[m]]))
            )
            for m in pairs[:k]:
                failed = [n for n, key in enumerate(keys) if not v.passed[key][m]]
                kept.add(
                    (
                        row,
                        int(v.product_rows[m]),
                        eligible,
                        float(v.score[m]),
                        failed[0] if failed else -1,
                    )
                )
    return kept


def as_set(m) -> set[tuple]:
    return {
        (int(i), int(j), bool(e), float(s), int(f))
        for i, j, e, s, f in zip(
            m.need_rows, m.product_rows, m.eligible, m.score, m.failed, strict=True
        )
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_batch_keeps_exactly_what_the_plain_evaluation_keeps(seed):
    N, P = random_tables(seed)
    expected = plain(N, P, TOP_K, NEAR_K)
    assert as_set(match_all(N, P, top_k=TOP_K, near_k=NEAR_K, chunk=64)) == expected
    # enough of every kind for the comparison to mean something
    assert sum(e for _i, _j, e, _s, _f in expected) > 40
    failures = {f for *_rest, f in expected}
    assert {"region", "industry", "tags", "ceiling"} <= {
        CRITERIA[f].key for f in failures if f >= 0
    }
    rows = np.array([(i, j) for i, j, *_rest in expected])
    assert (subsidised(N, P, rows[:, 0], rows[:, 1])[1] >= 0).sum() > 10
    # a block prepared on its own (one new need, one product) agrees with the batch's
    products = np.flatnonzero(P.available)
    one = match_block(N, P, np.array([5]), products, top_k=TOP_K, near_k=NEAR_K)
    assert as_set(one) == {t for t in expected if t[0] == 5}


def test_a_block_prepared_for_more_needs_than_it_holds_agrees():
    N, P = random_tables(4)
    products = np.flatnonzero(P.available)
    everyone = prepare(N, P, np.arange(len(N)), products)
    block = np.array([17, 3, 200])
    assert as_set(match_block(N, P, block, products, prepared=everyone)) == as_set(
        match_block(N, P, block, products)
    )


def test_one_product_against_every_need_agrees_with_the_plain_evaluation():
    N, P = random_tables(5)
    keys = [c.key for c in CRITERIA]
    found = 0
    for row in np.flatnonzero(P.available)[:8]:
        v = evaluate_pairs(N, P, np.arange(len(N)), np.full(len(N), row))
        expected = set()
        for m in np.flatnonzero(v.failed_count <= 1):
            failed = [n for n, key in enumerate(keys) if not v.passed[key][m]]
            expected.add(
                (
                    int(m),
                    int(row),
                    bool(v.eligible[m]),
                    float(v.score[m]),
                    failed[0] if failed else -1,
                )
            )
        assert as_set(match_product(N, P, int(row))) == expected
        found += len(expected)
    assert found > 50


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_products_changed_for_many_needs_merge_into_the_kept_lists_as_the_plain_evaluation(
    seed,
):
    """A programme's change moves only its products' verdicts (cheaper, dearer, on offer or
    not): merged into the lists kept before, they keep what every pair evaluated afresh
    keeps, full lists left short recomputed."""
    import copy

    N, P = random_tables(seed)
    kept = match_all(N, P, top_k=TOP_K, near_k=NEAR_K)
    rng = np.random.default_rng(seed)
    changed = np.sort(rng.choice(len(P), 15, replace=False))
    after = copy.deepcopy(P)
    after.min_rate[changed] += rng.choice([-150, -60, 40, 120, 300], len(changed)).astype(
        after.min_rate.dtype
    )
    after.available[changed[:2]] = ~after.available[changed[:2]]

    merged, refill = update_for_products(N, after, kept, changed, None, TOP_K, NEAR_K)

    assert as_set(merged) == plain(N, after, TOP_K, NEAR_K)
    assert 0 < len(refill) < len(N)
