"""Registration that says nothing about who is already registered.

The web form answers every well-formed registration the same way ("received; sign in"),
whether or not its email, mobile number or credit code is already on the platform. When the
login is taken, its owner is told in the app; when the credit code is taken, the officials
get a claim to review (who registered it, and who now says it is theirs) and the company's
users are told.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from app.auth.services import check_password_rules, hash_method, normalise_mobile
from app.enterprises.services import EnterpriseInput, check_registration, register
from app.models import Enterprise, User, db
from app.models.enums import Role
from app.notifications import notify


def _existing_login(data: EnterpriseInput) -> User | None:
    email = (data.email or "").strip().lower()
    mobile = normalise_mobile(data.mobile or "")
    return db.session.scalar(
        sa.select(User).where(sa.or_(sa.func.lower(User.email) == email, User.mobile == mobile))
    )


def register_quietly(
    data: EnterpriseInput, password: str, *, today: date | None = None
) -> User | None:
    """Register, or quietly hand a collision to whoever should know; the new user or None.
    Raises ValidationFailed only for input that is wrong whoever sent it."""
    code = check_registration(data, today=today, existing_is_an_error=False)
    check_password_rules(password, hints=(data.email, data.mobile, data.contact_name))
    owner = _existing_login(data)
    company = db.session.scalar(sa.select(Enterprise).where(Enterprise.credit_code == code))
    if owner is not None or company is not None:
        # As long as a real registration, which hashes the password, so timing tells nothing.
        generate_password_hash(password, method=hash_method())
    if owner is not None:
        notify(owner, "registration_with_your_login", name=data.name.strip())
        db.session.commit()
        return None
    if company is not None:
        claim = {
            "name": data.name.strip(),
            "code": code,
            "existing": company.name,
            "contact": data.contact_name.strip(),
            "mobile": normalise_mobile(data.mobile),
            "email": data.email.strip().lower(),
        }
        officials = db.session.scalars(
            sa.select(User).where(User.role == Role.OFFICIAL, User.active.is_(True))
        )
        for official in officials:
            notify(official, "credit_code_claim", enterprise=company.id, **claim)
        for user in company.users:
            notify(user, "credit_code_claimed", name=company.name)
        db.session.commit()
        return None
    _enterprise, user = register(data, password, today=today)
    return user
