# Ordo: `make run` serves the paper-trading demo; `make test` runs every check CI runs.
SHELL := /bin/bash
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
# Use uv from PATH, else a private copy bootstrapped with pip into .tools/.
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
# Tests that drive uv themselves (the adapter template's) use this same uv.
export ORDO_UV := $(abspath $(UV))
SRC := ordo-core/src ordo-adapter-mock/src ordo-adapter-fyers/src ordo-adapter-hdfc/src \
       ordo-adapter-mirae/src ordo-client/src ordo-testing/src ordo-openalgo/src
# `make run` serves from its own environment holding the runtime packages only (no test,
# lint or type tools, no ordo-testing), as `pip install ordo-core ordo-adapter-...` would.
RUN_ENV := .venv-run
RUN_PACKAGES := ordo-core ordo-adapter-mock ordo-adapter-fyers ordo-adapter-hdfc ordo-adapter-mirae

.PHONY: run run-env test lint typecheck pytest package-check bench screenshots sync format clean

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet "uv>=0.5,<1"

sync: $(if $(filter .tools/bin/uv,$(UV)),.tools/bin/uv)
	$(UV) sync --all-packages --locked

# --compile-bytecode: like pip, write every module's bytecode at install; uv leaves that to
# the first import, which then compiles every module again on each start wherever it cannot
# write it (read-only installs, PYTHONDONTWRITEBYTECODE): seconds of `ordo serve` start-up.
run-env: $(if $(filter .tools/bin/uv,$(UV)),.tools/bin/uv)
	UV_PROJECT_ENVIRONMENT=$(RUN_ENV) $(UV) sync --locked --no-dev --quiet --compile-bytecode \
	    $(addprefix --package ,$(RUN_PACKAGES))

run: run-env
	@echo "The ordo CLI of this checkout, for another shell:"
	@echo "export PATH=\"$(abspath $(RUN_ENV))/bin:\$$PATH\""
	ORDO_DATA_DIR=$${ORDO_DATA_DIR:-./data} $(RUN_ENV)/bin/ordo serve --demo --host $(HOST) --port $(PORT)

lint: sync
	$(UV) run ruff check .
	$(UV) run ruff format --check .

# mypy --strict over sources and tests. Every package's tests/ has a conftest.py, so each is
# checked on its own with MYPYPATH=<package> (explicit_package_bases in pyproject.toml): its
# modules are then tests.*, and `from .conftest import ...` resolves. The adapter template is
# rendered first (its paths and code hold cookiecutter placeholders) and its output checked.
TESTED := ordo-core ordo-adapter-mock ordo-adapter-fyers ordo-adapter-hdfc ordo-adapter-mirae \
          ordo-client ordo-testing ordo-openalgo
TEMPLATE_OUT := build/adapter-template

typecheck: sync
	$(UV) run mypy $(SRC) bench tests deploy
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

# Build every wheel and sdist, check their metadata, install them into a fresh venv as a
# user would and serve; run the container image's install step into a temporary prefix and
# its entrypoint and HEALTHCHECK from there. See deploy/check.py.
package-check: sync
	$(UV) run python -m deploy.check --uv $(ORDO_UV)

test: lint typecheck pytest package-check

bench: sync
	$(UV) run python -m bench.order_pipeline
	$(UV) run python -m bench.startup

# PNGs of every console page at phone and desktop width, for docs/console.md (headless
# Debian Chromium, installed with apt when missing; see bench/console_screenshots.py).
screenshots: sync
	$(UV) run python -m bench.console_screenshots --out docs/console

format: sync
	$(UV) run ruff format .
	$(UV) run ruff check --fix .

clean:
	rm -rf .tools .venv $(RUN_ENV) .mypy_cache .ruff_cache .pytest_cache build dist
