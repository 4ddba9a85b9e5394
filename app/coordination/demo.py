"""The demo county's mechanism: a coordinator of three towns, a dozen visits, the declared
and recommended lists, banks' feedback in every outcome. Idempotent; built through the services."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from app import clock
from app.coordination import coordinators, feedback, screening, visits
from app.enterprises import credit_code
from app.enterprises.services import EnterpriseInput
from app.models import Bank, Branch, Declaration, Enterprise, User, db
from app.models.coordination import AuthorisationMethod, NegativeKind, RefusalReason, Standard
from app.models.enums import EnterpriseStatus, Guarantee, Purpose, Role
from app.reference.regions import DEMO_TOWNS

COORDINATOR_EMAIL = "coordinator@demo.rongqiao.cn"
TOWNS = [code for code, _zh, _en in DEMO_TOWNS[:3]]
NEW_BUSINESSES = [
    ("城关镇老李家常菜馆", "李建国", "62", TOWNS[0]),
    ("东岗镇王记农机维修部", "王海", "43", TOWNS[1]),
]


def seed(official: User, password: str, today: date | None = None) -> bool:
    if db.session.scalar(sa.select(User.id).where(User.email == COORDINATOR_EMAIL)):
        return False
    today = today or clock.today()
    coordinator = coordinators.create_coordinator(
        official,
        email=COORDINATOR_EMAIL,
        name="城关片区网格员 周敏",
        mobile="",
        password=password,
        region_codes=TOWNS,
    )
    # Demo logins share the published demo password: nobody is made to change it.
    coordinator.must_change_password = False
    coordinator.privacy_version = None
    known = list(
        db.session.scalars(
            sa.select(Enterprise)
            .where(
                Enterprise.region_code.in_(TOWNS),
                Enterprise.status == EnterpriseStatus.VERIFIED,
            )
            .order_by(Enterprise.id)
            .limit(9)
        )
    )
    declarations = []
    for n, enterprise in enumerate(known):
        visit = visits.record_visit(
            _visit(enterprise.credit_code, today - timedelta(days=30 - 3 * n), n), coordinator
        )
        declarations.append(_declaration(visit))
    for n, (name, person, industry, town) in enumerate(NEW_BUSINESSES):
        code = credit_code.make(f"92{TOWNS[0][:6]}MA{9100000 + n:07d}"[:17])
        data = _visit(code, today - timedelta(days=2 + n), n)
        data.new_enterprise = EnterpriseInput(
            name=name,
            credit_code=code,
            legal_representative=person,
            contact_name=person,
            mobile=f"1390000{7100 + n}",
            email=f"getihu{n}@demo.rongqiao.cn",
            industry_code=industry,
            region_code=town,
            founded_on=date(2019, 4, 1),
            employees=4,
            revenue_wan=Decimal("60"),
            total_assets_wan=Decimal("25"),
            tax_rating=None,
            first_loan=True,
        )
        declarations.append(_declaration(visits.record_visit(data, coordinator)))
    _screen_and_answer(official, [d for d in declarations if d is not None], today)
    return True


def _visit(code: str, day: date, n: int) -> visits.VisitInput:
    has_need = n % 5 != 4
    authorised = n % 6 != 5
    return visits.VisitInput(
        credit_code=code,
        visited_on=day,
        operating=True,
        fixed_place=True,
        has_need=has_need,
        amount_wan=Decimal(50 + 30 * n) if has_need else None,
        term_months=12,
        purpose=Purpose.WORKING_CAPITAL,
        guarantee=Guarantee.CREDIT,
        obstacles="缺少抵押物，银行对接渠道少" if n % 2 else "季节性备货资金紧张",
        authorised_by=AuthorisationMethod.SIGNED_FORM if authorised else None,
        authorised_on=day if authorised else None,
        authorisation_ref=f"SQ-{n + 1:03d}" if authorised else "",
    )


def _declaration(visit) -> Declaration | None:
    return db.session.scalar(sa.select(Declaration).where(Declaration.visit_id == visit.id))


def _officer(bank_id: int) -> User | None:
    return db.session.scalar(
        sa.select(User)
        .join(Branch, Branch.id == User.branch_id)
        .where(Branch.bank_id == bank_id, User.role == Role.BANK_OFFICER)
        .order_by(User.id)
    )


def _screen_and_answer(official: User, declarations: list[Declaration], today: date) -> None:
    banks = list(db.session.scalars(sa.select(Bank).order_by(Bank.id).limit(3)))
    listed = declarations[-1].enterprise
    screening.add_negative_entry(
        official, NegativeKind.JUDGEMENT_DEFAULTER, listed.credit_code, "", "演示：法院失信名单"
    )
    for n, declaration in enumerate(declarations):
        if not declaration.visit.authorised:
            continue  # stays on the declared list until the business authorises
        met = dict.fromkeys(Standard, True)
        notes = {}
        if n == 3:
            met[Standard.FIXED_PLACE] = False
            notes[Standard.FIXED_PLACE] = "租用临时摊位，无固定经营场所"
        data = screening.ScreeningInput(
            met=met, notes=notes, bank_ids=[b.id for b in banks[: 1 + n % 2]]
        )
        screening.screen(declaration, data, official)
    _answer(declarations, today)


def _answer(declarations: list[Declaration], today: date) -> None:
    plan = ["grant_lend", "refuse", "contact", "grant", "refuse_all", "leave", "grant_lend"]
    recommended = [d for d in declarations if d.recommendations]
    for declaration, outcome in zip(recommended, plan, strict=False):
        for i, rec in enumerate(declaration.recommendations):
            officer = _officer(rec.bank_id)
            if officer is None or outcome == "leave":
                continue
            if outcome == "contact" or (outcome.startswith("grant") and i > 0):
                feedback.record_contact(rec, officer)
            elif outcome.startswith("grant"):
                feedback.record_decision(
                    rec,
                    officer,
                    feedback.DecisionInput(
                        granted=True,
                        amount_wan=declaration.amount / 10_000,
                        rate=Decimal("3.85"),
                        term_months=12,
                        credit_loan=True,
                        maturity_on=today + timedelta(days=25 if outcome == "grant" else 360),
                    ),
                )
                if outcome == "grant_lend":
                    feedback.record_tranche(rec, officer, declaration.amount / 10_000, today)
            else:
                feedback.record_decision(
                    rec,
                    officer,
                    feedback.DecisionInput(
                        granted=False,
                        refusal_reason=RefusalReason.CASH_FLOW
                        if i == 0
                        else RefusalReason.COLLATERAL,
                    ),
                )
