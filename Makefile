# Two commands do all the set-up: `make demo` and `make test`.
# Each bootstraps .venv on first use, and again when a lock file changes. Installs come
# only from the lock files (exact versions, hash-checked), so a new release of a
# dependency changes nothing until `make lock` is run and its result committed:
#   requirements.lock      what the app runs on (the demo, the Docker image)
#   requirements-dev.lock  the same versions plus the test and lint tools
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet --require-hashes --no-deps
# The project itself, built with the locked setuptools instead of a fresh download.
SELF := $(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .

.PHONY: demo test lint lock bench migration clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.app: requirements.lock | $(BIN)/python
	$(PIP) -r requirements.lock
	$(SELF)
	touch $@

$(VENV)/.dev: requirements-dev.lock | $(BIN)/python
	$(PIP) -r requirements-dev.lock
	$(SELF)
	touch $@ $(VENV)/.app

demo: $(VENV)/.app
	$(BIN)/followthrough demo

test: $(VENV)/.dev lint
	$(BIN)/pytest

# Re-resolves both lock files from pyproject.toml (newest versions it allows, for every
# platform and Python 3.11+); commit the result. Needs the registry, as any install does.
UV_COMPILE := $(BIN)/uv pip compile --quiet --universal --python-version 3.11 \
	--generate-hashes --custom-compile-command "make lock"
lock: $(VENV)/.dev
	echo 'setuptools>=68' | $(UV_COMPILE) --upgrade --extra dev --extra postgres \
	  pyproject.toml - -o requirements-dev.lock
	echo 'setuptools>=68' | $(UV_COMPILE) --extra postgres -c requirements-dev.lock \
	  pyproject.toml - -o requirements.lock

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/mypy

# Benchmarks run on demand and print their figures (PostgreSQL from
# FOLLOWTHROUGH_TEST_DATABASE_URL, or the local server; skipped if unreachable).
bench: $(VENV)/.dev
	$(BIN)/python -m benchmarks.plan_mornings
	$(BIN)/python -m benchmarks.weekly_board
	$(BIN)/python -m benchmarks.delivery_rate --database sqlite
	$(BIN)/python -m benchmarks.delivery_rate --database postgresql

# A new migration from the difference between the tables core/storage declares and the migrations:
#   make migration m="add members.pronouns"
# Autogenerate compares against a scratch SQLite database brought to the newest revision
# (your own database is not touched); review the file it writes in migrations/versions/.
# MIGRATION_DATABASE_URL=postgresql+psycopg://... compares against PostgreSQL instead (an
# empty database: it is upgraded to head first).
MIGRATION_SCRATCH := $(CURDIR)/$(VENV)/migration-scratch.db
MIGRATION_DATABASE_URL ?= sqlite:///$(MIGRATION_SCRATCH)
migration: $(VENV)/.dev
	@test -n "$(m)" || { echo 'usage: make migration m="what the migration changes"'; exit 2; }
	@rm -f $(MIGRATION_SCRATCH)
	FOLLOWTHROUGH_DATABASE_URL='$(MIGRATION_DATABASE_URL)' $(BIN)/alembic upgrade head
	FOLLOWTHROUGH_DATABASE_URL='$(MIGRATION_DATABASE_URL)' $(BIN)/alembic revision \
	  --autogenerate --rev-id "$$(printf '%04d' $$(( $$(ls migrations/versions | grep -c '^[0-9][0-9][0-9][0-9]_') + 1 )))" \
	  -m "$(m)"
	@rm -f $(MIGRATION_SCRATCH) $(MIGRATION_SCRATCH)-wal $(MIGRATION_SCRATCH)-shm

clean:
	rm -rf $(VENV)
