"""The main line again, through the Python client generated from /api/v1/openapi.json
(openapi-python-client), so the spec and the server cannot drift apart: every call goes
through the generated functions and every answer is parsed by the generated models.

    python scripts/api_client_journey.py [http://127.0.0.1:5000]

`rongqiao_api_client` must be importable (.ci/api_client.sh generates and installs it; it is
never committed). Besides the main line: a refusal (another bank's product answers 404, an
enterprise picking a need up 403) and a conflict (a PATCH with a stale version answers 409).
Then the guarantee agency's staff: two needs asking for a guarantee, each listed (anonymous
until the enterprise consents), read and picked up; one guarantee approved, the other declined
with a reason; a bank is refused the agency's pipeline (403) and a stale version answers 409.
"""

from __future__ import annotations

import sys
import time
from datetime import date, timedelta
from decimal import Decimal

from api_main_line import AGENCY_OFFICER, DEMO_PASSWORD, credit_code, guarantee_need
from rongqiao_api_client import AuthenticatedClient, Client
from rongqiao_api_client.api.api_accounts import create_token, get_me
from rongqiao_api_client.api.api_agency import (
    approve_guarantee,
    decline_guarantee,
    get_agency_engagement,
    list_agency_engagements,
    pick_up_agency_engagement,
)
from rongqiao_api_client.api.api_agreements import approve, confirm, create_agreement, disburse
from rongqiao_api_client.api.api_engagements import accept, list_engagements, pick_up
from rongqiao_api_client.api.api_enterprises import (
    decide_verification,
    get_enterprise,
    register_enterprise,
)
from rongqiao_api_client.api.api_needs import create_need, need_matches
from rongqiao_api_client.api.api_products import (
    apply_to_product,
    create_product,
    publish_product,
    update_product,
)
from rongqiao_api_client.api.api_summary import get_summary
from rongqiao_api_client.models import (
    Application,
    Approval,
    Decline,
    NewAgreement,
    NewDisbursement,
    NewNeed,
    ProductFields,
    ProductPatch,
    Registration,
    TokenRequest,
    Verification,
    Version,
)


def expect(response, *statuses: int):
    if response.status_code not in statuses:
        raise SystemExit(f"answered {response.status_code}, not {statuses}: {response.content!r}")
    return response.parsed


def main(base: str) -> None:
    public = Client(base_url=base, raise_on_unexpected_status=True)

    def signed_in(login: str, password: str = DEMO_PASSWORD) -> AuthenticatedClient:
        body = TokenRequest.from_dict({"login": login, "password": password})
        token = expect(create_token.sync_detailed(client=public, body=body), 201, 200).token
        return AuthenticatedClient(base_url=base, token=token, raise_on_unexpected_status=True)

    today = date.today()
    stamp = f"{int(time.time()) % 10_000_000:07d}"
    official = signed_in("official@demo.rongqiao.cn")
    bank = signed_in("manager@abc.demo.rongqiao.cn")
    other_bank = signed_in("manager@ccb.demo.rongqiao.cn")

    product = expect(
        create_product.sync_detailed(
            client=bank,
            body=ProductFields.from_dict(
                {
                    "name": f"生成客户端演示信用贷 {stamp}",
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
                }
            ),
        ),
        201,
    )
    product = expect(
        publish_product.sync_detailed(
            product.id, client=bank, body=Version(version=product.version)
        ),
        200,
    )
    print(f"product {product.id} {product.status}")

    # A refusal: another bank's PATCH finds nothing (404), before its body is looked at.
    patch = ProductPatch.from_dict({"name": "不是我的产品", "version": product.version})
    expect(update_product.sync_detailed(product.id, client=other_bank, body=patch), 404)
    # A conflict: a one-field PATCH works, and the same PATCH with the version it replaced is 409.
    renamed = expect(update_product.sync_detailed(product.id, client=bank, body=patch), 200)
    stale = ProductPatch.from_dict({"max_rate": "3.50", "version": product.version})
    expect(update_product.sync_detailed(product.id, client=bank, body=stale), 409)
    print(f"product {renamed.id} renamed once (v{renamed.version}); other bank 404, stale 409")

    email = f"client-{stamp}@example.cn"
    # Registration answers 202 whether or not the login is known; the company is read through
    # GET /me once its owner signs in.
    expect(
        register_enterprise.sync_detailed(
            client=public,
            body=Registration.from_dict(
                {
                    "name": f"示范县生成客户端演示{stamp}有限公司",
                    "credit_code": credit_code(f"91990121MB{stamp}"),
                    "legal_representative": "王五",
                    "contact_name": "赵六",
                    "mobile": "13700000001",
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
                }
            ),
        ),
        202,
    )
    company = signed_in(email, "a long demo password")
    enterprise_id = expect(get_me.sync_detailed(client=company), 200).enterprise_id
    enterprise = expect(get_enterprise.sync_detailed(enterprise_id, client=official), 200)
    expect(
        decide_verification.sync_detailed(
            enterprise.id, client=official, body=Verification.from_dict({"decision": "verify"})
        ),
        200,
    )
    need = expect(
        create_need.sync_detailed(
            client=company,
            body=NewNeed.from_dict(
                {
                    "amount": "3000000.00",
                    "term_months": 12,
                    "purpose": "working_capital",
                    "guarantees": ["credit"],
                    "max_rate": "4.00",
                    "needed_by": (today + timedelta(days=45)).isoformat(),
                    "publish": True,
                }
            ),
        ),
        201,
    )
    matches = expect(need_matches.sync_detailed(need.id, client=company), 200)
    print(f"need {need.id} {need.status}: {len(matches.eligible)} eligible products")

    pipeline = expect(list_engagements.sync_detailed(client=bank, per_page=100), 200)
    engagement = next((e for e in pipeline.items if e.need_id == need.id), None)
    if engagement is None:
        body = Application(need_id=need.id)
        engagement = expect(
            apply_to_product.sync_detailed(product.id, client=company, body=body), 201
        )
    # A refusal by role: an enterprise cannot pick a need up.
    expect(pick_up.sync_detailed(engagement.id, client=company, body=Version()), 403)
    engagement = expect(pick_up.sync_detailed(engagement.id, client=bank, body=Version()), 200)
    engagement = expect(accept.sync_detailed(engagement.id, client=company, body=Version()), 200)
    print(f"engagement {engagement.id} {engagement.status}")

    before = expect(get_summary.sync_detailed(client=official), 200)
    agreement = expect(
        create_agreement.sync_detailed(
            client=bank,
            body=NewAgreement.from_dict(
                {
                    "engagement_id": engagement.id,
                    "amount": "3000000.00",
                    "term_months": 12,
                    "rate": "3.10",
                    "guarantee": "credit",
                    "signed_on": today.isoformat(),
                }
            ),
        ),
        201,
    )
    expect(confirm.sync_detailed(agreement.id, client=company, body=Version()), 200)
    expect(
        approve.sync_detailed(
            agreement.id,
            client=bank,
            body=Approval.from_dict(
                {"approved_amount": "3000000.00", "approved_on": today.isoformat()}
            ),
        ),
        200,
    )
    agreement = expect(
        disburse.sync_detailed(
            agreement.id,
            client=bank,
            body=NewDisbursement.from_dict(
                {"amount": "3000000.00", "disbursed_on": today.isoformat()}
            ),
        ),
        201,
        200,
    )
    after = expect(get_summary.sync_detailed(client=official), 200)
    print(f"agreement {agreement.id} {agreement.status}, {agreement.disbursed_amount} yuan")
    print(after.sentence)
    added = Decimal(after.amount) - Decimal(before.amount)
    if added != Decimal("3000000.00"):
        raise SystemExit(f"the totals moved by {added}, not 3000000.00")
    print("the generated client walked the main line; totals moved by exactly this agreement")

    agency = signed_in(AGENCY_OFFICER)
    # A refusal by role: a bank does not read an agency's pipeline.
    expect(list_agency_engagements.sync_detailed(client=bank), 403)
    for decision in ("approve", "decline"):
        body = NewNeed.from_dict(guarantee_need(today))
        guaranteed = expect(create_need.sync_detailed(client=company, body=body), 201)
        agency_decides(agency, guaranteed.id, decision)


def agency_decides(agency: AuthenticatedClient, need_id: int, decision: str) -> None:
    """The agency's officer: list, read, pick up, then approve or decline the guarantee."""
    listing = expect(list_agency_engagements.sync_detailed(client=agency, need=need_id), 200)
    if listing.total != 1:
        raise SystemExit(f"need {need_id} reached {listing.total} agency engagements, not 1")
    if "enterprise" in listing.items[0].need:
        raise SystemExit("the agency saw the enterprise before it consented")
    detail = expect(get_agency_engagement.sync_detailed(listing.items[0].id, client=agency), 200)
    picked = expect(
        pick_up_agency_engagement.sync_detailed(
            detail.id, client=agency, body=Version(version=detail.version)
        ),
        200,
    )
    if decision == "approve":
        # A conflict: the version read before the pick-up is stale now.
        stale = Version(version=detail.version)
        expect(approve_guarantee.sync_detailed(detail.id, client=agency, body=stale), 409)
        done = expect(
            approve_guarantee.sync_detailed(
                detail.id, client=agency, body=Version(version=picked.version)
            ),
            200,
        )
        if not done.guarantee_approved_at:
            raise SystemExit(f"agency engagement {detail.id} approved but not dated")
    else:
        body = Decline.from_dict(
            {"reason": "amount", "note": "演示：超出担保额度", "version": picked.version}
        )
        done = expect(decline_guarantee.sync_detailed(detail.id, client=agency, body=body), 200)
    banks = "、".join(b.bank_name for b in detail.banks)
    print(f"agency engagement {done.id} {done.status}, guarantee {decision}d, beside {banks}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5000")
