"""Engagements: a bank's pipeline and an enterprise's interests, and the answers to them."""

from __future__ import annotations

import sqlalchemy as sa

from app.api import schemas
from app.api.common import SECURED, blueprint, or_404, page
from app.engagements import services
from app.models import Engagement, Need
from app.models.enums import Role
from app.regions.branches import where_branch
from app.regions.scope import where_need
from app.security import BANK_ROLES, OVERSIGHT_ROLES, request_user, roles

blp = blueprint("api_engagements", "Engagements: one bank working one need")

EVERYONE = (Role.ENTERPRISE, *BANK_ROLES, *OVERSIGHT_ROLES)


def _engagement(engagement_id: int) -> Engagement:
    return or_404(services.get_for(request_user(), engagement_id))


@blp.route("/engagements")
@roles(*EVERYONE)
@blp.doc(**SECURED)
@blp.arguments(schemas.EngagementQuerySchema, location="query")
@blp.response(200, schemas.page_of(schemas.EngagementSchema, "EngagementPage", sync=True))
def list_engagements(args):
    """A bank's pipeline (best score first), an enterprise's interests, or all for officials.
    The enterprise's name and contacts appear only once it has accepted the bank."""
    user = request_user()
    stmt = sa.select(Engagement).options(
        sa.orm.joinedload(Engagement.need).joinedload(Need.enterprise)
    )
    if user.role in BANK_ROLES:
        stmt = stmt.where(
            Engagement.bank_id == user.bank_id, *where_branch(user, Engagement.branch_id)
        )
    elif user.role is Role.ENTERPRISE:
        stmt = stmt.join(Need, Need.id == Engagement.need_id).where(
            Need.enterprise_id == user.enterprise_id
        )
    stmt = stmt.where(*where_need(user, Engagement.need_id))
    if args["status"] is not None:
        stmt = stmt.where(Engagement.status == args["status"])
    if args["need"] is not None:
        stmt = stmt.where(Engagement.need_id == args["need"])
    if args["branch"] is not None:
        stmt = stmt.where(Engagement.branch_id == args["branch"])
    stmt = stmt.order_by(
        Engagement.score.desc().nulls_last(), Engagement.routed_at.desc(), Engagement.id
    )
    found = page(stmt, args, Engagement)
    services.log_identity_views(user, found["items"])
    return found


@blp.route("/engagements/<int(max=2147483647):engagement_id>")
@roles(*EVERYONE)
@blp.doc(**SECURED)
@blp.response(200, schemas.EngagementSchema)
def get_engagement(engagement_id: int):
    engagement = _engagement(engagement_id)
    services.log_identity_views(request_user(), [engagement])
    return engagement


@blp.route("/engagements/<int(max=2147483647):engagement_id>/pick-up", methods=["POST"])
@roles(*BANK_ROLES)
@blp.doc(**SECURED)
@blp.arguments(schemas.VersionSchema)
@blp.response(200, schemas.EngagementSchema)
def pick_up(body, engagement_id: int):
    """接单: the bank takes the need on before its deadline."""
    return services.pick_up(_engagement(engagement_id), request_user(), body["version"])


@blp.route("/engagements/<int(max=2147483647):engagement_id>/decline", methods=["POST"])
@roles(*BANK_ROLES)
@blp.doc(**SECURED)
@blp.arguments(schemas.DeclineSchema)
@blp.response(200, schemas.EngagementSchema)
def decline(body, engagement_id: int):
    """The bank declines with a reason (`other` needs a note)."""
    return services.decline(
        _engagement(engagement_id), request_user(), body["reason"], body["note"], body["version"]
    )


@blp.route("/engagements/<int(max=2147483647):engagement_id>/accept", methods=["POST"])
@roles(Role.ENTERPRISE)
@blp.doc(**SECURED)
@blp.arguments(schemas.VersionSchema)
@blp.response(200, schemas.EngagementSchema)
def accept(body, engagement_id: int):
    """The enterprise accepts the bank and shares its profile and contacts with it alone."""
    return services.accept(_engagement(engagement_id), request_user(), body["version"])


@blp.route("/engagements/<int(max=2147483647):engagement_id>/reject", methods=["POST"])
@roles(Role.ENTERPRISE)
@blp.doc(**SECURED)
@blp.arguments(schemas.VersionSchema)
@blp.response(200, schemas.EngagementSchema)
def reject(body, engagement_id: int):
    return services.reject(_engagement(engagement_id), request_user(), body["version"])
