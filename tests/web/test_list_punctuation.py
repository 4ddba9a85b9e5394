"""Lists inside an English sentence are joined with English punctuation: a walk in English
found "Credit (unsecured)、Guarantee", "For loans from: 示范农商行、惠民村镇银行." and "…off the rate；at
most…" (the Chinese enumeration comma and semicolon), while Chinese pages keep them."""

from __future__ import annotations

import sqlalchemy as sa

from app.models import Product


def _page(client, path: str, lang: str) -> str:
    response = client.get(f"{path}?lang={lang}")
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_a_products_lists_use_each_languages_punctuation(app, db, client):
    app.test_cli_runner().invoke(args=["seed-demo"])
    product = db.session.scalar(sa.select(Product).where(Product.name == "惠农贷"))
    english = _page(client, f"/products/{product.id}", "en")
    assert "Credit (unsecured), Guarantee" in english
    assert "(等额本息), Interest monthly" in english
    chinese = _page(client, f"/products/{product.id}", "zh")
    assert "信用、保证" in chinese


def test_a_programmes_conditions_use_each_languages_punctuation(app, db, client):
    app.test_cli_runner().invoke(args=["seed-demo"])
    english = _page(client, "/programmes", "en")
    assert "For loans from: 示范农商行, 惠民村镇银行." in english
    assert "percentage points off the rate; at most" in english
    assert "；at most" not in english
    chinese = _page(client, "/programmes", "zh")
    assert "示范农商行、惠民村镇银行" in chinese
    assert "贴息；每笔贷款最多" in chinese
