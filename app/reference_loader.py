"""Load the reference tables from the data in app/reference (insert or update, never delete)."""

from __future__ import annotations

from app.models import Industry, Region, db
from app.models.enums import RegionLevel
from app.reference import industries, regions


def load() -> dict[str, int]:
    for row in regions.all_rows():
        region = db.session.get(Region, row["code"]) or Region(code=row["code"])
        region.name = row["name"]
        region.name_en = row["name_en"]
        region.level = RegionLevel(row["level"])
        region.parent_code = row["parent_code"]
        db.session.add(region)
        db.session.flush()
    for row in industries.all_rows():
        industry = db.session.get(Industry, row["code"]) or Industry(code=row["code"])
        industry.name = row["name"]
        industry.name_en = row["name_en"]
        industry.level = row["level"]
        industry.parent_code = row["parent_code"]
        db.session.add(industry)
        db.session.flush()
    return {"regions": len(regions.all_rows()), "industries": len(industries.all_rows())}
