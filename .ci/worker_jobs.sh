#!/usr/bin/env bash
# The job tests against a real Celery worker process over Redis (tests/jobs): a scratch
# PostgreSQL database migrated to head, one worker, the tests queueing from another process.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_HOST_URL=${CI_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432}
export CI_POSTGRES_ADMIN_URL="$PG_HOST_URL/postgres"
db="rongqiao_ci_jobs_$$"
redis_url=${CI_REDIS_URL:-redis://127.0.0.1:6379/7}
work=$(mktemp -d)

if ! redis-cli -u "$redis_url" ping >/dev/null 2>&1; then
  echo "== starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 50); do redis-cli -u "$redis_url" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
redis-cli -u "$redis_url" flushdb >/dev/null  # no jobs left over from an earlier run

.venv/bin/python .ci/pgdb.py create "$db"
export FLASK_APP=wsgi.py SECRET_KEY=ci-only DATABASE_URL="$PG_HOST_URL/$db" REDIS_URL="$redis_url"
.venv/bin/flask db upgrade >/dev/null

.venv/bin/celery -A app.jobs.worker worker --pool=solo --concurrency=1 --loglevel=INFO \
  >"$work/worker.log" 2>&1 &
worker=$!
cleanup() {
  kill "$worker" 2>/dev/null || true
  wait "$worker" 2>/dev/null || true
  .venv/bin/python .ci/pgdb.py drop "$db" || true
  rm -rf "$work"
}
trap cleanup EXIT

if ! WORKER_TESTS=1 .venv/bin/pytest tests/jobs -q -p no:cacheprovider; then
  echo "== worker log"; tail -50 "$work/worker.log"
  exit 1
fi
