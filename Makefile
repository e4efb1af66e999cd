# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install migrate demo lint worker beat clean bench

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 saknas ($(PYTHON))"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

run: demo
	$(PY) manage.py runserver 127.0.0.1:8000

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .

worker: install
	$(VENV)/bin/celery -A rekrytering worker --loglevel=info

beat: install
	$(VENV)/bin/celery -A rekrytering beat --loglevel=info --scheduler django_celery_beat.schedulers:DatabaseScheduler

clean:
	rm -rf $(VENV) staticfiles

# Ten years of fictional data in a database of its own (and 1 and 30 years beside it, <name>_1y and
# <name>_30y, for the growth), then each heavy page against its floor, interleaved; the figures in
# tmp/bench/latest.json and the table in tmp/bench/latest.md (BENCH_ARGS: --no-growth, --pairs N,
# --only KEY…, --rebuild, --strict, --json PATH …). The database: BENCH_DATABASE_URL, else
# DATABASE_URL, else the local rekrytering_bench; its name must contain "bench".
BENCH_DATABASE_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/rekrytering_bench)
bench: install
	DATABASE_URL='$(BENCH_DATABASE_URL)' DEBUG=False $(PY) -m bench $(BENCH_ARGS)

# Operations (README: Operations). PG_URL: DATABASE_URL, else the local database `rekrytering`.
PG_URL = $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/rekrytering)
.PHONY: backup restore-check load

# pg_dump -Fc into BACKUP_DIR (./backups): <db>-<UTC time>.dump and its .sha256.
backup:
	DATABASE_URL='$(PG_URL)' scripts/backup.sh

# Dumps (or takes DUMP=file), restores into a scratch database, compares every table's row count.
restore-check:
	DATABASE_URL='$(PG_URL)' scripts/restore-check.sh $(DUMP)

# 50 users against gunicorn and PostgreSQL on loopback for LOAD_SECONDS (60); p95 in tmp/load/p95.md.
load: install
	scripts/load-test.sh
