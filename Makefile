# Holoshop: `make serve` and `make test` are all a newcomer needs; both install what is missing.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTHON ?= python3

.PHONY: install services serve render test test-fast lint typecheck bench clean

install: $(STAMP)

$(STAMP): pyproject.toml scripts/install-system-deps.sh
	bash scripts/install-system-deps.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

serve: install
	$(VENV)/bin/holoshop serve

render: install
	$(VENV)/bin/holoshop render --size 1280x720 --out showroom.png

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy .

# PostgreSQL and Redis for the storage tests; a no-op where both already answer.
services:
	bash scripts/ensure-services.sh

test: services lint typecheck
	$(PY) -m pytest

test-fast: services lint typecheck
	$(PY) -m pytest -m "not slow"

bench: install
	$(PY) bench/render.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache *.egg-info
