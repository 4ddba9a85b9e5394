"""Fixtures: one schema per session (built by the migrations), one rolled-back transaction per test.

Factories commit, as the app would; in the test that only releases a SAVEPOINT inside the
outer transaction, which is rolled back when the test ends.

Set TEST_DATABASE_URL to run the suite on PostgreSQL; by default it runs on a SQLite file.

Each test sees one platform day from start to end (`clock.today()` is pinned when it starts),
and test modules compute their dates when they run, never when imported, so a run that
crosses midnight in Beijing passes. TEST_CLOCK_START (an ISO moment, e.g.
2026-11-30T23:59:59+08:00) starts the whole run's clock there, ticking, to prove it.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy.orm import scoped_session, sessionmaker

from app import clock, create_app, versions
from app.config import normalise_database_url
from app.extensions import limiter
from app.models import Bank, Branch, Enterprise, User
from app.models import db as _db
from app.models.enums import BankType, EnterpriseSize, EnterpriseStatus, Role
from app.reports import cache as report_cache
from app.reports import resident

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def pytest_configure(config):
    start = os.environ.get("TEST_CLOCK_START", "").strip()
    if start:
        import time_machine

        # Before collection, so the modules are imported on the first day and run on the next.
        config._clock_travel = time_machine.travel(datetime.fromisoformat(start), tick=True)
        config._clock_travel.start()


def pytest_unconfigure(config):
    travel = getattr(config, "_clock_travel", None)
    if travel is not None:
        travel.stop()


@pytest.fixture(autouse=True)
def one_day_per_test(request, monkeypatch):
    """The day a test starts on is its day throughout, as a page and the test must agree on it.

    A test of the clock itself opts out with @pytest.mark.real_clock."""
    if request.node.get_closest_marker("real_clock") is None:
        day = clock.today()
        monkeypatch.setattr(clock, "today", lambda: day)


def _database_url(tmp_dir: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    return normalise_database_url(url) if url else f"sqlite:///{tmp_dir / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def app():
    tmp_dir = Path(tempfile.mkdtemp(prefix="rongqiao-test-"))
    os.environ.setdefault("SECRET_KEY", "test-secret-key")
    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": _database_url(tmp_dir),
            "WTF_CSRF_ENABLED": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "RATELIMIT_STORAGE_URI": "memory://",
            "SERVER_NAME": None,
            # One process here, so a process-local cache behaves as Redis would.
            "CACHE_TYPE": "SimpleCache",
            "DOCUMENT_DIR": str(tmp_dir / "documents"),
            # The rebuild's fresh table lives in the test's transaction, which other
            # connections cannot see: its indexes are built on the test's own connection.
            "MATCH_REBUILD_INDEX_WORKERS": 1,
        }
    )
    with application.app_context():
        engine = _db.engine
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        upgrade()
        from app import reference_loader

        reference_loader.load()
        _db.session.commit()
        _db.session.remove()
    yield application
    with application.app_context():
        _db.engine.dispose()


class _TestSession(scoped_session):
    """Lives for the whole test: a request's teardown must not close it under the test."""

    def remove(self) -> None:
        pass

    def close_for_good(self) -> None:
        super().remove()


@pytest.fixture()
def db(app):
    """A session bound to one outer transaction that is rolled back after the test."""
    with app.app_context():
        connection = _db.engine.connect()
        outer = connection.begin()
        original = _db.session
        _db.session = _TestSession(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        )
        try:
            yield _db
        finally:
            _db.session.close_for_good()
            _db.session = original
            outer.rollback()
            connection.close()
            # The rollback undid rows the cached summary figures may have counted. Emptied
            # too: past its threshold the test cache drops the never-expiring version
            # tokens first, and a test's second load would then count again.
            report_cache.cache.clear()
            report_cache.data_changed()
            versions.catalogue_changed()
            # The summary facts a worker held may count rows the rollback undid.
            resident.forget()


class IsolatedClient(FlaskClient):
    """Each request gets its own app context, so `g` (the signed-in user, the locale)
    does not leak from one request into the next as it would under the test's context."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture()
def client(app, db):
    limiter.reset()
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture()
def make_app():
    """Another app (its own settings and database); the limiter, one object per process
    bound to the last app made, is given back to the suite's app afterwards."""
    saved = dict(limiter.__dict__)

    def make(**settings):
        config = {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
        config.update(settings)
        application = create_app(config)
        application.test_client_class = IsolatedClient
        return application

    yield make
    limiter.__dict__.clear()
    limiter.__dict__.update(saved)


@pytest.fixture()
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


# Factories -----------------------------------------------------------------------------


@pytest.fixture()
def make_bank(db):
    def make(name: str | None = None, branches: int = 1, region: str = "990121001") -> Bank:
        from app.enterprises.credit_code import make as make_code

        n = next(_counter)
        bank = Bank(
            name=name or f"测试银行{n}",
            short_name=f"测试{n}",
            bank_type=BankType.CITY_COMMERCIAL,
            credit_code=make_code(f"91990121MA{n:07d}"),
        )
        db.session.add(bank)
        for i in range(branches):
            db.session.add(Branch(bank=bank, name=f"测试{n}支行{i + 1}", region_code=region))
        db.session.commit()
        return bank

    return make


@pytest.fixture()
def make_agency(db, make_bank):
    """A government financing guarantee agency: a bank of type GUARANTEE with branches."""

    def make(name: str | None = None, branches: int = 1, region: str = "990121001") -> Bank:
        agency = make_bank(name or f"测试融资担保{next(_counter)}有限公司", branches, region)
        agency.bank_type = BankType.GUARANTEE
        db.session.commit()
        return agency

    return make


@pytest.fixture()
def make_enterprise(db):
    def make(status: EnterpriseStatus = EnterpriseStatus.VERIFIED, **fields) -> Enterprise:
        from datetime import date
        from decimal import Decimal

        from app.enterprises.credit_code import make as make_code

        n = next(_counter)
        values = {
            "name": f"测试企业{n}有限公司",
            "credit_code": make_code(f"91990121MB{n:07d}"),
            "legal_representative": "张三",
            "contact_name": "李四",
            "mobile": "13800000000",
            "email": f"contact{n}@example.cn",
            "industry_code": "13",
            "region_code": "990121001",
            "founded_on": date(2018, 5, 1),
            "employees": 50,
            "revenue": Decimal("12000000.00"),
            "total_assets": Decimal("8000000.00"),
            "size": EnterpriseSize.SMALL,
            "status": status,
        }
        values.update(fields)
        enterprise = Enterprise(**values)
        db.session.add(enterprise)
        db.session.commit()
        return enterprise

    return make


@pytest.fixture()
def make_user(db, make_bank, make_agency, make_enterprise):
    def make(
        role: Role = Role.ENTERPRISE,
        *,
        bank: Bank | None = None,
        enterprise: Enterprise | None = None,
        active: bool = True,
        **fields,
    ) -> User:
        n = next(_counter)
        user = User(
            email=fields.pop("email", f"user{n}@example.cn"),
            role=role,
            name=fields.pop("name", f"用户{n}"),
            active=active,
            **fields,
        )
        if role.is_bank:
            bank = bank or make_bank()
            user.branch_id = bank.branches[0].id
        if role.is_agency:
            bank = bank or make_agency()
            user.branch_id = bank.branches[0].id
        if role is Role.ENTERPRISE:
            user.enterprise_id = (enterprise or make_enterprise()).id
        user.set_password(PASSWORD, method="pbkdf2:sha256:1000")
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture()
def login(client):
    def do(user: User, password: str = PASSWORD):
        response = client.post("/login", data={"login": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    return do


@pytest.fixture()
def login_as(make_user, login):
    """Sign in as a new user of `role`; returns the user."""

    def do(role: Role, **kwargs) -> User:
        user = make_user(role, **kwargs)
        login(user)
        return user

    return do
