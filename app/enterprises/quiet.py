"""Registration that says nothing about who is already registered.

The web form answers every well-formed registration the same way ("received; sign in"),
whether or not its email, mobile number or credit code is already on the platform. When the
login is taken, its owner is told in the app; when the credit code is taken, the officials
of the company's region get a claim to review (app/enterprises/claims.py) (who registered it, and who now says it is theirs) and the company's
users are told.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from werkzeug.security import generate_password_hash

from app.auth.services import check_password_rules, hash_method, normalise_mobile
from app.enterprises import claims
from app.enterprises.services import EnterpriseInput, check_registration, register
from app.models import Enterprise, User, db
from app.notifications import notify

# The one answer to every well-formed registration (the web form flashes it, the API returns it).
RECEIVED = _l(
    "Registration received. Sign in with the email or mobile number and the password you "
    "chose; an official will verify the company. If any of these details were already "
    "registered, their owner has been told instead."
)


def _existing_login(email: str, mobile: str) -> User | None:
    email = (email or "").strip().lower()
    mobile = normalise_mobile(mobile or "")
    same = [sa.func.lower(User.email) == email]
    if mobile:
        same.append(User.mobile == mobile)
    return db.session.scalar(sa.select(User).where(sa.or_(*same)).limit(1))


def register_quietly(
    data: EnterpriseInput,
    password: str,
    *,
    today: date | None = None,
    login_email: str | None = None,
    login_mobile: str | None = None,
) -> User | None:
    """Register, or quietly hand a collision to whoever should know; the new user or None.
    Raises ValidationFailed only for input that is wrong whoever sent it. The API gives a
    separate login (`login_email`, `login_mobile`); its errors then name "user.password"."""
    separate = login_email is not None
    email = login_email if separate else data.email
    mobile = (login_mobile or "") if separate else data.mobile
    code = check_registration(data, today=today, existing_is_an_error=False)
    check_password_rules(
        password,
        field="user.password" if separate else "password",
        hints=(email, mobile, data.contact_name),
    )
    owner = _existing_login(email, mobile)
    company = db.session.scalar(sa.select(Enterprise).where(Enterprise.credit_code == code))
    if owner is not None or company is not None:
        # As long as a real registration, which hashes the password, so timing tells nothing.
        generate_password_hash(password, method=hash_method())
    if owner is not None:
        notify(owner, "registration_with_your_login", name=data.name.strip())
        db.session.commit()
        return None
    if company is not None:
        claims.open_claim(
            company,
            name=data.name.strip(),
            contact=data.contact_name.strip(),
            mobile=normalise_mobile(data.mobile),
            email=data.email.strip().lower(),
        )
        db.session.commit()
        return None
    _enterprise, user = register(
        data, password, today=today, login_email=login_email, login_mobile=login_mobile
    )
    return user
