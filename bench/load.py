"""Load benchmark: the platform's key pages against a bare Flask page, side by side.

    python -m bench.load [--database-url postgresql://postgres@127.0.0.1/rongqiao_load]
                         [--redis-url redis://127.0.0.1:6379/15] [--keep]
                         [--duration 10] [--connections 8] [--workers 4] [--rounds 1]
                         [--scale province [--province-database-url …]]

Fills a scratch PostgreSQL database with the demo county (`flask db upgrade`, `flask
seed-demo`; `--keep` reuses it as it is), then serves
the app (`wsgi:app`) and the bare baseline (`bench/bare.py`: 20 products joined to banks, a
small Jinja template) under gunicorn with the same settings, and drives both with wrk, one
page after the other: bare, app, bare, app… Each page's ratio is its req/s over the bare
page's req/s measured just before it, so both see the same load on the machine.

`--scale province` also fills a second database with the demo county inside the generated
province (bench/province.py) and serves the app on both (the province's on --port + 2):
each page at demo scale then at province scale, every round, with its p50 at each, the
province's over the demo's (target at most 1.5) and its size (at most 300 KB).
"""

from __future__ import annotations

import argparse
import html
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "Rongqiao-demo-2026"  # noqa: S105 - the demo accounts' published password
OFFICIAL = "official@demo.rongqiao.cn"
OFFICER = "officer@abc.demo.rongqiao.cn"
# Sessions are bound to the address and the browser (session_protection "strong"): every
# client here says it is the same browser.
AGENT = "rongqiao-bench-load"


def ensure_wrk() -> str:
    """wrk from Debian; installed on first use where we may (CI and these machines run as root)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False)
        if not shutil.which("wrk"):
            subprocess.run(["apt-get", "update", "-qq"], check=True)
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
        return shutil.which("wrk") or sys.exit("wrk could not be installed")
    sys.exit("wrk is missing: apt-get install wrk")


def plain_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def fresh_database(url: str) -> None:
    base, name = plain_url(url).rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def flask(env: dict, *args: str) -> None:
    subprocess.run([str(BIN / "flask"), *args], env=env, cwd=ROOT, check=True)


def wait_for(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn on port {port} stopped with {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    sys.exit(f"gunicorn on port {port} did not start")


def gunicorn(app: str, port: int, workers: int, env: dict) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app,
        ],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    wait_for(port, process)
    return process


class Session:
    """A signed-in browser: cookies kept, CSRF token read from the login form."""

    def __init__(self, base: str, login: str) -> None:
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.addheaders = [("User-Agent", AGENT)]
        form = self.get("/login?lang=zh")
        token = html.unescape(re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)[1])
        data = urllib.parse.urlencode({"csrf_token": token, "login": login, "password": PASSWORD})
        self.opener.open(base + "/login", data.encode())
        if not any(c.name == "session" for c in self.jar):
            sys.exit(f"could not sign in as {login}")

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path) as response:
            return response.read().decode()

    @property
    def header(self) -> str:
        return "Cookie: " + "; ".join(f"{c.name}={c.value}" for c in self.jar)


def api_token(base: str, login: str) -> str:
    import json

    request = urllib.request.Request(
        base + "/api/v1/tokens",
        data=json.dumps({"login": login, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json", "User-Agent": AGENT},
    )
    with urllib.request.urlopen(request) as response:
        return json.load(response)["token"]


def need_with_most_matches(url: str) -> tuple[int, str]:
    with psycopg.connect(plain_url(url)) as conn:
        row = conn.execute(
            "SELECT n.id, min(u.email) FROM needs n JOIN users u ON u.enterprise_id = n.enterprise_id"
            " JOIN matches m ON m.need_id = n.id WHERE n.status IN ('open', 'in_talks')"
            " AND u.active GROUP BY n.id ORDER BY count(DISTINCT m.id) DESC, n.id LIMIT 1"
        ).fetchone()
    if row is None:
        sys.exit("no open need with matches and an enterprise account in the database")
    return row[0], row[1]


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * UNITS[unit]


def wrk(binary: str, url: str, header: str | None, args) -> Result:
    command = [binary, "-t2", f"-c{args.connections}", f"-d{args.duration}s", "--latency"]
    command += ["-H", f"User-Agent: {AGENT}"]
    if header:
        command += ["-H", header]
    out = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=args.duration + 60
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return Result(
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
        p50_ms=_ms(re.search(r"\s50%\s+(\S+)", out)[1]),
        p99_ms=_ms(re.search(r"\s99%\s+(\S+)", out)[1]),
        errors=int(errors[1]) if errors else 0 + (1 if socket_errors else 0),
    )


def page_size(port: int, path: str, header: str | None) -> int:
    """The page's size in bytes, after checking it answers 200 itself (not a redirect to login)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"User-Agent": AGENT}
    if header:
        name, value = header.split(": ", 1)
        headers[name] = value
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    if response.status != 200:
        sys.exit(f"{path} answered {response.status}: {body[:300]!r}")
    return len(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1/rongqiao_load")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--keep", action="store_true", help="reuse the database as it is")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--workers",
        type=int,
        default=4,
        help="gunicorn workers, each app (gthread, WEB_THREADS threads each: gunicorn.conf.py)",
    )
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--port", type=int, default=52200, help="the app; the bare page on +1")
    parser.add_argument(
        "--scale",
        choices=("demo", "province"),
        default="demo",
        help="province: each page at demo and at province scale side by side (p50, size)",
    )
    parser.add_argument(
        "--province-database-url",
        default="",
        help="with --scale province (default: the demo database's name + _province)",
    )
    args = parser.parse_args()
    binary = ensure_wrk()
    env = {**load_env(), "DATABASE_URL": args.database_url, "REDIS_URL": args.redis_url}
    province = args.province_database_url or args.database_url + "_province"
    if not args.keep:
        fill_demo(args.database_url, env)
        if args.scale == "province":
            started = time.perf_counter()
            command = [str(BIN / "python"), "-m", "bench.province", province]
            subprocess.run(["nice", "-n", "5", *command], env=env, cwd=ROOT, check=True)
            print(f"province filled in {time.perf_counter() - started:.0f} s", flush=True)
    subprocess.run([str(BIN / "python"), "-c", _FLUSH_REDIS, args.redis_url], check=True)
    servers = []
    try:
        servers.append(gunicorn("wsgi:app", args.port, args.workers, env))
        if args.scale == "province":
            servers.append(
                gunicorn("wsgi:app", args.port + 2, args.workers, {**env, "DATABASE_URL": province})
            )
            run_province(binary, args, province)
        else:
            servers.append(gunicorn("bench.bare:app", args.port + 1, args.workers, env))
            run(binary, args, env)
    finally:
        for process in servers:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def load_env() -> dict:
    return {
        **os.environ,
        "FLASK_APP": "wsgi.py",
        "APP_ENV": "production",
        "SECRET_KEY": "bench-load-" + "0" * 40,
        "SESSION_COOKIE_SECURE": "false",
        # The bench signs in a handful of times from one address; nothing else changes.
        "LOGIN_RATE_LIMIT": "1000 per minute",
    }


def fill_demo(url: str, env: dict) -> None:
    fresh_database(url)
    flask(env, "db", "upgrade")
    flask(env, "seed-demo", "--i-know")
    with psycopg.connect(plain_url(url), autocommit=True) as conn:
        conn.execute("ANALYZE")


_FLUSH_REDIS = "import redis, sys; redis.Redis.from_url(sys.argv[1]).flushdb()"


def pages_of(base: str, database_url: str, summary_official: str = OFFICIAL) -> list[tuple]:
    """The benchmark's pages on one server: (label, path, header to send)."""
    need_id, enterprise = need_with_most_matches(database_url)
    officer, official = Session(base, OFFICER), Session(base, OFFICIAL)
    owner = Session(base, enterprise)
    reader = official if summary_official == OFFICIAL else Session(base, summary_official)
    token = api_token(base, OFFICIAL)
    return [
        ("public /products", "/products", None),
        ("need with matches", f"/needs/{need_id}", owner.header),
        ("bank officer's pipeline", "/bank/pipeline", officer.header),
        ("officials' summary (cached)", "/reports/summary", reader.header),
        ("/api/v1/products, token", "/api/v1/products", f"Authorization: Bearer {token}"),
        ("official's products for need", f"/needs/{need_id}/products", official.header),
    ]


def run(binary: str, args, env: dict) -> None:
    base = f"http://127.0.0.1:{args.port}"
    bare = f"http://127.0.0.1:{args.port + 1}/products"
    pages = pages_of(base, args.database_url)
    sizes = {path: page_size(args.port, path, header) for _label, path, header in pages}
    results: dict[str, list[tuple[Result, Result]]] = {path: [] for _l, path, _h in pages}
    for _round in range(args.rounds):
        for _label, path, header in pages:
            bare_result = wrk(binary, bare, None, args)
            app_result = wrk(binary, base + path, header, args)
            results[path].append((app_result, bare_result))
    print(
        f"\n{args.duration} s per run, {args.connections} connections, gunicorn "
        f"{args.workers} gthread workers each, {args.rounds} round(s), database "
        f"{args.database_url.rsplit('/', 1)[1]}"
    )
    print(
        f"{'page':32} {'KB':>6} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7}"
        f" {'bare req/s':>10} {'bare p50':>8} {'ratio':>6}"
    )
    for label, path, _header in pages:
        for app_result, bare_result in results[path]:
            flag = f"  ({app_result.errors} errors)" if app_result.errors else ""
            print(
                f"{label:32} {sizes[path] / 1024:6.0f} {app_result.rps:7.1f}"
                f" {app_result.p50_ms:7.1f} {app_result.p99_ms:7.1f}"
                f" {bare_result.rps:10.1f} {bare_result.p50_ms:8.1f}"
                f" {app_result.rps / bare_result.rps:6.2f}{flag}"
            )


def run_province(binary: str, args, province: str) -> None:
    """Each page at demo scale, then at province scale, one after the other, every round:
    the province's p50 over the demo's (target at most 1.5) and the page's size (at most
    300 KB). The province's summary is its official's: the whole province."""
    from bench.province import PROVINCE_OFFICIAL

    scales = {
        "demo": (args.port, pages_of(f"http://127.0.0.1:{args.port}", args.database_url)),
        "province": (
            args.port + 2,
            pages_of(f"http://127.0.0.1:{args.port + 2}", province, PROVINCE_OFFICIAL),
        ),
    }
    sizes, first = {}, {}
    for scale, (port, pages) in scales.items():
        for label, path, header in pages:
            started = time.perf_counter()
            sizes[scale, label] = page_size(port, path, header)
            first[scale, label] = (time.perf_counter() - started) * 1000
    results: dict[tuple, list[Result]] = {key: [] for key in sizes}
    for _round in range(args.rounds):
        for index in range(len(scales["demo"][1])):
            for scale, (port, pages) in scales.items():
                label, path, header = pages[index]
                url = f"http://127.0.0.1:{port}{path}"
                results[scale, label].append(wrk(binary, url, header, args))
    print(
        f"\n{args.duration} s per run, {args.connections} connections, gunicorn "
        f"{args.workers} gthread workers each, {args.rounds} round(s); demo "
        f"{args.database_url.rsplit('/', 1)[1]}, province {province.rsplit('/', 1)[1]}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{'page':28} {'KB demo':>7} {'KB prov':>7} {'first ms':>15} {'req/s':>13}"
        f" {'p50 ms demo':>11} {'p50 ms prov':>11} {'ratio':>5}"
    )
    for label, _path, _header in scales["demo"][1]:
        for demo, prov in zip(results["demo", label], results["province", label], strict=True):
            over = sizes["province", label] > 300 * 1024 or prov.p50_ms > 1.5 * demo.p50_ms
            errors = demo.errors + prov.errors
            print(
                f"{label:28} {sizes['demo', label] / 1024:7.0f} {sizes['province', label] / 1024:7.0f}"
                f" {first['demo', label]:7.0f} {first['province', label]:7.0f}"
                f" {demo.rps:6.1f} {prov.rps:6.1f} {demo.p50_ms:11.1f} {prov.p50_ms:11.1f}"
                f" {prov.p50_ms / demo.p50_ms:5.2f}"
                + ("  OVER" if over else "")
                + (f"  ({errors} errors)" if errors else "")
            )


if __name__ == "__main__":
    main()
