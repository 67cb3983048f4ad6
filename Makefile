# Two commands do all the set-up: `make demo` and `make test`.
# Each bootstraps .venv from pyproject.toml on first use (and again when it changes).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench migration clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/followthrough demo

test: $(BIN)/.installed lint
	$(BIN)/pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/mypy

# Benchmarks run on demand and print their figures (PostgreSQL from
# FOLLOWTHROUGH_TEST_DATABASE_URL, or the local server; skipped if unreachable).
bench: $(BIN)/.installed
	$(BIN)/python -m benchmarks.plan_mornings
	$(BIN)/python -m benchmarks.weekly_board
	$(BIN)/python -m benchmarks.delivery_rate --database sqlite
	$(BIN)/python -m benchmarks.delivery_rate --database postgresql

# A new migration from the difference between core/storage/tables.py and the migrations:
#   make migration m="add members.pronouns"
# Autogenerate compares against a scratch SQLite database brought to the newest revision
# (your own database is not touched); review the file it writes in migrations/versions/.
# MIGRATION_DATABASE_URL=postgresql+psycopg://... compares against PostgreSQL instead (an
# empty database: it is upgraded to head first).
MIGRATION_SCRATCH := $(CURDIR)/$(VENV)/migration-scratch.db
MIGRATION_DATABASE_URL ?= sqlite:///$(MIGRATION_SCRATCH)
migration: $(BIN)/.installed
	@test -n "$(m)" || { echo 'usage: make migration m="what the migration changes"'; exit 2; }
	@rm -f $(MIGRATION_SCRATCH)
	FOLLOWTHROUGH_DATABASE_URL='$(MIGRATION_DATABASE_URL)' $(BIN)/alembic upgrade head
	FOLLOWTHROUGH_DATABASE_URL='$(MIGRATION_DATABASE_URL)' $(BIN)/alembic revision \
	  --autogenerate --rev-id "$$(printf '%04d' $$(( $$(ls migrations/versions | grep -c '^[0-9][0-9][0-9][0-9]_') + 1 )))" \
	  -m "$(m)"
	@rm -f $(MIGRATION_SCRATCH) $(MIGRATION_SCRATCH)-wal $(MIGRATION_SCRATCH)-shm

clean:
	rm -rf $(VENV)
