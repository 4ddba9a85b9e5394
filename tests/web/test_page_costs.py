"""What the busiest pages cost does not grow with the data: the need page, the bank's
pipeline and the officials' summary make the same number of SQL statements with one bank or
six, one need or twenty-five; the pipeline pages, searches and sorts; reasons are fetched
for the item a reader opens; the catalogue's lookups follow every write."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import clock
from app.models import Engagement, Product, Region
from app.models import db as _db
from app.models.enums import (
    Guarantee,
    ProductStatus,
    ProductType,
    Purpose,
    RegionLevel,
    Role,
)


def _product(bank, name: str, **fields) -> Product:
    values = {
        "bank": bank,
        "name": name,
        "product_type": ProductType.CREDIT,
        "min_amount": Decimal("100000"),
        "max_amount": Decimal("5000000"),
        "min_term_months": 3,
        "max_term_months": 36,
        "min_rate": Decimal("3.5"),
        "max_rate": Decimal("4.8"),
        "guarantees": frozenset({Guarantee.CREDIT}),
        "valid_until": clock.today() + timedelta(days=300),
        "status": ProductStatus.PUBLISHED,
    }
    values.update(fields)
    return Product(**values)


@pytest.fixture()
def post_need(make_user):
    from app.needs import services as needs

    def post(owner=None, amount_wan: str = "300", days: int = 60):
        owner = owner or make_user(Role.ENTERPRISE)
        return needs.create(
            owner.enterprise,
            needs.NeedInput(
                amount_wan=Decimal(amount_wan),
                term_months=12,
                purpose=Purpose.WORKING_CAPITAL,
                guarantees={Guarantee.CREDIT},
                max_rate=Decimal("4.5"),
                needed_by=clock.today() + timedelta(days=days),
            ),
            owner,
            post=True,
        )

    return post


@pytest.fixture()
def statements(app):
    """The SQL statements run while the block is open (not the test's own savepoints)."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            seen.append(statement)

    sa.event.listen(_db.engine, "before_cursor_execute", count)
    yield seen
    sa.event.remove(_db.engine, "before_cursor_execute", count)


def _cost(client, statements, path: str) -> tuple[int, int]:
    """Statements of a load with nothing kept (the catalogue and the counted data just
    changed), then of the next load, which may reuse what the first one kept."""
    from app import versions
    from app.reports.cache import data_changed

    counts = []
    with client.application.app_context():
        versions.catalogue_changed()
        data_changed()
    for _ in range(2):
        _db.session.expire_all()
        statements.clear()
        response = client.get(path)
        assert response.status_code == 200, path
        counts.append(len(statements))
    return counts[0], counts[1]


def _more_banks(db, make_bank, count: int = 5) -> None:
    for n in range(count):
        bank = make_bank(branches=3)
        db.session.add(_product(bank, f"增长贷{n}", min_rate=Decimal("3.6") + n))
        db.session.add(_product(bank, f"抵押贷{n}", guarantees=frozenset({Guarantee.MORTGAGE})))
    db.session.commit()


def test_the_need_page_costs_the_same_with_more_banks_products_and_needs(
    client, login, make_user, make_bank, post_need, statements, db
):
    bank = make_bank()
    db.session.add(_product(bank, "纳税贷"))
    db.session.add(_product(bank, "抵押贷", guarantees=frozenset({Guarantee.MORTGAGE})))
    db.session.commit()
    owner = make_user(Role.ENTERPRISE)
    need = post_need(owner)
    login(owner)
    few = _cost(client, statements, f"/needs/{need.id}")
    # From what it keeps: the session with its user, the need with its matches'
    # fingerprint, and the platform settings (read on every request under TESTING).
    assert few[1] <= 3
    _more_banks(db, make_bank)
    for _ in range(5):
        post_need()
    from app.matches.services import recompute_need

    recompute_need(need)
    db.session.commit()
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert page.count("增长贷") == 5 and page.count("抵押贷") == 6
    assert _cost(client, statements, f"/needs/{need.id}") == few


def test_the_pipeline_costs_the_same_with_more_needs(
    client, login, make_user, make_bank, make_enterprise, post_need, statements, db
):
    bank = make_bank()
    db.session.add(_product(bank, "纳税贷"))
    db.session.commit()
    officer = make_user(Role.BANK_OFFICER, bank=bank)
    post_need()
    login(officer)
    few = _cost(client, statements, "/bank/pipeline")
    assert few[1] <= 2  # from what it keeps: the session with its user, and the settings
    _more_banks(db, make_bank, 2)
    for n in range(25):
        enterprise = make_enterprise(industry_code=f"{13 + n % 5}", region_code="990121002")
        post_need(make_user(Role.ENTERPRISE, enterprise=enterprise))
    assert _cost(client, statements, "/bank/pipeline") == few


def test_the_summary_costs_the_same_with_more_banks(client, login_as, make_bank, statements, db):
    login_as(Role.OFFICIAL)
    few = _cost(client, statements, "/reports/summary")
    _more_banks(db, make_bank)
    assert _cost(client, statements, "/reports/summary") == few


@pytest.fixture()
def busy_bank(make_user, make_bank, post_need, db):
    bank = make_bank()
    db.session.add(_product(bank, "纳税贷"))
    db.session.commit()
    needs = [post_need(amount_wan=str(100 + n * 10)) for n in range(23)]
    # Deadlines in the reverse order of posting, so the nearest deadline is the last need.
    for n, need in enumerate(needs):
        engagement = db.session.scalar(sa.select(Engagement).where(Engagement.need_id == need.id))
        engagement.deadline_at = engagement.routed_at + timedelta(days=30 - n)
    db.session.commit()
    return {"bank": bank, "officer": make_user(Role.BANK_OFFICER, bank=bank), "needs": needs}


def _need_ids(page: str, needs) -> list[int]:
    """The needs as the page lists them, by their amounts (each need's amount is its own)."""
    order = []
    for need in needs:
        marker = f"· {int(need.amount / 10000)} 万元 ·"
        if marker in page:
            order.append((page.index(marker), need.id))
    return [need_id for _at, need_id in sorted(order)]


def test_the_pipeline_pages_by_twenty_nearest_deadline_first(client, login, busy_bank):
    login(busy_bank["officer"])
    needs = busy_bank["needs"]
    first = client.get("/bank/pipeline").get_data(as_text=True)
    assert "23 条需求" in first
    assert _need_ids(first, needs) == [n.id for n in reversed(needs)][:20]
    second = client.get("/bank/pipeline?page=2").get_data(as_text=True)
    assert _need_ids(second, needs) == [n.id for n in reversed(needs)][20:]
    by_score = client.get("/bank/pipeline?sort=score").get_data(as_text=True)
    assert len(_need_ids(by_score, needs)) == 20


def test_the_pipeline_searches_by_need_amount_and_deadline(client, login, busy_bank):
    login(busy_bank["officer"])
    needs = busy_bank["needs"]
    one = client.get(f"/bank/pipeline?need={needs[3].id}").get_data(as_text=True)
    assert _need_ids(one, needs) == [needs[3].id] and "1 条需求" in one
    band = client.get("/bank/pipeline?amount_from=150&amount_to=170").get_data(as_text=True)
    assert sorted(_need_ids(band, needs)) == [needs[5].id, needs[6].id, needs[7].id]
    latest = max(needs, key=lambda n: n.id)
    engagement = _db.session.scalar(sa.select(Engagement).where(Engagement.need_id == latest.id))
    due = clock.local_date(engagement.deadline_at).isoformat()
    soon = client.get(f"/bank/pipeline?deadline_by={due}").get_data(as_text=True)
    assert _need_ids(soon, needs) == [latest.id]
    junk = client.get("/bank/pipeline?need=abc&amount_from=x&deadline_by=31.02&sort=evil")
    assert junk.status_code == 200
    assert "23 条需求" in junk.get_data(as_text=True)


def test_reasons_are_fetched_for_the_item_opened(
    client, login, make_user, make_bank, post_need, db
):
    bank = make_bank()
    product = _product(bank, "纳税贷")
    db.session.add(product)
    db.session.commit()
    owner = make_user(Role.ENTERPRISE)
    need = post_need(owner)
    login(owner)
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    url = f"/needs/{need.id}/products/{product.id}/why"
    assert f'data-fragment="{url}"' in page and "查看理由" in page
    why = client.get(url)
    assert why.status_code == 200 and "<ul" in why.get_data(as_text=True)
    assert "<html" not in why.get_data(as_text=True)
    assert client.get(f"/needs/{need.id}/products/{product.id + 999}/why").status_code == 404
    client.post("/logout")
    login(make_user(Role.ENTERPRISE))
    assert client.get(url).status_code == 404


def test_the_pipeline_fetches_an_engagements_reasons_for_its_bank_only(
    client, login, make_user, busy_bank
):
    login(busy_bank["officer"])
    engagement = _db.session.scalar(
        sa.select(Engagement).where(Engagement.need_id == busy_bank["needs"][0].id)
    )
    url = f"/engagements/{engagement.id}/why"
    assert f'data-fragment="{url}"' in client.get("/bank/pipeline?page=2").get_data(as_text=True)
    assert client.get(url).status_code == 200
    client.post("/logout")
    login(make_user(Role.BANK_OFFICER))
    assert client.get(url).status_code == 404


def test_the_reasons_opened_as_a_page_come_in_the_sites_frame(
    client, login, make_user, make_bank, post_need, busy_bank, db
):
    """The link inside a closed "why" section is what a browser without the script (or a new
    tab) opens: a walk found it gave a bare list, with no title, language or way back."""
    navigate = {"Sec-Fetch-Mode": "navigate"}
    bank = make_bank()
    product = _product(bank, "纳税贷")
    db.session.add(product)
    db.session.commit()
    owner = make_user(Role.ENTERPRISE)
    need = post_need(owner)
    login(owner)
    url = f"/needs/{need.id}/products/{product.id}/why"
    page = client.get(url, headers=navigate).get_data(as_text=True)
    assert "<html" in page and f"该产品与需求 #{need.id} 的匹配情况" in page
    assert f'href="/needs/{need.id}">返回需求' in page
    english = client.get(f"{url}?lang=en", headers=navigate).get_data(as_text=True)
    assert f"How this product fits need #{need.id}" in english
    client.get("/?lang=zh")
    assert "<html" not in client.get(url).get_data(as_text=True)
    client.post("/logout")

    login(busy_bank["officer"])
    engagement = _db.session.scalar(
        sa.select(Engagement).where(Engagement.need_id == busy_bank["needs"][0].id)
    )
    url = f"/engagements/{engagement.id}/why"
    page = client.get(url, headers=navigate).get_data(as_text=True)
    assert "<html" in page and f"需求 #{engagement.need_id} 与" in page
    assert f'href="/engagements/{engagement.id}"' in page
    assert "<html" not in client.get(url).get_data(as_text=True)


def test_a_new_region_reaches_the_engine_at_once(app, db, make_enterprise):
    from app.matches.services import vocabulary

    before = vocabulary()
    assert "990121099" not in before.region_index
    county = db.session.get(Region, "990121")
    db.session.add(
        Region(
            code="990121099",
            name="新镇",
            name_en="New Town",
            level=RegionLevel.TOWN,
            parent_code="990121",
            path=county.path + "990121099/",
        )
    )
    db.session.commit()
    # The engine indexes the places in use (#15): the new town once a company is there.
    make_enterprise(region_code="990121099")
    assert "990121099" in vocabulary().region_index


def test_the_supermarket_shows_a_renamed_product_at_once(client, make_bank, db):
    bank = make_bank()
    product = _product(bank, "旧名贷")
    db.session.add(product)
    db.session.commit()
    assert "旧名贷" in client.get("/products").get_data(as_text=True)
    product.name = "新名贷"
    db.session.commit()
    page = client.get("/products").get_data(as_text=True)
    assert "新名贷" in page and "旧名贷" not in page


def _kept_rows() -> set[tuple]:
    from app.models import Match

    return set(
        _db.session.execute(
            sa.select(
                Match.need_id, Match.product_id, Match.eligible, Match.score, Match.failed_criterion
            )
        ).all()
    )


def test_a_product_change_loads_only_the_needs_it_may_reach_and_agrees_with_a_rebuild(
    make_user, make_enterprise, make_bank, post_need, db
):
    from app.matches import services as matches
    from app.models import Industry, Need
    from app.products import services as products

    manager = make_user(Role.BANK_MANAGER)
    db.session.add(_product(make_bank(), "普惠贷"))
    db.session.commit()
    places = [("990121001", "13"), ("990121002", "13"), ("990122", "52"), ("990121003", "C")]
    for n in range(12):
        region, industry = places[n % 4]
        owner = make_user(
            Role.ENTERPRISE, enterprise=make_enterprise(region_code=region, industry_code=industry)
        )
        post_need(owner, amount_wan=str(50 + 60 * n))
    product = _product(
        manager.branch.bank,
        "镇域贷",
        min_amount=Decimal("1000000"),
        max_amount=Decimal("4000000"),
        status=ProductStatus.DRAFT,
    )
    db.session.add(product)
    product.regions = [db.session.get(Region, "990121")]
    product.industries = [db.session.get(Industry, "C")]
    db.session.add(product)
    db.session.commit()
    products.change_status(manager, product, ProductStatus.PUBLISHED)
    reachable = set(
        db.session.scalars(
            sa.select(Need.id)
            .join(Need.enterprise)
            .where(matches.reach_clause(product, matches.vocabulary(), clock.today()))
        )
    )
    assert 0 < len(reachable) < 12
    after_publish = _kept_rows()
    assert any(p == product.id for _n, p, *_rest in after_publish)
    matches.rebuild_all()
    assert _kept_rows() == after_publish
    products.change_status(manager, product, ProductStatus.RETIRED)
    after_retire = _kept_rows()
    assert not any(p == product.id for _n, p, *_rest in after_retire)
    matches.rebuild_all()
    assert _kept_rows() == after_retire


def _plain_full_table(need) -> list[tuple[int, bool, int, Decimal | None]]:
    """Every product against the need, sorted as the table was before it paged: the rows
    (product, eligible, failures, score) of one evaluation, in Python."""
    import numpy as np

    from app.matches import services
    from app.matching.engine import evaluate_pairs

    t = services.load([need.id], open_only=False)
    jj = np.arange(len(t.products))
    v = evaluate_pairs(
        t.needs, t.products, np.zeros(len(jj), dtype=np.int64), jj, services.weights()
    )
    rows = [
        (
            int(t.products.ids[j]),
            bool(v.eligible[j]),
            sum(not v.passed[k][j] for k in v.passed),
            Decimal(f"{v.score[j]:.2f}") if v.eligible[j] else None,
        )
        for j in jj
    ]
    return sorted(rows, key=lambda r: (not r[1], r[2], -(r[3] or 0), r[0]))


def _random_products(db, banks, rng, count: int) -> None:
    """`count` products of `banks` with random amounts, terms, rates and guarantees."""
    for n in range(count):
        low = rng.choice([5, 10, 50, 100, 500])
        rate = Decimal(rng.randint(300, 520)) / 100
        db.session.add(
            _product(
                rng.choice(banks),
                f"随机贷{n}",
                min_amount=Decimal(low * 10_000),
                max_amount=Decimal(low * rng.choice([2, 10, 40]) * 10_000),
                min_term_months=rng.choice([1, 6, 12, 24]),
                min_rate=rate,
                max_rate=rate + Decimal(rng.randint(0, 150)) / 100,
                guarantees=frozenset(rng.sample(list(Guarantee), k=rng.randint(1, 2))),
            )
        )
    db.session.commit()


def test_the_officials_product_table_pages_the_plain_order(app, db, make_bank, post_need):
    """Random products, pages of 7: the pages laid end to end are the whole table sorted in
    Python, and each page loads only its own products."""
    import random

    from app.matches.services import full_table

    _random_products(db, [make_bank() for _ in range(3)], random.Random(22), 40)
    need = post_need(amount_wan="300")
    plain = _plain_full_table(need)
    assert any(r[1] for r in plain) and not all(r[1] for r in plain)
    shown = []
    for page in range(1, 8):
        listing = full_table(need, page, per_page=7)
        assert listing.total == len(plain) and listing.pages == 6 and len(listing.items) <= 7
        shown += [
            (r.product.id, r.eligible, list(r.passed.values()).count(False), r.score)
            for r in listing.items
        ]
    # The page past the end shows the last one again.
    assert shown[: -len(listing.items)] == plain


def test_the_officials_product_table_shows_fifty_and_costs_the_same_with_more_products(
    client, login_as, make_bank, post_need, statements, db
):
    need = post_need()
    db.session.add(_product(make_bank(), "表中贷"))
    db.session.commit()
    login_as(Role.OFFICIAL)
    path = f"/needs/{need.id}/products"
    few = _cost(client, statements, path)
    # From what it keeps: the session with its user, the platform settings (read on every
    # request under TESTING), the need and its enterprise (one statement with a fresh
    # session; the test's holds both, expired, and refreshes each alone).
    assert few[1] <= 4
    for n in range(3):
        bank = make_bank()
        db.session.add_all(_product(bank, f"表中贷{n}-{k}") for k in range(20))
    db.session.commit()
    assert _cost(client, statements, path) == few
    first = client.get(path).get_data(as_text=True)
    assert first.count("表中贷") == 50 and "page=2" in first
    assert client.get(f"{path}?page=2").get_data(as_text=True).count("表中贷") == 11


def test_the_officials_product_table_follows_a_product_change_at_once(
    client, login_as, make_bank, post_need, db
):
    """The engine's product records are kept per catalogue version: a product edited after
    the table was shown is shown as it is now."""
    product = _product(make_bank(), "改动贷")
    db.session.add(product)
    db.session.commit()
    need = post_need()
    login_as(Role.OFFICIAL)
    path = f"/needs/{need.id}/products"
    assert 'class="table-success"' in client.get(path).get_data(as_text=True)
    product.guarantees = frozenset({Guarantee.MORTGAGE})
    db.session.commit()
    assert 'class="table-success"' not in client.get(path).get_data(as_text=True)
