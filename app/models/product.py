"""Loan products a bank lists, with the conditions the matching engine checks."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import EnumSet, Money, Rate, UTCDateTime, db, enum_column_type, utcnow
from app.models.enums import (
    EnterpriseSize,
    Guarantee,
    ProductStatus,
    ProductType,
    Purpose,
    RepaymentMethod,
    TaxRating,
)
from app.models.reference import Industry, Region
from app.models.workflow import Transitions
from app.pricing import PriceItems, Quote, cheapest_quote, reference_loan

if TYPE_CHECKING:
    from app.models.bank import Bank, Branch

P = ProductStatus
PRODUCT_TRANSITIONS = Transitions(
    _l("product"),
    {
        P.DRAFT: {P.PUBLISHED},
        P.PUBLISHED: {P.RETIRED, P.DRAFT},
        P.RETIRED: {P.DRAFT},
    },
)

product_industries = sa.Table(
    "product_industries",
    db.metadata,
    sa.Column("product_id", sa.ForeignKey("products.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("industry_code", sa.ForeignKey("industries.code"), primary_key=True, index=True),
)

product_regions = sa.Table(
    "product_regions",
    db.metadata,
    sa.Column("product_id", sa.ForeignKey("products.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("region_code", sa.ForeignKey("regions.code"), primary_key=True, index=True),
)


class Product(db.Model):
    __tablename__ = "products"
    __table_args__ = (sa.Index("ix_products_status_valid_until", "status", "valid_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(sa.ForeignKey("banks.id"), index=True)
    branch_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("branches.id"), index=True, default=None
    )
    name: Mapped[str] = mapped_column(sa.String(128), index=True)
    product_type: Mapped[ProductType] = mapped_column(enum_column_type(ProductType), index=True)
    min_amount: Mapped[Decimal] = mapped_column(Money())
    max_amount: Mapped[Decimal] = mapped_column(Money())
    min_term_months: Mapped[int] = mapped_column()
    max_term_months: Mapped[int] = mapped_column()
    min_rate: Mapped[Decimal] = mapped_column(Rate())
    max_rate: Mapped[Decimal] = mapped_column(Rate())
    # Price items (see app.pricing.items.PriceItems): fee_rate is the yearly fee on the amount
    # charged with each instalment; the others are paid at drawdown or monthly as named.
    fee_rate: Mapped[Decimal] = mapped_column(Rate(), default=Decimal("0.00"))
    upfront_fee_rate: Mapped[Decimal] = mapped_column(Rate(), default=Decimal("0.00"))
    upfront_fee_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    monthly_fee_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    guarantee_fee_rate: Mapped[Decimal] = mapped_column(Rate(), default=Decimal("0.00"))
    # The all-in rate of the indicative quote (below), kept on every write so the supermarket
    # can sort by what a loan costs in SQL; None only for rows written around the ORM.
    indicative_all_in_rate: Mapped[Decimal | None] = mapped_column(Rate(), default=None)
    repayment_methods: Mapped[frozenset[RepaymentMethod]] = mapped_column(
        EnumSet(RepaymentMethod), default=frozenset({RepaymentMethod.INTEREST_ONLY})
    )
    fees_note: Mapped[str] = mapped_column(sa.Text, default="")
    # Tag kinds (official lists) an enterprise must be on, any one of them; empty: none.
    required_tag_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    guarantees: Mapped[frozenset[Guarantee]] = mapped_column(EnumSet(Guarantee), default=frozenset)
    sizes: Mapped[frozenset[EnterpriseSize]] = mapped_column(
        EnumSet(EnterpriseSize), default=frozenset
    )
    purposes: Mapped[frozenset[Purpose]] = mapped_column(EnumSet(Purpose), default=frozenset)
    min_years: Mapped[int] = mapped_column(default=0)
    min_tax_rating: Mapped[TaxRating | None] = mapped_column(
        enum_column_type(TaxRating), default=None
    )
    first_loan: Mapped[bool] = mapped_column(default=False, index=True)
    approval_days: Mapped[int] = mapped_column(default=7)
    requirements: Mapped[str] = mapped_column(sa.Text, default="")
    documents: Mapped[str] = mapped_column(sa.Text, default="")
    valid_until: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[ProductStatus] = mapped_column(
        enum_column_type(ProductStatus), default=ProductStatus.DRAFT, index=True
    )
    version: Mapped[int] = mapped_column(default=1)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id"), index=True, default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    bank: Mapped[Bank] = relationship(back_populates="products")
    branch: Mapped[Branch | None] = relationship()
    industries: Mapped[list[Industry]] = relationship(secondary=product_industries)
    regions: Mapped[list[Region]] = relationship(secondary=product_regions)

    __mapper_args__ = {"version_id_col": version}

    @property
    def requires_guarantee(self) -> bool:
        """A guarantee company's guarantee is the only way in, so its fee is always paid."""
        return self.guarantees == frozenset({Guarantee.GUARANTEE})

    def required_tag_names(self, language: str = "zh") -> list[str]:
        """The official lists the product is reserved for, by name."""
        from app.programmes.tags import kind_names

        names = kind_names()
        index = 1 if language == "en" else 0
        return [names[i][index] for i in self.required_tag_ids or () if i in names]

    @property
    def indicative_quote(self) -> Quote:
        """The cheapest quote for the reference loan (100 万元, 12 months, within range)."""
        amount, months = reference_loan(
            self.min_amount, self.max_amount, self.min_term_months, self.max_term_months
        )
        return cheapest_quote(self.price_items(), amount, months, self.requires_guarantee)

    def price_items(self, rate: Decimal | None = None) -> PriceItems:
        """The price items at a rate (the lowest by default), for app.pricing."""
        methods = self.repayment_methods or {RepaymentMethod.INTEREST_ONLY}
        return PriceItems(
            rate=self.min_rate if rate is None else rate,
            upfront_fee_rate=self.upfront_fee_rate,
            upfront_fee_amount=self.upfront_fee_amount,
            periodic_fee_rate=self.fee_rate,
            periodic_fee_amount=self.monthly_fee_amount,
            guarantee_fee_rate=self.guarantee_fee_rate,
            methods=tuple(m.value for m in RepaymentMethod if m in methods),
        )

    def is_available(self, on: date) -> bool:
        return (
            self.status is ProductStatus.PUBLISHED and self.valid_until >= on and self.bank.active
        )

    def __repr__(self) -> str:
        return f"<Product {self.id} {self.name}>"


_PRICE_FIELDS = (
    "min_amount",
    "max_amount",
    "min_rate",
    "fee_rate",
    "upfront_fee_rate",
    "upfront_fee_amount",
    "monthly_fee_amount",
    "guarantee_fee_rate",
)


@sa.event.listens_for(Product, "before_insert")
@sa.event.listens_for(Product, "before_update")
def _keep_indicative_all_in_rate(_mapper, _connection, product: Product) -> None:
    # Before the insert the columns' defaults are not on the object yet, and a value may
    # still be the text or int it was given: set each as the column will store it.
    for name in _PRICE_FIELDS:
        value = getattr(product, name)
        if value is None and name not in ("min_amount", "max_amount", "min_rate"):
            setattr(product, name, Decimal("0.00"))
        elif isinstance(value, str | int):
            setattr(product, name, Decimal(value))
    try:
        product.indicative_all_in_rate = product.indicative_quote.all_in_rate
    except ValueError:  # fees above the amount: no rate of return; sorts after every other
        product.indicative_all_in_rate = None
