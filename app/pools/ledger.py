"""What a pool carries: loans filed under it by their banks (备案), losses the banks report on
them and the compensation the pool pays.

Exposure is the disbursed principal of the loans under the pool, less the losses reported on
them. The platform does not follow repayments, so a loan repaid in full stays in the exposure
until its bank reports otherwise; the figure is an upper bound, said so on the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app import clock
from app.agreements import services as agreements
from app.audit import record
from app.errors import FieldErrors, ValidationFailed, WrongState
from app.formatting import plain_wan
from app.models import Agreement, PoolFiling, PoolLoss, PoolPayout, RiskPool, User, db
from app.models.agreement import COUNTED_AGREEMENT_STATUSES
from app.models.enums import AgreementStatus, Role
from app.pools.eligibility import why_not
from app.regions.branches import where_branch
from app.regions.scope import sees
from app.security import BANK_ROLES

CENT = Decimal("0.01")
FILABLE_SHOWN = 200  # the newest; an older loan is filed through the API by its id
ZERO = Decimal("0.00")


# Filing ------------------------------------------------------------------------------


def file_under(pool: RiskPool, agreement_id: int, actor: User) -> PoolFiling:
    """The bank files its loan under the pool; refused with the reason when it does not fit."""
    agreement = agreements.get_for(actor, agreement_id) if actor.role in BANK_ROLES else None
    if agreement is None:
        raise ValidationFailed(_l("Choose one of your bank's agreements."), field="agreement_id")
    reason = why_not(pool, agreement)
    if reason:
        raise WrongState(reason, field="agreement_id")
    filing = PoolFiling(
        pool_id=pool.id, agreement_id=agreement.id, bank_id=agreement.bank_id, filed_by_id=actor.id
    )
    try:
        with db.session.begin_nested():
            db.session.add(filing)
            db.session.flush()
    except IntegrityError:
        raise WrongState(
            _l("This loan is already filed under a pool."), field="agreement_id"
        ) from None
    record(actor, "pool_loan_filed", filing.agreement, note=pool.name)
    db.session.commit()
    return filing


def filable(pool: RiskPool, user: User) -> list[Agreement]:
    """The bank user's agreements that fit the pool and are under no pool yet."""
    if user.role not in BANK_ROLES:
        return []
    filed = sa.select(PoolFiling.agreement_id)
    covered = (
        []
        if user.bank_id in {b.id for b in pool.banks}
        else [Agreement.product_id.in_([p.id for p in pool.products])]
    )
    candidates = db.session.scalars(
        sa.select(Agreement)
        .where(
            Agreement.bank_id == user.bank_id,
            *where_branch(user, Agreement.branch_id),
            *covered,
            Agreement.id.not_in(filed),
            Agreement.status.in_(COUNTED_AGREEMENT_STATUSES),
            Agreement.signed_on.between(pool.starts_on, pool.ends_on),
        )
        .order_by(Agreement.signed_on.desc(), Agreement.id.desc())
        .limit(FILABLE_SHOWN)
    )
    return [a for a in candidates if why_not(pool, a) is None]


def filings_seen_by(pool: RiskPool, user: User | None) -> list[PoolFiling]:
    """Officials of the pool's region see every loan under it; a bank its own; others none."""
    stmt = sa.select(PoolFiling).where(PoolFiling.pool_id == pool.id)
    if user is None:
        return []
    if user.role in BANK_ROLES:
        stmt = stmt.join(Agreement, Agreement.id == PoolFiling.agreement_id).where(
            PoolFiling.bank_id == user.bank_id, *where_branch(user, Agreement.branch_id)
        )
    elif not (user.role in (Role.OFFICIAL, Role.ADMIN) and sees(user, pool.region_code)):
        return []
    return list(db.session.scalars(stmt.order_by(PoolFiling.id)))


def get_filing_for_bank(user: User, filing_id: int) -> PoolFiling | None:
    filing = db.session.get(PoolFiling, filing_id)
    if filing is None or user.role not in BANK_ROLES:
        return None
    return filing if agreements.get_for(user, filing.agreement_id) is not None else None


def get_loss_for_official(user: User, loss_id: int) -> PoolLoss | None:
    loss = db.session.get(PoolLoss, loss_id)
    if loss is None or user.role is not Role.OFFICIAL:
        return None
    return loss if sees(user, loss.filing.pool.region_code) else None


# Losses ------------------------------------------------------------------------------


def losses_on(filing_id: int) -> Decimal:
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(PoolLoss.amount), 0)).where(
            PoolLoss.filing_id == filing_id
        )
    )
    return Decimal(total or 0).quantize(CENT)


def outstanding(filing: PoolFiling) -> Decimal:
    """Disbursed principal not yet reported lost."""
    return max(filing.agreement.disbursed_amount - losses_on(filing.id), ZERO)


def report_loss(
    filing: PoolFiling, actor: User, amount: Decimal | None, occurred_on: date | None, note: str
) -> PoolLoss:
    """The bank reports a loss; never more than the principal disbursed and not yet lost."""
    # Two reports at once must not both fit under the same outstanding principal.
    db.session.execute(sa.select(PoolFiling.id).where(PoolFiling.id == filing.id).with_for_update())
    errors = FieldErrors()
    left = outstanding(filing)
    if amount is None or amount <= 0:
        errors.add("amount", _l("Enter the loss, more than 0."))
    elif amount.quantize(CENT) != amount:
        errors.add("amount", _l("At most two decimals (fen)."))
    elif amount > left:
        errors.add(
            "amount",
            _l(
                "At most the principal disbursed and not yet reported lost: %(left)s 万元.",
                left=plain_wan(left),
            ),
        )
    tranches = [d.disbursed_on for d in filing.agreement.disbursements]
    first_paid = min(tranches) if tranches else filing.agreement.approved_on
    if occurred_on is None:
        errors.add("occurred_on", _l("Enter the date of the loss."))
    elif occurred_on > clock.today():
        errors.add("occurred_on", _l("The loss cannot be in the future."))
    elif filing.agreement.disbursed_amount <= 0 or (first_paid and occurred_on < first_paid):
        errors.add("occurred_on", _l("A loss can only be on money already disbursed."))
    errors.raise_if_any()
    loss = PoolLoss(
        filing_id=filing.id,
        pool_id=filing.pool_id,
        amount=amount,
        occurred_on=occurred_on,
        note=(note or "").strip(),
        reported_by_id=actor.id,
    )
    db.session.add(loss)
    db.session.flush()
    record(actor, "pool_loss_reported", filing.agreement, changes={"loss": amount})
    db.session.commit()
    return loss


# Payouts -----------------------------------------------------------------------------


def share_of(loss: PoolLoss) -> Decimal:
    """The most the pool may pay on `loss`: its share, rounded down to the fen."""
    return (loss.amount * loss.filing.pool.loss_share / 100).quantize(CENT, rounding=ROUND_DOWN)


def paid_from(pool_id: int) -> Decimal:
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(PoolPayout.amount), 0)).where(
            PoolPayout.pool_id == pool_id
        )
    )
    return Decimal(total or 0).quantize(CENT)


def pay(
    loss: PoolLoss, actor: User, amount: Decimal | None, paid_on: date | None, note: str
) -> PoolPayout:
    """The official records the compensation paid on a loss: once per loss, within the pool's
    share of it and within the budget left. The pool's row is locked while the budget is read,
    so two payouts at once cannot both spend the same money."""
    pool = db.session.scalars(
        sa.select(RiskPool)
        .where(RiskPool.id == loss.pool_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if db.session.scalar(sa.select(PoolPayout.id).where(PoolPayout.loss_id == loss.id)):
        raise WrongState(_l("The compensation on this loss is already recorded."))
    errors = FieldErrors()
    budget_left = pool.budget - paid_from(pool.id)
    most = share_of(loss)
    if amount is None or amount <= 0:
        errors.add("amount", _l("Enter the compensation paid, more than 0."))
    elif amount.quantize(CENT) != amount:
        errors.add("amount", _l("At most two decimals (fen)."))
    elif amount > most:
        errors.add(
            "amount",
            _l(
                "At most the pool's share of the loss (%(share)s %%): %(most)s 万元.",
                share=f"{pool.loss_share.normalize():f}",
                most=plain_wan(most),
            ),
        )
    elif amount > budget_left:
        errors.add(
            "amount",
            _l("At most the budget left: %(left)s 万元.", left=plain_wan(budget_left)),
        )
    if paid_on is None:
        errors.add("paid_on", _l("Enter the date it was paid."))
    elif paid_on > clock.today():
        errors.add("paid_on", _l("The payment cannot be in the future."))
    elif paid_on < loss.occurred_on:
        errors.add("paid_on", _l("The payment cannot come before the loss."))
    errors.raise_if_any()
    payout = PoolPayout(
        loss_id=loss.id,
        pool_id=pool.id,
        amount=amount,
        paid_on=paid_on,
        note=(note or "").strip(),
        recorded_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(payout)
            db.session.flush()
    except IntegrityError:
        raise WrongState(_l("The compensation on this loss is already recorded.")) from None
    record(actor, "pool_payout_recorded", pool, changes={"payout": amount, "loss": loss.id})
    db.session.commit()
    return payout


# Figures -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolFigures:
    loans: int
    enterprises: int
    signed: Decimal
    disbursed: Decimal
    exposure: Decimal
    losses: Decimal
    paid: Decimal
    budget: Decimal

    @property
    def budget_left(self) -> Decimal:
        return self.budget - self.paid


def _live_filings(pool_ids):
    return (
        sa.select(
            PoolFiling.pool_id,
            sa.func.count(PoolFiling.id).label("loans"),
            sa.func.count(sa.distinct(Agreement.enterprise_id)).label("enterprises"),
            sa.func.coalesce(sa.func.sum(Agreement.amount), 0).label("signed"),
            sa.func.coalesce(sa.func.sum(Agreement.disbursed_amount), 0).label("disbursed"),
        )
        .join(Agreement, Agreement.id == PoolFiling.agreement_id)
        .where(PoolFiling.pool_id.in_(pool_ids), Agreement.status != AgreementStatus.CANCELLED)
        .group_by(PoolFiling.pool_id)
    )


def _sums(model, pool_ids) -> dict[int, Decimal]:
    rows = db.session.execute(
        sa.select(model.pool_id, sa.func.sum(model.amount))
        .where(model.pool_id.in_(pool_ids))
        .group_by(model.pool_id)
    )
    return {pool_id: Decimal(total).quantize(CENT) for pool_id, total in rows}


def figures_of(pools: list[RiskPool]) -> dict[int, PoolFigures]:
    """Each pool's loans, exposure, losses, payouts and budget, in four queries for all."""
    ids = [p.id for p in pools]
    if not ids:
        return {}
    filed = {row.pool_id: row for row in db.session.execute(_live_filings(ids))}
    losses = _sums(PoolLoss, ids)
    paid = _sums(PoolPayout, ids)
    found = {}
    for pool in pools:
        row = filed.get(pool.id)
        disbursed = Decimal(row.disbursed if row else 0).quantize(CENT)
        lost = losses.get(pool.id, ZERO)
        found[pool.id] = PoolFigures(
            loans=row.loans if row else 0,
            enterprises=row.enterprises if row else 0,
            signed=Decimal(row.signed if row else 0).quantize(CENT),
            disbursed=disbursed,
            exposure=max(disbursed - lost, ZERO),
            losses=lost,
            paid=paid.get(pool.id, ZERO),
            budget=pool.budget,
        )
    return found
