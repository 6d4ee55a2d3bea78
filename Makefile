# Every target sets itself up on a fresh machine: `make demo` and `make test` are all you need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEFS := .cache/fhir-r4/.version
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 1

.PHONY: install lint test test-fast faults demo bench clean

# Debian's Chromium for the browser test (tests/e2e/test_login_browser.py, which skips without
# it): installed when missing and we are root on an apt system; nothing is fetched from a CDN.
install: $(STAMP) $(DEFS)
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; fi
	@# Mosquitto for the MQTT ingestion tests (tests/support/mosquitto.py; they skip without it).
	@if ! command -v mosquitto >/dev/null && [ ! -x /usr/sbin/mosquitto ] && [ "$$(id -u)" = 0 ] \
	  && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mosquitto; fi

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

$(DEFS): scripts/fetch-fhir-definitions.sh
	./scripts/fetch-fhir-definitions.sh .cache/fhir-r4

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# PostgreSQL: the local server when it answers, else the tests start a throwaway cluster.
# Two pytest-xdist workers, a file per worker at a time (module fixtures such as the live servers
# start once per file); each worker gets its own PostgreSQL database (tests/support/postgres.py).
test: lint
	@if [ -z "$$ENLACE_TEST_POSTGRES_URL" ] && pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
	  export ENLACE_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres; fi; \
	$(BIN)/pytest -q -n 2 --dist loadfile -m "not slow and not faults" --durations=25 tests

# The fault suite (tests/faults, marked faults; docs/operations.md "Fault tests"): kill -9 of the
# API and of enlace import, of an outbox deliverer, PostgreSQL restarted under load (its own
# cluster), MQTT broker restarts, SQLite on a full tmpfs, clock skew, the restore drill; each
# prints its counts before and after at the end. Then the long fuzzing run (tests marked slow in
# tests/e2e/test_fuzz_openapi.py): every operation of every FHIR type with and without a token,
# and the login and OAuth routes, on SQLite and PostgreSQL. `make test` runs a sample of it.
faults: install
	@if [ -z "$$ENLACE_TEST_POSTGRES_URL" ] && pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
	  export ENLACE_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres; fi; \
	$(BIN)/pytest -q -rfEsx -m faults --durations=20 tests/faults && \
	$(BIN)/pytest -q -rA -m slow tests/e2e/test_fuzz_openapi.py

test-fast: install
	$(BIN)/pytest -q -m "not slow and not e2e and not faults" tests

# A network of DEMO_PATIENTS people in three states with DEMO_DAYS days of care (scripts/demo.sh),
# then the platform at http://$(HOST):$(PORT)/ with one login per role printed above.
demo: install
	BIN=$(BIN) ./scripts/demo.sh
	@echo "Open http://$(HOST):$(PORT)/  (log in with an account above; FHIR API at /fhir/metadata)"
	$(BIN)/enlace serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

bench: install
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq wrk; }
	@if [ -z "$$ENLACE_TEST_POSTGRES_URL" ] && pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
	  export ENLACE_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres; fi; \
	$(BIN)/python bench/run_all.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
