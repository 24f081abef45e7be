# The two commands a newcomer runs: `make demo` and `make test`.
# Both create .venv and (re)install the project only when pyproject.toml changed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest install clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(PY) -m pip install --quiet -e '.[dev,postgres]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/soko demo

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# Most end-to-end tests wait on their `soko` processes rather than on the CPU, so four workers
# finish the suite well within CI's time even on two cores (the long chat runs set Telegram's
# window per chat short on the fake Telegram: tests/e2e/running_shop.py).
# `make pytest PYTEST_ARGS=…` runs what you choose instead (e.g. one file, no -n).
PYTEST_ARGS ?= -n 4 --dist worksteal --durations=25
# Every `soko` the end-to-end tests start, and every pytest worker, would otherwise compile the
# project again (a machine with PYTHONDONTWRITEBYTECODE set writes no .pyc): compile it once,
# and let one collection write pytest's rewritten test modules before the workers read them.
unexport PYTHONDONTWRITEBYTECODE
pytest: $(STAMP)
	$(PY) -m compileall -q -j 0 bot conversations handlers payments store tests
	$(PY) -m pytest --collect-only -q $(PYTEST_ARGS) -n 0 >/dev/null || true
	$(PY) -m pytest $(PYTEST_ARGS)

test: lint typecheck pytest

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build

# Refresh the translation catalogs after changing user-facing messages. Two catalogs, merged
# at run time (conversations/i18n.py): `messages` for the chat (conversations/, which also
# writes the words payment providers show, such as invoice titles: payments/ has no catalogs)
# and the web pages and emulator (handlers/web/, templates included); `channels` for what the
# channel adapters show themselves (command menus, buttons).
MESSAGES_SOURCES := conversations handlers/web
CHANNELS_SOURCES := handlers/telegram handlers/whatsapp
EXTRACT = $(VENV)/bin/pybabel extract -F babel.cfg --no-location --sort-output \
	--add-comments=TRANSLATORS: --project=soko --msgid-bugs-address=

.PHONY: messages
messages: $(STAMP)
	$(EXTRACT) -o conversations/locales/messages.pot $(MESSAGES_SOURCES)
	$(EXTRACT) -o conversations/locales/channels.pot $(CHANNELS_SOURCES)
	for domain in messages channels; do \
		$(VENV)/bin/pybabel update -D $$domain -i conversations/locales/$$domain.pot \
			-d conversations/locales --no-wrap --ignore-obsolete || exit 1; \
	done
