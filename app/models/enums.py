"""Every enumerated value of the domain, with its translatable label."""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l

# Keyed by the enum class first: StrEnum members of different enums that share a value
# ("guarantee" the method, "guarantee" the decline reason) are equal and hash alike, so a
# dict keyed by member would let the last label registered win for both.
_LABELS: dict[type[enum.Enum], dict[str, object]] = {}


class Labelled(enum.StrEnum):
    @property
    def label(self) -> str:
        return _LABELS.get(type(self), {}).get(self.value, self.value)

    @classmethod
    def choices(cls) -> list[tuple[str, object]]:
        return [(m.value, m.label) for m in cls]


def _labels(cls: type[Labelled], labels: dict[str, object]) -> None:
    missing = {m.value for m in cls} - set(labels)
    if missing:
        raise RuntimeError(f"{cls.__name__} lacks labels for {sorted(missing)}")
    _LABELS[cls] = {cls(value).value: label for value, label in labels.items()}


def labels_of(cls: type[Labelled]) -> dict[str, object]:
    """The labels registered for one enum, by value."""
    return dict(_LABELS.get(cls, {}))


class Role(Labelled):
    ENTERPRISE = "enterprise"
    BANK_OFFICER = "bank_officer"
    BANK_MANAGER = "bank_manager"
    OFFICIAL = "official"
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    # Staff of a government financing guarantee agency (政府性融资担保机构): an institution
    # kept like a bank (bank_type GUARANTEE, branches in regions), working its own pipeline.
    GUARANTEE_OFFICER = "guarantee_officer"
    GUARANTEE_MANAGER = "guarantee_manager"

    @property
    def is_bank(self) -> bool:
        return self in (Role.BANK_OFFICER, Role.BANK_MANAGER)

    @property
    def is_agency(self) -> bool:
        return self in (Role.GUARANTEE_OFFICER, Role.GUARANTEE_MANAGER)

    @property
    def has_branch(self) -> bool:
        """Works at a branch of an institution: a bank's or a guarantee agency's staff."""
        return self.is_bank or self.is_agency

    @property
    def is_manager(self) -> bool:
        """Sees the branches below their own, in a bank or an agency alike."""
        return self in (Role.BANK_MANAGER, Role.GUARANTEE_MANAGER)


_labels(
    Role,
    {
        "enterprise": _l("Enterprise"),
        "bank_officer": _l("Bank officer"),
        "bank_manager": _l("Bank manager"),
        "official": _l("Official"),
        "admin": _l("Administrator"),
        "coordinator": _l("Coordinator"),
        "guarantee_officer": _l("Guarantee officer"),
        "guarantee_manager": _l("Guarantee manager"),
    },
)


class RegionLevel(Labelled):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWN = "town"


_labels(
    RegionLevel,
    {"province": _l("Province"), "city": _l("City"), "county": _l("County"), "town": _l("Town")},
)


class EnterpriseStatus(Labelled):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


_labels(
    EnterpriseStatus,
    {
        "pending": _l("Awaiting verification"),
        "verified": _l("Verified"),
        "rejected": _l("Rejected"),
    },
)


class EnterpriseSize(Labelled):
    LARGE = "large"
    MEDIUM = "medium"
    SMALL = "small"
    MICRO = "micro"


_labels(
    EnterpriseSize,
    {"large": _l("Large"), "medium": _l("Medium"), "small": _l("Small"), "micro": _l("Micro")},
)


class TaxRating(Labelled):
    """Tax credit rating; A is best. An enterprise without a rating has None."""

    A = "A"
    B = "B"
    M = "M"
    C = "C"
    D = "D"

    @property
    def rank(self) -> int:
        return {"A": 5, "B": 4, "M": 3, "C": 2, "D": 1}[self.value]


_labels(TaxRating, {v: v for v in "ABMCD"})


class Guarantee(Labelled):
    CREDIT = "credit"
    GUARANTEE = "guarantee"
    MORTGAGE = "mortgage"
    PLEDGE = "pledge"


_labels(
    Guarantee,
    {
        "credit": _l("Credit (unsecured)"),
        "guarantee": _l("Guarantee"),
        "mortgage": _l("Mortgage"),
        "pledge": _l("Pledge"),
    },
)


class RepaymentMethod(Labelled):
    """In the order of app.pricing.items.METHODS: stored bit masks are shared with the engine."""

    EQUAL_INSTALMENT = "equal_instalment"
    EQUAL_PRINCIPAL = "equal_principal"
    INTEREST_ONLY = "interest_only"


_labels(
    RepaymentMethod,
    {
        "equal_instalment": _l("Equal instalments (等额本息)"),
        "equal_principal": _l("Equal principal (等额本金)"),
        "interest_only": _l("Interest monthly, principal at maturity (先息后本)"),
    },
)


class Collateral(Labelled):
    PROPERTY = "property"
    LAND = "land"
    EQUIPMENT = "equipment"
    INVENTORY = "inventory"
    IP = "ip"
    RECEIVABLES = "receivables"
    DEPOSIT = "deposit"


_labels(
    Collateral,
    {
        "property": _l("Buildings"),
        "land": _l("Land"),
        "equipment": _l("Equipment"),
        "inventory": _l("Inventory"),
        "ip": _l("Intellectual property"),
        "receivables": _l("Receivables"),
        "deposit": _l("Deposits and bills"),
    },
)


class Purpose(Labelled):
    WORKING_CAPITAL = "working_capital"
    FIXED_ASSETS = "fixed_assets"
    TECH_UPGRADE = "tech_upgrade"
    RND = "rnd"
    RAW_MATERIALS = "raw_materials"
    OTHER = "other"


_labels(
    Purpose,
    {
        "working_capital": _l("Working capital"),
        "fixed_assets": _l("Fixed-asset investment"),
        "tech_upgrade": _l("Technical upgrade"),
        "rnd": _l("Research and development"),
        "raw_materials": _l("Raw materials"),
        "other": _l("Other"),
    },
)


class NeedStatus(Labelled):
    DRAFT = "draft"
    OPEN = "open"
    IN_TALKS = "in_talks"
    SIGNED = "signed"
    FUNDED = "funded"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


_labels(
    NeedStatus,
    {
        "draft": _l("Draft"),
        "open": _l("Open"),
        "in_talks": _l("In talks"),
        "signed": _l("Signed"),
        "funded": _l("Funded"),
        "withdrawn": _l("Withdrawn"),
        "expired": _l("Expired"),
    },
)


class BankType(Labelled):
    STATE_OWNED = "state_owned"
    JOINT_STOCK = "joint_stock"
    CITY_COMMERCIAL = "city_commercial"
    RURAL_COMMERCIAL = "rural_commercial"
    VILLAGE = "village"
    PRIVATE = "private"
    FOREIGN = "foreign"
    POLICY = "policy"
    CREDIT_COOPERATIVE = "cooperative"
    GUARANTEE = "guarantee"
    MICROCREDIT = "microcredit"
    OTHER = "other"

    @property
    def is_commercial(self) -> bool:
        """Counted among the "家商业银行" of the officials' sentence; the rest are other
        financial institutions, totalled in a clause of their own."""
        return self in COMMERCIAL_BANK_TYPES


COMMERCIAL_BANK_TYPES = frozenset(
    {
        BankType.STATE_OWNED,
        BankType.JOINT_STOCK,
        BankType.CITY_COMMERCIAL,
        BankType.RURAL_COMMERCIAL,
        BankType.VILLAGE,
        BankType.PRIVATE,
        BankType.FOREIGN,
    }
)

_labels(
    BankType,
    {
        "state_owned": _l("Large state-owned commercial bank"),
        "joint_stock": _l("Joint-stock commercial bank"),
        "city_commercial": _l("City commercial bank"),
        "rural_commercial": _l("Rural commercial bank"),
        "village": _l("Village bank"),
        "private": _l("Private bank"),
        "foreign": _l("Foreign bank"),
        "policy": _l("Policy bank"),
        "cooperative": _l("Rural credit cooperative"),
        "guarantee": _l("Guarantee institution"),
        "microcredit": _l("Microcredit company"),
        "other": _l("Other financial institution"),
    },
)


class ProductType(Labelled):
    CREDIT = "credit"
    MORTGAGE = "mortgage"
    GUARANTEED = "guaranteed"
    IP_PLEDGE = "ip_pledge"
    RECEIVABLES = "receivables"
    TAX_CREDIT = "tax_credit"
    SUPPLY_CHAIN = "supply_chain"
    EQUIPMENT = "equipment"
    OTHER = "other"


_labels(
    ProductType,
    {
        "credit": _l("Credit loan"),
        "mortgage": _l("Mortgage loan"),
        "guaranteed": _l("Guaranteed loan"),
        "ip_pledge": _l("IP pledge loan"),
        "receivables": _l("Receivables financing"),
        "tax_credit": _l("Tax-credit loan"),
        "supply_chain": _l("Supply-chain financing"),
        "equipment": _l("Equipment instalment loan"),
        "other": _l("Other"),
    },
)


class ProductStatus(Labelled):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


_labels(
    ProductStatus,
    {"draft": _l("Draft"), "published": _l("Published"), "retired": _l("Retired")},
)


class EngagementOrigin(Labelled):
    ROUTED = "routed"
    APPLIED = "applied"


_labels(
    EngagementOrigin,
    {"routed": _l("Routed by the platform"), "applied": _l("Applied by the enterprise")},
)


class EngagementStatus(Labelled):
    ROUTED = "routed"
    OVERDUE = "overdue"
    PICKED_UP = "picked_up"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    REJECTED = "rejected"
    CLOSED = "closed"


_labels(
    EngagementStatus,
    {
        "routed": _l("Awaiting the bank"),
        "overdue": _l("Overdue"),
        "picked_up": _l("Picked up"),
        "accepted": _l("Accepted by the enterprise"),
        "declined": _l("Declined by the bank"),
        "rejected": _l("Declined by the enterprise"),
        "closed": _l("Closed"),
    },
)


class DeclineReason(Labelled):
    AMOUNT = "amount"
    QUALIFICATION = "qualification"
    GUARANTEE = "guarantee"
    INDUSTRY = "industry"
    OTHER = "other"


_labels(
    DeclineReason,
    {
        "amount": _l("Amount does not fit"),
        "qualification": _l("Qualifications do not fit"),
        "guarantee": _l("Insufficient guarantee"),
        "industry": _l("Industry restriction"),
        "other": _l("Other"),
    },
)


class AgreementStatus(Labelled):
    SIGNED = "signed"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    APPROVED = "approved"
    DISBURSED = "disbursed"
    CANCELLED = "cancelled"


_labels(
    AgreementStatus,
    {
        "signed": _l("Signed, awaiting confirmation"),
        "confirmed": _l("Confirmed"),
        "disputed": _l("Disputed"),
        "approved": _l("Approved"),
        "disbursed": _l("Disbursed"),
        "cancelled": _l("Cancelled"),
    },
)


# One true state (#14) ------------------------------------------------------------------


class EngagementClosure(Labelled):
    """Why an engagement closed without the bank or the enterprise answering: none of these
    counts against the bank (not overdue, not on the watch list, not in the on-time rate)."""

    NEED_SATISFIED = "need_satisfied"
    NEED_WITHDRAWN = "need_withdrawn"
    NEED_EXPIRED = "need_expired"
    ENTERPRISE_UNVERIFIED = "enterprise_unverified"


_labels(
    EngagementClosure,
    {
        "need_satisfied": _l("Need satisfied"),
        "need_withdrawn": _l("Withdrawn by the enterprise"),
        "need_expired": _l("Need expired"),
        "enterprise_unverified": _l("Enterprise no longer verified"),
    },
)


class DisputeOutcome(Labelled):
    CORRECTED = "corrected"
    CANCELLED = "cancelled"
    STANDS = "stands"
    VOIDED = "voided"


_labels(
    DisputeOutcome,
    {
        "corrected": _l("The bank corrected the agreement"),
        "cancelled": _l("The agreement was cancelled"),
        "stands": _l("Closed by an official: the agreement stands, for the enterprise to confirm"),
        "voided": _l("Closed by an official: the agreement is cancelled"),
    },
)
