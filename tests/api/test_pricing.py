"""Price items and the all-in rate in /api/v1, and the calculator endpoint."""

from __future__ import annotations

from decimal import Decimal

from app.models.enums import ProductStatus, Role
from app.pricing import quote
from app.pricing.items import EQUAL_PRINCIPAL
from tests.api.test_main_line import product_body, token
from tests.api.test_refusals import error_of
from tests.web.test_routing import make_product as make_product  # noqa: F401 - a fixture


def test_a_bank_pushes_price_items_and_reads_back_the_all_in_rate(client, make_user, make_bank):
    headers = token(client, make_user(Role.BANK_MANAGER, bank=make_bank()).email)
    body = product_body(
        upfront_fee_amount="2000.00",
        fee_rate="0.30",
        repayment_methods=["equal_principal", "interest_only"],
    )
    created = client.post("/api/v1/products", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    product = created.get_json()
    assert product["upfront_fee_amount"] == "2000.00" and product["fee_rate"] == "0.30"
    assert product["repayment_methods"] == ["equal_principal", "interest_only"]
    assert product["all_in"]["amount"] == "1000000.00" and product["all_in"]["months"] == 12
    assert product["all_in"]["method"] == "interest_only"  # the cheaper of the two here
    assert Decimal(product["all_in"]["all_in_rate"]) > Decimal("3.50")  # 3.20 + 0.30 + the fee
    patched = client.patch(
        f"/api/v1/products/{product['id']}",
        json={"version": product["version"], "repayment_methods": []},
        headers=headers,
    )
    assert error_of(patched, 422)["fields"].keys() == {"repayment_methods"}
    bad = client.post("/api/v1/products", json=product_body(upfront_fee_rate="12"), headers=headers)
    assert "upfront_fee_rate" in error_of(bad, 422)["fields"]


def test_the_calculator_endpoint_prices_any_loan(client):
    answer = client.get(
        "/api/v1/calculator?amount=120000.00&months=12&method=equal_principal&rate=6.00"
        "&upfront_fee_rate=1.00"
    )
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["total_interest"] == "3900.00" and body["upfront_fees"] == "1200.00"
    assert [row["interest"] for row in body["schedule"][:2]] == ["600.00", "550.00"]
    assert len(body["schedule"]) == 12 and body["schedule"][-1]["balance"] == "0.00"
    assert body["all_in_rate"] == body["net_rate"]  # no programme lowers it yet
    assert Decimal(body["all_in_rate"]) > Decimal("7.5")
    missing = client.get("/api/v1/calculator?amount=120000.00&months=12&method=equal_principal")
    assert set(error_of(missing, 422)["fields"]) == {"rate"}
    error_of(client.get("/api/v1/calculator?amount=1.00&months=0&method=x&rate=4"), 422)


def test_the_calculator_endpoint_prices_a_published_product_within_its_terms(client, make_product):
    product = make_product(upfront_fee_rate=Decimal("0.50"))
    url = f"/api/v1/calculator?product_id={product.id}&method=interest_only"
    body = client.get(f"{url}&amount=3000000.00&months=12").get_json()
    assert body["rate"] == "3.50"
    assert (
        body["all_in_rate"]
        == f"{quote(product.price_items(), Decimal(3000000), 12, 'interest_only').all_in_rate:.2f}"
    )
    outside = error_of(client.get(f"{url}&amount=3000000.00&months=48"), 422)
    assert set(outside["fields"]) == {"months"}
    not_offered = client.get(
        f"/api/v1/calculator?product_id={product.id}&method={EQUAL_PRINCIPAL}"
        "&amount=3000000.00&months=12"
    )
    assert set(error_of(not_offered, 422)["fields"]) == {"method"}
    draft = make_product(status=ProductStatus.DRAFT)
    error_of(
        client.get(
            f"/api/v1/calculator?product_id={draft.id}&method=interest_only"
            "&amount=3000000.00&months=12"
        ),
        404,
    )


def test_the_calculator_endpoint_names_what_is_wrong_with_each_number(client, make_product):
    base = "/api/v1/calculator?months=12&method=interest_only"
    fields = error_of(client.get(f"{base}&amount=0.001&rate=4.355"), 422)["fields"]
    assert fields["amount"] == "最多两位小数（精确到分）。"
    assert fields["rate"] == "最多两位小数。"
    fields = error_of(client.get(f"{base}&amount=2000000000.00&rate=4"), 422)["fields"]
    assert fields == {"amount": "金额最多为 100000 万元。"}
    product = make_product(min_amount=Decimal("100000"), max_amount=Decimal("5000000"))
    low = client.get(f"{base}&product_id={product.id}&amount=50000.00&lang=zh")
    assert error_of(low, 422)["fields"] == {"amount": "金额最少为 10 万元。"}
