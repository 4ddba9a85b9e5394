"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

gthread workers: each worker process serves WEB_THREADS requests at once, so a few slow
clients (a phone on a weak network trickling a form up) cannot hold every worker, as they
could with sync workers. Behind nginx (README: Deploying), request bodies are buffered
by nginx before gunicorn sees them, which removes the slow-upload case altogether.
"""

import os

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
    application = worker.app.wsgi()  # the master's, already imported
    sqlalchemy = getattr(application, "extensions", {}).get("sqlalchemy")
    if sqlalchemy is not None:
        with application.app_context():
            for engine in sqlalchemy.engines.values():
                engine.dispose(close=False)


def child_exit(server, worker):
    """With PROMETHEUS_MULTIPROC_DIR set, /metrics sums every worker's figures; a dead
    worker's live gauges must stop counting."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
