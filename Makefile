# linli — two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install pdf-deps lint format messages e2e browser clean-db bench crash

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed pdf-deps

# The monthly report's PDF is drawn by WeasyPrint, which needs Pango and the Noto CJK
# fonts from Debian. Without them everything else works and reports print from the
# browser; only the PDF download fails.
pdf-deps:
	@dpkg -s fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 >/dev/null 2>&1 || { \
	  echo "installing fonts-noto-cjk and Pango (for PDF reports) with apt"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 >/dev/null) \
	  || echo "could not install them: PDF reports will fail; print reports from the browser"; }

# Local secret keys, made once on first run (never committed; var/ is ignored).
var/linli.env: | $(VENV)/.installed
	mkdir -p var
	$(PY) -m linli.lib.keys > $@.tmp && mv $@.tmp $@

run: install var/linli.env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py demo_logins
	HOST=$(HOST) PORT=$(PORT) bash scripts/serve.sh

test: install var/linli.env
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest -q -m "not e2e"

# Browser tests drive Debian's chromium with the Noto CJK fonts (installed with apt
# when missing, never a downloaded browser build) and check pages with axe-core from
# the npm registry, kept in the ignored var/e2e/.
E2E_DIR := var/e2e
AXE_JS := $(E2E_DIR)/node_modules/axe-core/axe.min.js

browser: $(AXE_JS)
	@dpkg -s chromium fonts-noto-cjk >/dev/null 2>&1 || { \
	  echo "installing chromium and fonts-noto-cjk with apt"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends chromium fonts-noto-cjk >/dev/null; }

$(AXE_JS):
	mkdir -p $(E2E_DIR)
	npm install --prefix $(E2E_DIR) --no-audit --no-fund --silent 'axe-core@>=4.10 <5'

# make e2e E2E_ARGS='-k places' runs a part; logs and failure screenshots in var/e2e/.
e2e: install var/linli.env browser
	$(VENV)/bin/pytest -q -p no:logging -m e2e --output $(E2E_DIR)/test-results \
	  --screenshot only-on-failure $(E2E_ARGS) e2e

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Regenerate and compile the translation catalogues of every app.
messages: install
	for app in linli places accounts people hotline care insights open311; do \
	  (cd $$app && ../$(PY) ../manage.py makemessages -l zh_Hans --no-obsolete >/dev/null); done
	$(PY) manage.py compilemessages --verbosity 0

clean-db:
	rm -f var/linli.sqlite3 var/linli.sqlite3-wal var/linli.sqlite3-shm

# Crash safety: SIGKILL a process taking work orders 100 times and check that no
# acknowledged order is lost (scratch database; CRASH_ENGINE=postgres for PostgreSQL).
CRASH_ENGINE ?= sqlite
crash: install
	$(PY) bench/crash_orders.py --engine $(CRASH_ENGINE) $(CRASH_ARGS)

# Operator-mix load test (bench/load_operator.py): locust, an optional extra, against
# gunicorn on SQLite and PostgreSQL. make load LOAD_ARGS='--engine sqlite --users 10'
LOAD_DURATION ?= 300
LOAD_ARGS ?=
$(VENV)/.bench-installed: pyproject.toml | $(VENV)/.installed
	$(PIP) install --quiet -e '.[dev,bench]'
	touch $@

.PHONY: load
load: $(VENV)/.bench-installed
	$(PY) bench/load_operator.py --duration $(LOAD_DURATION) $(LOAD_ARGS)
