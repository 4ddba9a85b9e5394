"""Financing needs: drafting, publishing, editing, withdrawing, and their matches."""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa

from app.api import schemas
from app.api.common import SECURED, blueprint, field_names, found_before_body, or_404, page
from app.formatting import exact_wan
from app.i18n import current_language
from app.matches import services as matches
from app.models import Need
from app.models.enums import Role
from app.needs import services
from app.needs.services import NeedInput
from app.regions.scope import where_enterprise
from app.security import OVERSIGHT_ROLES, request_user, roles

blp = blueprint("api_needs", "Financing needs and the products matched to them")

NEED_ROLES = (Role.ENTERPRISE, *OVERSIGHT_ROLES)
# API field -> (NeedInput attribute, conversion)
ATTRIBUTES = {
    "amount": ("amount_wan", exact_wan),
    "term_months": ("term_months", None),
    "purpose": ("purpose", None),
    "guarantees": ("guarantees", set),
    "collateral": ("collateral", set),
    "max_rate": ("max_rate", None),
    "needed_by": ("needed_by", None),
    "description": ("description", None),
}
NAMES = {attribute: key for key, (attribute, _) in ATTRIBUTES.items() if attribute != key}


def _attributes(body: dict) -> dict:
    return {
        attribute: convert(body[key]) if convert else body[key]
        for key, (attribute, convert) in ATTRIBUTES.items()
        if key in body
    }


def _input(body: dict) -> NeedInput:
    return NeedInput(**_attributes(body))


def _need(need_id: int) -> Need:
    return or_404(services.get_for(request_user(), need_id))


@blp.route("/needs")
@roles(*NEED_ROLES)
@blp.doc(**SECURED)
@blp.arguments(schemas.NeedQuerySchema, location="query")
@blp.response(200, schemas.page_of(schemas.NeedSchema, "NeedPage", sync=True))
def list_needs(args):
    """An enterprise's own needs; officials see every need."""
    user = request_user()
    stmt = sa.select(Need).order_by(Need.created_at.desc(), Need.id.desc())
    if user.role is Role.ENTERPRISE:
        stmt = stmt.where(Need.enterprise_id == user.enterprise_id)
    stmt = stmt.where(*where_enterprise(user, Need.enterprise_id))
    if args["status"] is not None:
        stmt = stmt.where(Need.status == args["status"])
    return page(stmt, args, Need)


@blp.route("/needs", methods=["POST"])
@roles(Role.ENTERPRISE)
@blp.doc(**SECURED)
@blp.arguments(schemas.NewNeedSchema)
@blp.response(201, schemas.NeedSchema)
def create_need(body):
    """A draft, or with `"publish": true` posted at once (the enterprise must be verified)."""
    user = request_user()
    with field_names(NAMES):
        return services.create(user.enterprise, _input(body), user, post=body["publish"])


@blp.route("/needs/<int(max=2147483647):need_id>")
@roles(*NEED_ROLES)
@blp.doc(**SECURED)
@blp.response(200, schemas.NeedSchema)
def get_need(need_id: int):
    return _need(need_id)


@blp.route("/needs/<int(max=2147483647):need_id>", methods=["PATCH"])
@roles(Role.ENTERPRISE)
@blp.doc(**SECURED)
@found_before_body(_need, "need_id", "need")
@blp.arguments(schemas.NeedPatchSchema)
@blp.response(200, schemas.NeedSchema)
def update_need(body, need: Need):
    """A JSON Merge Patch (RFC 7396): send only the fields to change, with the `version` you
    read (a stale version answers 409); lists are replaced whole. The whole need is checked
    again as merged."""
    merged = replace(NeedInput.from_need(need), **_attributes(body))
    with field_names(NAMES):
        services.update(need, merged, request_user(), body["version"])
    return need


@blp.route("/needs/<int(max=2147483647):need_id>/publish", methods=["POST"])
@roles(Role.ENTERPRISE)
@blp.doc(**SECURED)
@blp.arguments(schemas.VersionSchema)
@blp.response(200, schemas.NeedSchema)
def publish_need(body, need_id: int):
    return services.post(_need(need_id), request_user(), body["version"])


@blp.route("/needs/<int(max=2147483647):need_id>/withdraw", methods=["POST"])
@roles(Role.ENTERPRISE)
@blp.doc(**SECURED)
@blp.arguments(schemas.VersionSchema)
@blp.response(200, schemas.NeedSchema)
def withdraw_need(body, need_id: int):
    return services.withdraw(_need(need_id), request_user(), body["version"])


@blp.route("/needs/<int(max=2147483647):need_id>/matches")
@roles(*NEED_ROLES)
@blp.doc(**SECURED)
@blp.response(200, schemas.MatchesSchema)
def need_matches(need_id: int):
    """Ranked eligible products with each criterion's reason and points, then near misses."""
    need = _need(need_id)
    language = current_language()
    eligible, near = matches.matches_for(need)

    def reason(r) -> dict:
        return {
            "criterion": r.criterion,
            "passed": r.passed,
            "points": r.points,
            "message": r.message(language),
            "fix": r.fix(language),
        }

    return {
        "eligible": [
            {
                "product_id": m.product.id,
                "bank_id": m.product.bank_id,
                "product_name": m.product.name,
                "score": m.score,
                "reasons": [reason(r) for r in m.reasons],
            }
            for m in eligible
        ],
        "near_misses": [
            {
                "product_id": m.product.id,
                "bank_id": m.product.bank_id,
                "product_name": m.product.name,
                "failed": reason(m.failed),
            }
            for m in near
            if m.failed is not None
        ],
    }
