"""Latency of ordinary requests while Redis or the database misbehaves, in-process.

    python -m bench.faults            # prints one line per case

Cases: Redis up (REDIS_URL from the environment, default redis://127.0.0.1:6379/7), Redis
refusing connections (a closed port), Redis hanging (a listener that never answers), and the
database refusing connections. Each case signs in (a wrong password, rate-limited) and reads
the product supermarket 20 times; the figure is the median and the slowest request.
"""

from __future__ import annotations

import os
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path


def hung_listener() -> tuple[str, socket.socket]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held = []

    def accept() -> None:
        while True:
            try:
                held.append(server.accept()[0])  # accepted, never answered
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return f"redis://127.0.0.1:{server.getsockname()[1]}/0", server


def run(label: str, database_url: str, redis_url: str | None) -> None:
    from app import create_app

    settings = {"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False}
    if redis_url:
        settings |= {
            "REDIS_URL": redis_url,
            "RATELIMIT_STORAGE_URI": redis_url,
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": redis_url,
        }
    app = create_app(settings)
    client = app.test_client()
    timings, statuses = [], set()
    for i in range(20):
        started = time.perf_counter()
        if i % 2:
            response = client.post("/login", data={"login": "nobody@example.cn", "password": "x"})
        else:
            response = client.get("/products")
        timings.append(time.perf_counter() - started)
        statuses.add(response.status_code)
    print(
        f"{label:<28} median {statistics.median(timings) * 1000:7.1f} ms  "
        f"slowest {max(timings) * 1000:7.1f} ms  statuses {sorted(statuses)}"
    )


def main() -> None:
    from flask_migrate import upgrade

    from app import create_app

    folder = Path(tempfile.mkdtemp(prefix="rongqiao-faults-"))
    database_url = f"sqlite:///{folder / 'faults.sqlite3'}"
    with create_app({"SQLALCHEMY_DATABASE_URI": database_url}).app_context():
        upgrade()
    hung_url, hung = hung_listener()
    run("Redis up", database_url, os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/7"))
    run("Redis refusing connections", database_url, "redis://127.0.0.1:1/0")
    run("Redis hanging", database_url, hung_url)
    run("database refusing", "postgresql+psycopg://postgres@127.0.0.1:1/x", None)
    hung.close()


if __name__ == "__main__":
    os.environ.setdefault("SECRET_KEY", "bench-only")
    main()
