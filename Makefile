# 企情在线 — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTEST_ARGS ?= -n auto --dist loadfile
export UV_PYTHON_DOWNLOADS := never

# uv installs the stack ~10x faster than pip; use the machine's uv or bootstrap one into .tools/.
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := .tools/bin/uv
endif

.PHONY: run test lint check messages bench drills clean

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet "uv==0.13.9"

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --extra dev --python $(PYTHON)
	touch $@

run: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --if-empty
	PORT=$(PORT) $(BIN)/python manage.py run_embedded --port $(PORT)

test: $(VENV)/.installed
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	@if command -v docker-compose >/dev/null; then SECRET_KEY=compose-config-check docker-compose -f docker-compose.yml config -q && echo "docker-compose.yml valid"; \
	  else echo "docker-compose not installed: compose file not validated"; fi

# The English catalogue (msgids are the Chinese source). Run from the root so every app is scanned;
# zh_Hans holds only hand-written overrides of Django's own messages and is never regenerated.
# After adding strings, translate the new entries in qiqing/locale/en (tests/test_i18n.py fails
# while any entry is empty or fuzzy), then run this again to compile the .mo.
MESSAGES_IGNORE := --ignore=.venv --ignore=.tools --ignore=var --ignore=tests --ignore=static
messages: $(VENV)/.installed
	$(BIN)/python manage.py makemessages -l en --no-location --no-obsolete $(MESSAGES_IGNORE)
	$(BIN)/python manage.py compilemessages -l en $(MESSAGES_IGNORE)

clean:
	rm -rf $(VENV) .tools var .pytest_cache .ruff_cache

# Benchmarks on PostgreSQL at seed_demo --scale 50 (BENCH_SCALE); prints a table, writes var/bench/results.json.
BENCH_SCALE ?= 50
bench: $(VENV)/.installed
	$(BIN)/python -m bench --scale $(BENCH_SCALE) $(BENCH)

# Fault drills (README "Fault drills"): the broker down or hung, a worker SIGKILLed mid-job, the
# database restarted under load (a private cluster), simultaneous transitions, two workers + one
# beat, backup and restore. They need PostgreSQL (+ its initdb/pg_ctl) and redis-server; the shared
# services are never stopped. Also part of `make test` when DATABASE_URL/CELERY_BROKER_URL are set.
DRILLS_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/qiqing_drills
DRILLS_BROKER_URL ?= redis://127.0.0.1:6379/13
drills: $(VENV)/.installed
	DATABASE_URL="$${DATABASE_URL:-$(DRILLS_DATABASE_URL)}" \
	CELERY_BROKER_URL="$${CELERY_BROKER_URL:-$(DRILLS_BROKER_URL)}" \
	QIQING_REQUIRE_SERVICES=1 \
	  $(BIN)/pytest -p no:xdist -v tests/drills tests/scaling
