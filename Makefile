# Two commands do all the set-up: `make demo` and `make test`.
# Each bootstraps .venv from pyproject.toml on first use (and again when it changes).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench clean

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

clean:
	rm -rf $(VENV)
