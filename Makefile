# Two commands on a fresh machine (Python 3.11, pip, make):
#   make run    grade the bundled sample class and print the grade table
#   make test   run the whole test suite (lint, unit, property, notebooks, grading, browser)
# Both create .venv when it is missing. `make lab` opens the course in JupyterLab.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lab demo release bench clean-venv

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/convkit grade --out out/sample-class

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy convkit
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

# JupyterLab refuses to run as root without --allow-root (containers, some hubs)
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: $(STAMP)
	$(BIN)/jupyter lab course/01_subimages/subimages.ipynb $(ROOT_FLAG) $(LAB_ARGS)

demo: $(STAMP)
	$(BIN)/convkit demo --out demo-output

release: $(STAMP)
	$(BIN)/convkit release

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_conv.py
	$(BIN)/python benchmarks/bench_notebooks.py
	$(BIN)/python benchmarks/bench_sandbox.py
	$(BIN)/python benchmarks/bench_grading.py

clean-venv:
	rm -rf $(VENV)
