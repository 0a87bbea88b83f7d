# Two commands: `make run` serves the demo, `make test` runs every check.
SHELL := /bin/bash
PY := .venv/bin/python
PIP := .venv/bin/pip
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: run test system-deps venv venv-ls frontend lint pytest frontend-test bench screenshots clean

system-deps:
	@bash scripts/system-deps.sh

.venv/.installed: requirements.txt
	@test -x $(PY) || python3 -m venv .venv
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt
	@touch $@

venv: .venv/.installed

# Label Studio in a virtualenv of its own (its pins differ from ours), with a migrated data
# folder that the Label Studio export test starts from (its first start migrates for minutes).
.venv-ls/.installed: requirements-labelstudio.txt
	@test -x .venv-ls/bin/python || python3 -m venv .venv-ls
	.venv-ls/bin/pip install -q --upgrade pip
	.venv-ls/bin/pip install -q -r requirements-labelstudio.txt
	$(PY) tests/datasets/exports/labelstudio_server.py template
	@touch $@

venv-ls: venv .venv-ls/.installed

frontend/node_modules/.installed: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	@touch $@

frontend: frontend/node_modules/.installed
	cd frontend && npm run build

run: system-deps venv frontend
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_setup
	PORT=$(PORT) bash scripts/serve.sh

# Besides style and types: strict types on the pure cores, the import contracts (.importlinter)
# and dead code (scripts/dead_code.py, allow-list in scripts/dead_code_allow.txt).
STRICT_CORES := datasets/media datasets/exports datasets/imports annotation/prelabel qa/metrics

lint: venv
	.venv/bin/ruff check .
	.venv/bin/mypy
	.venv/bin/mypy --strict --cache-dir .mypy_cache/strict $(STRICT_CORES)
	.venv/bin/lint-imports --no-cache --no-logo
	$(PY) scripts/dead_code.py
	cd frontend && npm run deadcode

pytest: venv venv-ls frontend
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) .venv/bin/pytest -q

frontend-test: frontend
	cd frontend && npm run typecheck && npm test

test: system-deps venv frontend lint frontend-test pytest

bench: venv
	$(PY) bench/api.py

# The README's screenshots (docs/screenshots/), from the demo in a throwaway instance; by hand only.
screenshots: venv frontend
	$(PY) scripts/screenshots.py

clean:
	rm -rf var .pytest_cache .mypy_cache frontend/dist
