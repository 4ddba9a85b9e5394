"""CPU a page costs across every process that serves it, under wrk: the gunicorn workers
(those replaced during the run included) and the PostgreSQL backends of the bench database,
per request, beside the bare page's.

    python -m bench.process_cpu --database-url postgresql://postgres@127.0.0.1/rongqiao_load \
        [--redis-url redis://127.0.0.1:6379/15] [--duration 10] [--pages need,pipeline]

Uses the database `python -m bench.load` fills (run that once). Requests per second move
with whatever else the machine runs; CPU per request moves far less, and counting the
database's share shows costs the app's own profile cannot (a query planned on every load,
a round trip more). Workers are replaced after WEB_MAX_REQUESTS as in production; the time
of those that exited is counted through the master's children's times.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys

import psycopg

from bench.load import (
    _FLUSH_REDIS,
    AGENT,
    BIN,
    ensure_wrk,
    gunicorn,
    load_env,
    pages_of,
    plain_url,
)

TICK = os.sysconf("SC_CLK_TCK")
SHORT = {
    "products": "public /products",
    "need": "need with matches",
    "pipeline": "bank officer's pipeline",
    "summary": "officials' summary (cached)",
    "api": "/api/v1/products, token",
    "table": "official's products for need",
}


def _times(pid: int, with_children: bool = False) -> float:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    # utime, stime; with cutime, cstime: the children it has waited for.
    return sum(int(f) for f in fields[11 : 15 if with_children else 13]) / TICK


def server_cpu(master: int) -> float:
    children = subprocess.run(
        ["pgrep", "-P", str(master)], capture_output=True, text=True
    ).stdout.split()
    return _times(master, with_children=True) + sum(_times(int(pid)) for pid in children)


def backends(database_url: str) -> dict[int, float]:
    name = plain_url(database_url).rsplit("/", 1)[1]
    admin = plain_url(database_url).rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        pids = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    return {pid: _times(pid) for (pid,) in pids}


def measure(wrk: str, url: str, header: str | None, master: int, args) -> tuple:
    command = [wrk, "-t2", f"-c{args.connections}", "-H", f"User-Agent: {AGENT}"]
    if header:
        command += ["-H", header]
    subprocess.run([*command, "-d2s", url], capture_output=True, check=True)  # warm
    app_before, db_before = server_cpu(master), backends(args.database_url)
    out = subprocess.run(
        [*command, f"-d{args.duration}s", url], capture_output=True, text=True, check=True
    ).stdout
    app = server_cpu(master) - app_before
    db = sum(cpu - db_before.get(pid, 0.0) for pid, cpu in backends(args.database_url).items())
    served = int(re.search(r"(\d+) requests in", out)[1])
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    return rps, 1000 * app / served, 1000 * db / served


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1/rongqiao_load")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=52300, help="the app; the bare page on +1")
    parser.add_argument("--pages", default="need,pipeline,summary,api", help=",".join(SHORT))
    args = parser.parse_args()
    wrk = ensure_wrk()
    env = {**load_env(), "DATABASE_URL": args.database_url, "REDIS_URL": args.redis_url}
    subprocess.run([str(BIN / "python"), "-c", _FLUSH_REDIS, args.redis_url], check=True)
    app = gunicorn("wsgi:app", args.port, args.workers, env)
    bare = gunicorn("bench.bare:app", args.port + 1, args.workers, env)
    try:
        pages = {
            label: (path, header)
            for label, path, header in pages_of(f"http://127.0.0.1:{args.port}", args.database_url)
        }
        print(f"{'page':30} {'req/s':>8} {'app ms':>7} {'db ms':>6} {'CPU ms':>7}  (per request)")
        bare_url = f"http://127.0.0.1:{args.port + 1}/products"
        for short in ["bare", *args.pages.split(","), "bare"]:
            if short == "bare":
                label, (url, header, master) = "bare page", (bare_url, None, bare.pid)
            else:
                label = SHORT[short]
                path, header = pages[label]
                url, master = f"http://127.0.0.1:{args.port}{path}", app.pid
            rps, app_ms, db_ms = measure(wrk, url, header, master, args)
            print(
                f"{label:30} {rps:8.1f} {app_ms:7.2f} {db_ms:6.2f} {app_ms + db_ms:7.2f}",
                flush=True,
            )
    finally:
        for process in (app, bare):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait()


if __name__ == "__main__":
    sys.exit(main())
