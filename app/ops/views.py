"""Liveness, readiness and metrics, for the load balancer and the monitoring."""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import abort, current_app, jsonify
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from app.models import JobRun, JobStatus, db
from app.ops import bp, observability
from app.ops.failsoft import redis_client
from app.security import public


@bp.route("/health")
@public
def health():
    """The process answers: a load balancer restarts it when this fails."""
    return jsonify(status="ok")


@bp.route("/ready")
@public
def ready():
    """Whether this process can serve: the database answers, and Redis if one is configured."""
    checks = {"database": _database_ok()}
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = _redis_ok()
    ok = all(checks.values())
    body = {
        "status": "ready" if ok else "unavailable",
        "checks": {k: "ok" if v else "down" for k, v in checks.items()},
    }
    response = jsonify(body)
    if not ok:
        response.status_code = 503
        response.headers["Retry-After"] = str(current_app.config["RETRY_AFTER_SECONDS"])
    return response


def _database_ok() -> bool:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return False
    return True


def _redis_ok() -> bool:
    try:
        return bool(
            redis_client(
                current_app.config["REDIS_URL"], current_app.config["REDIS_SOCKET_TIMEOUT"]
            ).ping()
        )
    except Exception:  # noqa: BLE001 - any failure means not ready
        return False


class JobCollector:
    """Job runs by status, read when Prometheus scrapes: queue depth and failures."""

    def collect(self):
        family = GaugeMetricFamily("rongqiao_job_runs", "Job runs by status", labels=["status"])
        try:
            rows = dict(
                db.session.execute(
                    sa.select(JobRun.status, sa.func.count()).group_by(JobRun.status)
                ).all()
            )
        except sa.exc.SQLAlchemyError:
            db.session.rollback()
            rows = {}
        for status in JobStatus:
            family.add_metric([status.value], rows.get(status, 0))
        yield family


@bp.route("/metrics")
@public
def metrics():
    if not current_app.config["METRICS_ENABLED"]:
        abort(404)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = observability.REGISTRY
    job_registry = CollectorRegistry()
    job_registry.register(JobCollector())
    body = generate_latest(registry) + generate_latest(job_registry)
    return body, 200, {"Content-Type": CONTENT_TYPE_LATEST}
