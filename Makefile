# Entry points; the work is in scripts/*.sh (see `make help`).
.DEFAULT_GOAL := help
.PHONY: help demo test test-fast lint i18n bench clean

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed -e 's/:.*## /\t/' | expand -t10

demo: ## run Odoo + rma_unex with demo data on http://127.0.0.1:8069
	@bash scripts/demo.sh

test: ## install rma_unex in a fresh DB and run its tests (ARGS="-k mac" goes to pytest)
	@bash scripts/test.sh $(ARGS)

test-fast: ## unit tests on a kept database, updated when the addon changed; no lint, no system tests
	@bash scripts/test_fast.sh $(ARGS)

lint: ## pre-commit hooks: pylint-odoo, OCA module/PO checks, ruff, README, XML/CSV
	@bash scripts/lint.sh

i18n: ## regenerate rma_unex/i18n/rma_unex.pot, merge the .po files, list untranslated entries
	@bash scripts/i18n.sh $(ARGS)

bench: ## benchmarks at 1k and 100k serials, side by side with OCA rma (ARGS="--sizes 1000,10000")
	@bash scripts/bench.sh $(ARGS)

clean: ## drop .venv, .run (stopping its private PostgreSQL), the demo and test-fast DBs
	@bash scripts/clean.sh
