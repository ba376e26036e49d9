# The README's two commands: `make example` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

$(BIN)/headwater: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/headwater

.PHONY: example test lint bench
example: $(BIN)/headwater
	$(BIN)/headwater dags test examples/umbrella.py

lint: $(BIN)/headwater
	$(BIN)/ruff check src tests bench examples
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -n auto --dist loadfile

bench: $(BIN)/headwater
	$(BIN)/python bench/dags_test.py
