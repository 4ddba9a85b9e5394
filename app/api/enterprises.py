"""Enterprise registration (public), profiles, and verification by officials."""

from __future__ import annotations

from flask_babel import gettext as _

from app.api import schemas
from app.api.common import SECURED, blueprint, field_names
from app.enterprises import quiet, services
from app.enterprises.quiet import RECEIVED
from app.enterprises.services import EnterpriseInput
from app.events.venue import REGISTRATION_LIMIT_SCOPE, registration_rate_limit
from app.extensions import limiter
from app.formatting import exact_wan
from app.models.enums import Role
from app.security import OVERSIGHT_ROLES, get_enterprise_or_404, public, request_user, roles

blp = blueprint("api_enterprises", "Enterprises: registration, profiles, verification")

NAMES = {
    "industry_code": "industry",
    "region_code": "region",
    "revenue_wan": "revenue",
    "total_assets_wan": "total_assets",
}


def _input(body: dict) -> EnterpriseInput:
    return EnterpriseInput(
        name=body["name"],
        credit_code=body["credit_code"],
        legal_representative=body["legal_representative"],
        contact_name=body["contact_name"],
        mobile=body["mobile"],
        email=body["email"],
        industry_code=body["industry"],
        region_code=body["region"],
        founded_on=body["founded_on"],
        employees=body["employees"],
        revenue_wan=exact_wan(body["revenue"]),
        total_assets_wan=exact_wan(body["total_assets"]),
        tax_rating=body["tax_rating"],
        first_loan=body["first_loan"],
    )


@blp.route("/enterprises", methods=["POST"])
@limiter.shared_limit(registration_rate_limit, scope=REGISTRATION_LIMIT_SCOPE)
@public
@blp.arguments(schemas.RegistrationSchema)
@blp.response(202, schemas.RegistrationReceivedSchema)
def register(body):
    """Register a company and its first account; it waits for an official to verify it.

    Every well-formed registration gets the same answer, whether or not its login or credit
    code is already on the platform (the owner is told instead, and a taken credit code goes
    to the region's officials as a claim). Sign in with the login to see the company
    (`GET /me`)."""
    user = body["user"]
    with field_names(NAMES):
        quiet.register_quietly(
            _input(body),
            user["password"],
            login_email=user["email"],
            login_mobile=user["mobile"],
        )
    return {"message": _(RECEIVED)}


@blp.route("/enterprises/<int(max=2147483647):enterprise_id>")
@roles(Role.ENTERPRISE, *OVERSIGHT_ROLES)
@blp.doc(**SECURED)
@blp.response(200, schemas.EnterpriseSchema)
def get_enterprise(enterprise_id: int):
    return get_enterprise_or_404(request_user(), enterprise_id)


@blp.route("/enterprises/<int(max=2147483647):enterprise_id>/verification", methods=["POST"])
@roles(*OVERSIGHT_ROLES)
@blp.doc(**SECURED)
@blp.arguments(schemas.VerificationSchema)
@blp.response(200, schemas.EnterpriseSchema)
def verification(body, enterprise_id: int):
    """An official verifies the company or rejects it with a reason."""
    official = request_user()
    enterprise = get_enterprise_or_404(official, enterprise_id)
    if body["decision"] == "verify":
        services.verify(enterprise, official)
    else:
        services.reject(enterprise, official, body["reason"])
    return enterprise
