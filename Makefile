# Frontdesk. `make run` sets up and runs everything; `make test` sets up and runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := run
.PHONY: run test test-fast lint invariants bench learning soak setup setup-bridge train site validate eval clean lock-rasa
# The business: a site pack in sites/ (docs/site-pack.md). `make run SITE=spoke-and-chain`.
export SITE ?= lantern-street

setup:
	@bash scripts/setup.sh

setup-bridge:  # only the bridge's environment (.venv): the fast tests and lint need no Rasa
	@bash scripts/setup.sh bridge

train: setup
	@bash scripts/train.sh

site: train  # build and train the pack SITE (`make site SITE=spoke-and-chain`), then check it
	@.venv-rasa/bin/python scripts/evaluate.py --site $(SITE)

validate: setup  # the pack's files (scripts/build_site.py), then Rasa's checks of the built data
	@.venv/bin/python scripts/build_site.py $(SITE)
	@RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=2 \
	  .venv-rasa/bin/python scripts/rasa_quiet.py data validate --quiet --fail-on-warnings \
	  --config build/$(SITE)/config.yml --domain build/$(SITE)/domain.yml --data data build/$(SITE)/data
	@echo "validate: sites/$(SITE) passed (site.yml, faq.yml, eval.jsonl, nlu/ and Rasa's checks of build/$(SITE)/)"

run: train
	@printf '\033[1m==> %s\033[0m\n' "Starting Redis, the action server, Rasa and the bridge (Ctrl-C stops all)"
	@.venv/bin/python -m bot prepare
	@.venv/bin/honcho start

test: train  # lint, then every tier; the sample packs are both trained: tests/test_site_packs.py checks the second
	@bash scripts/lint.sh
	@cd widget && npm run --silent lint && npm test --silent
	@SITE=spoke-and-chain bash scripts/train.sh
	@.venv/bin/python -m pytest -ra --durations=25 $(PYTEST_ARGS)

test-fast: setup-bridge  # the unit and in-process tiers: no trained model, no process (under a minute)
	@.venv/bin/python -m pytest -q -ra --durations=10 $(wildcard tests/unit tests/fast) $(PYTEST_ARGS)

lint: setup  # ruff and mypy (strict on bot/), eslint and tsc --checkJs on widget/; also the start of `make test`
	@bash scripts/lint.sh
	@cd widget && npm run --silent lint

invariants: train  # the handoff invariants, longer than in `make test`
	@INVARIANT_EXAMPLES=$${INVARIANT_EXAMPLES:-500} INVARIANT_RANDOM=1 .venv/bin/python -m pytest -q tests/test_invariants.py

bench: train  # the curves of docs/performance.md (about 30 minutes); SVGs into docs/img/
	@export PATH="$$HOME/.local/bin:$$PATH"; uv sync --quiet --frozen --extra s3 --group bench
	@.venv/bin/python bench/conversation_length.py --messages 400 --plot docs/img/conversation-length.svg
	@.venv/bin/python bench/bot_load.py --visitors 200 --plot docs/img/bot-load.svg
	@.venv/bin/python bench/person_path.py --conversations 1000 --rates 100,200,400,800 --plot docs/img/person-path.svg

learning: train  # the learning curve of docs/site-pack.md (about 30 minutes): teach, retrain, score
	@export PATH="$$HOME/.local/bin:$$PATH"; uv sync --quiet --frozen --extra s3 --group bench
	@.venv/bin/python bench/learning.py --plot docs/img/learning.svg

soak: train  # a steady mixed load for SOAK_MINUTES (10; 60 in docs/performance.md): PASS when nothing grows
	@.venv/bin/python bench/soak.py --minutes $${SOAK_MINUTES:-10} $(SOAK_ARGS)

eval: train
	@.venv-rasa/bin/python scripts/evaluate.py --site $(SITE)

lock-rasa:
	@(echo "# Rasa + action server environment (Python 3.10). Exact pins: regenerate with 'make lock-rasa'."; uv pip freeze --python .venv-rasa/bin/python) > requirements/rasa.txt

clean:
	rm -rf .venv .venv-rasa widget/node_modules widget/dist models build
