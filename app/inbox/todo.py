"""Each role's to-do list on its home page: what waits on this reader, most urgent first."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app.agreements.disputes import open_cases
from app.engagements.services import PipelineItem, PipelineSearch, pipeline
from app.models import Agreement, Dispute, Engagement, Enterprise, Need, User, db
from app.models.engagement import AWAITING_BANK
from app.models.enums import AgreementStatus, EngagementStatus, EnterpriseStatus
from app.regions.scope import where_enterprise

SHOWN = 10


@dataclass(frozen=True)
class EnterpriseTodo:
    offers: list[Engagement]  # banks that picked a need up, waiting for the enterprise's answer
    agreements: list[Agreement]  # signed by the bank, waiting for the enterprise's confirmation


def enterprise_todo(user: User) -> EnterpriseTodo:
    offers = db.session.scalars(
        sa.select(Engagement)
        .join(Need, Need.id == Engagement.need_id)
        .where(
            Need.enterprise_id == user.enterprise_id,
            Engagement.status == EngagementStatus.PICKED_UP,
        )
        .options(sa.orm.joinedload(Engagement.bank))
        .order_by(Engagement.picked_up_at, Engagement.id)
    )
    agreements = db.session.scalars(
        sa.select(Agreement)
        .where(
            Agreement.enterprise_id == user.enterprise_id,
            Agreement.status == AgreementStatus.SIGNED,
        )
        .options(sa.orm.joinedload(Agreement.bank))
        .order_by(Agreement.id)
    )
    return EnterpriseTodo(list(offers), list(agreements))


def bank_todo(user: User) -> list[PipelineItem]:
    """The needs routed to the bank and not yet answered, nearest deadline first."""
    return pipeline(
        user.bank_id,
        sorted(AWAITING_BANK),
        PipelineSearch(sort="deadline"),
        per_page=SHOWN,
        viewer=user,
    ).items


@dataclass(frozen=True)
class OfficialTodo:
    verifications: list[Enterprise]  # waiting longest first
    disputes: list[Dispute]


def official_todo(user: User) -> OfficialTodo:
    pending = db.session.scalars(
        sa.select(Enterprise)
        .where(
            Enterprise.status == EnterpriseStatus.PENDING, *where_enterprise(user, Enterprise.id)
        )
        .order_by(Enterprise.created_at, Enterprise.id)
        .limit(SHOWN)
    )
    return OfficialTodo(list(pending), open_cases(user))
