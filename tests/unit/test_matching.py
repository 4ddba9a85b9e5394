"""The engine: each criterion at its boundary, its message, the score adding up, near misses,
and the batch path agreeing with the per-pair path on every pair of generated data."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest

from app.matching.criteria import CRITERIA, DEFAULT_WEIGHTS, SCORE_KEYS
from app.matching.engine import evaluate_pairs, match_all, match_block
from app.matching.explain import explain
from app.matching.tables import Vocabulary, build_needs, build_products
from app.pricing import PriceItems, quote
from app.pricing.items import INTEREST_ONLY
from bench.generate import generate, tables

TODAY = date(2026, 11, 28)
VOCAB = Vocabulary(
    region_parent={
        "990000": None,
        "990100": "990000",
        "990121": "990100",
        "990121001": "990121",
        "990122": "990100",
        "990122001": "990122",
        "110000": None,
    },
    region_level={
        "990000": "province",
        "990100": "city",
        "990121": "county",
        "990121001": "town",
        "990122": "county",
        "990122001": "town",
        "110000": "province",
    },
    industry_section={
        "A": "A",
        "C": "C",
        "F": "F",
        "K": "K",
        "01": "A",
        "13": "C",
        "35": "C",
        "52": "F",
        "70": "K",
        "7010": "K",
    },
)
BANKS = [
    {"id": 1, "active": True, "branch_regions": ["990121001"], "record": 0.8},
    {"id": 2, "active": True, "branch_regions": ["990122001"], "record": None},
]


def need(**overrides) -> dict:
    record = {
        "id": 1,
        "enterprise_id": 1,
        "amount": Decimal("3000000"),
        "term_months": 12,
        "guarantees": ["credit"],
        "purpose": "working_capital",
        "max_rate": Decimal("4.50"),
        "industry_code": "13",
        "size": "small",
        "region_code": "990121001",
        "founded_on": date(2020, 1, 1),
        "tax_rating": "B",
        "first_loan": True,
        "verified": True,
    }
    record.update(overrides)
    return record


def product(**overrides) -> dict:
    record = {
        "id": 1,
        "bank_id": 1,
        "min_amount": Decimal("100000"),
        "max_amount": Decimal("5000000"),
        "min_term_months": 6,
        "max_term_months": 36,
        "min_rate": Decimal("3.50"),
        "max_rate": Decimal("4.80"),
        "guarantees": ["credit", "guarantee"],
        "sizes": [],
        "purposes": [],
        "industries": [],
        "regions": [],
        "min_years": 0,
        "min_tax_rating": None,
        "first_loan": False,
        "approval_days": 5,
        "status": "published",
        "valid_until": TODAY + timedelta(days=100),
    }
    record.update(overrides)
    return record


def verdict(n: dict, p: dict):
    N = build_needs([n], VOCAB, TODAY)
    P = build_products([p], BANKS, VOCAB, TODAY)
    return evaluate_pairs(N, P, [0], [0]), N, P


def passes(criterion: str, n: dict, p: dict) -> bool:
    v, _N, _P = verdict(n, p)
    return bool(v.passed[criterion][0])


def messages(n: dict, p: dict) -> dict[str, object]:
    _v, N, P = verdict(n, p)
    return {r.criterion: r for r in explain(N, P, 0, 0)}


@pytest.mark.parametrize(
    ("criterion", "need_fields", "product_fields", "expected"),
    [
        ("amount", {"amount": Decimal("100000")}, {}, True),
        ("amount", {"amount": Decimal("5000000")}, {}, True),
        ("amount", {"amount": Decimal("5000000.01")}, {}, False),
        ("amount", {"amount": Decimal("99999.99")}, {}, False),
        ("term", {"term_months": 6}, {}, True),
        ("term", {"term_months": 36}, {}, True),
        ("term", {"term_months": 37}, {}, False),
        ("term", {"term_months": 5}, {}, False),
        ("guarantee", {"guarantees": ["mortgage", "guarantee"]}, {}, True),
        ("guarantee", {"guarantees": ["mortgage"]}, {}, False),
        ("industry", {}, {"industries": ["C"]}, True),
        ("industry", {}, {"industries": ["13"]}, True),
        ("industry", {}, {"industries": ["35"]}, False),
        ("industry", {"industry_code": "7010"}, {"industries": ["7010"]}, True),
        ("industry", {"industry_code": "7010"}, {"industries": ["K"]}, True),
        ("size", {}, {"sizes": ["small", "micro"]}, True),
        ("size", {}, {"sizes": ["medium"]}, False),
        ("region", {}, {"regions": ["990100"]}, True),  # a city covers its counties and towns
        ("region", {}, {"regions": ["990121"]}, True),
        ("region", {}, {"regions": ["990122"]}, False),
        ("region", {}, {"regions": ["110000"]}, False),
        ("years", {"founded_on": date(2023, 11, 28)}, {"min_years": 3}, True),
        ("years", {"founded_on": date(2023, 11, 29)}, {"min_years": 3}, False),
        ("tax_rating", {"tax_rating": "B"}, {"min_tax_rating": "B"}, True),
        ("tax_rating", {"tax_rating": "M"}, {"min_tax_rating": "B"}, False),
        ("tax_rating", {"tax_rating": None}, {"min_tax_rating": "D"}, False),
        ("tax_rating", {"tax_rating": None}, {"min_tax_rating": None}, True),
        ("purpose", {}, {"purposes": ["working_capital", "rnd"]}, True),
        ("purpose", {"purpose": "fixed_assets"}, {"purposes": ["working_capital"]}, False),
        ("availability", {}, {"status": "draft"}, False),
        ("availability", {}, {"valid_until": TODAY}, True),
        ("availability", {}, {"valid_until": TODAY - timedelta(days=1)}, False),
        ("verified", {"verified": False}, {}, False),
    ],
)
def test_each_criterion_at_its_boundary(criterion, need_fields, product_fields, expected):
    assert passes(criterion, need(**need_fields), product(**product_fields)) is expected


def test_a_product_of_an_inactive_bank_is_not_available():
    banks = [{**BANKS[0], "active": False}]
    P = build_products([product()], banks, VOCAB, TODAY)
    N = build_needs([need()], VOCAB, TODAY)
    assert not evaluate_pairs(N, P, [0], [0]).passed["availability"][0]


def test_messages_name_the_figures():
    reasons = messages(need(amount=Decimal("8000000")), product())
    assert reasons["amount"].zh == "申请金额 800 万元超出产品上限 500 万元"
    assert (
        reasons["amount"].en == "The amount of 800 万元 exceeds the product's maximum of 500 万元"
    )
    assert reasons["amount"].fix_zh == "金额降至 500 万元以内即可申请"
    reasons = messages(need(term_months=48), product())
    assert reasons["term"].fix_zh == "期限缩短至 36 个月以内即可申请"
    reasons = messages(need(tax_rating="M"), product(min_tax_rating="B"))
    assert reasons["tax_rating"].fix_zh == "纳税信用等级达到 B 级即可申请"
    reasons = messages(need(founded_on=date(2025, 1, 1)), product(min_years=3))
    assert "再经营 2 年" in reasons["years"].fix_zh
    reasons = messages(need(guarantees=["mortgage"]), product(guarantees=["credit"]))
    assert reasons["guarantee"].zh == "您可提供抵押，产品只接受信用"


def test_the_english_reasons_read_as_sentences():
    reasons = messages(need(), product(min_years=0))
    assert reasons["years"].zh == "产品对经营年限无要求"
    assert reasons["years"].en == "The product asks for no years in operation"
    assert "at least the 0" not in reasons["years"].en
    assert reasons["years"].passed
    assert "has a branch in your county" in messages(need(), product())["locality"].en


def test_the_reasons_add_up_to_the_score():
    reasons = messages(need(), product())
    parts = [r.points for r in reasons.values() if r.points is not None]
    v, _N, _P = verdict(need(), product())
    assert len(parts) == len(SCORE_KEYS)
    assert sum(parts) == Decimal(f"{v.score[0]:.2f}")
    assert 0 < v.score[0] <= 100


def test_the_rate_accepted_is_a_ceiling_on_the_all_in_rate():
    # a bullet loan without fees costs its headline rate: at the ceiling it passes, above not
    assert passes("ceiling", need(max_rate=Decimal("3.50")), product())
    assert not passes("ceiling", need(max_rate=Decimal("3.49")), product())
    v, _N, _P = verdict(need(max_rate=Decimal("3.00")), product())
    assert not v.eligible[0]
    assert [k for k, ok in v.passed.items() if not ok[0]] == ["ceiling"]


def test_fees_can_put_a_product_above_the_ceiling_and_the_near_miss_says_by_how_much():
    priced = product(min_rate=Decimal("4.35"), upfront_fee_rate=Decimal("0.50"))
    expected = quote(
        PriceItems(rate=Decimal("4.35"), upfront_fee_rate=Decimal("0.50")),
        Decimal("3000000"),
        12,
        INTEREST_ONLY,
    ).all_in_rate
    assert expected > Decimal("4.50")  # 4.35 % headline, under the ceiling on its own
    reasons = messages(need(max_rate=Decimal("4.50")), priced)
    assert reasons["ceiling"].zh == f"年化综合成本最低 {expected:.2f}%，高于您可接受的 4.50%"
    assert reasons["ceiling"].fix_zh == f"可接受利率提高到 {expected:.2f}% 即可申请"
    N = build_needs([need(max_rate=Decimal("4.50"))], VOCAB, TODAY)
    P = build_products([priced], BANKS, VOCAB, TODAY)
    m = match_block(N, P, np.array([0]), np.array([0]))
    assert list(m.eligible) == [False]
    assert CRITERIA[m.failed[0]].key == "ceiling"
    assert passes("ceiling", need(max_rate=expected), priced)


def test_the_rate_score_counts_fees_and_the_cheapest_method_offered():
    cheap = product(min_rate=Decimal("3.50"))
    dear = product(min_rate=Decimal("3.50"), fee_rate=Decimal("0.60"))
    high = need(max_rate=Decimal("4.50"))
    assert verdict(high, cheap)[0].parts["rate"][0] > verdict(high, dear)[0].parts["rate"][0]
    reasons = messages(high, dear)
    assert reasons["rate"].zh.startswith("年化综合成本最低 4.")
    up_front = {"upfront_fee_rate": Decimal("1.00"), "min_rate": Decimal("3.00")}
    both = product(repayment_methods=["equal_instalment", "interest_only"], **up_front)
    amortising = product(repayment_methods=["equal_instalment"], **up_front)
    assert verdict(high, both)[0].parts["rate"][0] > verdict(high, amortising)[0].parts["rate"][0]


def test_the_guarantee_fee_counts_only_when_the_loan_goes_through_a_guarantee():
    fee = {"guarantee_fee_rate": Decimal("1.00"), "min_rate": Decimal("3.80")}
    cap = {"max_rate": Decimal("4.50")}
    assert passes("ceiling", need(guarantees=["credit"], **cap), product(**fee))
    assert not passes("ceiling", need(guarantees=["guarantee"], **cap), product(**fee))
    assert not passes(
        "ceiling", need(guarantees=["credit"], **cap), product(guarantees=["guarantee"], **fee)
    )


def test_credit_only_enterprise_and_credit_product_is_the_best_guarantee_fit():
    best = verdict(need(guarantees=["credit"]), product())[0].parts["guarantee_fit"][0]
    secured = verdict(need(guarantees=["guarantee"]), product())[0].parts["guarantee_fit"][0]
    assert best == DEFAULT_WEIGHTS["guarantee_fit"] > secured


def test_locality_and_first_loan_and_bank_record():
    v = verdict(need(), product(first_loan=True))[0]
    assert v.parts["locality"][0] == DEFAULT_WEIGHTS["locality"]
    assert v.parts["first_loan"][0] == DEFAULT_WEIGHTS["first_loan"]
    assert v.parts["bank_record"][0] == round(0.8 * DEFAULT_WEIGHTS["bank_record"], 2)
    far = verdict(need(), product(bank_id=2))[0]
    assert far.parts["locality"][0] == 0
    assert far.parts["bank_record"][0] == DEFAULT_WEIGHTS["bank_record"] / 2


def test_near_misses_name_exactly_the_one_failing_criterion():
    products = [
        product(id=1),
        product(id=2, max_term_months=6),
        product(id=3, max_term_months=6, guarantees=["pledge"]),
    ]
    N = build_needs([need()], VOCAB, TODAY)
    P = build_products(products, BANKS, VOCAB, TODAY)
    m = match_block(N, P, np.array([0]), np.arange(3))
    kept = {
        int(P.ids[j]): (bool(e), f)
        for j, e, f in zip(m.product_rows, m.eligible, m.failed, strict=True)
    }
    assert kept[1] == (True, -1)
    assert kept[2] == (False, [c.key for c in CRITERIA].index("term"))
    assert 3 not in kept  # two failures: neither eligible nor a near miss


@pytest.fixture(scope="module")
def generated():
    data = generate("county", seed=11)
    data.needs = data.needs[:300]
    return tables(data)


def test_batch_and_per_pair_paths_agree_on_every_pair(generated):
    N, P = generated
    ii, jj = np.meshgrid(np.arange(len(N)), np.arange(len(P)), indexing="ij")
    ii, jj = ii.ravel(), jj.ravel()
    everything = evaluate_pairs(N, P, ii, jj)
    kept = match_all(N, P, top_k=10**6, near_k=10**6, chunk=64)
    batch = {
        (int(i), int(j)): (bool(e), float(s), int(f))
        for i, j, e, s, f in zip(
            kept.need_rows, kept.product_rows, kept.eligible, kept.score, kept.failed, strict=True
        )
    }
    expected = {}
    keys = [c.key for c in CRITERIA]
    # Products not on offer are never kept, not even as near misses: nobody can apply for them.
    for k in np.flatnonzero((everything.failed_count <= 1) & everything.passed["availability"]):
        failed = [keys.index(key) for key in keys if not everything.passed[key][k]]
        expected[(int(ii[k]), int(jj[k]))] = (
            bool(everything.eligible[k]),
            float(everything.score[k]),
            failed[0] if failed else -1,
        )
    assert batch == expected
    assert sum(1 for v in expected.values() if v[0]) > 50
    # and one pair at a time, through the very same functions
    rng = np.random.default_rng(3)
    for k in rng.choice(len(ii), size=300, replace=False):
        single = evaluate_pairs(N, P, [ii[k]], [jj[k]])
        assert single.failed_count[0] == everything.failed_count[k]
        assert single.score[0] == everything.score[k]


def test_the_score_always_adds_up_on_generated_data(generated):
    N, P = generated
    ii = np.repeat(np.arange(50), len(P))
    jj = np.tile(np.arange(len(P)), 50)
    v = evaluate_pairs(N, P, ii, jj)
    summed = np.round(sum(v.parts[k] for k in SCORE_KEYS), 2)
    assert np.array_equal(summed, v.score)
    assert (v.score >= 0).all() and (v.score <= 100).all()


def test_top_k_keeps_the_best_in_order(generated):
    N, P = generated
    kept = match_all(N, P, top_k=5, near_k=3)
    for row in np.unique(kept.need_rows)[:50]:
        mine = kept.eligible & (kept.need_rows == row)
        assert mine.sum() <= 5
        assert (kept.failed[mine] == -1).all()
        near = ~kept.eligible & (kept.need_rows == row)
        assert near.sum() <= 3


def test_a_product_change_updates_exactly_as_a_full_recompute_would():
    from app.matching.engine import Matches, update_for_product

    data = generate("county", seed=5)
    data.needs = data.needs[:800]
    N, P = tables(data)
    kept = match_all(N, P, top_k=5, near_k=5)

    def rows(m):
        return sorted(
            zip(
                m.need_rows.tolist(),
                m.product_rows.tolist(),
                m.eligible.tolist(),
                m.score.tolist(),
                m.failed.tolist(),
                strict=True,
            )
        )

    # Random changes, with lists of five so most are full: a product's rate up or down (it
    # rises or falls within lists, enters or leaves them), its amount bounds moved (it
    # changes kind), retired and brought back.
    rng = np.random.default_rng(7)
    changes = ("cheaper", "dearer", "bounds", "retired", "back")
    moved = 0
    for step in range(60):
        j = int(rng.integers(0, 60))
        change = changes[step % len(changes)]
        if change == "cheaper":
            P.min_rate[j] -= int(rng.integers(10, 120))
        elif change == "dearer":
            P.min_rate[j] += int(rng.integers(10, 120))
        elif change == "bounds":
            P.max_amount[j] = max(P.min_amount[j], P.max_amount[j] // int(rng.integers(1, 4)))
        else:
            P.available[j] = change == "back"
        updated, touched = update_for_product(N, P, kept, j, top_k=5, near_k=5)
        untouched = ~np.isin(kept.need_rows, touched)
        combined = Matches.concat(
            [
                Matches(
                    kept.need_rows[untouched],
                    kept.product_rows[untouched],
                    kept.eligible[untouched],
                    kept.score[untouched],
                    kept.failed[untouched],
                ),
                updated,
            ]
        )
        expected = match_all(N, P, top_k=5, near_k=5)
        assert rows(combined) == rows(expected), (step, change, j)
        moved += len(touched) > 0
        kept = expected
    assert moved > 30
