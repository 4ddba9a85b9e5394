"""Accounts: one role each; enterprise users belong to an enterprise, bank users to a branch."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.models.base import UTCDateTime, db, enum_column_type, utcnow
from app.models.enums import Role

if TYPE_CHECKING:
    from app.models.bank import Branch
    from app.models.enterprise import Enterprise
    from app.models.reference import Region


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(
            "(role <> 'enterprise') OR (enterprise_id IS NOT NULL)", name="enterprise_has_company"
        ),
        sa.CheckConstraint(
            "(role NOT IN ('bank_officer', 'bank_manager')) OR (branch_id IS NOT NULL)",
            name="bank_user_has_branch",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    mobile: Mapped[str | None] = mapped_column(sa.String(20), unique=True, default=None)
    name: Mapped[str] = mapped_column(sa.String(64), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[Role] = mapped_column(enum_column_type(Role), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("enterprises.id"), index=True, default=None
    )
    branch_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("branches.id"), index=True, default=None
    )
    # An official's home region: the subtree they see (none: the whole platform).
    region_code: Mapped[str | None] = mapped_column(
        sa.ForeignKey("regions.code"), index=True, default=None
    )
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(sa.String(8), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Set when someone else chose the password (a manager, an admin, `flask create-user`).
    must_change_password: Mapped[bool] = mapped_column(default=False)
    mobile_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    privacy_version: Mapped[str | None] = mapped_column(sa.String(16), default=None)
    privacy_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Staff who sign in with a code sent to their confirmed mobile instead of TOTP.
    sms_second_factor: Mapped[bool] = mapped_column(default=False)
    # A bank user's contact card: shown to an enterprise that has accepted the bank.
    work_phone: Mapped[str] = mapped_column(sa.String(32), default="", server_default="")

    enterprise: Mapped[Enterprise | None] = relationship(
        back_populates="users", foreign_keys=[enterprise_id]
    )
    branch: Mapped[Branch | None] = relationship(back_populates="users")
    # Loaded with the sign-in session (app.auth.sessions), so an official's scope costs no
    # query of its own.
    home_region: Mapped[Region | None] = relationship(viewonly=True)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def agency_id(self) -> int | None:
        """The guarantee agency (a Bank of type GUARANTEE) a guarantee officer works for."""
        return self.bank_id if self.role.is_agency else None

    @property
    def bank_id(self) -> int | None:
        return self.branch.bank_id if self.branch is not None else None

    def set_password(self, password: str, method: str = "scrypt") -> None:
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    user: Mapped[User] = relationship()
