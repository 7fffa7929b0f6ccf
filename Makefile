# Two entry points: `make run` and `make test`. Both create .venv on first use,
# so a fresh machine needs nothing but Python 3.11+ (and make).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The Matrix tests run a real Synapse (tests/synapse_harness). It is AGPL and pins many
# packages, so it lives in a virtualenv of its own: test-only, never a project dependency,
# never in the image. The stamp names the version, so a bump here reinstalls.
SYNAPSE_VERSION := 1.163.2
SYNAPSE_VENV := .venv-synapse
SYNAPSE_STAMP := $(SYNAPSE_VENV)/.installed-$(SYNAPSE_VERSION)

.PHONY: run test lint bench clean synapse

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(SYNAPSE_STAMP):
	rm -rf $(SYNAPSE_VENV)
	$(PYTHON) -m venv $(SYNAPSE_VENV)
	$(SYNAPSE_VENV)/bin/python -m pip install --quiet 'matrix-synapse==$(SYNAPSE_VERSION)'
	touch $(SYNAPSE_STAMP)

synapse: $(SYNAPSE_STAMP)

run: $(STAMP)
	$(BIN)/python -m bot

test: $(STAMP) $(SYNAPSE_STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/hadolint Dockerfile

bench: $(STAMP) $(SYNAPSE_STAMP)
	$(BIN)/python -m bench.assign
	$(BIN)/python -m bench.reminders
	$(BIN)/python -m bench.synapse_roundtrip
	$(BIN)/python -m bench.interactions
	$(BIN)/python -m bench.footprint
	$(BIN)/python -m bench.hops

clean:
	rm -rf $(VENV) $(SYNAPSE_VENV) .mypy_cache .ruff_cache .pytest_cache
