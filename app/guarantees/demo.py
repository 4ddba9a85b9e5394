"""The demo county's government financing guarantee agency: 示范县融资担保有限公司 with a
manager and an officer, two guarantee products (one above the 1 % policy cap, flagged), and
a need of the demo enterprise asking for a guarantee, routed to a bank and to the agency,
which has picked it up and approved. Idempotent; built through the services."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from app import clock
from app.auth.services import create_user
from app.enterprises import credit_code
from app.guarantees import services
from app.models import Bank, Branch, Engagement, Product, User, db
from app.models.enums import BankType, EnterpriseSize, Guarantee, ProductStatus, Purpose, Role
from app.reference.regions import DEMO_COUNTY
from app.regions.branches import arrange

AGENCY_NAME = "示范县融资担保有限公司"
MANAGER_EMAIL = "manager@guarantee.demo.rongqiao.cn"
OFFICER_EMAIL = "officer@guarantee.demo.rongqiao.cn"


def seed(password: str, owner_email: str, today: date | None = None) -> bool:
    if db.session.scalar(sa.select(Bank.id).where(Bank.name == AGENCY_NAME)):
        return False
    today = today or clock.today()
    agency = Bank(
        name=AGENCY_NAME,
        short_name="示范县融担",
        bank_type=BankType.GUARANTEE,
        credit_code=credit_code.make("91990121MA0GD0001"),
    )
    db.session.add(agency)
    branch = Branch(
        bank=agency,
        name="示范县融担 业务部",
        region_code=DEMO_COUNTY[0],
        address=f"{DEMO_COUNTY[1]}城关镇人民路 88 号",
        phone="0999-8866001",
    )
    db.session.add(branch)
    db.session.flush()
    arrange(agency.id)
    manager = create_user(
        email=MANAGER_EMAIL,
        password=password,
        role=Role.GUARANTEE_MANAGER,
        name="示范县融担 孙经理（担保经理）",
        branch_id=branch.id,
        commit=False,
    )
    officer = create_user(
        email=OFFICER_EMAIL,
        password=password,
        role=Role.GUARANTEE_OFFICER,
        name="示范县融担 钱晓（担保业务员）",
        branch_id=branch.id,
        commit=False,
    )
    for user in (manager, officer):
        # Demo logins share the published demo password: nobody is made to change it.
        user.must_change_password = False
    db.session.flush()
    partners = sorted(
        {
            p.bank_id
            for p in db.session.scalars(
                sa.select(Product).where(Product.status == ProductStatus.PUBLISHED)
            )
            if Guarantee.GUARANTEE in p.guarantees
        }
    )
    services.save_product(
        manager,
        services.GuaranteeProductInput(
            name="小微企业融资担保",
            max_amount_wan=Decimal("500"),
            fee_rate=Decimal("0.80"),
            sizes={EnterpriseSize.SMALL, EnterpriseSize.MICRO},
            partner_bank_ids=partners,
            description="单户 500 万元以内；年担保费率 0.8%，免收保证金。",
        ),
    )
    services.save_product(
        manager,
        services.GuaranteeProductInput(
            name="科技企业成长担保",
            max_amount_wan=Decimal("1000"),
            fee_rate=Decimal("1.20"),
            partner_bank_ids=partners[:2],
            description="专精特新、科技型中小企业；年担保费率 1.2%。",
        ),
    )
    _story(officer, owner_email, today)
    return True


def _story(officer: User, owner_email: str, today: date) -> None:
    """A need asking only for a guarantee: routed to banks that take one and, beside them, to
    the agency, which picks it up and approves; the banks' side is left for the visitor."""
    from app.needs import services as needs

    owner = db.session.scalar(sa.select(User).where(User.email == owner_email))
    if owner is None or owner.enterprise is None or not owner.enterprise.is_verified:
        return
    need = needs.create(
        owner.enterprise,
        needs.NeedInput(
            amount_wan=Decimal("80"),
            term_months=12,
            purpose=Purpose.WORKING_CAPITAL,
            guarantees={Guarantee.GUARANTEE},
            max_rate=Decimal("6.00"),
            needed_by=today + timedelta(days=45),
            description="演示：申请政府性融资担保，银行与担保机构同步对接。",
        ),
        owner,
        post=True,
    )
    at_agency = db.session.scalar(
        sa.select(Engagement).where(
            Engagement.need_id == need.id, Engagement.guarantee_product_id.is_not(None)
        )
    )
    if at_agency is None:
        return
    services.pick_up(at_agency, officer)
    services.approve(at_agency, officer)
