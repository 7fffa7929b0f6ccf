# Two entry points: `make run` and `make test`. Both create .venv on first use,
# so a fresh machine needs nothing but Python 3.11+ (and make).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m bot

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/hadolint Dockerfile

bench: $(STAMP)
	$(BIN)/python -m bench.assign
	$(BIN)/python -m bench.reminders
	$(BIN)/python -m bench.fuzz

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
