"""Shared fixtures: a tiny random model (fast), the real model (session), a launched app."""

from __future__ import annotations

import os
import socket
from pathlib import Path

# Tests never wait on an unreachable Hub: everything they need ships with the packages.
os.environ.setdefault("PLAYGROUND_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import pytest
import torch

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture(scope="session")
def real_runner():
    """SmolLM2-135M-Instruct, loaded once (from the converted cache after the first run)."""
    from playground.runner import ModelRunner
    from playground.serving import ModelService

    runner = ModelRunner.load()
    service = ModelService.of(runner)
    service.start()  # every test shares the batch, as learners do; a server started later reuses it
    yield runner
    service.stop()  # the serving thread ends before the interpreter does


@pytest.fixture(scope="session")
def service(real_runner):
    """The real model's service (started by ``real_runner``): its scheduler, its batch."""
    from playground.serving import ModelService

    return ModelService.of(real_runner)


@pytest.fixture(scope="session")
def tokenizer(real_runner):
    return real_runner.tokenizer


@pytest.fixture(scope="session")
def tiny_runner(real_runner):
    """A randomly initialised 2-layer Llama with SmolLM2's shape ratios and its real tokenizer."""
    from transformers import LlamaConfig, LlamaForCausalLM

    from playground.runner import ModelRunner

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(real_runner.tokenizer),
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
    return ModelRunner(model=model, tokenizer=real_runner.tokenizer, source=real_runner.source, name="tiny")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
