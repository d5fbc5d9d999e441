# forecastkit: two set-up commands, `make demo` and `make test`.
# Each creates .venv with the system python3, installs what it needs from the
# project's own files, and is quick when already installed (stamp files).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check
OUT    ?= forecastkit-demo

.PHONY: demo test lint typecheck docs clean

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
	$(BIN)/python -m pytest -q

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy src/forecastkit

docs: $(VENV)/.installed-dev
	$(BIN)/mkdocs build --strict --site-dir site

clean:
	rm -rf $(VENV) site $(OUT) .pytest_cache .ruff_cache .mypy_cache build dist
