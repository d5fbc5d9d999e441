# forecastkit: two set-up commands, `make demo` and `make test`.
# Each creates .venv with the system python3, installs what it needs from the
# project's own files, and is quick when already installed (stamp files).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check
OUT    ?= forecastkit-demo

.PHONY: demo test test-pandas2 typecheck docs bench bench-quick clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Runtime install: re-run only when the project metadata changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e .
	@touch $@

# Development install (tests, lint, docs); implies the runtime install.
$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e ".[dev]"
	@touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	$(BIN)/forecastkit demo --out $(OUT)

test: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/python -m pytest -q
	$(BIN)/python -m pytest -q -p no:cacheprovider --nbmake notebooks

# The suite again on pandas 2.x (forecastkit supports pandas >= 2.0; the
# benchmark peers still need pandas < 3).
PD2 := .venv-pandas2
$(PD2)/.installed-dev: pyproject.toml
	$(PYTHON) -m venv $(PD2)
	$(PD2)/bin/python -m pip --disable-pip-version-check install --quiet -e ".[dev]" "pandas>=2.2,<3"
	@touch $@

test-pandas2: $(PD2)/.installed-dev
	$(PD2)/bin/python -m pytest -q -p no:cacheprovider

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy src/forecastkit

docs: $(VENV)/.installed-dev
	$(BIN)/mkdocs build --strict --site-dir site

# Benchmarks against statsforecast / mlforecast / LightGBM (not part of CI).
# The peers need pandas < 3, so they get their own environment; results go
# to benchmarks/results/ and the summary table of benchmarks/README.md.
BENCH := .venv-bench
$(BENCH)/.installed-bench: pyproject.toml
	$(PYTHON) -m venv $(BENCH)
	$(BENCH)/bin/python -m pip --disable-pip-version-check install --quiet -e ".[bench]" "pandas>=2.2,<3"
	@touch $@

bench: $(BENCH)/.installed-bench
	$(BENCH)/bin/python benchmarks/run.py

# A subset of every task, under 5 minutes.
bench-quick: $(BENCH)/.installed-bench
	$(BENCH)/bin/python benchmarks/run.py --quick

clean:
	rm -rf $(VENV) $(PD2) $(BENCH) site $(OUT) .pytest_cache .ruff_cache .mypy_cache build dist
