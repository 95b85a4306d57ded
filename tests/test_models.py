"""The registry and the loading order: PLAYGROUND_MODEL, converted cache, Hub, shipped GGUF."""

from __future__ import annotations

import json

import pytest
import torch

from playground import models


def test_free_form_repo_ids_are_refused():
    with pytest.raises(models.ModelNotFound, match="neither a registered model"):
        models.resolve_model("someone/some-model")


def test_registry_entries_resolve_by_name_and_hub_id():
    spec = models.MODELS["SmolLM2-135M-Instruct"]
    assert models.resolve_model("SmolLM2-135M-Instruct") is spec
    assert models.resolve_model("HuggingFaceTB/SmolLM2-135M-Instruct") is spec


def test_the_offline_gguf_is_found_without_importing_its_package():
    path = models.gguf_path(models.MODELS["SmolLM2-135M-Instruct"])
    assert path is not None and path.suffix == ".gguf" and path.stat().st_size > 50_000_000


def test_offline_setting_skips_the_hub_probe(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert models.hub_online() is False


@pytest.mark.real
def test_gguf_converts_once_then_loads_from_the_cache_with_the_same_logits(tmp_path, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_CACHE", str(tmp_path))
    ids = torch.tensor([[504, 3575, 282, 4649, 314]])  # "The capital of France is"

    model, tokenizer, spec, source = models.load_model()
    assert source.kind == "gguf"
    cached = models.converted_dir(spec)
    assert json.loads((cached / "source.json").read_text())["gguf_bytes"] > 0
    assert not list(tmp_path.glob("models/*.partial-*"))
    with torch.inference_mode():
        reference = model(ids).logits

    model, tokenizer_again, _, source = models.load_model()
    assert source.kind == "cache" and source.location == str(cached)
    with torch.inference_mode():
        assert torch.equal(model(ids).logits, reference)
    assert tokenizer_again("Hello world").input_ids == tokenizer("Hello world").input_ids
    assert tokenizer_again.chat_template == tokenizer.chat_template

    # PLAYGROUND_MODEL may name a folder holding a saved model.
    monkeypatch.setenv("PLAYGROUND_MODEL", str(cached))
    _, _, spec, source = models.load_model()
    assert spec is None and source.kind == "env"
