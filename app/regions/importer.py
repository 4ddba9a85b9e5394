"""区划调整 from a CSV or Excel file: add, rename, move and retire regions, all rows or none.

Columns (first row): action, code, name, level, parent_code, successor_code, date.
- add: a new code with its name, level (province, city, county, town) and parent.
- rename: a new name for an existing code.
- move: an existing code (and everything under it) to a new parent, `parent_code`.
- retire: the code stays (enterprises, agreements and figures keep it) but can no longer be
  chosen; `successor_code` optionally says where its statistics now count; `date` defaults
  to today. A region with live regions under it cannot be retired before them.

Once the file is in, what is worked out from the tree follows (`app/regions/derived.py`).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import clock
from app.audit import record
from app.models import Branch, Region, db
from app.models.enums import RegionLevel
from app.regions.branches import arrange
from app.regions.services import LEVELS

COLUMNS = ("action", "code", "name", "level", "parent_code", "successor_code", "date")
MAX_ROWS = 50_000


class ImportFailed(Exception):
    """The file was refused; `problems` lists (line number, message), line 1 being the header."""

    def __init__(self, problems: list[tuple[int, str]]):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


@dataclass
class ImportResult:
    added: int = 0
    renamed: int = 0
    moved: int = 0
    retired: int = 0
    merged: int = 0  # retired with a successor
    jobs: list = field(default_factory=list)  # the recomputations queued after the commit


def read_rows(content: bytes, filename: str) -> list[tuple[int, dict]]:
    """(line number, row) pairs from a .csv (UTF-8, with or without BOM) or .xlsx file."""
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
            table = [
                ["" if v is None else str(v).strip() for v in row]
                for row in sheet.iter_rows(values_only=True)
            ]
        except Exception as error:  # openpyxl raises many kinds on a broken file
            raise ImportFailed([(1, str(_l("This is not a readable Excel file.")))]) from error
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ImportFailed([(1, str(_l("Save the file as UTF-8 CSV.")))]) from error
        table = [[v.strip() for v in row] for row in csv.reader(io.StringIO(text))]
    if not table:
        raise ImportFailed([(1, str(_l("The file is empty.")))])
    header = [h.strip().lower() for h in table[0]]
    missing = [c for c in ("action", "code") if c not in header]
    if missing:
        raise ImportFailed(
            [(1, str(_l("The first row must name the columns: %(c)s.", c=", ".join(COLUMNS))))]
        )
    if len(table) > MAX_ROWS + 1:
        raise ImportFailed([(1, str(_l("At most %(n)d rows at a time.", n=MAX_ROWS)))])
    rows = []
    for number, values in enumerate(table[1:], start=2):
        if not any(values):
            continue
        row = {name: (values[i] if i < len(values) else "") for i, name in enumerate(header)}
        rows.append((number, {c: row.get(c, "") for c in COLUMNS}))
    return rows


def import_file(content: bytes, filename: str, *, user) -> ImportResult:
    """Check every row against the tree as it will be after the rows before it, then apply
    them all in one transaction and commit; any bad row refuses the whole file. After the
    commit, the recomputations the change calls for are queued."""
    rows = read_rows(content, filename)
    named = {row[c] for _n, row in rows for c in ("code", "parent_code", "successor_code")}
    named.discard("")
    known: dict[str, Region] = {}
    names = sorted(named)
    for start in range(0, len(names), 5000):
        chunk = names[start : start + 5000]
        known.update(
            (r.code, r) for r in db.session.scalars(sa.select(Region).where(Region.code.in_(chunk)))
        )
    planned: dict[str, dict] = {}  # code → its state after the rows so far
    problems: list[tuple[int, str]] = []

    def state(code):
        if code in planned:
            return planned[code]
        region = known.get(code)
        if region is None:
            return None
        return {
            "level": region.level,
            "retired": region.retired,
            "parent_code": region.parent_code,
        }

    live_children: dict[str, int] = {}
    for start in range(0, len(names), 5000):
        live_children.update(
            db.session.execute(
                sa.select(Region.parent_code, sa.func.count())
                .where(
                    Region.parent_code.in_(names[start : start + 5000]),
                    Region.retired_on.is_(None),
                )
                .group_by(Region.parent_code)
            ).all()
        )

    for number, row in rows:
        action, code = row["action"].lower(), row["code"]
        problem = _check(action, code, row, state, live_children)
        if problem:
            problems.append((number, str(problem)))
            continue
        if action == "add":
            planned[code] = {
                "level": RegionLevel(row["level"]),
                "retired": False,
                "parent_code": row["parent_code"],
            }
            live_children[row["parent_code"]] = live_children.get(row["parent_code"], 0) + 1
        elif action == "move":
            old = state(code)["parent_code"]
            planned[code] = {**state(code), "parent_code": row["parent_code"]}
            if old:
                live_children[old] = live_children.get(old, 1) - 1
            live_children[row["parent_code"]] = live_children.get(row["parent_code"], 0) + 1
        elif action == "retire":
            planned[code] = {**state(code), "retired": True}
            parent = planned[code]["parent_code"]
            if parent:
                live_children[parent] = live_children.get(parent, 1) - 1
    if problems:
        raise ImportFailed(problems)
    result = _apply(rows, known, user)
    db.session.commit()
    from app.regions import derived

    result.jobs = derived.after_change(moved=result.moved > 0, merged=result.merged > 0)
    return result


def _check(action, code, row, state, live_children):
    if action not in ("add", "rename", "move", "retire"):
        return _l("The action must be add, rename, move or retire.")
    if not code.isdigit() or not 2 <= len(code) <= 12:
        return _l("The code must be 2 to 12 digits.")
    current = state(code)
    if action == "add":
        if current is not None:
            return _l("The code %(code)s exists already.", code=code)
        if not row["name"] or len(row["name"]) > 64:
            return _l("Give the name (at most 64 characters).")
        if row["level"] not in {level.value for level in LEVELS}:
            return _l("The level must be province, city, county or town.")
        parent = state(row["parent_code"]) if row["parent_code"] else None
        if row["level"] == "province":
            return _l("A province has no parent.") if row["parent_code"] else None
        if parent is None or parent["retired"]:
            return _l("The parent code must be a region in use.")
        if LEVELS.index(parent["level"]) >= LEVELS.index(RegionLevel(row["level"])):
            return _l("The parent must be above the new region's level.")
        return None
    if current is None:
        return _l("There is no region %(code)s.", code=code)
    if current["retired"]:
        return _l("The region %(code)s is retired already.", code=code)
    if action == "rename":
        if not row["name"] or len(row["name"]) > 64:
            return _l("Give the name (at most 64 characters).")
        return None
    if action == "move":
        return _check_move(code, row["parent_code"], current, state)
    if live_children.get(code, 0):
        return _l("Retire or move the regions under %(code)s first.", code=code)
    if row["successor_code"]:
        successor = state(row["successor_code"])
        if successor is None or successor["retired"] or row["successor_code"] == code:
            return _l("The successor must be another region in use.")
    if row["date"]:
        try:
            date.fromisoformat(row["date"])
        except ValueError:
            return _l("Write the date as YYYY-MM-DD.")
    return None


def _check_move(code, parent_code, current, state):
    parent = state(parent_code) if parent_code else None
    if parent is None or parent["retired"]:
        return _l("The parent code must be a region in use.")
    if parent_code == current["parent_code"]:
        return _l("The region %(code)s is under %(parent)s already.", code=code, parent=parent_code)
    # Levels fall strictly down the tree, so a region can never land under itself.
    if LEVELS.index(parent["level"]) >= LEVELS.index(current["level"]):
        return _l("The parent must be above the moved region's level.")
    return None


class _Audited:
    """Regions are keyed by code; the audit log keys by integer id, so it gets the code as a
    number (codes have at most 12 digits; those past 32 bits are logged under 0) and the code
    in the changes."""

    __tablename__ = "regions"

    def __init__(self, code: str):
        self.id = int(code) if int(code) < 2**31 else 0


def _log(user, action: str, code: str, **changes) -> None:
    record(user, action, _Audited(code), changes={"code": code, **changes})


def _apply(rows, known: dict[str, Region], user) -> ImportResult:
    result = ImportResult()
    moved_banks: set[int] = set()
    for _number, row in rows:
        action, code = row["action"].lower(), row["code"]
        if action == "add":
            parent = known.get(row["parent_code"]) if row["parent_code"] else None
            region = Region(
                code=code,
                name=row["name"],
                name_en="",
                level=RegionLevel(row["level"]),
                parent_code=parent.code if parent else None,
                path=(parent.path if parent else "") + code + "/",
            )
            db.session.add(region)
            known[code] = region
            result.added += 1
            _log(user, "region_added", code, name=region.name)
        elif action == "rename":
            region = known[code]
            _log(user, "region_renamed", code, old_name=region.name, name=row["name"])
            region.name = row["name"]
            result.renamed += 1
        elif action == "move":
            region = known[code]
            _log(
                user, "region_moved", code, old_parent=region.parent_code, parent=row["parent_code"]
            )
            moved_banks |= _move(region, known[row["parent_code"]])
            result.moved += 1
        else:
            region = known[code]
            region.retired_on = date.fromisoformat(row["date"]) if row["date"] else clock.today()
            region.successor_code = row["successor_code"] or None
            result.retired += 1
            result.merged += region.successor_code is not None
            _log(user, "region_retired", code, successor=region.successor_code or "")
        db.session.flush()
    for bank_id in sorted(moved_banks):
        arrange(bank_id)
    return result


def _move(region: Region, parent: Region) -> set[int]:
    """Hang the region under `parent`, its subtree's paths rewritten (through the session,
    so every cache kept per catalogue or data version drops). The banks with a branch in
    the subtree are returned: their branches' tree follows the regions'."""
    old = region.path
    new = parent.path + region.code + "/"
    below = list(db.session.scalars(sa.select(Region).where(Region.path.startswith(old))))
    region.parent_code = parent.code
    for each in below:
        each.path = new + each.path.removeprefix(old)
    return set(
        db.session.scalars(
            sa.select(Branch.bank_id)
            .where(Branch.region_code.in_([r.code for r in below]))
            .distinct()
        )
    )
