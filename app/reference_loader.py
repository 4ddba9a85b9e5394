"""Load the reference tables from the data in app/reference (insert or update, never delete)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from app.models import Industry, Region, db
from app.models.enums import RegionLevel
from app.reference import industries, regions


def load(*, demo_region: bool | None = None) -> dict[str, int]:
    if demo_region is None:
        demo_region = current_app.config.get("DEMO_REGION", True)
    added = load_regions(regions.all_rows(demo=demo_region))
    for row in industries.all_rows():
        industry = db.session.get(Industry, row["code"]) or Industry(code=row["code"])
        industry.name = row["name"]
        industry.name_en = row["name_en"]
        industry.level = row["level"]
        industry.parent_code = row["parent_code"]
        db.session.add(industry)
        db.session.flush()
    return {"regions": added, "industries": len(industries.all_rows())}


def load_regions(rows: list[dict]) -> int:
    """Insert the regions not yet present, in bulk (44,000 rows one by one took minutes).

    A region already present is left as it is: a rename or retirement imported for a
    区划调整 stands when the shipped list is loaded again. Returns how many were added.
    """
    existing = dict(db.session.execute(sa.select(Region.code, Region.path)).all())
    paths = dict(existing)
    new = []
    for row in rows:
        parent = row["parent_code"]
        path = (paths.get(parent, "") if parent else "") + row["code"] + "/"
        if row["code"] in existing:
            continue
        paths[row["code"]] = path
        new.append({**row, "level": RegionLevel(row["level"]), "path": path})
    for start in range(0, len(new), 5000):
        db.session.execute(sa.insert(Region), new[start : start + 5000])
    db.session.flush()
    return len(new)
