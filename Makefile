# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := compartilha

# Everything installed comes from the hash-checked locks in requirements/ (docs/testing.md
# says why pip-tools); pip itself and the lock tool are pinned here.
PIP_VERSION := 26.3
PIP_TOOLS_VERSION := 7.6.2
LOCK_TOOLS := $(VENV)/lock-tools
CLIENTS := tests/clients

.PHONY: run test lint typecheck bench migrate translations lock screenshot clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q pip==$(PIP_VERSION)

# The locked versions first (pip checks every hash and resolves nothing), then the app
# itself as an editable install that resolves nothing either (--no-deps) and builds with
# the locked setuptools (--no-build-isolation), so nothing unpinned enters the venv.
$(VENV)/.installed: requirements/run.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --require-hashes -r requirements/run.txt
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.test-installed: requirements/test.txt $(VENV)/.installed
	$(BIN)/python -m pip install -q --require-hashes -r requirements/test.txt
	touch $@

$(VENV)/.bench-installed: requirements/bench.txt $(VENV)/.installed
	$(BIN)/python -m pip install -q --require-hashes -r requirements/bench.txt
	touch $@

# The .po message catalogs are committed; their compiled .mo files are built here.
translations: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d compartilha/translations

migrate: $(VENV)/.installed
	$(BIN)/flask db upgrade

# Serves on HOST:PORT (default 127.0.0.1:8000) with SQLite and a local folder, and prints
# the address to open (gunicorn.conf.py's when_ready); the jobs worker (mail, housekeeping)
# runs beside it, and Ctrl-C stops both (compartilha/supervisor.py).
run: migrate translations
	$(BIN)/python -m compartilha.supervisor

# Lint and types first: they take seconds, the suite minutes. The suite runs in
# TEST_WORKERS processes (pytest-xdist), then the tests marked `serial` (they time a server
# under load or kill one) alone.
TEST_WORKERS ?= 4
test: lint typecheck translations $(CLIENTS)/node_modules/.installed
	$(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not serial"
	$(BIN)/python -m pytest -m serial

# The real tus clients the tests drive (tus-js-client under Node, Uppy in Chromium), from
# the committed package-lock.json. Without npm their tests skip (CI sets
# REQUIRE_TUS_CLIENTS=1, where they fail instead).
$(CLIENTS)/node_modules/.installed: $(CLIENTS)/package.json $(CLIENTS)/package-lock.json
	@if command -v npm >/dev/null; then \
		cd $(CLIENTS) && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else echo "npm not found: the tests that drive tus-js-client and Uppy will skip"; fi

lint: $(VENV)/.test-installed
	$(BIN)/ruff check compartilha tests bench docs gunicorn.conf.py

# mypy reads its settings from [tool.mypy] in pyproject.toml.
typecheck: $(VENV)/.test-installed
	$(BIN)/mypy compartilha

# After changing dependencies in pyproject.toml: `make lock` keeps every other pin as it
# is; `make lock UPGRADE=1` moves everything to the newest releases. Commit the result.
# pip-compile runs in a venv of its own so its dependencies never mix with the app's.
LOCK := CUSTOM_COMPILE_COMMAND='make lock' $(LOCK_TOOLS)/bin/pip-compile --quiet \
	--generate-hashes --allow-unsafe --all-build-deps --strip-extras \
	--no-emit-index-url --no-emit-find-links $(if $(UPGRADE),--upgrade)
lock:
	test -x $(LOCK_TOOLS)/bin/python || $(PYTHON) -m venv $(LOCK_TOOLS)
	$(LOCK_TOOLS)/bin/python -m pip install -q pip==$(PIP_VERSION) pip-tools==$(PIP_TOOLS_VERSION)
	$(LOCK) -o requirements/run.txt pyproject.toml
	$(LOCK) --extra test -c requirements/run.txt -o requirements/test.txt pyproject.toml
	$(LOCK) --extra bench -c requirements/test.txt -o requirements/bench.txt pyproject.toml

# The README's picture of the web interface (Playwright and Debian's /usr/bin/chromium).
screenshot: $(VENV)/.test-installed translations
	$(BIN)/python docs/screenshots/take.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache

# Compartilha vs copyparty vs nginx on loopback (~10-20 min, CPU-heavy; not part of `test`).
bench: $(VENV)/.bench-installed $(CLIENTS)/node_modules/.installed
	$(BIN)/python bench/run.py
