"""The demo county 示范县: banks, products, enterprises, needs, engagements, an event and
agreements in every status, spread over the past twelve months.

Deterministic (fixed random seed) and idempotent: it does nothing when the demo data is there.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from app import clock, reference_loader
from app.auth.services import create_user
from app.enterprises import credit_code
from app.enterprises.sizing import classify
from app.models import (
    Agreement,
    Bank,
    Branch,
    Disbursement,
    Dispute,
    Engagement,
    Enterprise,
    Event,
    EventParticipant,
    Industry,
    Need,
    Product,
    Region,
    User,
    db,
)
from app.models.enums import (
    AgreementStatus,
    BankType,
    Collateral,
    DeclineReason,
    EngagementOrigin,
    EngagementStatus,
    EnterpriseSize,
    EnterpriseStatus,
    Guarantee,
    NeedStatus,
    ProductStatus,
    ProductType,
    Purpose,
    RepaymentMethod,
    Role,
    TaxRating,
)
from app.reference.regions import DEMO_COUNTY, DEMO_TOWNS
from app.regions.branches import arrange
from app.workdays import working_hours_between

DEMO_PASSWORD = "Rongqiao-demo-2026"  # noqa: S105 - published in the README on purpose
DEMO_LOGINS = {
    Role.ADMIN: "admin@demo.rongqiao.cn",
    Role.OFFICIAL: "official@demo.rongqiao.cn",
    Role.BANK_MANAGER: "manager@abc.demo.rongqiao.cn",
    Role.BANK_OFFICER: "officer@abc.demo.rongqiao.cn",
    Role.ENTERPRISE: "enterprise@demo.rongqiao.cn",
    Role.COORDINATOR: "coordinator@demo.rongqiao.cn",
    Role.GUARANTEE_MANAGER: "manager@guarantee.demo.rongqiao.cn",
    Role.GUARANTEE_OFFICER: "officer@guarantee.demo.rongqiao.cn",
}
WAN = Decimal(10_000)

BANKS = [
    # name, short name, type, domain, branch names
    (
        "中国农业银行股份有限公司",
        "农业银行",
        BankType.STATE_OWNED,
        "abc",
        ["示范县支行", "东岗分理处"],
    ),
    ("中国建设银行股份有限公司", "建设银行", BankType.STATE_OWNED, "ccb", ["示范县支行"]),
    ("中国工商银行股份有限公司", "工商银行", BankType.STATE_OWNED, "icbc", ["示范县支行"]),
    (
        "中国邮政储蓄银行股份有限公司",
        "邮储银行",
        BankType.STATE_OWNED,
        "psbc",
        ["示范县支行", "西河营业所"],
    ),
    ("兴业银行股份有限公司", "兴业银行", BankType.JOINT_STOCK, "cib", ["示范县支行"]),
    ("示范市商业银行股份有限公司", "示范市商行", BankType.CITY_COMMERCIAL, "scb", ["示范县支行"]),
    (
        "示范县农村商业银行股份有限公司",
        "示范农商行",
        BankType.RURAL_COMMERCIAL,
        "rcb",
        ["营业部", "南湖支行", "北山支行"],
    ),
    ("示范惠民村镇银行股份有限公司", "惠民村镇银行", BankType.VILLAGE, "vb", ["营业部"]),
]

RM = RepaymentMethod
# What banks in a county typically charge beside interest: nothing on credit loans (the
# 2020 "减费让利" rules), valuation and registration fees on secured ones, the policy guarantee
# fee (1 % a year) on guaranteed ones, a supply-chain platform's service fee.
DEMO_PRICE_ITEMS = {
    ProductType.CREDIT: {"repayment_methods": frozenset({RM.INTEREST_ONLY, RM.EQUAL_INSTALMENT})},
    ProductType.TAX_CREDIT: {
        "repayment_methods": frozenset({RM.INTEREST_ONLY, RM.EQUAL_INSTALMENT})
    },
    ProductType.MORTGAGE: {
        "upfront_fee_amount": Decimal("3000.00"),
        "fees_note": "房产评估费、抵押登记费约 3000 元，放款时一次缴纳",
        "repayment_methods": frozenset({RM.INTEREST_ONLY, RM.EQUAL_PRINCIPAL}),
    },
    ProductType.EQUIPMENT: {
        "upfront_fee_amount": Decimal("2000.00"),
        "fees_note": "设备评估费、抵押登记费约 2000 元",
        "repayment_methods": frozenset({RM.EQUAL_INSTALMENT, RM.EQUAL_PRINCIPAL}),
    },
    ProductType.IP_PLEDGE: {
        "upfront_fee_rate": Decimal("0.50"),
        "fees_note": "知识产权评估费，按贷款金额 0.5% 于放款时缴纳",
        "repayment_methods": frozenset({RM.INTEREST_ONLY}),
    },
    ProductType.GUARANTEED: {
        "guarantee_fee_rate": Decimal("1.00"),
        "fees_note": "政府性融资担保机构担保费年化 1%",
        "repayment_methods": frozenset({RM.INTEREST_ONLY, RM.EQUAL_INSTALMENT}),
    },
    ProductType.SUPPLY_CHAIN: {
        "fee_rate": Decimal("0.30"),
        "fees_note": "供应链平台服务费年化 0.3%，随每期还款收取",
        "repayment_methods": frozenset({RM.INTEREST_ONLY}),
    },
    ProductType.RECEIVABLES: {
        "upfront_fee_rate": Decimal("0.20"),
        "fees_note": "应收账款登记及核验费，按金额 0.2% 于放款时缴纳",
        "repayment_methods": frozenset({RM.INTEREST_ONLY}),
    },
    ProductType.OTHER: {"repayment_methods": frozenset({RM.INTEREST_ONLY})},
}

PRODUCTS = [
    # bank index, name, type, amount 万元 range, term range, rate range, guarantees, extra
    (
        0,
        "纳税e贷",
        ProductType.TAX_CREDIT,
        (10, 300),
        (1, 12),
        ("3.45", "4.35"),
        {Guarantee.CREDIT},
        {"min_tax_rating": TaxRating.B, "min_years": 2},
    ),
    (
        0,
        "抵押e贷",
        ProductType.MORTGAGE,
        (50, 1000),
        (12, 60),
        ("3.30", "4.20"),
        {Guarantee.MORTGAGE},
        {},
    ),
    (
        0,
        "惠农e贷",
        ProductType.CREDIT,
        (5, 100),
        (6, 36),
        ("3.60", "4.60"),
        {Guarantee.CREDIT, Guarantee.GUARANTEE},
        {"industries": ["A"]},
    ),
    (
        1,
        "云税贷",
        ProductType.TAX_CREDIT,
        (10, 300),
        (1, 12),
        ("3.40", "4.30"),
        {Guarantee.CREDIT},
        {"min_tax_rating": TaxRating.B},
    ),
    (
        1,
        "抵押快贷",
        ProductType.MORTGAGE,
        (100, 1000),
        (12, 120),
        ("3.20", "4.00"),
        {Guarantee.MORTGAGE},
        {},
    ),
    (
        1,
        "善新贷",
        ProductType.IP_PLEDGE,
        (50, 500),
        (12, 36),
        ("3.50", "4.50"),
        {Guarantee.PLEDGE},
        {"industries": ["C", "I", "M"]},
    ),
    (
        2,
        "经营快贷",
        ProductType.CREDIT,
        (10, 200),
        (6, 12),
        ("3.50", "4.50"),
        {Guarantee.CREDIT},
        {"min_years": 1},
    ),
    (
        2,
        "e抵快贷",
        ProductType.MORTGAGE,
        (50, 2000),
        (12, 120),
        ("3.25", "4.10"),
        {Guarantee.MORTGAGE},
        {},
    ),
    (
        2,
        "供应链融资e链通",
        ProductType.SUPPLY_CHAIN,
        (20, 800),
        (3, 12),
        ("3.60", "4.80"),
        {Guarantee.PLEDGE, Guarantee.CREDIT},
        {"industries": ["C", "F"]},
    ),
    (
        3,
        "小微易贷",
        ProductType.TAX_CREDIT,
        (5, 200),
        (1, 12),
        ("3.60", "4.80"),
        {Guarantee.CREDIT},
        {"sizes": ["small", "micro"]},
    ),
    (3, "极速贷", ProductType.CREDIT, (1, 50), (1, 12), ("4.00", "5.50"), {Guarantee.CREDIT}, {}),
    (
        3,
        "首贷通",
        ProductType.CREDIT,
        (5, 100),
        (6, 24),
        ("3.45", "4.45"),
        {Guarantee.CREDIT, Guarantee.GUARANTEE},
        {"first_loan": True},
    ),
    (
        4,
        "兴速贷",
        ProductType.MORTGAGE,
        (50, 1000),
        (12, 60),
        ("3.50", "4.60"),
        {Guarantee.MORTGAGE},
        {},
    ),
    (
        4,
        "科创积分贷",
        ProductType.CREDIT,
        (50, 500),
        (6, 36),
        ("3.40", "4.50"),
        {Guarantee.CREDIT},
        {"industries": ["C", "I", "M"], "min_years": 2},
    ),
    (
        5,
        "科创贷",
        ProductType.IP_PLEDGE,
        (50, 800),
        (12, 36),
        ("3.70", "4.90"),
        {Guarantee.PLEDGE, Guarantee.GUARANTEE},
        {"industries": ["C", "I", "M"]},
    ),
    (
        5,
        "应收账款融资",
        ProductType.RECEIVABLES,
        (20, 500),
        (3, 12),
        ("3.90", "5.20"),
        {Guarantee.PLEDGE},
        {},
    ),
    (
        5,
        "设备按揭贷",
        ProductType.EQUIPMENT,
        (30, 600),
        (12, 60),
        ("3.80", "5.00"),
        {Guarantee.MORTGAGE, Guarantee.PLEDGE},
        {"industries": ["C"]},
    ),
    (
        6,
        "惠农贷",
        ProductType.CREDIT,
        (3, 50),
        (6, 36),
        ("3.85", "5.60"),
        {Guarantee.CREDIT, Guarantee.GUARANTEE},
        {"industries": ["A"]},
    ),
    (
        6,
        "商户贷",
        ProductType.CREDIT,
        (5, 100),
        (6, 24),
        ("4.20", "6.00"),
        {Guarantee.CREDIT, Guarantee.GUARANTEE},
        {"industries": ["F", "H", "O"]},
    ),
    (
        6,
        "首贷培育贷",
        ProductType.GUARANTEED,
        (10, 200),
        (6, 36),
        ("3.95", "5.20"),
        {Guarantee.GUARANTEE},
        {"first_loan": True},
    ),
    (
        6,
        "农商抵押贷",
        ProductType.MORTGAGE,
        (50, 1500),
        (12, 120),
        ("3.90", "5.40"),
        {Guarantee.MORTGAGE},
        {},
    ),
    (
        7,
        "小额信用贷",
        ProductType.CREDIT,
        (1, 30),
        (3, 24),
        ("4.80", "6.80"),
        {Guarantee.CREDIT},
        {"sizes": ["micro"]},
    ),
    (
        7,
        "联保贷",
        ProductType.GUARANTEED,
        (5, 100),
        (6, 24),
        ("4.60", "6.50"),
        {Guarantee.GUARANTEE},
        {},
    ),
    # not shown publicly: a draft, a retired and an expired product
    (
        4,
        "兴e贷（修订中）",
        ProductType.CREDIT,
        (10, 300),
        (6, 12),
        ("3.60", "4.60"),
        {Guarantee.CREDIT},
        {"status": ProductStatus.DRAFT},
    ),
    (
        5,
        "老厂房贷",
        ProductType.MORTGAGE,
        (50, 500),
        (12, 60),
        ("4.50", "5.80"),
        {Guarantee.MORTGAGE},
        {"status": ProductStatus.RETIRED},
    ),
    (
        7,
        "2025春耕贷",
        ProductType.CREDIT,
        (3, 30),
        (3, 12),
        ("4.35", "5.50"),
        {Guarantee.CREDIT},
        {"expired": True},
    ),
]

COMPANY_WORDS = [
    "宏达",
    "鑫源",
    "绿野",
    "金穗",
    "恒信",
    "瑞丰",
    "华兴",
    "永盛",
    "佳和",
    "博远",
    "润泽",
    "天成",
    "嘉禾",
    "通达",
    "聚鑫",
    "盛泰",
    "康源",
    "兴旺",
    "明远",
    "丰年",
]
# division code, business words, (employees, revenue 万元, assets 万元) ranges
INDUSTRY_PROFILES = [
    ("01", "种植专业合作社", (5, 60), (30, 1500), (50, 2000)),
    ("03", "生态养殖有限公司", (5, 80), (40, 3000), (80, 3000)),
    ("13", "农产品加工有限公司", (15, 400), (200, 12000), (300, 9000)),
    ("14", "食品有限公司", (10, 300), (150, 9000), (200, 6000)),
    ("17", "纺织有限公司", (20, 500), (300, 20000), (400, 15000)),
    ("21", "家具制造有限公司", (10, 200), (200, 6000), (300, 5000)),
    ("29", "塑料制品有限公司", (10, 250), (300, 9000), (300, 7000)),
    ("33", "五金制品有限公司", (8, 150), (150, 5000), (200, 4000)),
    ("35", "机械设备有限公司", (20, 350), (500, 15000), (600, 12000)),
    ("39", "电子科技有限公司", (15, 300), (400, 20000), (500, 15000)),
    ("48", "建设工程有限公司", (20, 300), (200, 10000), (200, 9000)),
    ("51", "商贸有限公司", (3, 60), (500, 12000), (100, 3000)),
    ("52", "超市有限公司", (5, 120), (80, 3000), (50, 1500)),
    ("54", "物流运输有限公司", (10, 200), (150, 5000), (200, 4000)),
    ("59", "仓储有限公司", (5, 120), (60, 2000), (200, 3000)),
    ("62", "餐饮管理有限公司", (5, 150), (50, 2500), (30, 800)),
    ("65", "信息技术有限公司", (5, 150), (30, 3000), (50, 2000)),
    ("72", "商务服务有限公司", (3, 80), (30, 1500), (20, 900)),
    ("75", "农业科技推广有限公司", (3, 60), (20, 800), (20, 600)),
    ("80", "家政服务有限公司", (5, 120), (20, 600), (10, 300)),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "霞",
]

# needs per status; sums to 90
NEED_PLAN = {
    NeedStatus.DRAFT: 8,
    NeedStatus.OPEN: 22,
    NeedStatus.IN_TALKS: 14,
    NeedStatus.SIGNED: 14,
    NeedStatus.FUNDED: 16,
    NeedStatus.WITHDRAWN: 7,
    NeedStatus.EXPIRED: 9,
}


def seed(today: date | None = None) -> bool:
    """Create the demo data unless it exists. Returns whether anything was created."""
    reference_loader.load(demo_region=True)
    if db.session.scalar(sa.select(User.id).where(User.email == DEMO_LOGINS[Role.ADMIN])):
        added = _mechanism(today)
        added = _pool(today) or added
        added = _agency(today) or added
        db.session.commit()
        return added
    builder = _Builder(today or clock.today())
    builder.build()
    db.session.commit()
    from app.matches.services import rebuild_all

    _commit_subsidies()
    rebuild_all(today=today)
    _story(builder)
    _mechanism(today)
    _pool(today)
    _agency(today)
    db.session.commit()
    return True


def _agency(today: date | None) -> bool:
    """The government guarantee agency's demo data, added to an older demo database too."""
    from app.guarantees import demo as agency

    return agency.seed(DEMO_PASSWORD, DEMO_LOGINS[Role.ENTERPRISE], today)


def _mechanism(today: date | None) -> bool:
    """The coordination mechanism's demo data, added to an older demo database too."""
    from app.coordination import demo as mechanism

    official = db.session.scalar(sa.select(User).where(User.email == DEMO_LOGINS[Role.OFFICIAL]))
    return mechanism.seed(official, DEMO_PASSWORD, today)


def _pool(today: date | None) -> bool:
    """The county's risk-compensation pool, added to an older demo database too."""
    from app.pools import demo as pools

    return pools.seed(DEMO_LOGINS[Role.OFFICIAL], today or clock.today())


def _story(builder: _Builder) -> None:
    """One need walked through the services end to end: routed, a bank lets its deadline
    pass and the need moves on, another bank picks it up, the enterprise accepts, the bank
    records an agreement (not at the demo event: that was held too long ago to count), the
    enterprise confirms, the bank records the
    approval and two partial disbursements, the first confirmed as arrived by the enterprise."""
    from app.agreements import services as agreements
    from app.engagements import services as engagements
    from app.needs import services as needs
    from app.workdays import deadline_after

    today = builder.today
    enterprise = builder.enterprises[0]
    owner = db.session.scalar(sa.select(User).where(User.email == DEMO_LOGINS[Role.ENTERPRISE]))
    need = needs.create(
        enterprise,
        needs.NeedInput(
            amount_wan=Decimal("200"),
            term_months=12,
            purpose=Purpose.WORKING_CAPITAL,
            guarantees={Guarantee.CREDIT, Guarantee.GUARANTEE},
            max_rate=Decimal("4.80"),
            needed_by=today + timedelta(days=60),
            description="演示：超时改派、接单、签约、两次放款。",
        ),
        owner,
        post=True,
    )
    routed = list(
        db.session.scalars(
            sa.select(Engagement)
            .where(Engagement.need_id == need.id)
            .order_by(Engagement.score.desc())
        )
    )
    if len(routed) < 2:
        return
    late, keen = routed[0], routed[1]
    # The best-placed bank was sent the need a week ago and let the deadline pass.
    late.routed_at = late.routed_at - timedelta(days=7)
    late.deadline_at = deadline_after(late.routed_at, 3)
    db.session.commit()
    from app.engagements.scheduled import mark_overdue
    from app.models.base import utcnow

    mark_overdue(utcnow())
    officer = builder.bank_officers[keen.bank_id][0]
    engagements.pick_up(keen, officer)
    engagements.accept(keen, owner)
    agreement = agreements.record_agreement(
        keen,
        officer,
        agreements.AgreementInput(
            Decimal("200"),
            12,
            Decimal("4.15"),
            Guarantee.CREDIT,
            today,
            note="超时改派后接单签约",
        ),
        today=today,
    )
    agreements.confirm(agreement, owner)
    agreements.approve(agreement, officer, Decimal("180"), today, today=today)
    first = agreements.disburse(agreement, officer, Decimal("100"), today, today=today)
    agreements.disburse(agreement, officer, Decimal("80"), today, today=today)
    agreements.confirm_received(first, owner)
    # Issue 17's done-when: the 专精特新 SME asks for 300 万 over 12 months and sees its
    # matches ranked by the all-in rate after the county's subsidy.
    needs.create(
        enterprise,
        needs.NeedInput(
            amount_wan=Decimal("300"),
            term_months=12,
            purpose=Purpose.WORKING_CAPITAL,
            guarantees={Guarantee.CREDIT, Guarantee.MORTGAGE},
            collateral={Collateral.PROPERTY},
            max_rate=Decimal("4.50"),
            needed_by=today + timedelta(days=45),
            description="演示：专精特新企业，按县级贴息后的年化综合成本排序。",
        ),
        owner,
        post=True,
    )


def _commit_subsidies() -> None:
    """Agreements signed since the programmes opened draw on their budgets, oldest first."""
    from app.agreements.services import LIVE
    from app.models import Agreement
    from app.programmes import services as programmes

    for agreement in db.session.scalars(
        sa.select(Agreement)
        .where(Agreement.status.in_(LIVE))
        .order_by(Agreement.signed_on, Agreement.id)
    ):
        programmes.commit(agreement)
    db.session.commit()


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=UTC)


def add_working_days(start: datetime, days: int) -> datetime:
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


@dataclass
class _Builder:
    today: date

    def __post_init__(self) -> None:
        self.rng = random.Random(20261128)
        self.serial = 0
        self.borrowed: set[int] = set()  # enterprises whose first bank loan is recorded

    # helpers -------------------------------------------------------------------------
    def code(self, authority: str = "9", kind: str = "1") -> str:
        self.serial += 1
        body = f"{authority}{kind}{DEMO_COUNTY[0]}MA{self.serial:07d}"
        return credit_code.make(body[:17])

    def person(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(self.rng.sample(GIVEN, self.rng.choice([1, 2])))

    def mobile(self) -> str:
        return (
            "1" + self.rng.choice("3578") + "".join(str(self.rng.randint(0, 9)) for _ in range(9))
        )

    def past_day(self, max_days: int, min_days: int = 0) -> date:
        return self.today - timedelta(days=self.rng.randint(min_days, max_days))

    # build ---------------------------------------------------------------------------
    def build(self) -> None:
        self.towns = [db.session.get(Region, code) for code, _zh, _en in DEMO_TOWNS]
        self.build_people()
        self.build_banks()
        self.build_products()
        self.build_enterprises()
        self.build_programmes()
        self.build_event()
        self.build_needs()

    def build_people(self) -> None:
        create_user(
            email=DEMO_LOGINS[Role.ADMIN],
            password=DEMO_PASSWORD,
            role=Role.ADMIN,
            name="平台管理员",
            commit=False,
        )
        create_user(
            email=DEMO_LOGINS[Role.OFFICIAL],
            password=DEMO_PASSWORD,
            role=Role.OFFICIAL,
            name="县金融办 李主任",
            mobile="13900000001",
            mobile_confirmed=True,  # the README offers it as a demo login
            region_code=DEMO_COUNTY[0],
            commit=False,
        )
        create_user(
            email="gongxin@demo.rongqiao.cn",
            password=DEMO_PASSWORD,
            role=Role.OFFICIAL,
            name="县工信局 赵科长",
            region_code=DEMO_COUNTY[0],
            commit=False,
        )

    def build_banks(self) -> None:
        self.banks: list[Bank] = []
        self.bank_officers: dict[int, list[User]] = {}
        for index, (name, short, kind, domain, branch_names) in enumerate(BANKS):
            bank = Bank(
                name=name,
                short_name=short,
                bank_type=kind,
                credit_code=self.code("9", "1"),
                officers_may_edit_products=index % 2 == 0,
            )
            db.session.add(bank)
            db.session.flush()
            branches = []
            for b_index, branch_name in enumerate(branch_names):
                town = (
                    self.towns[0]
                    if b_index == 0
                    else self.towns[(index + b_index) % len(self.towns)]
                )
                branch = Branch(
                    bank=bank,
                    name=f"{short}{branch_name}",
                    # The first is the county sub-branch, serving the whole county; the
                    # others are offices in towns, below it in the bank's branch tree.
                    region_code=DEMO_COUNTY[0] if b_index == 0 else town.code,
                    address=f"{DEMO_COUNTY[1]}{town.name}人民路{10 + index * 7 + b_index}号",
                    phone=f"0999-88{index:02d}{b_index:02d}",
                )
                db.session.add(branch)
                branches.append(branch)
            db.session.flush()
            arrange(bank.id)
            manager_email = (
                DEMO_LOGINS[Role.BANK_MANAGER]
                if domain == "abc"
                else f"manager@{domain}.demo.rongqiao.cn"
            )
            create_user(
                email=manager_email,
                password=DEMO_PASSWORD,
                role=Role.BANK_MANAGER,
                name=f"{short} {self.person()}（行长）",
                branch_id=branches[0].id,
                commit=False,
            )
            officers = []
            for o_index, branch in enumerate(branches[:2]):
                email = (
                    DEMO_LOGINS[Role.BANK_OFFICER]
                    if domain == "abc" and o_index == 0
                    else f"officer{o_index + 1}@{domain}.demo.rongqiao.cn"
                )
                officers.append(
                    create_user(
                        email=email,
                        password=DEMO_PASSWORD,
                        role=Role.BANK_OFFICER,
                        name=f"{short} {self.person()}（客户经理）",
                        branch_id=branch.id,
                        commit=False,
                    )
                )
            self.bank_officers[bank.id] = officers
            self.banks.append(bank)

    def build_products(self) -> None:
        self.products: list[Product] = []
        industries = {i.code: i for i in db.session.scalars(sa.select(Industry))}
        for bank_index, name, kind, amounts, terms, rates, guarantees, extra in PRODUCTS:
            bank = self.banks[bank_index]
            expired = extra.get("expired", False)
            product = Product(
                bank=bank,
                branch=bank.branches[0],
                name=name,
                product_type=kind,
                min_amount=amounts[0] * WAN,
                max_amount=amounts[1] * WAN,
                min_term_months=terms[0],
                max_term_months=terms[1],
                min_rate=Decimal(rates[0]),
                max_rate=Decimal(rates[1]),
                **DEMO_PRICE_ITEMS.get(kind, DEMO_PRICE_ITEMS[ProductType.OTHER]),
                guarantees=frozenset(guarantees),
                sizes=frozenset(extra.get("sizes", [])),
                purposes=frozenset(extra.get("purposes", [])),
                min_years=extra.get("min_years", 0),
                min_tax_rating=extra.get("min_tax_rating"),
                first_loan=extra.get("first_loan", False),
                approval_days=self.rng.choice([1, 3, 5, 7, 10, 15]),
                requirements="企业依法注册经营满一年，实际控制人信用良好，无不良信用记录。",
                documents="营业执照、法定代表人身份证、近一年财务报表或纳税证明、银行流水。",
                valid_until=self.today - timedelta(days=30)
                if expired
                else self.today + timedelta(days=self.rng.randint(120, 540)),
                status=extra.get("status", ProductStatus.PUBLISHED),
                published_at=_at(self.past_day(360, 300)),
                created_at=_at(self.past_day(365, 340)),
            )
            product.industries = [industries[c] for c in extra.get("industries", [])]
            db.session.add(product)
            self.products.append(product)
        db.session.flush()

    def build_enterprises(self) -> None:
        self.enterprises: list[Enterprise] = []
        statuses = (
            [EnterpriseStatus.VERIFIED] * 50
            + [EnterpriseStatus.PENDING] * 6
            + [EnterpriseStatus.REJECTED] * 4
        )
        for index in range(60):
            division, business, emp_range, rev_range, asset_range = INDUSTRY_PROFILES[
                index % len(INDUSTRY_PROFILES)
            ]
            town = self.towns[index % len(self.towns)]
            employees = self.rng.randint(*emp_range)
            revenue = Decimal(self.rng.randint(*rev_range))
            assets = Decimal(self.rng.randint(*asset_range))
            size = classify(division, employees, revenue, assets)
            name = f"{DEMO_COUNTY[1]}{COMPANY_WORDS[index % 20]}{business}"
            if index >= 20:
                name = f"{DEMO_COUNTY[1]}{town.name.removesuffix('镇').removesuffix('乡')}{COMPANY_WORDS[(index * 7) % 20]}{business}"
            authority, kind = ("N", "3") if business.endswith("合作社") else ("9", "1")
            status = statuses[index]
            created = self.past_day(365, 200)
            enterprise = Enterprise(
                name=name,
                credit_code=self.code(authority, kind),
                legal_representative=self.person(),
                contact_name=self.person(),
                mobile=self.mobile(),
                email=f"contact{index + 1}@qiye{index + 1}.example.cn",
                industry_code=division,
                region_code=town.code,
                founded_on=self.today - timedelta(days=self.rng.randint(200, 365 * 20)),
                employees=employees,
                revenue=revenue * WAN,
                total_assets=assets * WAN,
                tax_rating=self.rng.choice(
                    [TaxRating.A, TaxRating.B, TaxRating.B, TaxRating.M, TaxRating.C, None]
                ),
                first_loan=self.rng.random() < 0.3,
                size=size.size,
                size_reason=f"{size.rule.name}: {employees}人, 营收{revenue}万元, 资产{assets}万元",
                status=status,
                created_at=_at(created),
                verified_at=_at(created + timedelta(days=2))
                if status is EnterpriseStatus.VERIFIED
                else None,
                rejection_reason="营业执照照片不清晰，请重新上传。"
                if status is EnterpriseStatus.REJECTED
                else "",
            )
            db.session.add(enterprise)
            self.enterprises.append(enterprise)
        db.session.flush()
        create_user(
            email=DEMO_LOGINS[Role.ENTERPRISE],
            password=DEMO_PASSWORD,
            role=Role.ENTERPRISE,
            name=self.enterprises[0].contact_name,
            mobile="13900000002",
            mobile_confirmed=True,  # the README offers it as a demo login
            enterprise_id=self.enterprises[0].id,
            commit=False,
        )
        for index, enterprise in enumerate(self.enterprises[1:], start=2):
            create_user(
                email=f"user{index}@qiye{index}.example.cn",
                password=DEMO_PASSWORD,
                role=Role.ENTERPRISE,
                name=enterprise.contact_name,
                enterprise_id=enterprise.id,
                commit=False,
            )

    def build_programmes(self) -> None:
        """The county's lists (the first enterprise, the demo login's, is a 专精特新 SME) and
        two interest subsidy programmes (贴息) keyed on them."""
        from app.models import EnterpriseTag, SubsidyProgramme, TagKind
        from app.models.programme import POINTS, SHARE

        kinds = {k.code: k for k in db.session.scalars(sa.select(TagKind))}
        official = db.session.scalar(
            sa.select(User).where(User.email == "gongxin@demo.rongqiao.cn")
        )
        verified = [e for e in self.enterprises if e.status is EnterpriseStatus.VERIFIED]
        lists = [
            (
                "specialised_sme",
                "示工信〔2026〕8号 第三批专精特新中小企业名单",
                [self.enterprises[0], *verified[4:12:2]],
            ),
            ("little_giant", "工信部第六批专精特新“小巨人”企业名单", verified[2:3]),
            ("tech_sme", "2026年度科技型中小企业入库名单", verified[1:20:3]),
            ("high_tech", "高新技术企业认定（2025年第二批）", verified[5:25:5]),
        ]
        for code, source, enterprises in lists:
            for e in enterprises:
                db.session.add(
                    EnterpriseTag(
                        enterprise_id=e.id,
                        tag_kind_id=kinds[code].id,
                        valid_from=self.today - timedelta(days=200),
                        valid_to=self.today + timedelta(days=900),
                        source=source,
                        recorded_by_id=official.id,
                    )
                )
        start = date(self.today.year, 1, 1)
        db.session.add_all(
            [
                SubsidyProgramme(
                    region_code=DEMO_COUNTY[0],
                    name="示范县专精特新企业贷款贴息",
                    legal_basis="《示范县支持专精特新中小企业高质量发展若干措施》（示政办〔2026〕12号）"
                    "第三条：对列入专精特新名单的中小企业新增流动资金贷款，按 2 个百分点给予贴息，"
                    "单笔最高 5 万元，每户每年最高 10 万元。",
                    starts_on=start,
                    ends_on=date(self.today.year, 12, 31) + timedelta(days=365),
                    sizes=frozenset(
                        {EnterpriseSize.MEDIUM, EnterpriseSize.SMALL, EnterpriseSize.MICRO}
                    ),
                    tag_ids=[kinds["specialised_sme"].id, kinds["little_giant"].id],
                    # the county's partner banks: 示范农商行 and 惠民村镇银行
                    bank_ids=[self.banks[6].id, self.banks[7].id],
                    kind=POINTS,
                    value=Decimal("2.00"),
                    cap_per_loan=Decimal("50000"),
                    cap_per_enterprise=Decimal("100000"),
                    budget=Decimal("2000000"),
                    committed=Decimal("0"),
                    created_by_id=official.id,
                ),
                SubsidyProgramme(
                    region_code=DEMO_COUNTY[0],
                    name="示范县首贷户贴息",
                    legal_basis="《示范县首贷培植行动方案》（示金办〔2026〕3号）第五条：首贷户贷款利息的 30% 由县财政补贴，单笔最高 2 万元。",
                    starts_on=start,
                    ends_on=date(self.today.year, 12, 31),
                    first_loan_only=True,
                    kind=SHARE,
                    value=Decimal("30.00"),
                    cap_per_loan=Decimal("20000"),
                    budget=Decimal("500000"),
                    committed=Decimal("0"),
                    created_by_id=official.id,
                ),
            ]
        )
        db.session.flush()

    def build_event(self) -> None:
        held = self.today - timedelta(days=75)
        self.event = Event(
            title=f"{held.year}年{DEMO_COUNTY[1]}政银企融资对接会",
            held_on=held,
            venue=f"{DEMO_COUNTY[1]}政务服务中心三楼会议室",
            region_code=DEMO_COUNTY[0],
            organiser=f"{DEMO_COUNTY[1]}金融工作办公室、县工业和信息化局",
            description="围绕首贷、信用贷和技改贷款，组织银行与中小微企业现场对接、签订意向协议。",
            created_at=_at(held - timedelta(days=30)),
        )
        self.event.banks = self.banks[:6]
        db.session.add(self.event)
        db.session.flush()

    def build_needs(self) -> None:
        verified = [e for e in self.enterprises if e.status is EnterpriseStatus.VERIFIED]
        unverified = [e for e in self.enterprises if e.status is not EnterpriseStatus.VERIFIED]
        published = [
            p
            for p in self.products
            if p.status is ProductStatus.PUBLISHED and p.valid_until >= self.today
        ]
        counter = 0
        for status, count in NEED_PLAN.items():
            for _ in range(count):
                counter += 1
                pool = unverified if status is NeedStatus.DRAFT and counter % 2 else verified
                enterprise = pool[counter % len(pool)] if counter > 1 else self.enterprises[0]
                self.build_need(enterprise, status, published, counter)

    def build_need(
        self, enterprise: Enterprise, status: NeedStatus, products: list[Product], n: int
    ) -> None:
        rng = self.rng
        created = self.past_day(360, 20)
        if status is NeedStatus.OPEN:
            created = self.past_day(40, 1)
        guarantees = rng.choice(
            [
                {Guarantee.CREDIT},
                {Guarantee.CREDIT, Guarantee.GUARANTEE},
                {Guarantee.MORTGAGE},
                {Guarantee.PLEDGE},
                {Guarantee.MORTGAGE, Guarantee.GUARANTEE},
            ]
        )
        collateral = set()
        if Guarantee.MORTGAGE in guarantees:
            collateral |= {rng.choice([Collateral.PROPERTY, Collateral.LAND, Collateral.EQUIPMENT])}
        if Guarantee.PLEDGE in guarantees:
            collateral |= {
                rng.choice(
                    [
                        Collateral.IP,
                        Collateral.RECEIVABLES,
                        Collateral.DEPOSIT,
                        Collateral.INVENTORY,
                    ]
                )
            }
        amount_wan = Decimal(rng.choice([10, 20, 30, 50, 80, 100, 150, 200, 300, 500, 800]))
        needed_by = created + timedelta(days=rng.randint(30, 120))
        if status is NeedStatus.EXPIRED:
            needed_by = min(needed_by, self.today - timedelta(days=rng.randint(1, 60)))
        elif status in (NeedStatus.OPEN, NeedStatus.IN_TALKS, NeedStatus.DRAFT):
            needed_by = self.today + timedelta(days=rng.randint(20, 120))
        need = Need(
            enterprise=enterprise,
            amount=amount_wan * WAN,
            term_months=rng.choice([6, 12, 12, 24, 36, 60]),
            purpose=rng.choice(list(Purpose)),
            guarantees=frozenset(guarantees),
            collateral=frozenset(collateral),
            max_rate=Decimal(rng.choice(["4.00", "4.50", "5.00", "5.50", "6.00"])),
            needed_by=needed_by,
            description=f"用于{rng.choice(['扩大生产', '采购原材料', '更新设备', '研发新产品', '补充流动资金'])}，计划{rng.randint(1, 6)}个月内使用。",
            status=status,
            created_at=_at(created),
            posted_at=None if status is NeedStatus.DRAFT else _at(created, 11),
            closed_at=_at(min(self.today, needed_by))
            if status in (NeedStatus.WITHDRAWN, NeedStatus.EXPIRED)
            else None,
        )
        db.session.add(need)
        db.session.flush()
        if status is NeedStatus.DRAFT:
            return
        banks_products = {}
        for product in rng.sample(products, k=min(len(products), 6)):
            banks_products.setdefault(product.bank_id, product)
        chosen = list(banks_products.values())[:3]
        routed_at = _at(created, 14)
        engagements = [self.route(need, p, routed_at) for p in chosen]
        plan = self.engagement_plan(status, n)
        for engagement, outcome in zip(engagements, plan, strict=False):
            self.play(engagement, outcome, need, n)

    def route(self, need: Need, product: Product, routed_at: datetime) -> Engagement:
        engagement = Engagement(
            need=need,
            bank_id=product.bank_id,
            product=product,
            origin=EngagementOrigin.ROUTED,
            status=EngagementStatus.ROUTED,
            score=Decimal(self.rng.randint(55, 95)),
            routed_at=routed_at,
            deadline_at=add_working_days(routed_at, 3),
        )
        db.session.add(engagement)
        db.session.flush()
        return engagement

    @staticmethod
    def engagement_plan(status: NeedStatus, n: int) -> list[str]:
        """What happens to each of the (up to three) engagements of a need."""
        if status is NeedStatus.OPEN:
            return [
                ["waiting", "waiting", "waiting"],
                ["picked_up", "waiting", "declined"],
                ["overdue", "picked_up", "waiting"],
            ][n % 3]
        if status is NeedStatus.IN_TALKS:
            return [
                ["accepted", "declined", "picked_up"],
                ["agreement:signed", "rejected", "overdue"],
                ["agreement:disputed", "picked_up", "declined"],
                ["agreement:cancelled_then_accepted", "declined", "waiting"],
            ][n % 4]
        if status is NeedStatus.SIGNED:
            return [
                ["agreement:confirmed", "rejected", "declined"],
                ["agreement:approved", "declined", "rejected"],
            ][n % 2]
        if status is NeedStatus.FUNDED:
            return [
                ["agreement:disbursed", "rejected", "declined"],
                ["agreement:partly_disbursed", "declined", "rejected"],
            ][n % 2]
        if status is NeedStatus.WITHDRAWN:
            return ["closed", "closed", "closed"]
        return ["declined", "overdue_closed", "closed"]  # expired

    def play(self, engagement: Engagement, outcome: str, need: Need, n: int) -> None:
        rng = self.rng
        officer = rng.choice(self.bank_officers[engagement.bank_id])
        start = engagement.routed_at
        responded = start + timedelta(hours=rng.randint(2, 60))
        on_time = responded <= engagement.deadline_at
        if outcome == "waiting":
            # Still inside its deadline today: routed within the last day.
            engagement.routed_at = datetime.now(UTC) - timedelta(hours=rng.randint(1, 20))
            engagement.deadline_at = add_working_days(engagement.routed_at, 3)
            return
        if outcome in ("overdue", "overdue_closed"):
            engagement.status = EngagementStatus.OVERDUE
            engagement.overdue_at = engagement.deadline_at
            if outcome == "overdue_closed":
                engagement.status = EngagementStatus.CLOSED
                engagement.closed_at = need.closed_at
            return
        if outcome == "closed":
            engagement.status = EngagementStatus.CLOSED
            engagement.closed_at = need.closed_at
            return
        engagement.first_response_at = responded
        engagement.responded_on_time = on_time
        engagement.response_hours = round(working_hours_between(start, responded), 1)
        engagement.officer_id = officer.id
        engagement.branch_id = officer.branch_id
        if outcome == "declined":
            engagement.status = EngagementStatus.DECLINED
            engagement.decline_reason = rng.choice(list(DeclineReason))
            engagement.decline_note = (
                "担保方式与本行要求不符，建议补充抵押物。"
                if engagement.decline_reason is DeclineReason.OTHER
                else ""
            )
            engagement.closed_at = responded
            return
        engagement.status = EngagementStatus.PICKED_UP
        engagement.picked_up_at = responded
        if outcome == "picked_up":
            return
        answered = responded + timedelta(days=rng.randint(1, 4))
        if outcome == "rejected":
            engagement.status = EngagementStatus.REJECTED
            engagement.closed_at = answered
            return
        engagement.status = EngagementStatus.ACCEPTED
        engagement.accepted_at = answered
        if outcome.startswith("agreement:"):
            self.agreement(engagement, need, outcome.split(":", 1)[1], answered, officer, n)

    def _first_loan(self, enterprise, kind: str) -> bool:
        """The bank marks 首贷 only on the first loan of an enterprise that had none before."""
        if not enterprise.first_loan or enterprise.id in self.borrowed:
            return False
        if kind not in ("disputed", "cancelled_then_accepted"):
            self.borrowed.add(enterprise.id)
        return True

    def agreement(
        self,
        engagement: Engagement,
        need: Need,
        kind: str,
        accepted: datetime,
        officer: User,
        n: int,
    ) -> None:
        rng = self.rng
        signed_on = min(
            (accepted + timedelta(days=rng.randint(3, 20))).date(), self.today - timedelta(days=1)
        )
        at_event = (
            n % 3 == 0
            and self.event.held_on <= self.today
            and any(b.id == engagement.bank_id for b in self.event.banks)
        )
        if at_event:
            signed_on = self.event.held_on
            need_ids = {x.id for x in self.event.needs}
            if need.id not in need_ids:
                self.event.needs.append(need)
            if not db.session.get(EventParticipant, (self.event.id, need.enterprise_id)):
                db.session.add(
                    EventParticipant(
                        event_id=self.event.id,
                        enterprise_id=need.enterprise_id,
                        signed_up_at=_at(self.event.held_on - timedelta(days=10)),
                    )
                )
                db.session.flush()
        product = engagement.product
        rate = max(product.min_rate, min(product.max_rate, need.max_rate - Decimal("0.20")))
        guarantee = sorted(need.guarantees & product.guarantees or need.guarantees)[0]
        amount = min(need.amount, product.max_amount)
        record = Agreement(
            engagement=engagement,
            need=need,
            enterprise_id=need.enterprise_id,
            bank_id=engagement.bank_id,
            branch_id=officer.branch_id,
            officer_id=officer.id,
            product=product,
            event=self.event if at_event else None,
            amount=amount,
            term_months=need.term_months,
            rate=rate,
            guarantee=guarantee,
            signed_on=signed_on,
            note="对接会现场签约" if at_event else "",
            status=AgreementStatus.SIGNED,
            created_at=_at(signed_on, 16),
            first_loan=self._first_loan(need.enterprise, kind),
        )
        record.snapshot(need.enterprise)
        db.session.add(record)
        confirmed_at = _at(signed_on + timedelta(days=rng.randint(0, 3)), 9)
        if kind == "disputed":
            record.status = AgreementStatus.DISPUTED
            record.dispute_reason = "协议利率与面谈结果不一致，请核实。"
            db.session.add(
                Dispute(
                    agreement=record,
                    raised_by_id=None,
                    reason=record.dispute_reason,
                    raised_at=_at(signed_on + timedelta(days=2), 10),
                )
            )
        elif kind == "cancelled_then_accepted":
            record.status = AgreementStatus.CANCELLED
            record.cancelled_at = _at(signed_on + timedelta(days=10))
            record.cancel_reason = "企业补充抵押物后重新评估，原协议作废。"
        elif kind in ("confirmed", "approved", "disbursed", "partly_disbursed"):
            record.status = AgreementStatus.CONFIRMED
            record.confirmed_at = confirmed_at
        if kind in ("approved", "disbursed", "partly_disbursed"):
            record.status = AgreementStatus.APPROVED
            record.approved_amount = (
                amount if n % 4 else (amount * Decimal("0.8")).quantize(Decimal("0.01"))
            )
            record.approved_on = min(
                signed_on + timedelta(days=product.approval_days + 3), self.today
            )
        if kind in ("disbursed", "partly_disbursed"):
            record.status = AgreementStatus.DISBURSED
            tranches = (
                [record.approved_amount]
                if kind == "disbursed"
                else [
                    (record.approved_amount * Decimal("0.6")).quantize(Decimal("0.01")),
                    record.approved_amount
                    - (record.approved_amount * Decimal("0.6")).quantize(Decimal("0.01")),
                ]
            )
            paid_on = record.approved_on
            for tranche in tranches:
                paid_on = min(paid_on + timedelta(days=rng.randint(2, 15)), self.today)
                receiver = need.enterprise.users[0] if need.enterprise.users else None
                arrived = receiver is not None and rng.random() < 0.7
                record.disbursements.append(
                    Disbursement(
                        amount=tranche,
                        disbursed_on=paid_on,
                        recorded_by_id=officer.id,
                        created_at=_at(paid_on, 15),
                        received_confirmed_at=_at(min(paid_on + timedelta(days=1), self.today), 11)
                        if arrived
                        else None,
                        received_confirmed_by_id=receiver.id if arrived else None,
                    )
                )
            record.disbursed_amount = sum(tranches, Decimal("0.00"))
            record.last_disbursed_on = paid_on
        db.session.flush()
