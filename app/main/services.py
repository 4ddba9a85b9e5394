"""What each role's home page shows; read-only queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from app import clock
from app.inbox.services import unread_count
from app.models import (
    Agreement,
    Bank,
    Branch,
    Engagement,
    Enterprise,
    Need,
    Product,
    User,
    db,
)
from app.models.engagement import AWAITING_BANK
from app.models.enums import (
    AgreementStatus,
    EngagementStatus,
    EnterpriseStatus,
    NeedStatus,
    ProductStatus,
    Role,
)
from app.regions.branches import where_branch
from app.regions.scope import where_enterprise, where_need
from app.reports.filters import Filters, home_region_of
from app.reports.headline import Headline, headline
from app.reports.rates import Response, responses


def unread_notifications(user: User) -> int:
    return unread_count(user)


@dataclass(frozen=True)
class EnterpriseHome:
    enterprise: Enterprise
    needs: list[Need]
    interests_waiting: int
    agreements_to_confirm: int
    programmes: list = field(default_factory=list)  # subsidy programmes it may qualify for


def enterprise_home(user: User) -> EnterpriseHome:
    enterprise = user.enterprise
    needs = list(
        db.session.scalars(
            sa.select(Need)
            .where(Need.enterprise_id == enterprise.id)
            .order_by(Need.created_at.desc())
        )
    )
    interests = (
        db.session.scalar(
            sa.select(sa.func.count(Engagement.id))
            .join(Need, Need.id == Engagement.need_id)
            .where(
                Need.enterprise_id == enterprise.id, Engagement.status == EngagementStatus.PICKED_UP
            )
        )
        or 0
    )
    to_confirm = (
        db.session.scalar(
            sa.select(sa.func.count(Agreement.id)).where(
                Agreement.enterprise_id == enterprise.id, Agreement.status == AgreementStatus.SIGNED
            )
        )
        or 0
    )
    from app.programmes.services import qualifying

    return EnterpriseHome(enterprise, needs, interests, to_confirm, qualifying(enterprise))


@dataclass(frozen=True)
class BankHome:
    bank: Bank
    branch: Branch
    products: list[Product]
    engagements_by_status: dict[EngagementStatus, int]
    waiting: int
    officers: list[User]
    response: Response  # the bank's own figures, defined as in the league table
    landing_rate: Decimal | None

    @property
    def published_products(self) -> int:
        return sum(1 for p in self.products if p.status is ProductStatus.PUBLISHED)


def bank_home(user: User) -> BankHome:
    branch = user.branch
    bank = branch.bank
    products = list(
        db.session.scalars(
            sa.select(Product).where(Product.bank_id == bank.id).order_by(Product.name)
        )
    )
    # Counted over the branches the user's pipeline shows, so each count leads to as many needs.
    counts = dict(
        db.session.execute(
            sa.select(Engagement.status, sa.func.count(Engagement.id))
            .where(Engagement.bank_id == bank.id, *where_branch(user, Engagement.branch_id))
            .group_by(Engagement.status)
        ).all()
    )
    officers: list[User] = []
    if user.role is Role.BANK_MANAGER:
        officers = list(
            db.session.scalars(
                sa.select(User)
                .join(Branch, Branch.id == User.branch_id)
                .where(Branch.bank_id == bank.id)
                .order_by(User.role, User.name)
            )
        )
    waiting = sum(counts.get(s, 0) for s in AWAITING_BANK)
    own = Filters(bank_id=bank.id)
    response = responses(own, clock.today()).get(bank.id, Response(0, 0, 0, 0, 0, 0.0))
    return BankHome(
        bank, branch, products, counts, waiting, officers, response, headline(own).landing_rate
    )


@dataclass(frozen=True)
class OversightHome:
    pending_enterprises: int
    verified_enterprises: int
    open_needs: int
    overdue_engagements: int
    headline: Headline


def oversight_home(user: User | None = None, language: str = "zh") -> OversightHome:
    """The overview; an official with a home region sees that region's subtree."""

    def count(stmt) -> int:
        return db.session.scalar(stmt) or 0

    mine = where_enterprise(user, Enterprise.id) if user is not None else []
    mine_needs = where_enterprise(user, Need.enterprise_id) if user is not None else []
    mine_engagements = where_need(user, Engagement.need_id) if user is not None else []
    home = home_region_of(user) if user is not None else None
    return OversightHome(
        pending_enterprises=count(
            sa.select(sa.func.count(Enterprise.id)).where(
                Enterprise.status == EnterpriseStatus.PENDING, *mine
            )
        ),
        verified_enterprises=count(
            sa.select(sa.func.count(Enterprise.id)).where(
                Enterprise.status == EnterpriseStatus.VERIFIED, *mine
            )
        ),
        open_needs=count(
            sa.select(sa.func.count(Need.id)).where(
                Need.status.in_([NeedStatus.OPEN, NeedStatus.IN_TALKS]), *mine_needs
            )
        ),
        overdue_engagements=count(
            sa.select(sa.func.count(Engagement.id)).where(
                Engagement.status == EngagementStatus.OVERDUE, *mine_engagements
            )
        ),
        headline=headline(Filters(region=home.code if home else ""), language=language),
    )
