# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := compartilha

.PHONY: run test lint bench migrate translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

# The .po message catalogs are committed; their compiled .mo files are built here.
translations: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d compartilha/translations

migrate: $(VENV)/.installed
	$(BIN)/flask db upgrade

# Serves on HOST:PORT (default 127.0.0.1:8000) with SQLite and a local folder.
run: migrate translations
	$(BIN)/gunicorn -c gunicorn.conf.py 'compartilha:create_app()'

test: $(VENV)/.test-installed translations
	$(BIN)/python -m pytest

lint: $(VENV)/.test-installed
	$(BIN)/ruff check compartilha tests

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache

# Compartilha vs copyparty vs nginx on loopback (~10-20 min, CPU-heavy; not part of `test`).
bench: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python bench/run.py
