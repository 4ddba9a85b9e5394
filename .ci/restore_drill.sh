#!/usr/bin/env bash
# The restore drill: seed a database, back it up, restore the backup into a fresh empty
# database, and require the restored row counts and agreement total to equal the backup's
# (`flask restore` compares them with the manifest and fails otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."

PG_HOST_URL=${CI_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432}
export CI_POSTGRES_ADMIN_URL="$PG_HOST_URL/postgres"
source_db="rongqiao_ci_backup_$$"
target_db="rongqiao_ci_restore_$$"
work=$(mktemp -d)
cleanup() {
  .venv/bin/python .ci/pgdb.py drop "$source_db" || true
  .venv/bin/python .ci/pgdb.py drop "$target_db" || true
  rm -rf "$work"
}
trap cleanup EXIT
.venv/bin/python .ci/pgdb.py create "$source_db"
.venv/bin/python .ci/pgdb.py create "$target_db"
export FLASK_APP=wsgi.py SECRET_KEY=ci-only

echo "== seed and back up"
export DATABASE_URL="$PG_HOST_URL/$source_db"
.venv/bin/flask db upgrade 2>/dev/null
.venv/bin/flask seed-demo
.venv/bin/flask backup --to "$work"
backup=$(ls -d "$work"/rongqiao-*)
echo "== restore into an empty database"
export DATABASE_URL="$PG_HOST_URL/$target_db"
.venv/bin/flask restore "$backup"
if .venv/bin/flask integrity --help >/dev/null 2>&1; then
  .venv/bin/flask integrity check  # issue 14's consistency check, once it is merged
fi
echo "== a second restore into the same (now full) database is refused"
if .venv/bin/flask restore "$backup" 2>/dev/null; then
  echo "restore into a non-empty database was not refused" >&2
  exit 1
fi
