"""Banks in the regions' hierarchy. A bank's branches form a tree that follows their service
regions (province branch → city branch → county sub-branch): a branch's parent is the bank's
branch whose region lies closest above its own. A need goes to the branch serving the
enterprise's place most closely; its officers see it, and a manager sees the branches below
theirs, in the pipeline and in the figures alike."""

from __future__ import annotations

import sqlalchemy as sa

from app.models import Branch, Region, User, db
from app.models.enums import Role
from app.regions import services


def closest_branch(bank_id: int, region_code: str | None) -> Branch | None:
    """The active branch of `bank_id` serving `region_code` most closely among those with
    active staff (a town office nobody works at would leave the need unseen by any officer),
    else the closest at all; None when no branch of the bank lies on the place's chain."""
    region = services.get(region_code)
    if region is None:
        return None
    staffed = (
        sa.select(User.id)
        .where(
            User.branch_id == Branch.id,
            User.active.is_(True),
            User.role.in_(
                [
                    Role.BANK_OFFICER,
                    Role.BANK_MANAGER,
                    Role.GUARANTEE_OFFICER,
                    Role.GUARANTEE_MANAGER,
                ]
            ),
        )
        .exists()
    )
    return db.session.scalars(
        sa.select(Branch)
        .join(Region, Region.code == Branch.region_code)
        .where(
            Branch.bank_id == bank_id,
            Branch.active.is_(True),
            Branch.region_code.in_(region.ancestor_codes),
        )
        .order_by(
            sa.case((staffed, 0), else_=1),
            sa.func.length(Region.path).desc(),
            Branch.id,
        )
        .limit(1)
    ).first()


def _chains(bank_id: int) -> list[tuple[Branch, list[str]]]:
    rows = db.session.execute(
        sa.select(Branch, Region.path)
        .join(Region, Region.code == Branch.region_code)
        .where(Branch.bank_id == bank_id)
        .order_by(sa.func.length(Region.path), Branch.id)
    )
    return [(branch, [c for c in path.split("/") if c]) for branch, path in rows]


def arrange(bank_id: int) -> None:
    """Set every branch's parent from the service regions: the branch whose region is the
    nearest strict ancestor of its own (the earliest created, among several there). Two
    branches in one region are siblings. Called whenever a branch is added or moved."""
    chains = _chains(bank_id)
    first_in: dict[str, Branch] = {}
    for branch, chain in chains:
        first_in.setdefault(chain[-1], branch)
    for branch, chain in chains:
        parent = next((first_in[c] for c in reversed(chain[:-1]) if c in first_in), None)
        branch.parent_id = parent.id if parent is not None else None
    db.session.flush()


def subtree_ids(branch: Branch) -> list[int]:
    """The branch and every branch below it (one query for the bank's branches; the tree is
    walked here, not by a recursive query)."""
    children: dict[int | None, list[int]] = {}
    for branch_id, parent_id in db.session.execute(
        sa.select(Branch.id, Branch.parent_id).where(Branch.bank_id == branch.bank_id)
    ):
        children.setdefault(parent_id, []).append(branch_id)
    found, todo = [], [branch.id]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return sorted(found)


def visible_branch_ids(user: User) -> list[int] | None:
    """The branches whose work `user` sees: an officer their own branch, a manager their
    branch and the branches below it; None: the whole bank (a manager at the bank's top)."""
    branch = user.branch
    if branch is None:
        return None
    if user.role.is_manager:
        return None if branch.parent_id is None else subtree_ids(branch)
    return [branch.id]


def where_branch(user: User, column) -> list:
    """Conditions limiting a query on a branch-id `column` (engagements, agreements) to the
    branches `user` sees; work no branch was named for stays visible to the whole bank."""
    ids = visible_branch_ids(user)
    return [] if ids is None else [sa.or_(column.in_(ids), column.is_(None))]


def sees_branch(user: User, branch_id: int | None) -> bool:
    ids = visible_branch_ids(user)
    return ids is None or branch_id is None or branch_id in ids
