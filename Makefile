# groupcover — `make run` serves a demo on 127.0.0.1:8000, `make test` runs the whole suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 8000
WORKERS ?= 2
SEED_DEMO ?= 1
# Dev server (auto-reload) instead of gunicorn: make run DEV=1
DEV    ?= 0
PYTEST_ARGS ?= -n auto

.PHONY: install run migrate seed test lint format bench clean vendor-stub demo-sync translations screenshots

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/activate

install: $(BIN)/activate

migrate: install
	$(FLASK) migrate

seed: migrate
	$(FLASK) seed-demo

# Sign-in links and letters point at the server `make run` starts (HOST, PORT), unless
# CONSOLE_BASE_URL comes from the environment or a GROUPCOVER_CONFIG file.
ifeq ($(origin GROUPCOVER_CONSOLE_BASE_URL)$(GROUPCOVER_CONFIG),undefined)
run: export GROUPCOVER_CONSOLE_BASE_URL := http://$(HOST):$(PORT)
endif
run: migrate
ifeq ($(SEED_DEMO),1)
	$(FLASK) seed-demo
	@echo "Console, as the demo administrator (link works once, for SIGN_IN_LINK_MINUTES):"
	@$(FLASK) sign-in-link --email admin@demo.example.jp | tail -1
	@echo "Console, as the demo member user (Sakura Manufacturing):"
	@$(FLASK) sign-in-link --email risk@sakura.example.jp | tail -1
	@echo "New links later: $(FLASK) sign-in-link --email admin@demo.example.jp"
endif
	@echo "Create a token:  $(FLASK) create-token --role admin --name you"
	@echo "Swagger UI:      http://$(HOST):$(PORT)/api/docs"
	@echo "Jobs:            a worker ($(FLASK) worker) runs beside the server and stops with it"
# The worker in the background; the trap stops it (SIGTERM) when the server ends.
ifeq ($(DEV),1)
	$(FLASK) worker & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
	$(FLASK) run --host $(HOST) --port $(PORT) --debug
else
	$(FLASK) worker & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
	$(BIN)/gunicorn -c gunicorn.conf.py --bind $(HOST):$(PORT) --workers $(WORKERS) --access-logfile - wsgi:app
endif

# The fake vendor API (issue 4) with the demo members' accounts, on VENDOR_API_URL's port;
# then, in another terminal: make demo-sync
vendor-stub: install
	$(BIN)/python -m integrations.panorays.stub --port 8001 --account-ids demo-sakura,demo-fuji,demo-minato

demo-sync: seed
	$(FLASK) link-vendor-stub
	$(FLASK) sync-suppliers

test: install
	$(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

LINT_PATHS := groupcover integrations tests bench migrations wsgi.py gunicorn.conf.py

lint: install
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy

format: install
	$(BIN)/ruff format $(LINT_PATHS)
	$(BIN)/ruff check --fix $(LINT_PATHS)

bench: install
	@ls bench/*.py | sed 's/^/run by hand: $(BIN)\/python /'

# Console catalogues (committed, .mo included, so a fresh clone needs no build step):
# extract the strings, merge them into ja/en, compile.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -o groupcover/translations/messages.pot --no-location --omit-header .
	$(BIN)/pybabel update -i groupcover/translations/messages.pot -d groupcover/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d groupcover/translations

# The README's console screenshots (chromium, chromium-driver and fonts-noto-cjk installed)
screenshots: install
	$(BIN)/python docs/screenshots.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
