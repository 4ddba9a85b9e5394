"""The concurrency suite: real concurrent requests against PostgreSQL, each in its own
connection and committing for real, in a schema of its own (`races`) so the rest of the
suite's rolled-back tests never see its rows. SQLite serialises writers, so it cannot show a
race: there the suite is skipped, saying why."""

from __future__ import annotations

import itertools
import os
import threading
from collections import Counter
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from app.config import normalise_database_url
from app.models import Bank, Branch, Enterprise, User
from app.models import db as _db
from app.models.enums import BankType, EnterpriseSize, EnterpriseStatus, Role
from tests.conftest import PASSWORD, IsolatedClient

SCHEMA = "races"
ROUNDS = 20
_counter = itertools.count(1)


def race_database_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not url.startswith(("postgres://", "postgresql")):
        return None
    url = normalise_database_url(url)
    return url + ("&" if "?" in url else "?") + f"options=-csearch_path%3D{SCHEMA}"


@pytest.fixture(scope="session")
def race_app():
    url = race_database_url()
    if url is None:
        pytest.skip(
            "the concurrency suite needs PostgreSQL (row locks, concurrent connections); "
            "SQLite serialises writers so no race can happen. "
            "Run it with TEST_DATABASE_URL=postgresql://…"
        )
    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 8, "max_overflow": 8},
            "WTF_CSRF_ENABLED": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            # The limiter object is shared by every app: switching it off here would switch it
            # off for the rest of the suite, so the sign-in limit is raised instead.
            "LOGIN_RATE_LIMIT": "10000 per minute",
            "RATELIMIT_STORAGE_URI": "memory://",
            "SERVER_NAME": None,
            "CACHE_TYPE": "NullCache",
        }
    )
    application.test_client_class = IsolatedClient
    with application.app_context():
        with _db.engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
        upgrade()
        from app import reference_loader

        reference_loader.load()
        _db.session.commit()
        _db.session.remove()
    yield application
    with application.app_context():
        _db.engine.dispose()


@pytest.fixture(scope="session")
def ctx(race_app):
    with race_app.app_context():
        yield race_app


class People:
    """Two officers of one bank, two users of one verified enterprise, and an official: the
    people who collide in real life (two officers on one need, two tabs or two colleagues)."""

    def __init__(self, app):
        from app.enterprises.credit_code import make as make_code

        n = next(_counter)
        self.bank = Bank(
            name=f"竞争银行{n}",
            short_name=f"竞争{n}",
            bank_type=BankType.CITY_COMMERCIAL,
            credit_code=make_code(f"91990121MC{n:07d}"),
        )
        _db.session.add(self.bank)
        _db.session.add(Branch(bank=self.bank, name=f"竞争{n}支行", region_code="990121001"))
        self.enterprise = Enterprise(
            name=f"竞争企业{n}有限公司",
            credit_code=make_code(f"91990121MD{n:07d}"),
            legal_representative="张三",
            contact_name="李四",
            mobile="13800000000",
            email=f"race{n}@example.cn",
            industry_code="13",
            region_code="990121001",
            founded_on=date(2018, 5, 1),
            employees=50,
            revenue=Decimal("12000000.00"),
            total_assets=Decimal("8000000.00"),
            size=EnterpriseSize.SMALL,
            status=EnterpriseStatus.VERIFIED,
        )
        _db.session.add(self.enterprise)
        _db.session.flush()
        branch_id = self.bank.branches[0].id
        self.officers = [self._user(Role.BANK_OFFICER, branch_id=branch_id) for _ in range(2)]
        self.owners = [
            self._user(Role.ENTERPRISE, enterprise_id=self.enterprise.id) for _ in range(2)
        ]
        self.official = self._user(Role.OFFICIAL)
        _db.session.commit()
        self.app = app
        self.clients = {}
        for user in [*self.officers, *self.owners, self.official]:
            client = app.test_client()
            response = client.post("/login", data={"login": user.email, "password": PASSWORD})
            assert response.status_code == 302
            self.clients[user.id] = client

    def _user(self, role: Role, **fields) -> User:
        user = User(email=f"race{next(_counter)}@example.cn", role=role, name="竞争", **fields)
        user.set_password(PASSWORD, method="pbkdf2:sha256:1000")
        _db.session.add(user)
        _db.session.flush()
        return user

    def client(self, user: User):
        return self.clients[user.id]


@pytest.fixture(scope="session")
def people(ctx):
    return People(ctx)


def race(*calls: Callable[[], object]) -> list[object]:
    """Start every call at the same instant, each on its own thread (own app context, own
    session, own connection), and return what each returned."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(i: int, call: Callable[[], object]) -> None:
        barrier.wait()
        try:
            results[i] = call()
        except BaseException as error:  # surfaced in the test below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


class Tally:
    """What the races did, for the report at the end of the session."""

    def __init__(self) -> None:
        self.rows: dict[str, Counter] = {}

    def add(self, pair: str, **counts: int) -> None:
        self.rows.setdefault(pair, Counter()).update(counts)

    def lines(self) -> list[str]:
        total = Counter()
        out = []
        for pair, c in self.rows.items():
            total.update(c)
            out.append(
                f"  {pair:<34} races {c['races']:>3}  winners {c['winners']:>3}  "
                f"409s {c['409']:>3}  5xx {c['5xx']:>3}"
            )
        out.append(
            f"  {'all pairs':<34} races {total['races']:>3}  winners {total['winners']:>3}  "
            f"409s {total['409']:>3}  5xx {total['5xx']:>3}"
        )
        return out


TALLY = Tally()


@pytest.fixture(scope="session")
def tally():
    return TALLY


def pytest_terminal_summary(terminalreporter):
    if TALLY.rows:
        terminalreporter.write_sep("-", "concurrency suite (PostgreSQL): races, winners, 409s, 5xx")
        for line in TALLY.lines():
            terminalreporter.write_line(line)
