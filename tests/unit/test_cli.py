from __future__ import annotations

import sqlalchemy as sa

from app.models import Agreement, Bank, Engagement, Enterprise, Event, Need, Product, User
from app.models.enums import AgreementStatus, NeedStatus, Role


def test_create_user_for_a_branch(app, db, make_bank):
    bank = make_bank()
    result = app.test_cli_runner().invoke(
        args=[
            "create-user",
            "--email",
            "Officer@Bank.cn",
            "--password",
            "long enough pw",
            "--role",
            "bank_officer",
            "--branch",
            str(bank.branches[0].id),
            "--name",
            "王经理",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "officer@bank.cn"))
    assert user.role is Role.BANK_OFFICER
    assert user.bank_id == bank.id


def test_create_user_refuses_bad_input(app, db, make_user):
    runner = app.test_cli_runner()
    taken = make_user(Role.OFFICIAL)
    cases = [
        (["--email", "a@b.cn", "--password", "short", "--role", "official"], "10"),
        (["--email", "a@b.cn", "--password", "long enough pw", "--role", "bank_officer"], "branch"),
        (
            [
                "--email",
                "a@b.cn",
                "--password",
                "long enough pw",
                "--role",
                "enterprise",
                "--enterprise",
                "999999",
            ],
            "enterprise",
        ),
        (["--email", taken.email, "--password", "long enough pw", "--role", "official"], "email"),
        (
            ["--email", "not-an-email", "--password", "long enough pw", "--role", "official"],
            "email",
        ),
        (["--email", "a@b.cn", "--password", "long enough pw", "--role", "wizard"], "role"),
    ]
    for args, word in cases:
        result = runner.invoke(args=["create-user", *args])
        assert result.exit_code != 0, args
        assert word in result.output, (args, result.output)


def _counts(db) -> dict[str, int]:
    models = (User, Bank, Product, Enterprise, Need, Engagement, Agreement, Event)
    return {
        m.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in models
    }


def test_seed_demo_is_idempotent_and_covers_every_status(app, db):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    first = _counts(db)
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0
    assert _counts(db) == first
    assert first["Bank"] >= 8
    assert first["Product"] >= 25
    assert first["Enterprise"] >= 60
    assert first["Need"] >= 90
    assert first["Event"] == 1
    need_statuses = set(db.session.scalars(sa.select(Need.status).distinct()))
    assert need_statuses == set(NeedStatus)
    agreement_statuses = set(db.session.scalars(sa.select(Agreement.status).distinct()))
    assert agreement_statuses == set(AgreementStatus)
    roles = set(db.session.scalars(sa.select(User.role).distinct()))
    assert roles == set(Role)


def test_each_demo_login_reaches_its_home(app, db, client):
    from app.demo import DEMO_LOGINS, DEMO_PASSWORD

    app.test_cli_runner().invoke(args=["seed-demo"])
    homes = {
        Role.ADMIN: "/admin/",
        Role.OFFICIAL: "/official",
        Role.BANK_MANAGER: "/bank",
        Role.BANK_OFFICER: "/bank",
        Role.ENTERPRISE: "/enterprise",
        Role.COORDINATOR: "/mechanism/visits",
        Role.GUARANTEE_MANAGER: "/agency",
        Role.GUARANTEE_OFFICER: "/agency",
    }
    for role, email in DEMO_LOGINS.items():
        response = client.post("/login", data={"login": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, role
        home = client.get("/home")
        assert home.headers["Location"] == homes[role]
        page = client.get(homes[role])
        assert page.status_code == 200, role
        client.post("/logout")
