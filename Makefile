# Ordo: `make run` serves the paper-trading demo; `make test` runs every check CI runs.
SHELL := /bin/bash
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
# Use uv from PATH, else a private copy bootstrapped with pip into .tools/.
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
SRC := ordo-core/src ordo-adapter-mock/src ordo-adapter-fyers/src ordo-adapter-hdfc/src \
       ordo-adapter-mirae/src ordo-client/src ordo-testing/src

.PHONY: run test lint typecheck pytest bench sync format clean

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet "uv>=0.5,<1"

sync: $(if $(findstring .tools,$(UV)),.tools/bin/uv)
	$(UV) sync --all-packages --locked

run: sync
	ORDO_DATA_DIR=$${ORDO_DATA_DIR:-./data} $(UV) run ordo serve --demo --host $(HOST) --port $(PORT)

lint: sync
	$(UV) run ruff check .
	$(UV) run ruff format --check .

# mypy --strict over sources and tests. Every package's tests/ has a conftest.py, so each is
# checked on its own with MYPYPATH=<package> (explicit_package_bases in pyproject.toml): its
# modules are then tests.*, and `from .conftest import ...` resolves. The adapter template is
# rendered first (its paths and code hold cookiecutter placeholders) and its output checked.
TESTED := ordo-core ordo-adapter-mock ordo-adapter-fyers ordo-adapter-hdfc ordo-adapter-mirae \
          ordo-client ordo-testing
TEMPLATE_OUT := build/adapter-template

typecheck: sync
	$(UV) run mypy $(SRC) bench tests
	@set -e; for pkg in $(TESTED); do \
	  if [ -d $$pkg/tests ]; then \
	    echo "mypy $$pkg/tests"; MYPYPATH=$$pkg $(UV) run mypy $$pkg/tests; \
	  fi; \
	done
	rm -rf $(TEMPLATE_OUT)
	$(UV) run cookiecutter --no-input --output-dir $(TEMPLATE_OUT) adapter-template
	$(UV) run mypy $(TEMPLATE_OUT)/*/src $(TEMPLATE_OUT)/*/tests

pytest: sync
	$(UV) run pytest

test: lint typecheck pytest

bench: sync
	$(UV) run python -m bench.order_pipeline

format: sync
	$(UV) run ruff format .
	$(UV) run ruff check --fix .

clean:
	rm -rf .tools .venv .mypy_cache .ruff_cache .pytest_cache build
