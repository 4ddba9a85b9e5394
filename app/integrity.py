"""`flask integrity check`: every row that breaks a rule of the domain, so a bug or a manual
edit that slipped past the constraints is found the same day. Read-only."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa

from app.models import Agreement, AuditEntry, Disbursement, Dispute, Engagement, Need, db
from app.models.enums import AgreementStatus, EngagementStatus, NeedStatus

A = AgreementStatus
CLOSED_NEEDS = (NeedStatus.FUNDED, NeedStatus.WITHDRAWN, NeedStatus.EXPIRED)
WAITING_ON_BANK = (EngagementStatus.ROUTED, EngagementStatus.OVERDUE, EngagementStatus.PICKED_UP)


@dataclass(frozen=True)
class Problem:
    rule: str
    entity: str
    ids: tuple[int, ...]

    def __str__(self) -> str:
        return f"{self.rule}: {self.entity} {', '.join(map(str, self.ids))}"


def _ids(stmt) -> list[int]:
    return list(db.session.scalars(stmt))


def check() -> list[Problem]:
    problems: list[Problem] = []

    def add(rule: str, entity: str, ids) -> None:
        ids = tuple(sorted(set(ids)))
        if ids:
            problems.append(Problem(rule, entity, ids))

    add(
        "more than one live agreement on one engagement",
        "engagements",
        _ids(
            sa.select(Agreement.engagement_id)
            .where(Agreement.status != A.CANCELLED)
            .group_by(Agreement.engagement_id)
            .having(sa.func.count(Agreement.id) > 1)
        ),
    )
    add(
        "disbursed above the approved amount",
        "agreements",
        _ids(
            sa.select(Agreement.id).where(
                Agreement.disbursed_amount > sa.func.coalesce(Agreement.approved_amount, 0)
            )
        ),
    )
    tranche_sum = (
        sa.select(sa.func.coalesce(sa.func.sum(Disbursement.amount), 0))
        .where(Disbursement.agreement_id == Agreement.id)
        .scalar_subquery()
    )
    add(
        "disbursed amount differs from the sum of its tranches",
        "agreements",
        _ids(sa.select(Agreement.id).where(Agreement.disbursed_amount != tranche_sum)),
    )
    add(
        "disbursed without an approval",
        "agreements",
        _ids(
            sa.select(Agreement.id).where(
                Agreement.status == A.DISBURSED, Agreement.approved_amount.is_(None)
            )
        ),
    )
    tranches = set(db.session.scalars(sa.select(Disbursement.id)))
    confirmed = Counter(
        (entry.changes or {}).get("disbursement")
        for entry in db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "disbursement_received")
        )
    )
    add(
        "receipt confirmation without a tranche",
        "audit tranche ids",
        [t for t in confirmed if t is None or t not in tranches],
    )
    add(
        "receipt confirmed more than once",
        "disbursements",
        [t for t, n in confirmed.items() if n > 1 and t in tranches],
    )
    add(
        "disputed agreement without an open dispute, or an open dispute on an agreement not disputed",
        "agreements",
        _ids(
            sa.select(Agreement.id).where(
                (Agreement.status == A.DISPUTED)
                != sa.exists().where(
                    Dispute.agreement_id == Agreement.id, Dispute.closed_at.is_(None)
                )
            )
        ),
    )
    add(
        "closed need with an engagement still waiting on its bank",
        "engagements",
        _ids(
            sa.select(Engagement.id)
            .join(Need, Need.id == Engagement.need_id)
            .where(Need.status.in_(CLOSED_NEEDS), Engagement.status.in_(WAITING_ON_BANK))
        ),
    )
    add(
        "engagement closed by its need but not closed",
        "engagements",
        _ids(
            sa.select(Engagement.id).where(
                Engagement.closed_reason.is_not(None),
                Engagement.status != EngagementStatus.CLOSED,
            )
        ),
    )
    add(
        "summary facts differ from their agreements",
        "agreements",
        _facts_out_of_step(),
    )
    return problems


def _facts_out_of_step() -> list[int]:
    """Agreements whose kept facts (or tranches) are not what they would be rewritten as."""
    from app.models import SummaryFact, SummaryTranche
    from app.reports.keeping import FACT_COLUMNS, TRANCHE_COLUMNS, facts_select, tranches_select

    def kept(table, names) -> dict:
        wanted = [table.c[n] for n in names if n != "seq"]
        return {row[0]: tuple(row) for row in db.session.execute(sa.select(*wanted))}

    def fresh(select, names) -> dict:
        wanted = [c for c, n in zip(select.selected_columns, names, strict=True) if n != "seq"]
        return {row[0]: tuple(row) for row in db.session.execute(select.with_only_columns(*wanted))}

    held, wanted = kept(SummaryFact.__table__, FACT_COLUMNS), fresh(facts_select(0), FACT_COLUMNS)
    wrong = {i for i in held.keys() | wanted.keys() if held.get(i) != wanted.get(i)}
    held = kept(SummaryTranche.__table__, TRANCHE_COLUMNS)
    wanted = fresh(tranches_select(0), TRANCHE_COLUMNS)
    for i in held.keys() | wanted.keys():
        if held.get(i) != wanted.get(i):
            wrong.add((held.get(i) or wanted.get(i))[1])  # the tranche's agreement
    return sorted(wrong)
