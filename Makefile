# Two commands do all the set-up on a fresh machine:
#   make study   - create .venv, install, run the lesson study (the main job)
#   make test    - create .venv, install, run the test suite
PYTHON ?= python3
VENV ?= .venv
CONSTRAINTS ?= constraints.txt
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install study test mutation lint bench clean

# The editable install is a plain path entry (setuptools' "compat" mode): the default mode imports an
# import hook (pathlib, re, ...) in every Python start-up, 50-60 ms during which a Ctrl-C can only get
# Python's own traceback, before any line of the tool runs. If a future setuptools drops compat mode,
# the default mode is used.
EDITABLE = --config-settings editable_mode=compat

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(if $(CONSTRAINTS),-c $(CONSTRAINTS)) -e '.[test]' $(EDITABLE) \
		|| $(BIN)/python -m pip install --quiet $(if $(CONSTRAINTS),-c $(CONSTRAINTS)) -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

study: $(STAMP)
	MPLBACKEND=Agg $(BIN)/mlp-parity study

# Two processes (the machine's two cores), a whole test file to each: module fixtures stay shared.
test: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest -q -n 2 --dist loadfile

# One-line bugs, each alone, each killed by the tests that promise to catch it (tests/mutation/run.py).
mutation: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python tests/mutation/run.py

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet $(if $(CONSTRAINTS),-c $(CONSTRAINTS)) -e '.[test,bench]'
	$(BIN)/mlp-parity bench

clean:
	rm -rf $(VENV) study .pytest_cache
