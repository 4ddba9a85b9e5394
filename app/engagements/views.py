from flask import render_template, request

from app.engagements import bp, services
from app.models.enums import EngagementStatus
from app.security import BANK_ROLES, request_user, roles

PIPELINE_VIEWS = {
    "waiting": [EngagementStatus.ROUTED, EngagementStatus.OVERDUE],
    "working": [EngagementStatus.PICKED_UP, EngagementStatus.ACCEPTED],
    "closed": [EngagementStatus.DECLINED, EngagementStatus.REJECTED, EngagementStatus.CLOSED],
}


@bp.route("/bank/pipeline")
@roles(*BANK_ROLES)
def pipeline():
    user = request_user()
    view = request.args.get("view", "waiting")
    if view not in PIPELINE_VIEWS:
        view = "waiting"
    items = services.pipeline(user.bank_id, PIPELINE_VIEWS[view])
    return render_template(
        "engagements/pipeline.html", items=items, view=view, views=PIPELINE_VIEWS
    )
