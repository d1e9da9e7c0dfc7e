# Two commands on a fresh machine: `make run` and `make test`. Nothing else is needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test install lint typecheck check bench cycle clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## run: create .venv, install, a development audit signing key in var/ (first run), migrate the embedded
##      SQLite database, seed demo data, serve on :8000
## (a short summary: counts, logins, a customer link; VERBOSITY=2 or LOG_LEVEL=DEBUG show everything)
VERBOSITY ?= 1
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: install
	@$(BIN)/python manage.py audit_keygen >/dev/null
	@echo "Migrating the embedded database (var/db.sqlite3)…"
	@$(BIN)/python manage.py migrate --noinput --verbosity 0
	@$(BIN)/python manage.py seed_demo --verbosity $(VERBOSITY)
	@$(BIN)/python manage.py run_collection_cycle --verbosity $(VERBOSITY)
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## test: the whole suite (SQLite by default; DATABASE_URL / REDIS_URL switch to real services)
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check . || true

typecheck: install
	$(BIN)/mypy .

check: lint typecheck test

## bench: the cycle and notice benchmark (see bench/cycle_bench.py; PostgreSQL + Redis via env vars)
bench: install
	$(BIN)/python bench/cycle_bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache artifacts
