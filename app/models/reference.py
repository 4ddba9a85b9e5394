"""Reference tables loaded from standards: regions (GB/T 2260) and industries (GB/T 4754-2017)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import db, enum_column_type
from app.models.enums import RegionLevel


class Region(db.Model):
    """A division. `path` is the chain of codes from the top ("320000/320500/320571/"), so a
    subtree is one indexed prefix match. A retired region keeps its rows and history."""

    __tablename__ = "regions"
    __table_args__ = (
        sa.Index("ix_regions_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),
    )

    code: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    name_en: Mapped[str] = mapped_column(sa.String(64), default="")
    level: Mapped[RegionLevel] = mapped_column(enum_column_type(RegionLevel), index=True)
    parent_code: Mapped[str | None] = mapped_column(
        sa.ForeignKey("regions.code"), index=True, default=None
    )

    path: Mapped[str] = mapped_column(sa.String(80), default="")
    retired_on: Mapped[date | None] = mapped_column(default=None)
    successor_code: Mapped[str | None] = mapped_column(
        sa.ForeignKey("regions.code"), index=True, default=None
    )
    platform_name: Mapped[str] = mapped_column(sa.String(64), default="")
    contact_line: Mapped[str] = mapped_column(sa.String(128), default="")

    parent: Mapped[Region | None] = relationship(
        remote_side=[code], back_populates="children", foreign_keys=[parent_code]
    )
    children: Mapped[list[Region]] = relationship(
        back_populates="parent", order_by="Region.code", foreign_keys=[parent_code]
    )

    @property
    def retired(self) -> bool:
        return self.retired_on is not None

    @property
    def ancestor_codes(self) -> list[str]:
        """Codes from the top down to this region itself."""
        return [c for c in self.path.split("/") if c]

    def display_name(self, locale: str = "zh") -> str:
        return self.name_en if locale == "en" and self.name_en else self.name

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name}>"


class Industry(db.Model):
    """A GB/T 4754-2017 section (A–T), division (2 digits) or, for real estate, class (7010, 7020)."""

    __tablename__ = "industries"

    code: Mapped[str] = mapped_column(sa.String(4), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    name_en: Mapped[str] = mapped_column(sa.String(128), default="")
    level: Mapped[str] = mapped_column(sa.String(8))  # section, division, class
    parent_code: Mapped[str | None] = mapped_column(
        sa.ForeignKey("industries.code"), index=True, default=None
    )

    def display_name(self, locale: str = "zh") -> str:
        return self.name_en if locale == "en" and self.name_en else self.name

    @property
    def section_code(self) -> str:
        if self.level == "section":
            return self.code
        return self.parent_code if self.level == "division" else ""

    def __repr__(self) -> str:
        return f"<Industry {self.code} {self.name}>"


class Setting(db.Model):
    """Platform settings an admin can change at run time (matching weights and the like)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)
