# Ojo — every task the project needs. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
# Bytecode written at install: where PYTHONDONTWRITEBYTECODE=1 is set (CI, containers), Python
# would otherwise compile every imported module again at each start (seconds of `ojo check`).
export UV_COMPILE_BYTECODE := 1

.DEFAULT_GOAL := help
.PHONY: help venv browser ocr-deps run test test-fast lint format eval bench validate train clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(BIN)/ojo: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	$(BIN)/python -m compileall -q bot handlers
	@touch $(BIN)/ojo

venv: $(BIN)/ojo ## create .venv with the project and its dev tools (idempotent)

browser: ## install Debian's chromium for the console's browser tests (root only; else skip)
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
			|| echo "could not install chromium: the browser tests will be skipped"; \
	fi

# The tesserocr wheel bundles libtesseract; only the Spanish and English language data come from
# Debian (about 6 MB). Without root (or apt) the OCR tests are skipped and images are not read.
TESSDATA_SPA := $(firstword $(wildcard /usr/share/tesseract-ocr/*/tessdata/spa.traineddata))
ocr-deps: ## install Debian's Spanish + English OCR language data (root only; else skip)
	@if [ -z "$(TESSDATA_SPA)" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing tesseract's Spanish and English language data"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends tesseract-ocr-spa tesseract-ocr-eng >/dev/null \
			|| echo "could not install tesseract data: the OCR tests will be skipped"; \
	fi

run: venv ocr-deps ## set up and run the bot (SQLite under ./data; needs OJO_TELEGRAM_TOKEN)
	$(BIN)/ojo run

test: venv browser ocr-deps ## set up and run every test (PostgreSQL too when OJO_TEST_POSTGRES_URL is set)
	$(BIN)/pytest -q

test-fast: venv ## unit tests only
	$(BIN)/pytest -q tests/unit

lint: venv ## ruff (format check + lint) and mypy --strict
	$(BIN)/ruff format --check bot handlers tests bench
	$(BIN)/ruff check bot handlers tests bench
	$(BIN)/mypy

format: venv ## format the code
	$(BIN)/ruff format bot handlers tests bench
	$(BIN)/ruff check --fix bot handlers tests bench

validate: venv ## validate the content packs and run every pattern's examples
	$(BIN)/ojo content validate

eval: venv ## quality on examples, corpus, held-apart sets, and the real messages of ../shared/realdev
	$(BIN)/python -m bench.evaluate
	@if [ -d ../shared/realdev ]; then \
	  $(BIN)/python -m bench.score_csv ../shared/realdev/es_reported_sms_2018_2020.csv \
	    --labels bench/labels/realdev_es.csv --misses 0; \
	  $(BIN)/python -m bench.score_csv ../shared/realdev/en_smishx_mit.csv --misses 0; \
	fi

train: venv ## fit the learned scorer on our own labelled messages (writes content/scorer.yaml)
	$(BIN)/python -m bench.train

bench: venv ## benchmarks (engine, bot, start-up, media, fingerprints); prints numbers
	@$(BIN)/python -m compileall -q bot handlers  # start-up is measured with current bytecode
	$(BIN)/python -m bench.run_all

clean: ## remove the virtual environments and caches
	rm -rf $(VENV) $(TOOLS) .mypy_cache .ruff_cache .pytest_cache
