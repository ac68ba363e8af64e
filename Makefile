# Two commands on a fresh machine: `make serve` and `make test`.
# Each does all of its own set-up first; set-up steps are skipped when already done.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve test setup system-deps lint bench

$(BIN)/python:
	$(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

.stamp-deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@

system-deps:
	@bash scripts/system-deps.sh

setup: .stamp-deps system-deps

serve: setup
	$(BIN)/python -m app --host $(HOST) --port $(PORT)

test: setup
	$(BIN)/ruff format --check app tests bench
	$(BIN)/ruff check app tests bench
	$(BIN)/mypy app
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python bench/run_all.py
