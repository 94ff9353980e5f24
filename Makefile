# RC Bingo: `make run` starts the app with demo data, `make test` runs the checks.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
HOST ?= 127.0.0.1
# Set to a PostgreSQL URL to run the same tests there, e.g. postgresql://127.0.0.1:5432/test
TEST_DATABASE_URL ?=
export TEST_DATABASE_URL

.PHONY: install install-test run test lint browser messages bench

# The app alone (make run), and the test tools on top of it (make test).
$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(BIN)/.installed-test: $(BIN)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

install-test: $(BIN)/.installed-test

instance/config.py:
	mkdir -p instance
	$(PYTHON) -c "import secrets; print(f'SECRET_KEY = {secrets.token_hex(32)!r}')" > $@

run: install instance/config.py
	$(BIN)/flask --app rcbingo db upgrade
	$(BIN)/flask --app rcbingo seed-demo --with-accounts
	@echo "RC Bingo is at http://$(HOST):$(PORT)/"
	$(BIN)/flask --app rcbingo run --host $(HOST) --port $(PORT)

# Debian's Chromium drives the browser tests (Playwright does not download a browser here);
# Pango and a font let WeasyPrint make newsletter PDFs; poppler-utils reads them back in the tests.
browser:
	@if [ ! -x /usr/bin/chromium ] || ! command -v pdftotext >/dev/null || ! ldconfig -p | grep -q libpangoft2-1.0; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver \
	    poppler-utils libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; \
	fi

lint: install-test
	$(BIN)/ruff check .

test: install-test browser lint
	$(BIN)/python -m pytest

messages: install
	mkdir -p rcbingo/translations
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -o rcbingo/translations/messages.pot .

# The targets of the brief, measured on SQLite and PostgreSQL (about ten minutes; needs PostgreSQL on
# 127.0.0.1:5432 with a role that may create the rcbingo_bench database). The last line is JSON; a full run is
# also kept in bench/results/. Throughput is measured with wrk (Debian's package), installed here if missing.
bench: install-test
	@if ! command -v wrk >/dev/null; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk; \
	fi
	$(BIN)/python bench/run.py
