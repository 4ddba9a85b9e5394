"""`flask match rebuild` end to end on PostgreSQL, and one product's change, at a scale.

    python -m bench.rebuild [--scale county|province] [--database-url …] [--keep]
                            [--redis-url redis://127.0.0.1:6379/1] [--workers 1,2,4]
                            [--in-process 2] [--product-only]

Fills a scratch database with the engine benchmark's generated data (bench/generate.py:
banks with branches, enterprises, open needs, products with their regions and industries),
then runs the real command as a deployment would: `flask match rebuild` in a process of its
own, its chunks taken by `celery -A app.jobs.worker worker -c N` for each N of --workers
(over Redis at --redis-url), and times it end to end; then edits the product kept by the
most needs (the widest change) and times its `matches.product` job from queued to done.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from app import create_app
from app.enterprises.credit_code import make as make_code
from app.models import (
    Bank,
    Branch,
    Enterprise,
    Need,
    Product,
    Region,
    db,
    product_industries,
    product_regions,
)
from app.models.enums import (
    BankType,
    EnterpriseSize,
    EnterpriseStatus,
    Guarantee,
    NeedStatus,
    ProductStatus,
    ProductType,
    Purpose,
    RegionLevel,
    TaxRating,
)
from bench.generate import TODAY, generate
from bench.summary import _fresh_database, _insert

ROOT = Path(__file__).resolve().parent.parent


def fill(scale: str) -> None:
    from flask_migrate import upgrade

    from app import reference_loader

    upgrade()
    reference_loader.load()
    insert(generate(scale))
    for table in ("banks", "enterprises", "needs", "products"):
        db.session.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608 - fixed names
            )
        )
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("ANALYZE"))


def insert(data) -> None:
    """A generated dataset's places, banks, enterprises, needs and products, as rows."""
    vocab = data.vocab
    existing = set(db.session.scalars(sa.select(Region.code)))
    paths: dict[str, str] = {}
    for c in sorted(vocab.region_parent, key=len):
        paths[c] = paths.get(vocab.region_parent[c] or "", "") + c + "/"
    _insert(
        Region,
        [
            {
                "code": c,
                "name": c,
                "name_en": c,
                "level": RegionLevel(vocab.region_level[c]),
                "parent_code": vocab.region_parent[c],
                "path": paths[c],
            }
            for c in sorted(vocab.region_parent, key=len)
            if c not in existing
        ],
    )
    now = datetime.now(UTC)
    _insert(
        Bank,
        [
            {
                "id": b["id"],
                "name": f"银行{b['id']}",
                "short_name": f"银行{b['id']}",
                "bank_type": BankType.CITY_COMMERCIAL,
                "credit_code": make_code(f"91990000MA{b['id']:07d}"),
                "active": b["active"],
                "officers_may_edit_products": False,
                "created_at": now,
            }
            for b in data.banks
        ],
    )
    _insert(
        Branch,
        [
            {"bank_id": b["id"], "name": f"支行{b['id']}-{k}", "region_code": region}
            for b in data.banks
            for k, region in enumerate(dict.fromkeys(b["branch_regions"]))
        ],
    )
    enterprises = {n["enterprise_id"]: n for n in data.needs}
    _insert(
        Enterprise,
        [
            {
                "id": e,
                "name": f"企业{e}",
                "credit_code": make_code(f"91990000MB{e:07d}"),
                "legal_representative": "某",
                "contact_name": "某",
                "mobile": "13800000000",
                "email": f"e{e}@x.cn",
                "industry_code": n["industry_code"],
                "region_code": n["region_code"],
                "founded_on": n["founded_on"],
                "employees": 50,
                "revenue": Decimal("10000000"),
                "total_assets": Decimal("5000000"),
                "tax_rating": TaxRating(n["tax_rating"]) if n["tax_rating"] else None,
                "first_loan": n["first_loan"],
                "size": EnterpriseSize(n["size"]),
                "status": EnterpriseStatus.VERIFIED if n["verified"] else EnterpriseStatus.PENDING,
            }
            for e, n in sorted(enterprises.items())
        ],
    )
    _insert(
        Need,
        [
            {
                "id": n["id"],
                "enterprise_id": n["enterprise_id"],
                "amount": Decimal(n["amount"]),
                "term_months": n["term_months"],
                "purpose": Purpose(n["purpose"]),
                "guarantees": frozenset(Guarantee(g) for g in n["guarantees"]),
                "max_rate": Decimal(n["max_rate"]),
                "needed_by": TODAY + timedelta(days=90),
                "status": NeedStatus.OPEN,
                "posted_at": now,
            }
            for n in data.needs
        ],
    )
    _insert(
        Product,
        [
            {
                "id": p["id"],
                "bank_id": p["bank_id"],
                "name": f"产品{p['id']}",
                "product_type": ProductType.CREDIT,
                "min_amount": Decimal(p["min_amount"]),
                "max_amount": Decimal(p["max_amount"]),
                "min_term_months": p["min_term_months"],
                "max_term_months": p["max_term_months"],
                "min_rate": Decimal(p["min_rate"]),
                "max_rate": Decimal(p["max_rate"]),
                "guarantees": frozenset(Guarantee(g) for g in p["guarantees"]),
                "sizes": frozenset(EnterpriseSize(s) for s in p["sizes"]),
                "purposes": frozenset(Purpose(x) for x in p["purposes"]),
                "min_years": p["min_years"],
                "min_tax_rating": TaxRating(p["min_tax_rating"]) if p["min_tax_rating"] else None,
                "first_loan": p["first_loan"],
                "approval_days": p["approval_days"],
                "valid_until": p["valid_until"],
                "status": ProductStatus(p["status"]),
            }
            for p in data.products
        ],
    )
    for table, key, field in (
        (product_industries, "industry_code", "industries"),
        (product_regions, "region_code", "regions"),
    ):
        rows = [{"product_id": p["id"], key: c} for p in data.products for c in p[field]]
        if rows:
            db.session.execute(sa.insert(table), rows)
    db.session.commit()


def _env(url: str, redis_url: str | None) -> dict:
    env = {**os.environ, "FLASK_APP": "wsgi.py", "DATABASE_URL": url}
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _peak_mb(pid: int) -> float:
    """The largest peak resident size among `pid` and its children (Linux /proc)."""
    peaks = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if int(entry.name) == pid or fields.get("PPid", "").strip() == str(pid):
            peaks.append(int(fields.get("VmHWM", "0 kB").split()[0]) / 1024)
    return max(peaks, default=0.0)


class Workers:
    """`celery -A app.jobs.worker worker -c N`: the job queue's worker processes."""

    def __init__(self, url: str, redis_url: str, count: int) -> None:
        self.log = Path(f"/tmp/bench-rebuild-worker-{os.getpid()}.log")  # noqa: S108 - bench
        command = [str(Path(sys.executable).parent / "celery"), "-A", "app.jobs.worker"]
        command += ["worker", "-c", str(count), "--loglevel", "INFO", "-n", f"bench{count}@%h"]
        self.process = subprocess.Popen(  # noqa: S603 - our own command
            command,
            env=_env(url, redis_url),
            cwd=ROOT,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120
        while " ready." not in self.log.read_text():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"the worker did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.5)

    def stop(self) -> float:
        peak = _peak_mb(self.process.pid)
        self.process.terminate()
        self.process.wait(timeout=120)
        return peak


def rebuild(url: str, redis_url: str | None, workers: int, *, in_process: bool) -> None:
    """The real `flask match rebuild`: through the queue with `workers` worker processes,
    or in this machine's process (`--in-process --workers N`, the path before the queue)."""
    pool = None if in_process else Workers(url, redis_url, workers)
    command = [str(Path(sys.executable).parent / "flask"), "match", "rebuild"]
    command += ["--in-process", "--workers", str(workers)] if in_process else []
    cpu = _children_cpu()
    load = os.getloadavg()[0]
    started = time.perf_counter()
    out = subprocess.run(  # noqa: S603 - our own command
        command,
        env=_env(url, None if in_process else redis_url),
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    took = time.perf_counter() - started
    peak = pool.stop() if pool else 0
    how = "in-process" if in_process else "through the queue"
    finish = "" if in_process else _finish_seconds(url)
    print(
        f"flask match rebuild, {how}, {workers} worker process(es): {took:.1f} s end to end, "
        f"CPU {_children_cpu() - cpu:.0f} s in our processes (PostgreSQL's own not counted), "
        f"load average {load:.1f} at the start"
        + (f", worker peak {peak:.0f} MB" if peak else "")
        + f" ({out}){finish}",
        flush=True,
    )


def _finish_seconds(url: str) -> str:
    """Where the finish job's time went (indexes, swap, checks, catch up)."""
    from app.models import JobRun, JobStatus

    with create_app({"SQLALCHEMY_DATABASE_URI": url}).app_context():
        run = db.session.scalars(
            sa.select(JobRun)
            .where(JobRun.name == "matches.rebuild_finish", JobRun.status == JobStatus.SUCCEEDED)
            .order_by(JobRun.id.desc())
            .limit(1)
        ).first()
        return f"; finish: {run.result.get('seconds')} s" if run and run.result else ""


def product_change(url: str, redis_url: str | None) -> None:
    """The product kept by the most needs has its rate lowered (the widest change) and its
    rematch job is timed from the queue to done, with one worker process."""
    from app.jobs.runner import enqueue
    from app.matches.services import request_rematch
    from app.models import JobRun, JobStatus, Match

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": redis_url})
    pool = Workers(url, redis_url, 1) if redis_url else None
    with app.app_context():
        widest = db.session.execute(
            sa.select(Match.product_id, sa.func.count())
            .group_by(Match.product_id)
            .order_by(sa.func.count().desc())
            .limit(1)
        ).first()
        product = db.session.get(Product, widest[0])
        product.max_rate = product.max_rate - Decimal("0.10")
        request_rematch(product)
        db.session.commit()
        cpu = _children_cpu()
        started = time.perf_counter()
        run = enqueue("matches.product", product_id=product.id)
        while run.status not in (JobStatus.SUCCEEDED, JobStatus.FAILED):
            time.sleep(0.05)
            db.session.rollback()
            run = db.session.get(JobRun, run.id)
        took = time.perf_counter() - started
        if run.status is JobStatus.FAILED:
            raise RuntimeError(run.error)
        result = run.result
    peak = pool.stop() if pool else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"product {widest[0]} (kept by {widest[1]:,} needs) edited: its job touched "
        f"{result['needs']:,} needs, {took:.2f} s from queued to done; inside the job "
        f"{result['seconds']} s; worker CPU {_children_cpu() - cpu:.1f} s (after stop); "
        f"peak {peak:.0f} MB in the {'worker' if pool else 'process'}; "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=("county", "province"), default="province")
    parser.add_argument(
        "--database-url", default="postgresql+psycopg://postgres@127.0.0.1/rongqiao_rebuild"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/1")
    parser.add_argument("--keep", action="store_true", help="reuse the filled database")
    parser.add_argument(
        "--workers",
        default="1,2,4",
        help="worker processes for each rebuild through the queue, comma-separated",
    )
    parser.add_argument(
        "--in-process", type=int, default=0, help="also time `--in-process --workers N` first"
    )
    parser.add_argument(
        "--product-only", action="store_true", help="with --keep: time only the product's change"
    )
    args = parser.parse_args()
    url = args.database_url.replace("postgresql://", "postgresql+psycopg://")
    if not args.keep:
        _fresh_database(url)
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        started = time.perf_counter()
        with app.app_context():
            fill(args.scale)
        print(f"filled ({args.scale}) in {time.perf_counter() - started:.0f} s", flush=True)
    if not args.product_only:
        if args.in_process:
            rebuild(url, None, args.in_process, in_process=True)
        for count in [int(c) for c in args.workers.split(",") if c]:
            rebuild(url, args.redis_url, count, in_process=False)
    product_change(url, args.redis_url)


if __name__ == "__main__":
    main()
