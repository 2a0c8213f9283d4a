# Steady: `make run` to chat, `make test` to check everything. See README.md.
SHELL := /bin/bash
PY := .venv/bin/python
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONPATH := $(CURDIR)
export STEADY_ACTION_ENDPOINT ?= http://127.0.0.1:5055/webhook

.PHONY: run test shell setup model browser-deps validate lint eval-risk bench lock audit clean help

help:
	@echo "make run    set up, train if needed, start Steady and print where to chat"
	@echo "make test   set up, train if needed, run every check"
	@echo "make shell  chat with Steady in this terminal"

setup:
	@tools/setup_venv.sh

model: setup
	@$(PY) -m bot.train

run: model
	@$(PY) -m bot.run

shell: model
	@$(PY) -m bot.run --shell

validate: model
	@$(PY) -m rasa data validate --domain var/build/domain --data data --config config.yml

lint: setup
	@.venv/bin/ruff check .

browser-deps:
	@tools/setup_browser.sh

test: model browser-deps
	@$(PY) -m bot.tools.audit
	@$(PY) -m rasa data validate --domain var/build/domain --data data --config config.yml
	@.venv/bin/ruff check .
	@$(PY) -m pytest
	@$(PY) -m rasa test core --model models/steady.tar.gz --stories tests/stories --fail-on-prediction-errors --out var/results/stories

eval-risk: setup
	@$(PY) -m bot.risk.lexicon build
	@$(PY) -m bot.risk.eval.evaluate
	@$(PY) -m bot.risk.eval.report

bench: model
	@$(PY) -m bot.tools.bench

lock:
	@tools/lock.sh

audit: setup
	@$(PY) -m bot.tools.audit

clean:
	rm -rf var/build models/steady.tar.gz models/.fingerprint results
