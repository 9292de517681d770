# Wuji: the two commands (CONTRACT "Starting it").
#   make run        install, make sure a broker answers at AMQP_URI, start every Procfile process
#   make test       install, start RabbitMQ and PostgreSQL if down, run the whole suite
#   make test-unit  the tests that need no server
#   make install    the virtualenv .venv (done by run and test; quick when nothing changed)
#   make clean      remove var/ (SQLite files, generated secrets) and the install stamp

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# one installable package per Procfile process, plus the shared infrastructure
PACKAGES := infra services/members services/activities services/welfare services/funding gateway
STAMP := $(VENV)/.installed

.PHONY: install run test test-unit clean

install: $(STAMP)

$(STAMP): requirements.txt $(addsuffix /pyproject.toml,$(PACKAGES))
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet $(addprefix -e ,$(PACKAGES))
	touch $@

run: install
	bash bin/ensure-services run
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile

test: install
	bash bin/ensure-services test
	@echo "$(BIN)/pytest"; $(BIN)/pytest; status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests (exit 5): a failure, there are tests" >&2; fi; \
	exit $$status

test-unit: install
	$(BIN)/pytest -m "not integration and not e2e"

clean:
	rm -rf var $(STAMP)
