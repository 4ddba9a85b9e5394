#!/usr/bin/env bash
# schemathesis against the OpenAPI document of a running app with the demo data, once with
# each role's token: no 5xx, every status documented, every response matching its schema.
# First the main line is walked over plain HTTP by scripts/api_main_line.py.
set -euo pipefail
cd "$(dirname "$0")/.."

port=${API_FUZZ_PORT:-5077}
work=$(mktemp -d)
export FLASK_APP=wsgi.py SECRET_KEY=api-fuzz-only DATABASE_URL="sqlite:///$work/fuzz.sqlite3"
# schemathesis sends thousands of requests; sign-in throttling is tested elsewhere.
export LOGIN_RATE_LIMIT="100000 per minute"
.venv/bin/flask db upgrade >/dev/null
.venv/bin/flask seed-demo >/dev/null
# Sync workers: gunicorn.conf.py's threads are for PostgreSQL; on this SQLite file, threads of
# one worker would only queue on its write lock (and time a request out).
.venv/bin/gunicorn --bind "127.0.0.1:$port" --workers 2 --worker-class sync --log-level warning wsgi:app \
  >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do
  curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && break
  sleep 0.2
done

token_for() {
  curl -sf -X POST "http://127.0.0.1:$port/api/v1/tokens" -H 'Content-Type: application/json' \
    -d "{\"login\": \"$1\", \"password\": \"Rongqiao-demo-2026\"}" |
    .venv/bin/python -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}

echo "== the main line over plain HTTP (scripts/api_main_line.py)"
.venv/bin/python scripts/api_main_line.py "http://127.0.0.1:$port"

status=0
for login in official@demo.rongqiao.cn manager@abc.demo.rongqiao.cn enterprise@demo.rongqiao.cn manager@guarantee.demo.rongqiao.cn; do
  echo "== schemathesis as $login"
  token=$(token_for "$login")
  .venv/bin/schemathesis run "http://127.0.0.1:$port/api/v1/openapi.json" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --exclude-path /api/v1/tokens/current \
    --max-examples "${API_FUZZ_EXAMPLES:-25}" --seed 2026 --no-color \
    --generation-database none || status=1
done
if [ "$status" != 0 ]; then
  echo "--- server log" >&2
  tail -50 "$work/server.log" >&2
fi
exit $status
