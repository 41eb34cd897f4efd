# The README's commands call these targets. Each does its own set-up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo check-demo test lint unit bench clean system web web-test
WEB_STAMP := web/node_modules/.installed

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,calendars]'
	touch $(STAMP)

## demo: run the service over the bundled demo jobs, on a fresh database in var/demo/
demo: $(STAMP) web
	rm -rf var/demo
	$(BIN)/apsisctl serve --config examples/config.yaml --create-db

## check-demo: check and preview the bundled demo jobs
check-demo: $(STAMP)
	$(BIN)/apsisctl check-jobs examples/jobs --config examples/config.yaml --preview --count 3

## test: lint, type-check and run the whole test suite
test: lint web-test unit

lint: $(STAMP)
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

## web: build the web UI (web/) into src/apsis/service/static
web: $(WEB_STAMP)
	cd web && npm run build

## web-test: lint, type-check and unit-test the web UI
web-test: $(WEB_STAMP)
	cd web && npx eslint . && npx vue-tsc --noEmit -p tsconfig.json && npx vitest run

# The web UI's dependencies, exactly as package-lock.json pins them.
$(WEB_STAMP): web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $(WEB_STAMP)

## system: the Debian packages the tests drive (Chromium, sshd, sudo)
system:
	tests/setup/system-packages.sh

unit: $(STAMP) system web
	$(BIN)/pytest

## bench: print the figures
bench: $(STAMP) system web
	$(BIN)/python bench/schedule_throughput.py
	$(BIN)/python bench/store.py
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/api.py
	$(BIN)/python bench/agent.py
	$(BIN)/python bench/web.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache web/node_modules src/apsis/service/static
