"""The load benchmark's province: the demo county with its logins, and around it the
province of bench/generate.py with a year of agreements and one busy bank officer.

    nice -n 5 python -m bench.province postgresql://postgres@127.0.0.1/rongqiao_load_province

(bench.load --scale province runs it.) A fresh database gets the demo county (`flask db
upgrade`, `flask seed-demo`), then the generated province (200,000 open needs of its
enterprises, 8,000 products of 400 banks with their branches, as bench.rebuild fills it), an officer at each of its branches, 150,000 signed
needs with their engagements, agreements and disbursements (bench.summary's rows), 800
needs routed to the demo officer's branch (the pipeline of a bank with hundreds of
engagements), an official of the whole province, the kept facts, then runs the real `flask
match rebuild` so every open need has its matches.
"""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
PROVINCE_OFFICIAL = "official@province.bench.rongqiao.cn"
AGREEMENTS = 150_000
PIPELINE = 800


def fill(url: str, env: dict, scale: str = "province", agreements: int = AGREEMENTS) -> None:
    from app import create_app
    from app.models import db

    url = url.replace("postgresql://", "postgresql+psycopg://")
    with create_app({"SQLALCHEMY_DATABASE_URI": url}).app_context():
        _add_province(scale, agreements)
        db.session.commit()
    subprocess.run(  # noqa: S603 - our own command
        [str(Path(sys.executable).parent / "flask"), "match", "rebuild", "--in-process"],
        env={k: v for k, v in env.items() if k != "REDIS_URL"},
        cwd=ROOT,
        check=True,
    )
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("ANALYZE")


def _top(table: str) -> int:
    from app.models import db

    return db.session.scalar(sa.text(f"SELECT coalesce(max(id), 0) FROM {table}")) or 0  # noqa: S608 - fixed names


def _add_province(scale: str, agreements: int) -> None:
    from app.auth.services import create_user
    from app.demo import DEMO_PASSWORD
    from app.models import Agreement, Branch, Disbursement, Engagement, Need, User, db
    from app.models.enums import EnterpriseSize, Role
    from app.reports import keeping
    from bench import rebuild, summary
    from bench.generate import generate

    data = generate(scale)
    banks, people, needs, products = (
        _top(t) for t in ("banks", "enterprises", "needs", "products")
    )
    # The demo county holds the first ids: the province's follow them.
    for bank in data.banks:
        bank["id"] += banks
    for product in data.products:
        product["id"] += products
        product["bank_id"] += banks
    for need in data.needs:
        need["id"] += needs
        need["enterprise_id"] += people
    rebuild.insert(data)
    branches = db.session.execute(
        sa.select(Branch.id, Branch.bank_id).where(Branch.bank_id > banks).order_by(Branch.id)
    ).all()
    summary._insert(
        User,
        [
            {
                "email": f"officer{branch}@province.bench.rongqiao.cn",
                "name": "",
                "password_hash": "x",
                "role": Role.BANK_OFFICER,
                "branch_id": branch,
                "active": True,
                "created_at": datetime.now(UTC),
            }
            for branch, _bank in branches
        ],
    )
    officers = dict(
        db.session.execute(
            sa.select(User.branch_id, User.id).where(User.branch_id.in_([b for b, _ in branches]))
        ).all()
    )
    owners = {
        n["enterprise_id"]: {
            "id": n["enterprise_id"],
            "first_loan": n["first_loan"],
            "size": EnterpriseSize(n["size"]),
            "industry_code": n["industry_code"],
            "region_code": n["region_code"],
        }
        for n in data.needs
    }
    first = max(_top("needs"), _top("engagements"), _top("agreements")) + 1
    rows = summary.signed_agreements(
        random.Random(3),
        agreements,
        [owners[e] for e in sorted(owners)],
        [(branch, bank, officers[branch]) for branch, bank in branches],
        first_id=first,
    )
    for model, batch in zip((Need, Engagement, Agreement, Disbursement), rows, strict=True):
        summary._insert(model, batch)
    _busy_pipeline([n["id"] for n in data.needs])
    create_user(
        email=PROVINCE_OFFICIAL,
        password=DEMO_PASSWORD,
        role=Role.OFFICIAL,
        name="省金融办",
        region_code="990000",
        commit=False,
    )
    tables = ("banks", "branches", "users", "enterprises", "needs", "products", "engagements")
    for table in (*tables, "agreements", "disbursements"):
        db.session.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608 - fixed names
            )
        )
    keeping.rebuild()


def _busy_pipeline(open_needs: list[int]) -> None:
    """PIPELINE province needs routed to the demo officer's branch: half waiting to be
    picked up (deadlines over the next three days), half picked up by the officer."""
    from app.models import Engagement, Product, User, db
    from app.models.enums import EngagementOrigin, EngagementStatus
    from bench import summary
    from bench.load import OFFICER

    officer = db.session.scalar(sa.select(User).where(User.email == OFFICER))
    bank_id = officer.branch.bank_id
    product = db.session.scalar(sa.select(Product.id).where(Product.bank_id == bank_id).limit(1))
    rng = random.Random(5)
    now = datetime.now(UTC)
    rows = []
    for k, need in enumerate(rng.sample(open_needs, PIPELINE)):
        routed = now - timedelta(hours=rng.randint(1, 60))
        waiting = k % 2 == 0
        rows.append(
            {
                "need_id": need,
                "bank_id": bank_id,
                "branch_id": officer.branch_id,
                "product_id": product,
                "officer_id": None if waiting else officer.id,
                "origin": EngagementOrigin.ROUTED,
                "status": EngagementStatus.ROUTED if waiting else EngagementStatus.PICKED_UP,
                "score": Decimal(rng.randint(5000, 9500)) / 100,
                "routed_at": routed,
                "deadline_at": now + timedelta(hours=rng.randint(1, 72)),
                "first_response_at": None if waiting else routed + timedelta(hours=2),
                "responded_on_time": None if waiting else True,
                "response_hours": None if waiting else 2.0,
                "picked_up_at": None if waiting else routed + timedelta(hours=2),
                "decline_note": "",
                "version": 1,
            }
        )
    summary._insert(Engagement, rows)


def main() -> None:
    from bench.load import fill_demo, load_env

    env = {**load_env(), "DATABASE_URL": sys.argv[1]}
    fill_demo(sys.argv[1], env)
    fill(sys.argv[1], env)


if __name__ == "__main__":
    main()
