"""The 小微企业融资协调工作机制: visits, the declared and recommended lists, banks' feedback."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import (
    ExactDecimal,
    Money,
    Rate,
    UTCDateTime,
    db,
    enum_column_type,
    utcnow,
)
from app.models.enums import Collateral, Guarantee, Labelled, Purpose, _labels
from app.models.workflow import Transitions

if TYPE_CHECKING:
    from app.models.bank import Bank
    from app.models.engagement import Engagement
    from app.models.enterprise import Enterprise
    from app.models.need import Need
    from app.models.reference import Region
    from app.models.user import User


class AuthorisationMethod(Labelled):
    SIGNED_FORM = "signed_form"
    OWN_ACCOUNT = "own_account"
    SMS_CODE = "sms_code"


_labels(
    AuthorisationMethod,
    {
        "signed_form": _l("Signed authorisation form"),
        "own_account": _l("Confirmed through its own account"),
        "sms_code": _l("Confirmed through an SMS link"),
    },
)


class Standard(Labelled):
    """The five standards of 金发〔2024〕32号 a declared business is screened against."""

    LAWFUL_OPERATION = "lawful_operation"
    FIXED_PLACE = "fixed_place"
    REAL_NEED = "real_need"
    GOOD_CREDIT = "good_credit"
    LAWFUL_PURPOSE = "lawful_purpose"


_labels(
    Standard,
    {
        "lawful_operation": _l("Lawful, continuing operation"),
        "fixed_place": _l("A fixed place of business"),
        "real_need": _l("A real financing need"),
        "good_credit": _l("Good credit standing"),
        "lawful_purpose": _l("A lawful loan purpose"),
    },
)


class NegativeKind(Labelled):
    SERIOUS_DISHONESTY = "serious_dishonesty"
    JUDGEMENT_DEFAULTER = "judgement_defaulter"
    MAJOR_VIOLATION = "major_violation"
    EXCLUDED_INDUSTRY = "excluded_industry"


_labels(
    NegativeKind,
    {
        "serious_dishonesty": _l("On the list of seriously dishonest entities"),
        "judgement_defaulter": _l("Listed as a judgement defaulter"),
        "major_violation": _l("Major violation of laws or regulations"),
        "excluded_industry": _l("Industry excluded by policy"),
    },
)


class DeclarationStatus(Labelled):
    DECLARED = "declared"
    RECOMMENDED = "recommended"
    SCREENED_OUT = "screened_out"


_labels(
    DeclarationStatus,
    {
        "declared": _l("Declared, awaiting screening"),
        "recommended": _l("On the recommended list"),
        "screened_out": _l("Screened out"),
    },
)


class RecommendationStatus(Labelled):
    SENT = "sent"
    CONTACTED = "contacted"
    GRANTED = "granted"
    REFUSED = "refused"


_labels(
    RecommendationStatus,
    {
        "sent": _l("Sent, awaiting contact"),
        "contacted": _l("Contacted"),
        "granted": _l("Credit granted"),
        "refused": _l("Not granted"),
    },
)


class RefusalReason(Labelled):
    NO_REAL_NEED = "no_real_need"
    CREDIT_HISTORY = "credit_history"
    CASH_FLOW = "cash_flow"
    COLLATERAL = "collateral"
    INDUSTRY_POLICY = "industry_policy"
    BUSINESS_DECLINED = "business_declined"
    OTHER = "other"


_labels(
    RefusalReason,
    {
        "no_real_need": _l("No real financing need"),
        "credit_history": _l("Credit history"),
        "cash_flow": _l("Insufficient cash flow"),
        "collateral": _l("Insufficient collateral"),
        "industry_policy": _l("Industry policy"),
        "business_declined": _l("The business declined"),
        "other": _l("Other reason"),
    },
)

D = DeclarationStatus
DECLARATION_TRANSITIONS = Transitions(
    _l("declaration"),
    {
        D.DECLARED: {D.RECOMMENDED, D.SCREENED_OUT},
        D.SCREENED_OUT: {D.DECLARED},
        D.RECOMMENDED: set(),
    },
)
R = RecommendationStatus
RECOMMENDATION_TRANSITIONS = Transitions(
    _l("recommendation"),
    {
        R.SENT: {R.CONTACTED, R.GRANTED, R.REFUSED},
        R.CONTACTED: {R.GRANTED, R.REFUSED},
        R.GRANTED: set(),
        R.REFUSED: set(),
    },
)
DECIDED = frozenset({R.GRANTED, R.REFUSED})


coordinator_regions = sa.Table(
    "coordinator_regions",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("region_code", sa.ForeignKey("regions.code"), primary_key=True),
)


class Visit(db.Model):
    """One 走访: what a coordinator found at a business, and whether it let banks see it."""

    __tablename__ = "visits"
    __table_args__ = (sa.Index("ix_visits_region_visited", "region_code", "visited_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id"), index=True)
    coordinator_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    region_code: Mapped[str] = mapped_column(sa.ForeignKey("regions.code"))
    visited_on: Mapped[date] = mapped_column(sa.Date, index=True)
    operating: Mapped[bool] = mapped_column()
    fixed_place: Mapped[bool] = mapped_column()
    has_need: Mapped[bool] = mapped_column()
    amount: Mapped[Decimal | None] = mapped_column(Money(), default=None)
    term_months: Mapped[int | None] = mapped_column(default=None)
    purpose: Mapped[Purpose | None] = mapped_column(enum_column_type(Purpose), default=None)
    guarantee: Mapped[Guarantee | None] = mapped_column(enum_column_type(Guarantee), default=None)
    collateral: Mapped[Collateral | None] = mapped_column(
        enum_column_type(Collateral), default=None
    )
    obstacles: Mapped[str] = mapped_column(sa.Text, default="")
    authorised_by: Mapped[AuthorisationMethod | None] = mapped_column(
        enum_column_type(AuthorisationMethod), default=None
    )
    authorised_on: Mapped[date | None] = mapped_column(sa.Date, default=None)
    authorisation_ref: Mapped[str] = mapped_column(sa.String(128), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enterprise: Mapped[Enterprise] = relationship()
    coordinator: Mapped[User] = relationship()
    region: Mapped[Region] = relationship()

    @property
    def authorised(self) -> bool:
        return self.authorised_by is not None and self.authorised_on is not None


class Declaration(db.Model):
    """A business on the 申报清单, screened onto the 推荐清单 or out of it."""

    __tablename__ = "declarations"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visits.id"), unique=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id"), index=True)
    region_code: Mapped[str] = mapped_column(sa.ForeignKey("regions.code"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    status: Mapped[DeclarationStatus] = mapped_column(
        enum_column_type(DeclarationStatus), default=DeclarationStatus.DECLARED, index=True
    )
    declared_on: Mapped[date] = mapped_column(sa.Date, index=True)
    # {standard: {"met": bool, "note": str}} for each of the five standards.
    screening: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    negative_hits: Mapped[list] = mapped_column(sa.JSON, default=list)
    screened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    screened_on: Mapped[date | None] = mapped_column(sa.Date, default=None, index=True)
    outcome_note: Mapped[str] = mapped_column(sa.Text, default="")
    need_id: Mapped[int | None] = mapped_column(sa.ForeignKey("needs.id"), default=None)
    version: Mapped[int] = mapped_column(default=1)

    visit: Mapped[Visit] = relationship()
    enterprise: Mapped[Enterprise] = relationship()
    region: Mapped[Region] = relationship()
    need: Mapped[Need | None] = relationship()
    recommendations: Mapped[list[Recommendation]] = relationship(
        back_populates="declaration", order_by="Recommendation.id"
    )
    joint_review: Mapped[JointReview | None] = relationship(back_populates="declaration")

    __mapper_args__ = {"version_id_col": version}


class Recommendation(db.Model):
    """One recommended business at one bank: contact and a credit decision within deadlines."""

    __tablename__ = "recommendations"
    __table_args__ = (
        sa.UniqueConstraint(
            "declaration_id", "bank_id", name="uq_recommendations_declaration_bank"
        ),
        sa.Index("ix_recommendations_bank_status", "bank_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(sa.ForeignKey("declarations.id"), index=True)
    bank_id: Mapped[int] = mapped_column(sa.ForeignKey("banks.id"), index=True)
    engagement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("engagements.id"), default=None)
    status: Mapped[RecommendationStatus] = mapped_column(
        enum_column_type(RecommendationStatus), default=RecommendationStatus.SENT, index=True
    )
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    contact_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decision_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    granted_amount: Mapped[Decimal | None] = mapped_column(Money(), default=None)
    rate: Mapped[Decimal | None] = mapped_column(Rate(), default=None)
    term_months: Mapped[int | None] = mapped_column(default=None)
    credit_loan: Mapped[bool | None] = mapped_column(default=None)
    maturity_on: Mapped[date | None] = mapped_column(sa.Date, default=None, index=True)
    refusal_reason: Mapped[RefusalReason | None] = mapped_column(
        enum_column_type(RefusalReason), default=None
    )
    refusal_note: Mapped[str] = mapped_column(sa.Text, default="")
    reminded_for: Mapped[date | None] = mapped_column(sa.Date, default=None)
    version: Mapped[int] = mapped_column(default=1)

    declaration: Mapped[Declaration] = relationship(back_populates="recommendations")
    bank: Mapped[Bank] = relationship()
    engagement: Mapped[Engagement | None] = relationship()
    tranches: Mapped[list[Tranche]] = relationship(order_by="Tranche.lent_on")
    renewals: Mapped[list[Renewal]] = relationship(order_by="Renewal.renewed_on")

    __mapper_args__ = {"version_id_col": version}

    @property
    def lent_total(self) -> Decimal:
        return sum((t.amount for t in self.tranches), Decimal("0.00"))


class Tranche(db.Model):
    """放款: one payment of a granted loan."""

    __tablename__ = "tranches"

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(sa.ForeignKey("recommendations.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    lent_on: Mapped[date] = mapped_column(sa.Date, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Renewal(db.Model):
    """续贷 of a granted loan; 无还本续贷 when the principal was not repaid first."""

    __tablename__ = "renewals"

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(sa.ForeignKey("recommendations.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    renewed_on: Mapped[date] = mapped_column(sa.Date, index=True)
    without_principal: Mapped[bool] = mapped_column(default=False)
    new_maturity_on: Mapped[date] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class JointReview(db.Model):
    """联合会诊 of a business every bank refused."""

    __tablename__ = "joint_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(sa.ForeignKey("declarations.id"), unique=True)
    official_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    reviewed_on: Mapped[date] = mapped_column(sa.Date)
    outcome: Mapped[str] = mapped_column(sa.Text)

    declaration: Mapped[Declaration] = relationship(back_populates="joint_review")


class NegativeListEntry(db.Model):
    """An entry of the negative list: a business by credit code, or an excluded industry."""

    __tablename__ = "negative_list_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[NegativeKind] = mapped_column(enum_column_type(NegativeKind))
    credit_code: Mapped[str | None] = mapped_column(sa.String(18), index=True, default=None)
    industry_code: Mapped[str | None] = mapped_column(
        sa.ForeignKey("industries.code"), default=None
    )
    note: Mapped[str] = mapped_column(sa.Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MechanismDeadline(db.Model):
    """A region's own deadlines; regions without one use their parent's, then the settings."""

    __tablename__ = "mechanism_deadlines"

    region_code: Mapped[str] = mapped_column(sa.ForeignKey("regions.code"), primary_key=True)
    contact_working_days: Mapped[int] = mapped_column()
    decision_days: Mapped[int] = mapped_column()


class AuthorisationLink(db.Model):
    """A one-time link sent by SMS to a business's contact mobile, through which it
    authorises sharing its data with banks itself. Only a keyed hash of the link's secret
    is kept (written by the job that sends it); the link works once, until it expires."""

    __tablename__ = "authorisation_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visits.id"), index=True)
    mobile: Mapped[str] = mapped_column(sa.String(20), index=True)
    token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True, default=None)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # When it stopped working, and why: confirmed, declined, or replaced by a newer link.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    outcome: Mapped[str] = mapped_column(sa.String(16), default="")

    visit: Mapped[Visit] = relationship()
    requested_by: Mapped[User] = relationship()


class MechanismRollup(db.Model):
    """The report's figures per kind (r: by region, b: by bank), scope, bank, step and day;
    kept by app/coordination/rollup.py, which says how distinct businesses stay exact."""

    __tablename__ = "mechanism_rollup"

    kind: Mapped[str] = mapped_column(sa.String(1), primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    bank_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    metric: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    n: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    amount: Mapped[Decimal] = mapped_column(ExactDecimal(24, 2), default=Decimal(0))
    rate_amount: Mapped[Decimal] = mapped_column(ExactDecimal(28, 4), default=Decimal(0))


class MechanismRollupRepeat(db.Model):
    """Businesses that reached a step on `prev_day` and next on `day` (same kind, scope,
    bank): what a window's distinct count subtracts from the sum of its days."""

    __tablename__ = "mechanism_rollup_repeats"

    kind: Mapped[str] = mapped_column(sa.String(1), primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    bank_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    metric: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    prev_day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    n: Mapped[int] = mapped_column(sa.BigInteger, default=0)
