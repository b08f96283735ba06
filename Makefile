# The two commands of the quickstart: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
WORKSPACE ?= workspace

.PHONY: run test lint bench clean

$(BIN)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[test]'
	touch $@

run: $(BIN)/.installed
	test -f $(WORKSPACE)/config.yaml || $(BIN)/sheets-sync init $(WORKSPACE)
	$(BIN)/sheets-sync -c $(WORKSPACE)/config.yaml run

test: $(BIN)/.installed
	$(BIN)/python -m pytest -q

# The gates: ruff's rule selection (pyproject.toml), the import contract that keeps the rules pure
# and mypy --strict over sheets_sync ([tool.mypy] in pyproject.toml)
lint: $(BIN)/.installed
	$(BIN)/ruff check sheets_sync tests bench
	$(BIN)/ruff format --check sheets_sync tests bench
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

bench: $(BIN)/.installed
	$(BIN)/python bench/bench_plan.py
	$(BIN)/python bench/bench_cycle.py
	$(BIN)/python bench/bench_render.py
	$(BIN)/python bench/bench_smtp.py
	$(BIN)/python bench/bench_google_requests.py
	$(BIN)/python bench/bench_bounds.py
	$(BIN)/python bench/bench_inbox.py
	$(BIN)/python bench/bench_bounces.py

clean:
	rm -rf $(VENV) $(WORKSPACE) build *.egg-info
