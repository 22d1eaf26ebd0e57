# Rapport: `make run` sets everything up and starts the server; `make test` runs every test.
# Only Python 3.11+ and Node (npm) are assumed on the machine. uv never downloads a Python.

SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy
# Python keeps the bytecode it compiles (__pycache__, ignored by git) even where the shell says
# not to: uv installs the packages without it, so every process of `make test` (the pytest
# controller, both workers, the subprocesses tests start) compiled Django and the rest again,
# about 7 of the 13 CPU seconds each takes to start (docs/decisions.md, "CI time").
unexport PYTHONDONTWRITEBYTECODE

# The first Python 3.11+ on the PATH, as its real path: a pyenv shim whose selected version
# lacks the command fails and is skipped, one that works is resolved to the interpreter behind it.
PYTHON3 ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11) or print(sys.executable))' 2>/dev/null \
	&& break; done)
# uv from the PATH if it runs (a pyenv shim may exist for a version that is not selected), or
# bootstrapped into var/tools from PyPI the first time.
UV := $(shell uv --version >/dev/null 2>&1 && command -v uv || echo var/tools/bin/uv)
PY := .venv/bin/python
MANAGE := $(PY) manage.py
# The import-linter contracts of pyproject.toml: which app may import which (docs/architecture.md).
LINT_IMPORTS := .venv/bin/lint-imports --no-logo --cache-dir var/cache/import-linter

.PHONY: run setup test test-fast lint format bench clean-env messages

# bootstrap --serve starts the server and prints the address and the login once it is up, last;
# the server's and the job consumer's lines go to var/log/ (the console shows only warnings).
run: setup
	@$(MANAGE) bootstrap --serve

setup: .venv/.synced node_modules/.installed
	@$(MANAGE) compile_translations > /dev/null
	@$(MANAGE) collectstatic --noinput -v0
	@$(MANAGE) migrate --noinput -v0

var/tools/bin/uv:
	@test -n "$(PYTHON3)" || { echo "Rapport needs Python 3.11 or newer on the PATH." >&2; exit 1; }
	@mkdir -p var
	$(PYTHON3) -m venv var/tools
	var/tools/bin/pip install --quiet --disable-pip-version-check uv

.venv/.synced: pyproject.toml uv.lock | $(UV)
	@test -n "$(PYTHON3)" || { echo "Rapport needs Python 3.11 or newer on the PATH." >&2; exit 1; }
	$(UV) sync --frozen --python "$(PYTHON3)"
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The whole suite: unit, API, permission and browser tests, on SQLite unless DATABASE_URL is set.
# pytest exits with 5 when it collects no test (a fresh tree, or PYTEST_ARGS selecting none).
# Whole modules go to the workers in the order conftest.py sorts them (the longest first), not
# in xdist's (most tests first).
test: .venv/.synced node_modules/.installed
	@$(MANAGE) compile_translations --check > /dev/null
	$(PY) -m ruff check .
	$(LINT_IMPORTS)
	$(PY) -m pytest -n 2 --dist loadscope --no-loadscope-reorder --durations=25 $(PYTEST_ARGS) || [ $$? -eq 5 ]

test-fast: .venv/.synced
	$(PY) -m pytest -n 2 --dist loadscope --no-loadscope-reorder -m "not browser" $(PYTEST_ARGS) || [ $$? -eq 5 ]

lint: .venv/.synced
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(LINT_IMPORTS)

format: .venv/.synced
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# Re-extract translatable strings (needs GNU gettext) into locale/*/LC_MESSAGES/django.po.
messages: .venv/.synced
	$(MANAGE) makemessages -l zh_Hans -l en --ignore=node_modules --ignore=.venv --ignore=var --ignore=tests/data

bench: setup
	$(PY) bench/run.py

clean-env:
	rm -rf .venv node_modules var/tools var/static
