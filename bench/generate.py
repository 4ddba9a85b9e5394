"""Realistic generated data for benchmarks: a county or a province.

county:   3,000 enterprises, 15 banks, 120 products, 4,000 open needs
province: 300,000 enterprises, 400 banks, 8,000 products, 200,000 open needs
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from app.matching.tables import GUARANTEES, PURPOSES, SIZES, Vocabulary, build_needs, build_products
from app.reference import industries as industry_data

SCALES = {
    # A handful of each, for the tests that compare the engine's paths on real tables.
    "sample": {
        "enterprises": 120,
        "banks": 6,
        "products": 40,
        "needs": 160,
        "cities": 2,
        "counties": 2,
        "towns": 2,
    },
    "county": {
        "enterprises": 3_000,
        "banks": 15,
        "products": 120,
        "needs": 4_000,
        "cities": 1,
        "counties": 1,
        "towns": 12,
    },
    "province": {
        "enterprises": 300_000,
        "banks": 400,
        "products": 8_000,
        "needs": 200_000,
        "cities": 14,
        "counties": 8,
        "towns": 12,
    },
}
TODAY = date(2026, 11, 28)


@dataclass
class Dataset:
    vocab: Vocabulary
    needs: list[dict]
    products: list[dict]
    banks: list[dict]


def vocabulary(scale: str) -> tuple[Vocabulary, list[str], list[str]]:
    s = SCALES[scale]
    parent = {"990000": None}
    level = {"990000": "province"}
    counties, towns = [], []
    for c in range(s["cities"]):
        city = f"99{c + 1:02d}00"
        parent[city], level[city] = "990000", "city"
        for k in range(s["counties"]):
            county = f"99{c + 1:02d}{k + 21:02d}"
            parent[county], level[county] = city, "county"
            counties.append(county)
            for t in range(s["towns"]):
                town = f"{county}{t + 1:03d}"
                parent[town], level[town] = county, "town"
                towns.append(town)
    section = {code: code for code, _zh, _en in industry_data.SECTIONS}
    section.update({code: sec for code, sec, _zh, _en in industry_data.DIVISIONS})
    section.update({code: "K" for code, _p, _zh, _en in industry_data.CLASSES})
    return Vocabulary(parent, level, section), counties, towns


def generate(scale: str, seed: int = 7) -> Dataset:
    s = SCALES[scale]
    rng = random.Random(seed)
    vocab, counties, towns = vocabulary(scale)
    divisions = [code for code, sec, _zh, _en in industry_data.DIVISIONS if sec in "ACEFGHIKLMO"]
    sections = sorted(
        {sec for _c, sec, _zh, _en in industry_data.DIVISIONS if sec in "ACEFGHIKLMO"}
    )
    cities = sorted({vocab.region_parent[c] for c in counties})
    banks = []
    for b in range(s["banks"]):
        home = rng.choice(counties)
        branch_regions = [home] + rng.sample(counties, k=min(len(counties), rng.randint(0, 6)))
        banks.append(
            {
                "id": b + 1,
                "active": rng.random() > 0.02,
                "branch_regions": branch_regions,
                "record": None if rng.random() < 0.2 else round(rng.uniform(0.4, 1.0), 2),
            }
        )
    products = []
    for p in range(s["products"]):
        low = rng.choice([1, 5, 10, 20, 50, 100])
        high = low * rng.choice([5, 10, 20, 50])
        term_low = rng.choice([1, 3, 6, 12])
        rate = rng.uniform(3.0, 5.5)
        regions = []
        roll = rng.random()
        if roll < 0.35:
            regions = [rng.choice(cities)]
        elif roll < 0.6:
            regions = rng.sample(counties, k=min(len(counties), rng.randint(1, 3)))
        products.append(
            {
                "id": p + 1,
                "bank_id": rng.randint(1, s["banks"]),
                "min_amount": low * 10_000,
                "max_amount": high * 10_000,
                "min_term_months": term_low,
                "max_term_months": term_low * rng.choice([2, 3, 6, 12]),
                "min_rate": f"{rate:.2f}",
                "max_rate": f"{rate + rng.uniform(0.5, 2.0):.2f}",
                "guarantees": rng.sample(GUARANTEES, k=rng.randint(1, 2)),
                "sizes": [] if rng.random() < 0.6 else rng.sample(SIZES[1:], k=rng.randint(1, 2)),
                "purposes": [] if rng.random() < 0.7 else rng.sample(PURPOSES, k=rng.randint(1, 3)),
                "industries": []
                if rng.random() < 0.55
                else (
                    rng.sample(sections, k=rng.randint(1, 3))
                    if rng.random() < 0.5
                    else rng.sample(divisions, k=rng.randint(1, 6))
                ),
                "regions": regions,
                "min_years": rng.choice([0, 0, 1, 2, 3]),
                "min_tax_rating": rng.choice([None, None, "B", "M", "A"]),
                "first_loan": rng.random() < 0.1,
                "approval_days": rng.choice([1, 3, 5, 7, 10, 15, 30]),
                "status": "published" if rng.random() < 0.9 else rng.choice(["draft", "retired"]),
                "valid_until": TODAY + timedelta(days=rng.randint(-30, 600)),
            }
        )
    enterprises = []
    for e in range(s["enterprises"]):
        enterprises.append(
            {
                "enterprise_id": e + 1,
                "industry_code": rng.choice(divisions),
                "size": rng.choices(SIZES, weights=[1, 10, 40, 49])[0],
                "region_code": rng.choice(towns),
                "founded_on": TODAY - timedelta(days=rng.randint(100, 7000)),
                "tax_rating": rng.choice([None, "A", "B", "B", "M", "C"]),
                "first_loan": rng.random() < 0.3,
                "verified": rng.random() < 0.95,
            }
        )
    needs = []
    for n in range(s["needs"]):
        ent = enterprises[rng.randrange(len(enterprises))]
        guarantees = rng.sample(GUARANTEES, k=rng.randint(1, 2))
        needs.append(
            {
                "id": n + 1,
                **ent,
                "amount": rng.choice([5, 10, 20, 30, 50, 80, 100, 200, 300, 500, 1000]) * 10_000,
                "term_months": rng.choice([3, 6, 12, 12, 24, 36, 60]),
                "guarantees": guarantees,
                "purpose": rng.choice(PURPOSES),
                "max_rate": rng.choice(["4.00", "4.50", "5.00", "5.50", "6.00"]),
            }
        )
    return Dataset(vocab, needs, products, banks)


def tables(data: Dataset):
    return (
        build_needs(data.needs, data.vocab, TODAY),
        build_products(data.products, data.banks, data.vocab, TODAY),
    )
