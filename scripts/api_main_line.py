"""The whole main line over plain HTTP, as a bank's or an official's system would drive it.

    python scripts/api_main_line.py [http://127.0.0.1:5000]

Against a server with the demo data (`make run`): a bank manager publishes a product, an
enterprise registers and an official verifies it, the enterprise posts a need and reads its
matches, the bank picks the need up, the enterprise accepts, the bank records an agreement,
the enterprise confirms, the bank approves and pays out, and the official reads the totals.
Then the guarantee agency's staff walk theirs: the enterprise posts a need asking for a
government guarantee, and the agency's officer lists it (anonymous until the enterprise
consents), reads it with the banks beside it, picks it up and approves the guarantee.
Only the standard library: nothing here knows the platform's code.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from datetime import date, timedelta
from decimal import Decimal

DEMO_PASSWORD = "Rongqiao-demo-2026"  # noqa: S105 - the demo logins are in the README
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code(first17: str) -> str:
    """GB 32100-2015: the 18th character checks the first 17."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return first17 + ALPHABET[(31 - total % 31) % 31]


class Client:
    def __init__(self, base: str):
        self.base = base.rstrip("/")

    def call(self, method: str, path: str, body=None, token: str | None = None) -> dict:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)  # noqa: S310
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request) as response:  # noqa: S310 - the URL is ours
                raw = response.read()
        except urllib.error.HTTPError as error:
            raise SystemExit(f"{method} {path} -> {error.code}: {error.read().decode()}") from None
        return json.loads(raw) if raw else {}

    def token(self, login: str, password: str = DEMO_PASSWORD) -> str:
        return self.call("POST", "/api/v1/tokens", {"login": login, "password": password})["token"]


def main(base: str) -> None:
    api = Client(base)
    today = date.today()
    stamp = f"{int(time.time()) % 10_000_000:07d}"
    official = api.token("official@demo.rongqiao.cn")
    bank = api.token("manager@abc.demo.rongqiao.cn")

    product = api.call(
        "POST",
        "/api/v1/products",
        {
            "name": f"接口演示信用贷 {stamp}",
            "type": "credit",
            "min_amount": "100000.00",
            "max_amount": "10000000.00",
            "min_term_months": 3,
            "max_term_months": 36,
            "min_rate": "2.90",
            "max_rate": "3.60",
            "guarantees": ["credit"],
            "purposes": ["working_capital"],
            "approval_days": 3,
            "valid_until": (today + timedelta(days=365)).isoformat(),
        },
        bank,
    )
    product = api.call("POST", f"/api/v1/products/{product['id']}/publish", {}, bank)
    print(f"product {product['id']} {product['status']}")

    email = f"api-{stamp}@example.cn"
    # Registration answers 202 whether or not the login is known (nothing tells a stranger who
    # is registered); the owner finds the company through GET /me.
    api.call(
        "POST",
        "/api/v1/enterprises",
        {
            "name": f"示范县接口演示{stamp}有限公司",
            "credit_code": credit_code(f"91990121MA{stamp}"),
            "legal_representative": "王五",
            "contact_name": "赵六",
            "mobile": "13700000000",
            "email": email,
            "industry": "13",
            "region": "990121002",
            "founded_on": "2018-06-01",
            "employees": 40,
            "revenue": "15000000.00",
            "total_assets": "9000000.00",
            "tax_rating": "A",
            "first_loan": True,
            "user": {"email": email, "password": "a long demo password"},
        },
    )
    company = api.token(email, "a long demo password")
    me = api.call("GET", "/api/v1/me", None, company)
    enterprise = api.call("GET", f"/api/v1/enterprises/{me['enterprise_id']}", None, official)
    print(f"enterprise {enterprise['id']} {enterprise['status']} ({enterprise['size']})")
    api.call(
        "POST",
        f"/api/v1/enterprises/{enterprise['id']}/verification",
        {"decision": "verify"},
        official,
    )

    need = api.call(
        "POST",
        "/api/v1/needs",
        {
            "amount": "3000000.00",
            "term_months": 12,
            "purpose": "working_capital",
            "guarantees": ["credit"],
            "max_rate": "4.00",
            "needed_by": (today + timedelta(days=45)).isoformat(),
            "publish": True,
        },
        company,
    )
    matches = api.call("GET", f"/api/v1/needs/{need['id']}/matches", token=company)
    print(f"need {need['id']} {need['status']}: {len(matches['eligible'])} eligible products")
    for match in matches["eligible"][:3]:
        print(f"  {match['score']:>6}  {match['product_name']}")

    def engagement_of_bank() -> dict | None:
        items = api.call("GET", "/api/v1/engagements?per_page=100", token=bank)["items"]
        return next((e for e in items if e["need_id"] == need["id"]), None)

    engagement = engagement_of_bank()
    if engagement is None:  # not among the banks it was routed to: the enterprise applies
        engagement = api.call(
            "POST",
            f"/api/v1/products/{product['id']}/applications",
            {"need_id": need["id"]},
            company,
        )
    api.call("POST", f"/api/v1/engagements/{engagement['id']}/pick-up", {}, bank)
    api.call("POST", f"/api/v1/engagements/{engagement['id']}/accept", {}, company)

    before = api.call("GET", "/api/v1/summary", token=official)
    agreement = api.call(
        "POST",
        "/api/v1/agreements",
        {
            "engagement_id": engagement["id"],
            "amount": "3000000.00",
            "term_months": 12,
            "rate": "3.10",
            "guarantee": "credit",
            "signed_on": today.isoformat(),
        },
        bank,
    )
    api.call("POST", f"/api/v1/agreements/{agreement['id']}/confirm", {}, company)
    api.call(
        "POST",
        f"/api/v1/agreements/{agreement['id']}/approve",
        {"approved_amount": "3000000.00", "approved_on": today.isoformat()},
        bank,
    )
    agreement = api.call(
        "POST",
        f"/api/v1/agreements/{agreement['id']}/disbursements",
        {"amount": "3000000.00", "disbursed_on": today.isoformat()},
        bank,
    )
    after = api.call("GET", "/api/v1/summary", token=official)
    print(
        f"agreement {agreement['id']} {agreement['status']}, {agreement['disbursed_amount']} yuan"
    )
    print(after["sentence"])
    added = Decimal(after["amount"]) - Decimal(before["amount"])
    paid = Decimal(after["disbursed"]) - Decimal(before["disbursed"])
    if (added, paid) != (Decimal("3000000.00"), Decimal("3000000.00")):
        raise SystemExit(f"the totals moved by {added} signed and {paid} paid, not 3000000.00")
    print("totals moved by exactly this agreement")

    guaranteed = api.call("POST", "/api/v1/needs", guarantee_need(today), company)
    agency_path(api, guaranteed["id"])


AGENCY_OFFICER = "officer@guarantee.demo.rongqiao.cn"


def guarantee_need(today: date) -> dict:
    """A need the demo agency guarantees: a guarantee is the only way it can borrow, within the
    agency's small-firm product (500 万元)."""
    return {
        "amount": "800000.00",
        "term_months": 12,
        "purpose": "working_capital",
        "guarantees": ["guarantee"],
        "max_rate": "6.00",
        "needed_by": (today + timedelta(days=45)).isoformat(),
        "publish": True,
    }


def agency_path(api: Client, need_id: int) -> None:
    """The agency's officer: list, read, pick up, approve, each answer checked against the
    `version` read."""
    agency = api.token(AGENCY_OFFICER)
    listing = api.call("GET", f"/api/v1/agency/engagements?need={need_id}", token=agency)
    if listing["total"] != 1:
        raise SystemExit(f"need {need_id} reached {listing['total']} agency engagements, not 1")
    item = listing["items"][0]
    if "enterprise" in item["need"]:
        raise SystemExit("the agency saw the enterprise before it consented")
    path = f"/api/v1/agency/engagements/{item['id']}"
    detail = api.call("GET", path, token=agency)
    banks = "、".join(b["bank_name"] for b in detail["banks"])
    picked = api.call("POST", f"{path}/pick-up", {"version": detail["version"]}, agency)
    approved = api.call("POST", f"{path}/approve", {"version": picked["version"]}, agency)
    if approved["guarantee_approved_at"] is None:
        raise SystemExit(f"agency engagement {item['id']} approved but not dated")
    print(f"agency engagement {item['id']} {picked['status']}, guarantee approved beside {banks}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5000")
