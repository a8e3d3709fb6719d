# The two README commands: `make demo` (set up and run the main job, examples/main.py) and `make test` (lint, type-check, test).
# Both create .venv with python3 if it is missing and install the package into it in editable mode.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --quiet --disable-pip-version-check

.PHONY: demo test bench

$(PY):
	@$(PYTHON) -m venv $(VENV) || { echo "'$(PYTHON) -m venv' failed; on Debian/Ubuntu: apt-get install python3-venv" >&2; exit 1; }

# Stamps record which extras are installed; they are redone when pyproject.toml changes.
$(VENV)/.installed-demo: pyproject.toml | $(PY)
	$(PIP) -e '.[data,plot]'
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PIP) -e '.[dev]'
	@touch $@

demo: $(VENV)/.installed-demo
	@scripts/ensure_dot.sh
	$(PY) examples/main.py

test: $(VENV)/.installed-dev
	@scripts/ensure_dot.sh
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest

# Every workload for every system (PyTorch when installed); writes benchmarks/results/. See benchmarks/README.md.
bench: $(VENV)/.installed-dev
	$(PY) -m benchmarks
