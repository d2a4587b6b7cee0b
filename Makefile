# The two commands of the README. Each creates .venv (once) and installs imitate with everything.
# lerobot 0.4.4 needs Python 3.10 or 3.11; the first of python3.11, python3.10, python3 is used.
PYTHON ?= $(shell command -v python3.11 || command -v python3.10 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: demo test lint install bench gpu-check clean

demo: $(VENV)/.installed  ## the main job on the simulated robot
	$(BIN)/imitate demo

test: $(VENV)/.installed  ## the whole test suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed  ## ruff: pyflakes, isort, bugbear, pyupgrade (3.10), 110 columns (pyproject.toml)
	$(BIN)/ruff check .

install: $(VENV)/.installed

$(VENV)/.installed: setup.py
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if (3, 10) <= v < (3, 12) else \
		"imitate needs Python 3.10 or 3.11 (lerobot 0.4.4); found %d.%d: make PYTHON=python3.11" % v)'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all,test]'
	touch $@

bench: $(VENV)/.installed  ## side-by-side benchmarks (tables for the README)
	$(BIN)/python bench/transport.py
	$(BIN)/python bench/sim_render.py

gpu-check:  ## every GPU measurement, one table (artifacts/gpu-check.md); exits 2 at once without a GPU
	bash bench/gpu-check.sh

clean:
	rm -rf $(VENV) .venv-gpu build *.egg-info artifacts
