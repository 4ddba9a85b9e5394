"""Slow clients against a running server: N connections trickle a request body one byte at
a time while a normal client asks for /health; prints how long the normal requests took.

    python -m bench.slow_clients http://127.0.0.1:8000 --slow 50 --seconds 10

Only loopback addresses: the script refuses any other host.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import threading
import time
import urllib.request
from urllib.parse import urlsplit


def trickle(host: str, port: int, stop: threading.Event) -> None:
    try:
        with socket.create_connection((host, port), timeout=5) as sock:
            sock.sendall(
                b"POST /login HTTP/1.1\r\nHost: bench\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000\r\n\r\n"
            )
            while not stop.is_set():
                sock.sendall(b"a")
                stop.wait(1.0)
    except OSError:
        pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--slow", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    parts = urlsplit(args.url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("loopback only")
    for _ in range(300):  # wait for the server to come up
        try:
            with urllib.request.urlopen(f"{args.url}/health", timeout=2):  # noqa: S310
                break
        except OSError:
            time.sleep(0.2)
    stop = threading.Event()
    threads = [
        threading.Thread(target=trickle, args=(parts.hostname, parts.port, stop), daemon=True)
        for _ in range(args.slow)
    ]
    for t in threads:
        t.start()
    time.sleep(1)
    timings, failures = [], 0
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(f"{args.url}/health", timeout=5) as response:  # noqa: S310
                response.read()
            timings.append(time.perf_counter() - started)
        except OSError:
            failures += 1
        time.sleep(0.1)
    stop.set()
    if timings:
        print(
            f"{args.slow} slow clients: {len(timings)} normal requests answered, {failures} timed out "
            f"(5 s); median {statistics.median(timings) * 1000:.1f} ms, "
            f"max {max(timings) * 1000:.1f} ms"
        )
    else:
        print(f"{args.slow} slow clients: no normal request answered, {failures} timed out (5 s)")


if __name__ == "__main__":
    main()
