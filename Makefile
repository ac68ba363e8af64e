# Two commands on a fresh machine: `make serve` and `make test`.
# Each does all of its own set-up first; set-up steps are skipped when already done.
# Python packages come from the lock files in requirements/ (exact versions and hashes):
# serving from runtime.txt, the tests from test.txt (the same pins plus the test tools).
# `make lock` refreshes both from pyproject.toml.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The locks are resolved for the machines that use them (these, CI's, the image), whatever
# machine refreshes them.
LOCK_FOR := --python-version 3.11 --python-platform x86_64-unknown-linux-gnu --generate-hashes

.PHONY: serve test setup setup-serve system-deps image-deps image-test lint bench lock

$(BIN)/python:
	$(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# The project itself goes in with --no-deps: everything it needs is pinned in the lock.
.stamp-serve: requirements/runtime.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --require-hashes -r requirements/runtime.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $@

# The test lock holds every pin of the runtime one, so it sets up serving too.
.stamp-test: requirements/test.txt requirements/runtime.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --require-hashes -r requirements/test.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $@ .stamp-serve

system-deps:
	@bash scripts/system-deps.sh test

# podman, its configuration and the base image, for the image's test (tests/image/).
image-deps:
	@bash scripts/image-deps.sh

setup: .stamp-test system-deps

setup-serve: .stamp-serve
	@bash scripts/system-deps.sh serve

serve: setup-serve
	$(BIN)/python -m app --host $(HOST) --port $(PORT)

test: setup image-deps
	$(BIN)/ruff format --check app tests bench
	$(BIN)/ruff check app tests bench
	$(BIN)/mypy app
	$(BIN)/python -m pytest

# The image alone: build it with podman and run it (a part of `make test`).
image-test: setup image-deps
	$(BIN)/python -m pytest tests/image

bench: setup
	$(BIN)/python bench/run_all.py

# uv resolves; pip installs what it wrote. The test lock is constrained to the runtime
# one, so both install the same version of every package they share. Pins already in the
# locks are kept unless UPGRADE=1 (every package to its newest release that fits).
UPGRADE ?=
lock: LOCK_FOR += $(if $(UPGRADE),--upgrade)
lock:
	$(PY) -m venv .venv-lock && .venv-lock/bin/pip install -q 'uv>=0.5,<1'
	.venv-lock/bin/uv pip compile -q $(LOCK_FOR) pyproject.toml -o requirements/runtime.txt
	.venv-lock/bin/uv pip compile -q $(LOCK_FOR) pyproject.toml --extra test \
	  --constraint requirements/runtime.txt -o requirements/test.txt
