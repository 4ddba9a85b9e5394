# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py

.PHONY: run test lint translations extract-messages clean bench-load

$(BIN)/activate: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(BIN)/activate

# The compiled catalogue is not committed; it is built from the .po on every run.
translations: $(BIN)/activate
	$(BIN)/pybabel compile --statistics -d app/translations

run: translations
	$(BIN)/flask db upgrade
	$(BIN)/flask reference load
	$(BIN)/flask seed-demo
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# axe-core for the browser tests' accessibility check, from the npm registry (package-lock.json).
node_modules/axe-core/axe.min.js: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --silent; \
	else echo "npm not found: axe-core is missing and the browser tests will be SKIPPED"; fi

test: translations node_modules/axe-core/axe.min.js
	@[ -x /usr/bin/chromium ] || echo "NOTE: /usr/bin/chromium not found, so the browser tests in tests/e2e are SKIPPED (apt-get install chromium fonts-noto-cjk to run them)."
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(BIN)/activate
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -r app --quiet --severity-level medium

extract-messages: $(BIN)/activate
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations -l zh --no-fuzzy-matching

# The key pages against a bare Flask page under gunicorn (PostgreSQL, Redis, wrk): see README.
bench-load: translations
	$(BIN)/python -m bench.load $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache node_modules
