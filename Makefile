# The README's two commands are `make run` and `make test`; everything they need happens here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
SECRET_FILE := .secret_key
CATALOG := data/catalog.json
# Use sudo for apt only when not root and sudo exists (CI runs as root).
SUDO := $(shell [ "$$(id -u)" -ne 0 ] && command -v sudo >/dev/null && echo sudo)

# `make run` serves like production (DEBUG off, static files through whitenoise) but over plain
# HTTP on localhost, so HTTPS-only cookies, redirects and HSTS are switched off.
RUN_ENV = DJANGO_DEBUG=0 DJANGO_HTTPS="$${DJANGO_HTTPS:-0}" \
	DJANGO_SECRET_KEY="$${DJANGO_SECRET_KEY:-$$(cat $(SECRET_FILE))}"

.PHONY: prepare run dev test bench soak fuzz lint format install install-dev chromium wrk postgresql vendor clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

$(SECRET_FILE):
	umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@

# Prepare the database, the shipped card catalog (only into an empty catalog, so an editor's
# admin changes survive a restart) and the static files.
prepare: install $(SECRET_FILE)
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	if [ -f $(CATALOG) ]; then $(RUN_ENV) $(BIN)/python manage.py import_cards $(CATALOG) --if-empty; fi
	$(RUN_ENV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0

run: prepare
	$(RUN_ENV) $(BIN)/uvicorn creditcard_guru.asgi:application --host $(HOST) --port $(PORT) \
		--lifespan off --timeout-graceful-shutdown 10 --no-server-header

dev: install $(SECRET_FILE)
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput
	if [ -f $(CATALOG) ]; then DJANGO_DEBUG=1 $(BIN)/python manage.py import_cards $(CATALOG) --if-empty; fi
	DJANGO_DEBUG=1 $(BIN)/uvicorn creditcard_guru.asgi:application --host $(HOST) --port $(PORT) \
		--lifespan off --reload --reload-include '*.html' --reload-include '*.css' --reload-include '*.js'

# Debian's Chromium for the Playwright browser tests (Playwright's own download cannot work here).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium; \
	fi

test: install-dev chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_DEBUG=0 DJANGO_SECRET_KEY="$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
		$(BIN)/python manage.py check --deploy --fail-level WARNING
	$(BIN)/pytest -n 2
	# Again on PostgreSQL, the multi-host database: every test that touches the database.
	scripts/with-postgres.sh $(BIN)/pytest -n 2 -m "not browser and not servers" \
		--ignore=tests/rewards --ignore=tests/statements --ignore=tests/catalog_data

# wrk, the HTTP load generator of bench/http_bench.py (which falls back to httpx without it).
wrk:
	@if ! command -v wrk >/dev/null; then \
		($(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends wrk) || \
		echo "wrk not installed: bench/http_bench.py uses httpx instead"; \
	fi

# Figures against docs/design.md section 8; see docs/performance.md. Lighthouse needs npx and Chromium
# and is skipped without them (so a failed Chromium install does not stop the benchmarks).
bench: install-dev wrk
	-@$(MAKE) --no-print-directory chromium
	$(BIN)/python bench/engine_bench.py
	$(BIN)/python bench/roadmap_bench.py
	$(BIN)/python bench/http_bench.py
	$(BIN)/python bench/page_bench.py
	$(BIN)/python bench/sse_bench.py
	$(BIN)/python bench/plan_stream_bench.py
	$(BIN)/python bench/whatif_bench.py
	$(BIN)/python bench/page_weight.py
	bench/lighthouse.sh

# Reliability soak (about six minutes, most of the machine): load, a worker killed, streams
# dropped, the database away and back, uploads in flight. See docs/reliability.md.
soak: install-dev
	$(BIN)/python bench/soak.py

# The property tests with fresh random examples (`make test` runs the same ones every time):
# run it now and then, and turn each counterexample it finds into a named test.
fuzz: install-dev
	HYPOTHESIS_PROFILE=explore $(BIN)/pytest -n 2 -m "not browser and not servers" \
		tests/rewards tests/statements tests/wizard/test_fuzz_forms.py

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Refresh static/vendor/ from the versions pinned in package.json (needs npm; the result is committed).
vendor:
	npm ci --no-audit --no-fund
	npm run vendor

clean:
	rm -rf $(VENV) staticfiles node_modules .pytest_cache .ruff_cache .hypothesis
