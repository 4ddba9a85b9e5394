"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

gthread workers: each worker process serves WEB_THREADS requests at once, so a few slow
clients (a phone on a weak network trickling a form up) cannot hold every worker, as they
could with sync workers. Behind nginx (README: Deploying), request bodies are buffered
by nginx before gunicorn sees them, which removes the slow-upload case altogether.
"""

import logging
import os
import sys

bind = os.environ.get("WEB_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_WORKERS", "4"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "8"))
# A request still running after this is cut off and its worker restarted.
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Bounds on the request line and headers, before Flask sees anything.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# A worker is replaced after this many requests, so a slow leak cannot grow without end.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# The app is imported once, by the master, and every worker is a fork of it: a replaced
# worker starts in milliseconds instead of importing the app again (2-4 s of CPU each time,
# taken from the workers still serving).
preload_app = True
accesslog = None  # the app writes one JSON line per request itself (REQUEST_LOG)
errorlog = "-"


def post_fork(server, worker):
    """Whatever connections the master opened while importing the app are its own: each
    worker opens its own (a connection shared across processes mixes their conversations)."""
    for engine in _engines(worker.app.wsgi()):  # the master's app, already imported
        engine.dispose(close=False)


def _engines(application):
    sqlalchemy = getattr(application, "extensions", {}).get("sqlalchemy")
    if sqlalchemy is None:
        return []
    with application.app_context():
        return list(sqlalchemy.engines.values())


def worker_exit(server, worker):
    """A worker leaving in order (after WEB_MAX_REQUESTS, or told to stop) skips the
    interpreter's teardown: freeing every object the app imported took 0.8 s of CPU per
    worker, which under load came back every ~20 s for each worker. Its database
    connections are closed properly and its logs flushed first. A worker that failed to
    boot or crashed exits as before, so the master reads its exit code; so does one whose
    requests outlasted the graceful timeout (the teardown waits for their threads)."""
    leaving = sys.exc_info()[1]
    if not worker.booted or not isinstance(leaving, SystemExit) or leaving.code not in (0, None):
        return
    if getattr(worker, "nr_conns", 0) > 0:
        return
    for engine in _engines(worker.app.wsgi()):
        engine.dispose()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def child_exit(server, worker):
    """With PROMETHEUS_MULTIPROC_DIR set, /metrics sums every worker's figures; a dead
    worker's live gauges must stop counting."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
