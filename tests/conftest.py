"""Shared fixtures: a tiny random model (fast), the real model (session), a launched app.

The tokenizer and the tiny model load no weights: the model's tokenizer comes from its files alone.
"""

from __future__ import annotations

import os
from pathlib import Path

# Tests never wait on an unreachable Hub: everything they need ships with the packages.
os.environ.setdefault("PLAYGROUND_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import pytest
import torch

from tests.helpers import free_port

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture(scope="session")
def real_runner():
    """SmolLM2-135M-Instruct, loaded once (from the converted cache after the first run)."""
    from playground.runner import ModelRunner
    from playground.serving import ModelService

    runner = ModelRunner.load()
    service = ModelService.of(runner)
    # Every test shares the batch, as learners do; a server started later reuses it. In a thread of
    # this process, so tests can look inside it (tests/test_engine_process.py tests the process).
    service.start(process=False)
    yield runner
    service.stop()  # the serving thread ends before the interpreter does


@pytest.fixture(scope="session")
def service(real_runner):
    """The real model's service (started by ``real_runner``): its scheduler, its batch."""
    from playground.serving import ModelService

    return ModelService.of(real_runner)


def load_model_tokenizer():
    """The tokenizer of the model ``ModelRunner.load()`` would load, without its weights.

    The same files in the same order as ``models.load_model``: a folder named by PLAYGROUND_MODEL,
    the converted cache, else the GGUF's metadata (the tokenizer alone, no tensors). Without a
    converted cache this spares the GGUF's conversion: 10 s of CPU and 0.4 GB instead of 31 s and 1.6 GB.
    """
    from transformers import AutoTokenizer

    from playground import config, models

    resolved = models.resolve_model(os.environ.get("PLAYGROUND_MODEL") or config.DEFAULT_MODEL)
    if isinstance(resolved, Path):
        return AutoTokenizer.from_pretrained(resolved, local_files_only=True)
    cached = models.converted_dir(resolved)
    if (cached / "tokenizer.json").is_file():
        return AutoTokenizer.from_pretrained(cached, local_files_only=True)
    gguf = models.gguf_path(resolved)
    if gguf is None:
        raise models.ModelNotFound(f"no converted cache in {cached} and no GGUF for {resolved.name}")
    return AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)


@pytest.fixture(scope="session")
def tokenizer():
    """The real model's tokenizer, loaded alone (no weights)."""
    return load_model_tokenizer()


@pytest.fixture(scope="session")
def tiny_runner(tokenizer):
    """A randomly initialised 2-layer Llama with SmolLM2's shape ratios and its real tokenizer."""
    from transformers import LlamaConfig, LlamaForCausalLM

    from playground.models import ModelSource
    from playground.runner import ModelRunner

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=48,
        intermediate_size=96,
        num_hidden_layers=2,
        num_attention_heads=3,
        num_key_value_heads=1,
        head_dim=16,
        max_position_embeddings=512,
        tie_word_embeddings=True,
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=2,
    )
    model = LlamaForCausalLM(config).eval()
    # "env": a model handed over ready-made, as a PLAYGROUND_MODEL folder is; the page can name it.
    source = ModelSource("env", "tests/conftest.py: random weights, the real tokenizer", 0.0)
    return ModelRunner(model=model, tokenizer=tokenizer, source=source, name="tiny")


@pytest.fixture(scope="session")
def app_url(real_runner):
    """The whole app (English at /, Telugu at /te/), served once on a free local port over the real model."""
    import app

    server = app.serve(real_runner, "127.0.0.1", free_port())
    yield server.url
    server.close()


@pytest.fixture(scope="session")
def client(app_url):
    from gradio_client import Client

    return Client(app_url, verbose=False)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def _real_engine(name: str):
    """Start real engine ``name`` for the tests that ask for it (once a session); say why it cannot."""
    from playground import real_engines

    gguf = real_engines.convert_f32_gguf() if name == "llama.cpp" else None
    started = real_engines.start(name, free_port(), gguf)
    return started


@pytest.fixture(scope="session")
def vllm_engine():
    """A real vLLM for CPUs (``make vllm``) on the app's weights, with its processed logprobs."""
    started = _real_engine("vllm")
    yield started.engine
    started.stop()


@pytest.fixture(scope="session")
def llama_engine():
    """llama.cpp's own server (``make llama-cpp``) on the F32 GGUF of the app's weights."""
    started = _real_engine("llama.cpp")
    yield started.engine
    started.stop()
