"""A guarantee agency's pipeline over the API, as its portal has it (/agency): the needs sent to
the agency asking for a guarantee, picked up, guaranteed or declined through the same services
(app.guarantees.services), each answer checked against the `version` read."""

from __future__ import annotations

from marshmallow import Schema, fields

from app.api import schemas
from app.api.common import SECURED, blueprint, found_before_body, or_404, page
from app.engagements.services import log_identity_views
from app.guarantees import services
from app.guarantees.agreements import guaranteeing_agreement_id
from app.models import Engagement
from app.security import AGENCY_ROLES, request_user, roles

blp = blueprint(
    "api_agency",
    "A guarantee agency's pipeline: needs asking for a government guarantee, sent to the "
    "caller's agency beside the banks that would lend",
)


class GuaranteeEngagementSchema(schemas.EngagementSchema):
    guarantee_product_id = fields.Integer(
        required=True, metadata={"description": "the agency's guarantee product it was sent under"}
    )
    guarantee_approved_at = fields.AwareDateTime(
        allow_none=True,
        metadata={"description": "when the agency agreed to guarantee; null until it has"},
    )


class BankBesideSchema(Schema):
    bank_id = fields.Integer(required=True)
    bank_name = fields.String(attribute="bank.short_name", required=True)
    product_id = fields.Integer(allow_none=True, required=True)
    product_name = fields.Function(
        lambda e: e.product.name if e.product else None, allow_none=True, required=True
    )


class GuaranteeEngagementDetailSchema(GuaranteeEngagementSchema):
    banks = fields.Method(
        "_banks",
        required=True,
        metadata={
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "bank_id": {"type": "integer"},
                    "bank_name": {"type": "string"},
                    "product_id": {"type": "integer", "nullable": True},
                    "product_name": {"type": "string", "nullable": True},
                },
                "required": ["bank_id", "bank_name", "product_id", "product_name"],
            },
            "description": "the banks working on the same need, whose loan would be guaranteed",
        },
    )
    guaranteeing_agreement_id = fields.Function(
        guaranteeing_agreement_id,
        allow_none=True,
        required=True,
        metadata={
            "type": "integer",
            "description": "the live agreement that records this guarantee: while it lives "
            "the agency can no longer decline",
        },
    )

    def _banks(self, engagement) -> list[dict]:
        return BankBesideSchema(many=True).dump(services.banks_beside(engagement))


def _engagement(engagement_id: int) -> Engagement:
    """The agency's own engagement, in a branch the caller sees; any other id is not found."""
    return or_404(services.get_engagement_for(request_user(), engagement_id))


@blp.route("/agency/engagements")
@roles(*AGENCY_ROLES)
@blp.doc(**SECURED)
@blp.arguments(schemas.EngagementQuerySchema, location="query")
@blp.response(200, schemas.page_of(GuaranteeEngagementSchema, "GuaranteeEngagementPage", sync=True))
def list_agency_engagements(args):
    """The agency's pipeline, nearest deadline first: the needs sent to the caller's agency
    that the caller's branch sees. The enterprise's name and contacts appear only once it has
    accepted the agency."""
    user = request_user()
    stmt = services.pipeline_select(user)
    if args["status"] is not None:
        stmt = stmt.where(Engagement.status == args["status"])
    if args["need"] is not None:
        stmt = stmt.where(Engagement.need_id == args["need"])
    if args["branch"] is not None:
        stmt = stmt.where(Engagement.branch_id == args["branch"])
    found = page(stmt, args, Engagement)
    log_identity_views(user, found["items"])
    return found


@blp.route("/agency/engagements/<int(max=2147483647):engagement_id>")
@roles(*AGENCY_ROLES)
@blp.doc(**SECURED)
@blp.response(200, GuaranteeEngagementDetailSchema)
def get_agency_engagement(engagement_id: int):
    """One need sent to the agency, with the banks beside it and the agreement (if any) that
    records its guarantee."""
    engagement = _engagement(engagement_id)
    log_identity_views(request_user(), [engagement])
    return engagement


@blp.route("/agency/engagements/<int(max=2147483647):engagement_id>/pick-up", methods=["POST"])
@roles(*AGENCY_ROLES)
@blp.doc(**SECURED)
@found_before_body(_engagement, "engagement_id", "engagement")
@blp.arguments(schemas.VersionSchema)
@blp.response(200, GuaranteeEngagementSchema)
def pick_up_agency_engagement(body, engagement: Engagement):
    """接单: the agency takes the need on; its first answer is timed against the deadline a
    bank has."""
    return services.pick_up(engagement, request_user(), body["version"])


@blp.route("/agency/engagements/<int(max=2147483647):engagement_id>/approve", methods=["POST"])
@roles(*AGENCY_ROLES)
@blp.doc(**SECURED)
@found_before_body(_engagement, "engagement_id", "engagement")
@blp.arguments(schemas.VersionSchema)
@blp.response(200, GuaranteeEngagementSchema)
def approve_guarantee(body, engagement: Engagement):
    """The agency agrees to guarantee the loan (once picked up): a bank's agreement on the
    need then records the agency and its fee. The portal asks for nothing more."""
    return services.approve(engagement, request_user(), body["version"])


@blp.route("/agency/engagements/<int(max=2147483647):engagement_id>/decline", methods=["POST"])
@roles(*AGENCY_ROLES)
@blp.doc(**SECURED)
@found_before_body(_engagement, "engagement_id", "engagement")
@blp.arguments(schemas.DeclineSchema)
@blp.response(200, GuaranteeEngagementSchema)
def decline_guarantee(body, engagement: Engagement):
    """The agency will not guarantee, with a reason the enterprise reads (`other` needs a
    note); refused while a live agreement records its guarantee."""
    return services.decline(
        engagement, request_user(), body["reason"], body["note"], body["version"]
    )
