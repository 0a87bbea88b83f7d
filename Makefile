# Two commands: `make run` serves the demo, `make test` runs every check.
SHELL := /bin/bash
PY := .venv/bin/python
PIP := .venv/bin/pip
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: run test system-deps venv frontend lint pytest frontend-test bench screenshots clean

system-deps:
	@bash scripts/system-deps.sh

.venv/.installed: requirements.txt
	@test -x $(PY) || python3 -m venv .venv
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt
	@touch $@

venv: .venv/.installed

frontend/node_modules/.installed: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	@touch $@

frontend: frontend/node_modules/.installed
	cd frontend && npm run build

run: system-deps venv frontend
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_setup
	PORT=$(PORT) bash scripts/serve.sh

lint: venv
	.venv/bin/ruff check .
	.venv/bin/mypy

pytest: venv frontend
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
