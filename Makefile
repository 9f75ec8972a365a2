# The README's verbs. Every target installs what it needs into .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: run test lint format bench bench-scale install migrate seed messages schema clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "== installing the pinned dependencies into $(VENV) (the first time takes a few minutes)"
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --progress-bar on -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

run: install
	$(BIN)/python manage.py serve

test: lint
	bash scripts/test_all.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# django-stubs loads the settings; a fresh clone has no generated key yet, and lint must write nothing.
	DJANGO_SECRET_KEY=type-check-only-not-a-real-key $(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python bench/api_baseline.py

# Issue 14's scale figures on PostgreSQL (DATABASE_URL): 100,000 customers by default, minutes, not
# seconds; SCALE_ARGS="--customers 1000000" for the bank's size. Never part of `make bench`.
bench-scale: install
	$(BIN)/python -u bench/scale.py $(SCALE_ARGS)

messages: install
	$(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore=tests --ignore=bench
	$(BIN)/python manage.py compilemessages --ignore=.venv

# The OpenAPI document kept in the repository, so the contract reads without a server.
schema: install
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --lang zh-hans --file docs/openapi.yaml

migrate: install
	$(BIN)/python manage.py migrate

seed: install
	$(BIN)/python manage.py seed_demo

clean:
	rm -rf var/broker var/cache var/test*.sqlite3 tests/artifacts
