"""Banks, regions and industries: the codes every other resource refers to."""

from __future__ import annotations

import sqlalchemy as sa

from app.api import schemas
from app.api.common import blueprint
from app.models import Bank, Industry, Region, db
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


@blp.route("/regions")
@public
@blp.response(200, schemas.RegionSchema(many=True))
def regions():
    """Province → city → county → town, GB/T 2260 codes where they exist."""
    return list(db.session.scalars(sa.select(Region).order_by(Region.code)))


@blp.route("/industries")
@public
@blp.response(200, schemas.IndustrySchema(many=True))
def industries():
    """GB/T 4754-2017 sections, divisions and the real-estate classes."""
    return list(db.session.scalars(sa.select(Industry).order_by(Industry.code)))
