# Two commands on a fresh machine: `make run` (the bot, or the console chat without a token)
# and `make test`. Everything else here is for translators and maintainers.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LANGUAGES := $(notdir $(wildcard locales/*))
LANGUAGES := $(filter-out messages.pot staff.pot,$(LANGUAGES))
# The staff side (digest, staff commands) speaks the office's languages only.
STAFF_LANGUAGES := $(patsubst locales/%/LC_MESSAGES/staff.po,%,$(wildcard locales/*/LC_MESSAGES/staff.po))

.PHONY: run test lint bench catalogs extract update compile check-catalogs new-language

$(BIN)/msobot: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/msobot
	$(BIN)/msobot

# Four test processes on any machine: the tests mostly wait (stub servers, subprocesses, a
# browser), so four share two cores well (14 min in one process, 4.5 min in four).
test: $(BIN)/msobot
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -q -n 4

# The benchmark of issue 6 (several minutes; `make bench BENCH=--quick` for a smoke run).
bench: $(BIN)/msobot
	$(BIN)/python -m bench $(BENCH)

lint: $(BIN)/msobot
	$(BIN)/ruff check .
	$(BIN)/mypy

# Catalogs: extract every string (Python and the questionnaire YAML) into messages.pot,
# merge it into each locales/<lang>/LC_MESSAGES/messages.po, compile the .mo files.
catalogs: extract update compile

extract: $(BIN)/msobot
	$(BIN)/pybabel extract -F pyproject.toml -o locales/messages.pot --project=msobot \
	  --add-comments=TRANSLATORS: --sort-by-file --no-wrap --copyright-holder="City of Wuppertal" . >/dev/null
	$(BIN)/pybabel extract -F locales/staff-mapping.cfg -o locales/staff.pot --project=msobot \
	  --add-comments=TRANSLATORS: --sort-by-file --no-wrap --copyright-holder="City of Wuppertal" . >/dev/null

update: $(BIN)/msobot
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-wrap --ignore-obsolete
	for lang in $(STAFF_LANGUAGES); do $(BIN)/pybabel update -i locales/staff.pot -d locales -D staff \
	  -l $$lang --no-wrap --ignore-obsolete; done

compile: $(BIN)/msobot
	$(BIN)/pybabel compile -d locales -D messages --statistics
	$(BIN)/pybabel compile -d locales -D staff --statistics

# make new-language LANG_CODE=ro
new-language: $(BIN)/msobot
	$(BIN)/pybabel init -i locales/messages.pot -d locales -D messages -l $(LANG_CODE) --no-wrap
