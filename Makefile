# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo serve test lint format migrate messages clean browser pdftools nginx cluster cluster-test bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstalled whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test,lint]"
	touch $@

install: $(VENV)/.installed

migrate: install
	$(MANAGE) migrate --noinput

demo: migrate
	$(MANAGE) load_reference_data
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(MANAGE) seed_demo
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl-C stops it)"
	$(BIN)/daphne -b $(HOST) -p $(PORT) opsplatform.asgi:application

serve: install
	$(BIN)/daphne -b $(HOST) -p $(PORT) opsplatform.asgi:application

# Browser journeys drive Debian's chromium; install it when missing and we may (root with apt-get).
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  echo "chromium is not installed: browser journeys will be skipped"

# PDF reports are read back with pdftotext (poppler-utils) in the tests.
pdftools:
	@command -v pdftotext >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; } || \
	  echo "poppler-utils is not installed: PDF text checks will fail"

# make cluster runs nginx from Debian's package; install it when missing and we may (root with apt-get).
nginx:
	@command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; } || \
	  { echo "nginx is not installed (apt-get install nginx)"; exit 1; }

# The production topology on loopback (PostgreSQL, Redis, 2 x gunicorn + daphne behind nginx, 2 workers, beat).
# Needs PostgreSQL 15 server binaries (PGBIN), redis-server and nginx; see docs/deployment.md.
cluster: install nginx
	$(BIN)/python -m cluster.run serve

# Starts the same cluster, proves push across processes and that killing a web process or a worker loses nothing.
cluster-test: install nginx
	$(BIN)/python -m cluster.run test

# axe-core, injected into pages by the accessibility tests, comes from npm (package-lock.json).
node_modules/.package-lock.json: package-lock.json
	@command -v npm >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; } || \
	  { echo "npm is not installed (apt-get install npm)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error

test: install browser pdftools node_modules/.package-lock.json
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	DJANGO_SETTINGS_MODULE=opsplatform.settings.test $(MANAGE) makemigrations --check --dry-run

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Rebuild the French catalogue after changing translatable strings (needs gettext).
messages: install
	$(MANAGE) makemessages --locale fr --ignore "$(VENV)/*" --ignore "tests/*" --ignore "var/*" --ignore "node_modules/*" --ignore "cluster/*" --ignore "bench/*" --ignore "load/*" --no-obsolete
	$(MANAGE) compilemessages --locale fr --ignore "$(VENV)/*"

clean:
	rm -rf $(VENV) var node_modules .pytest_cache .mypy_cache .ruff_cache

# Report, export and import at a million commodity lines beside raw PostgreSQL (throwaway PostgreSQL and Redis).
.PHONY: bench-data
bench-data: install
	$(BIN)/python -m bench.data

.PHONY: load soak

# Load on the same cluster: the extra `load` (Locust, gevent) is installed only for these targets.
$(VENV)/.installed-load: pyproject.toml | $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[test,lint,load]"
	touch $@

# Officers filing, coordinators validating, analysts downloading, stream listeners: LOAD_USERS (50) for
# LOAD_SECONDS (60); prints failures and p50/p95/p99 per request type; non-zero on any failure.
load: $(VENV)/.installed-load nginx
	$(BIN)/python -m load.run load

# The long run (not in CI): SOAK_USERS (100) for SOAK_SECONDS (600), then make cluster-test with
# FAULT_SCALE (4) passed on to the fault scenarios, and one summary.
soak: $(VENV)/.installed-load nginx
	$(BIN)/python -m load.run soak

# CI: make cluster-test with a short load first (LOAD_USERS people for CLUSTER_TEST_LOAD_SECONDS, 30 s) on the
# same cluster, so the load costs no cluster start of its own.
.PHONY: cluster-test-load
cluster-test-load: $(VENV)/.installed-load nginx
	CLUSTER_TEST_LOAD_SECONDS=$${CLUSTER_TEST_LOAD_SECONDS:-30} $(BIN)/python -m cluster.run test

# Benchmarks against the raw components (psycopg, COPY, Redis PUBLISH) on the production topology on loopback;
# prints one table and writes bench/results/latest.json. Never part of `make test`. See docs/performance.md.
$(VENV)/.bench-installed: pyproject.toml | $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[test,lint,bench]"
	touch $@

bench: install nginx browser $(VENV)/.bench-installed
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# The API fuzzed against its OpenAPI schema with 10,000 generated cases and a new seed (FUZZ_SEED replays one);
# make test runs the same check with a fixed seed and 1,500 cases. Prints the case count and every failure.
FUZZ_CASES ?= 10000
.PHONY: fuzz
fuzz: install
	FUZZ_CASES=$(FUZZ_CASES) FUZZ_SEED=$${FUZZ_SEED:-$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')} \
	  $(BIN)/python -m pytest tests/opsplatform/test_api_fuzz.py -q -p no:cacheprovider --timeout=0 $(PYTEST_ARGS)
