# Two commands matter: `make run` and `make test`. Both install what they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The native token counter (native/kordon-bpe): a change to its sources reinstalls.
NATIVE := $(wildcard native/kordon-bpe/*.toml native/kordon-bpe/Cargo.lock native/kordon-bpe/*.pyi native/kordon-bpe/src/*.rs)
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock $(NATIVE) | sha256sum | cut -c1-12)

.PHONY: run test lint typecheck policy-check unit integration bench bench-micro load lock clean

$(STAMP): pyproject.toml requirements.lock $(NATIVE)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	bash scripts/build-native.sh $(VENV) >/dev/null
	$(BIN)/pip install -q -c requirements.lock -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP)

# The gateway with its embedded defaults: OPA sidecar, demo upstream, in-memory stores.
run: $(STAMP)
	KORDON_OPA_BINARY="$$(bash scripts/install-opa.sh)" $(BIN)/kordon serve

test: $(STAMP)
	bash scripts/ensure-redis.sh
	bash scripts/ensure-postgres.sh
	opa="$$(bash scripts/install-opa.sh)" && \
	bash scripts/check-policy.sh "$$opa" && \
	bash scripts/check-deploy.sh && \
	$(BIN)/ruff check app tests bench && \
	$(BIN)/ruff format --check app tests bench && \
	$(BIN)/mypy && \
	KORDON_OPA_BINARY="$$opa" $(BIN)/python -m pytest -q

# Benchmarks are reported, never asserted: see README "Performance".
# Kordon beside Portkey and LiteLLM in ../shared/gateway-bench, table into bench/results/.
# Quicker: make bench ANCHORS=portkey ROUNDS=3 DURATION=5 (GWBENCH=path if the harness is elsewhere).
ANCHORS ?= litellm,portkey
ROUNDS ?= 3
DURATION ?= 10
bench: $(STAMP)
	ANCHORS="$(ANCHORS)" ROUNDS="$(ROUNDS)" DURATION="$(DURATION)" bash bench/gateway_bench.sh

# The in-process pytest-benchmark micro benches (decision round trip, scan, quota, ...).
bench-micro: $(STAMP)
	KORDON_OPA_BINARY="$$(bash scripts/install-opa.sh)" $(BIN)/python -m pytest bench --benchmark-only -q

load: $(STAMP)
	KORDON_OPA_BINARY="$$(bash scripts/install-opa.sh)" $(BIN)/python bench/load.py

# Re-pin every dependency after changing pyproject.toml.
lock:
	rm -rf /tmp/kordon-lock && $(PYTHON) -m venv /tmp/kordon-lock
	bash scripts/build-native.sh /tmp/kordon-lock >/dev/null
	/tmp/kordon-lock/bin/pip install -q -e '.[dev]'
	/tmp/kordon-lock/bin/pip freeze --exclude-editable --exclude kordon-bpe > requirements.lock

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache .benchmarks
