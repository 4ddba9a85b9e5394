"""Enterprise size thresholds by 工信部联企业〔2011〕300号 (中小企业划型标准规定).

Kept as data because the standard is under revision. Figures: employees in persons,
revenue and assets in 万元. `ceiling` lists the figures of which at least one must be
below its bound for the enterprise to be SME at all (the standard's "or"); `medium` and
`small` list floors that every figure named must reach.
"""

from __future__ import annotations

from dataclasses import dataclass, field

EMPLOYEES, REVENUE, ASSETS = "employees", "revenue", "assets"


@dataclass(frozen=True)
class SizeRule:
    key: str
    name: str
    name_en: str
    ceiling: dict[str, int]
    medium: dict[str, int]
    small: dict[str, int]
    sections: frozenset[str] = field(default_factory=frozenset)
    divisions: frozenset[str] = field(default_factory=frozenset)
    classes: frozenset[str] = field(default_factory=frozenset)


def _divs(first: int, last: int) -> frozenset[str]:
    return frozenset(f"{d:02d}" for d in range(first, last + 1))


SIZE_RULES: list[SizeRule] = [
    SizeRule(
        "agriculture",
        "农、林、牧、渔业",
        "Agriculture",
        {REVENUE: 20000},
        {REVENUE: 500},
        {REVENUE: 50},
        sections=frozenset("A"),
    ),
    SizeRule(
        "industry",
        "工业",
        "Industry",
        {EMPLOYEES: 1000, REVENUE: 40000},
        {EMPLOYEES: 300, REVENUE: 2000},
        {EMPLOYEES: 20, REVENUE: 300},
        sections=frozenset("BCD"),
    ),
    SizeRule(
        "construction",
        "建筑业",
        "Construction",
        {REVENUE: 80000, ASSETS: 80000},
        {REVENUE: 6000, ASSETS: 5000},
        {REVENUE: 300, ASSETS: 300},
        sections=frozenset("E"),
    ),
    SizeRule(
        "wholesale",
        "批发业",
        "Wholesale",
        {EMPLOYEES: 200, REVENUE: 40000},
        {EMPLOYEES: 20, REVENUE: 5000},
        {EMPLOYEES: 5, REVENUE: 1000},
        divisions=frozenset({"51"}),
    ),
    SizeRule(
        "retail",
        "零售业",
        "Retail",
        {EMPLOYEES: 300, REVENUE: 20000},
        {EMPLOYEES: 50, REVENUE: 500},
        {EMPLOYEES: 10, REVENUE: 100},
        divisions=frozenset({"52"}),
    ),
    SizeRule(
        "transport",
        "交通运输业",
        "Transport",
        {EMPLOYEES: 1000, REVENUE: 30000},
        {EMPLOYEES: 300, REVENUE: 3000},
        {EMPLOYEES: 20, REVENUE: 200},
        divisions=_divs(53, 58),
    ),
    SizeRule(
        "warehousing",
        "仓储业",
        "Warehousing",
        {EMPLOYEES: 200, REVENUE: 30000},
        {EMPLOYEES: 100, REVENUE: 1000},
        {EMPLOYEES: 20, REVENUE: 100},
        divisions=frozenset({"59"}),
    ),
    SizeRule(
        "postal",
        "邮政业",
        "Postal services",
        {EMPLOYEES: 1000, REVENUE: 30000},
        {EMPLOYEES: 300, REVENUE: 2000},
        {EMPLOYEES: 20, REVENUE: 100},
        divisions=frozenset({"60"}),
    ),
    SizeRule(
        "hospitality",
        "住宿业和餐饮业",
        "Accommodation and catering",
        {EMPLOYEES: 300, REVENUE: 10000},
        {EMPLOYEES: 100, REVENUE: 2000},
        {EMPLOYEES: 10, REVENUE: 100},
        divisions=frozenset({"61", "62"}),
    ),
    SizeRule(
        "telecom",
        "信息传输业",
        "Information transmission",
        {EMPLOYEES: 2000, REVENUE: 100000},
        {EMPLOYEES: 100, REVENUE: 1000},
        {EMPLOYEES: 10, REVENUE: 100},
        divisions=frozenset({"63", "64"}),
    ),
    SizeRule(
        "software",
        "软件和信息技术服务业",
        "Software and IT services",
        {EMPLOYEES: 300, REVENUE: 10000},
        {EMPLOYEES: 100, REVENUE: 1000},
        {EMPLOYEES: 10, REVENUE: 50},
        divisions=frozenset({"65"}),
    ),
    SizeRule(
        "real_estate_development",
        "房地产开发经营",
        "Real-estate development",
        {REVENUE: 200000, ASSETS: 10000},
        {REVENUE: 1000, ASSETS: 5000},
        {REVENUE: 100, ASSETS: 2000},
        classes=frozenset({"7010"}),
    ),
    SizeRule(
        "property_management",
        "物业管理",
        "Property management",
        {EMPLOYEES: 1000, REVENUE: 5000},
        {EMPLOYEES: 300, REVENUE: 1000},
        {EMPLOYEES: 100, REVENUE: 500},
        classes=frozenset({"7020"}),
    ),
    SizeRule(
        "leasing_business",
        "租赁和商务服务业",
        "Leasing and business services",
        {EMPLOYEES: 300, ASSETS: 120000},
        {EMPLOYEES: 100, ASSETS: 8000},
        {EMPLOYEES: 10, ASSETS: 100},
        sections=frozenset("L"),
    ),
]

OTHER_RULE = SizeRule(
    "other",
    "其他未列明行业",
    "Other industries",
    {EMPLOYEES: 300},
    {EMPLOYEES: 100},
    {EMPLOYEES: 10},
)
