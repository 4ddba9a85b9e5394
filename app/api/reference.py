"""Banks, regions and industries: the codes every other resource refers to."""

from __future__ import annotations

import sqlalchemy as sa

from app.api import schemas
from app.api.common import blueprint
from app.models import Bank, Industry, db
from app.regions import services as region_services
from app.security import public

blp = blueprint("api_reference", "Banks with their branches, regions and industries")


@blp.route("/banks")
@public
@blp.response(200, schemas.BankSchema(many=True))
def banks():
    """Active head banks with their active branches."""
    rows = db.session.scalars(
        sa.select(Bank)
        .where(Bank.active.is_(True))
        .options(sa.orm.selectinload(Bank.branches))
        .order_by(Bank.bank_type, Bank.name)
    )
    return [
        {
            "id": bank.id,
            "name": bank.name,
            "short_name": bank.short_name,
            "bank_type": bank.bank_type,
            "branches": sorted(
                (b for b in bank.branches if b.active), key=lambda b: (b.region_code, b.id)
            ),
        }
        for bank in rows
    ]


RegionPage = schemas.page_of(schemas.RegionSchema, "RegionPage")


@blp.route("/regions")
@public
@blp.arguments(schemas.RegionArgs, location="query")
@blp.response(200, RegionPage)
def regions(args):
    """Province → city → county → town (GB/T 2260 and 统计用区划代码), a page at a time.

    `parent` lists the regions directly under a code (none: the provinces); `q` searches the
    names under `parent` at any depth; retired regions only with `retired=true`."""
    items, total = region_services.children(
        args["parent"] or None,
        live_only=not args["retired"],
        q=args["q"].strip(),
        page=args["page"],
        per_page=args["per_page"],
    )
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/industries")
@public
@blp.response(200, schemas.IndustrySchema(many=True))
def industries():
    """GB/T 4754-2017 sections, divisions and the real-estate classes."""
    return list(db.session.scalars(sa.select(Industry).order_by(Industry.code)))
