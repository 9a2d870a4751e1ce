# The front door: `make run` sets up and starts the bot, `make test` sets up and runs the tests.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint docs setup clean rasa-env rasa actions

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet -e . --group dev
	$(BIN)/python -m compileall -q src
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/outreach-bot db upgrade
	$(BIN)/outreach-bot run

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

# The documentation site (mkdocs.yml) into var/site: the generated reference pages must match
# the code, and a broken link or anchor fails the build (strict).
docs: $(STAMP)
	$(BIN)/python scripts/gen_reference.py --check
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir var/site

test: $(STAMP) lint docs
	$(BIN)/python -m pytest

# Rasa Open Source 3.6 (Python 3.10) in its own environment, trained on nlu/, served on :5005.
# Then start the bot with OUTREACH_NLU_BACKEND=rasa.
rasa-env:
	scripts/rasa-env.sh

rasa: rasa-env
	scripts/rasa.sh run

# The rasa_sdk action server for teams running their own Rasa assistant (see actions/README.md).
actions: rasa-env
	SANIC_HOST=127.0.0.1 .venv-rasa/bin/rasa run actions --actions actions --port 5055

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
