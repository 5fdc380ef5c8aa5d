# The two commands: `make run` serves the demo, `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test lint format bench cluster mutation clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[prod]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev,prod]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/wfapp init-db
	$(BIN)/wfapp demo --if-empty
	$(BIN)/wfapp serve

test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest $(PYTEST_ARGS)

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Two app nodes on one PostgreSQL and a SeaweedFS object store, behind nginx (docs/operations.md).
cluster: $(VENV)/.installed-dev
	$(BIN)/python -m cluster

# Mutation testing (not in CI; slow): [tool.mutmut] in pyproject.toml says which modules and
# which tests. `make mutation MUTANTS='wfapp.permissions*'` restricts it to one module.
MUTANTS ?=
mutation: $(VENV)/.installed-dev
	$(BIN)/mutmut run $(MUTANTS)
	$(BIN)/mutmut results

bench: $(VENV)/.installed-dev
	for f in bench/bench_*.py; do $(BIN)/python $$f; done

clean:
	rm -rf $(VENV) instance/wfapp.db* .pytest_cache mutants
