"""What each of the load benchmark's pages costs per request inside the app: CPU time, wall
time and SQL statements, with the bare baseline page measured the same way.

    python -m bench.page_cost --database-url postgresql://postgres@127.0.0.1/rongqiao_load \
        [--redis-url redis://127.0.0.1:6379/15] [--requests 200] [--profile need]

Uses the database `python -m bench.load` fills (run that once, or with --keep), Flask's test
client (no HTTP, no gunicorn), Redis for the shared cache as in production. CPU time per
request is what load on the machine changes least, so it shows what a change to a page did
when wrk's requests per second are drowned by other work; `--profile PAGE` prints cProfile's
top functions for one page.
"""

from __future__ import annotations

import argparse
import cProfile
import html
import io
import logging
import os
import pstats
import re
import time

from bench.load import AGENT, OFFICER, OFFICIAL, PASSWORD, need_with_most_matches, plain_url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1/rongqiao_load")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--profile", default="")
    parser.add_argument(
        "--official",
        default=OFFICIAL,
        help="who reads the summary (the province bench's: official@province.bench.rongqiao.cn)",
    )
    parser.add_argument("--sort", default="tottime", help="cProfile order: tottime, cumulative")
    parser.add_argument(
        "--callers", default="", help="with --profile: who calls functions matching this"
    )
    args = parser.parse_args()
    os.environ.update(
        {
            "APP_ENV": "production",
            "SECRET_KEY": "bench-load-" + "0" * 40,
            "SESSION_COOKIE_SECURE": "false",
            "DATABASE_URL": args.database_url,
            "REDIS_URL": args.redis_url,
            "LOGIN_RATE_LIMIT": "1000 per minute",
        }
    )
    from app import create_app
    from app.models import db

    app = create_app()
    logging.getLogger("rongqiao").setLevel(logging.ERROR)
    headers = {"User-Agent": AGENT}
    need_id, enterprise = need_with_most_matches(plain_url(args.database_url))

    def signed_in(login: str):
        client = app.test_client()
        form = client.get("/login?lang=zh", headers=headers).get_data(as_text=True)
        token = html.unescape(re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)[1])
        data = {"csrf_token": token, "login": login, "password": PASSWORD}
        if client.post("/login", data=data, headers=headers).status_code != 302:
            raise SystemExit(f"could not sign in as {login}")
        return client

    api = app.test_client()
    token = api.post(
        "/api/v1/tokens", json={"login": OFFICIAL, "password": PASSWORD}, headers=headers
    ).get_json()["token"]
    pages = {
        "products": (app.test_client(), "/products", headers),
        "need": (signed_in(enterprise), f"/needs/{need_id}", headers),
        "pipeline": (signed_in(OFFICER), "/bank/pipeline", headers),
        "summary": (signed_in(args.official), "/reports/summary", headers),
        "api": (api, "/api/v1/products", {**headers, "Authorization": f"Bearer {token}"}),
        "table": (signed_in(OFFICIAL), f"/needs/{need_id}/products", headers),
    }
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_rest) -> None:
        statements.append(statement)

    import sqlalchemy as sa

    sa.event.listen(engine, "before_cursor_execute", count)
    from bench.bare import app as bare_app

    pages["bare"] = (bare_app.test_client(), "/products", headers)
    print(f"{'page':10} {'CPU ms':>8} {'wall ms':>8} {'statements':>11} {'KB':>6}")
    for name, (client, path, sent) in pages.items():
        for _ in range(5):
            response = client.get(path, headers=sent)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
        statements.clear()
        size = len(client.get(path, headers=sent).data) / 1024
        warm = len(statements)
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.requests):
            client.get(path, headers=sent)
        cpu = (time.process_time() - cpu) / args.requests * 1000
        wall = (time.perf_counter() - wall) / args.requests * 1000
        shown = "-" if name == "bare" else str(warm)  # the bare page has its own engine
        print(f"{name:10} {cpu:8.2f} {wall:8.2f} {shown:>11} {size:6.0f}")
        if name == args.profile:
            profiler = cProfile.Profile(time.process_time)  # CPU, not waits
            profiler.enable()
            for _ in range(args.requests):
                client.get(path, headers=sent)
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out).sort_stats(args.sort)
            stats.print_stats(40)
            if args.callers:
                stats.print_callers(args.callers)
            print(out.getvalue())


if __name__ == "__main__":
    main()
