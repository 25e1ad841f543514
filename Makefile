# Two commands on a fresh machine with Python 3.11+:  `make run`  and  `make test`.
# Each bootstraps its own virtual environment from the pinned lock file.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
# Where `make run` ingests from: empty = ICE's live 287(g) page; or a local folder/file.
PATCHWORK_SOURCE ?=
export PATCHWORK_DATA_DIR ?= $(CURDIR)/data

.PHONY: run test lint bench clean

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

run: $(VENV)/.installed
	$(BIN)/patchwork ingest $(PATCHWORK_SOURCE); test $$? -ne 1
	$(BIN)/patchwork stats

test: $(VENV)/.installed
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest -q

bench: $(VENV)/.installed
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) data
