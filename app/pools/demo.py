"""The demo's county pool: two banks' products, a few loans filed under it, one loss and the
compensation paid, all through the services, so `make run` shows a pool with its exposure."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from app.models import Agreement, Bank, PoolFiling, RiskPool, User, db
from app.models.enums import EnterpriseSize, Role
from app.pools import ledger, services
from app.pools.eligibility import why_not
from app.pools.services import PoolInput
from app.regions.branches import sees_branch

LEGAL_BASIS = (
    "《示范县中小微企业贷款风险补偿资金管理办法》（示政办发〔2025〕12号）：县财政安排专项资金，"
    "对合作银行向县内中小微企业发放的贷款所形成的损失，按本金损失的40%给予补偿。"
)


def seed(official_email: str, today: date) -> bool:
    """Add the pool unless one exists. Returns whether it was added."""
    if db.session.scalar(sa.select(RiskPool.id).limit(1)) is not None:
        return False
    official = db.session.scalar(sa.select(User).where(User.email == official_email))
    banks = list(db.session.scalars(sa.select(Bank).order_by(Bank.id).limit(2)))
    if official is None or len(banks) < 2:
        return False
    pool = services.save(
        PoolInput(
            name="示范县中小微企业贷款风险补偿资金池",
            legal_basis=LEGAL_BASIS,
            region_code=official.region_code,
            starts_on=today - timedelta(days=365),
            ends_on=today + timedelta(days=365),
            budget_wan=Decimal("2000"),
            loss_share=Decimal("40"),
            bank_ids=[b.id for b in banks],
            sizes={EnterpriseSize.SMALL, EnterpriseSize.MICRO, EnterpriseSize.MEDIUM},
        ),
        official,
    )
    candidates = db.session.scalars(
        sa.select(Agreement)
        .where(Agreement.bank_id.in_([b.id for b in banks]))
        .order_by(Agreement.disbursed_amount.desc(), Agreement.id)
    )
    filed: list[PoolFiling] = []
    for agreement in candidates:
        if len(filed) == 4:
            break
        officer = db.session.get(User, agreement.officer_id)
        if (
            why_not(pool, agreement) is None
            and officer.role in (Role.BANK_OFFICER, Role.BANK_MANAGER)
            and sees_branch(officer, agreement.branch_id)
        ):
            filed.append(ledger.file_under(pool, agreement.id, officer))
    lossy = next((f for f in filed if f.agreement.disbursed_amount > 0), None)
    if lossy is not None:
        amount = (lossy.agreement.disbursed_amount / 4).quantize(Decimal("0.01"))
        loss = ledger.report_loss(
            lossy,
            db.session.get(User, lossy.agreement.officer_id),
            amount,
            today - timedelta(days=20),
            "企业停产，贷款逾期90天以上，经追偿仍无法收回部分。",
        )
        ledger.pay(loss, official, ledger.share_of(loss), today - timedelta(days=5), "县财政已拨付")
    return True
