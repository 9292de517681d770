# Wuji: the two commands (CONTRACT "Starting it").
#   make run        install, make sure a broker answers at AMQP_URI, start every Procfile process
#   make test       install, start RabbitMQ and PostgreSQL if down, run the whole suite
#   make test-unit  the tests that need no server
#   make bench      every benchmark, each figure beside the limits of the same run (not part of make test)
#   make faults     the fault suite alone (also part of make test): a table of what each fault lost or doubled
#   make install    the virtualenv .venv (done by run and test; quick when nothing changed)
#   make console    build the web console (console/dist) when its sources changed: npm ci, vite build
#   make clean      remove var/ (SQLite files, generated secrets) and the install stamp

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# one installable package per Procfile process, plus the shared infrastructure
PACKAGES := infra services/members services/activities services/welfare services/funding services/notifications gateway
STAMP := $(VENV)/.installed

CONSOLE_BUILT := console/dist/index.html
CONSOLE_DEPS := console/node_modules/.package-lock.json
CONSOLE_SOURCES := $(shell find console/src console/public -type f 2>/dev/null) console/index.html \
                   console/vite.config.js console/package.json console/scripts/compress.mjs

.PHONY: install run test test-unit test-console faults bench clean console

install: $(STAMP)

$(STAMP): requirements.txt $(addsuffix /pyproject.toml,$(PACKAGES))
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet $(addprefix -e ,$(PACKAGES))
	touch $@

$(CONSOLE_DEPS): console/package-lock.json
	cd console && npm ci --no-audit --no-fund

$(CONSOLE_BUILT): $(CONSOLE_DEPS) $(CONSOLE_SOURCES)
	cd console && npm run build

# without npm the API still runs; the gateway's / then says how to build the console
console:
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory $(CONSOLE_BUILT); \
	else echo "make: npm (Node.js 20) not found: the web console is not built; the API works without it" >&2; fi

run: install console
	bash bin/ensure-services run
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile

test: install $(CONSOLE_BUILT)
	bash bin/ensure-services test
	cd console && npm test
	@echo "$(BIN)/pytest"; $(BIN)/pytest; status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests (exit 5): a failure, there are tests" >&2; fi; \
	exit $$status
	$(MAKE) --no-print-directory test-console

# the console in Debian's Chromium, apart from the suite (whose conftest patches the process for nameko)
test-console: install $(CONSOLE_BUILT)
	bash bin/ensure-browser
	$(BIN)/pytest -c console/e2e/pytest.ini -p no:pytest_nameko console/e2e

# each fault done to the running system, then the stateful properties of the ledger and the care rules
faults: install
	bash bin/ensure-services test
	$(BIN)/pytest tests/faults $(wildcard services/*/tests/unit/test_*_stateful.py)

# each at a size that keeps the whole run near a quarter of an hour; the scripts take bigger ones
bench: install console
	bash bin/ensure-services test
	bash bin/ensure-browser
	$(BIN)/python bench/limits.py
	$(BIN)/python bench/goals.py
	$(BIN)/python bench/hospitalization_latency.py --rates 20,50 --seconds 10
	$(BIN)/python bench/funding_expenses.py --seconds 10
	$(BIN)/python bench/push_latency.py --rate 5 --seconds 10
	$(BIN)/python bench/import_ping.py --rows 5000
	$(BIN)/python bench/roster_import.py --rows 5000
	$(BIN)/python bench/festival_batch.py --members 20000
	$(BIN)/python bench/activities_views.py --members 2000 --runs 5
	$(BIN)/python bench/reports.py --members 10000 --runs 3
	$(BIN)/python bench/console.py --members 200 --seconds 10

test-unit: install
	$(BIN)/pytest -m "not integration and not e2e"

clean:
	rm -rf var $(STAMP) console/dist test-artifacts
