"""ModelRunner: forward, prefill/decode with the KV cache, attentions, cache bytes, chat template."""

from __future__ import annotations

import pytest
import torch


def test_prefill_then_decode_gives_the_logits_of_a_full_forward(tiny_runner):
    ids = tiny_runner.tokenize("The capital of France is").ids
    full = tiny_runner.forward([*ids, 7042]).logits
    first = tiny_runner.prefill(ids)
    assert torch.allclose(first.logits, full[len(ids) - 1], atol=1e-5)
    second = tiny_runner.decode_step(7042, first.cache)
    assert torch.allclose(second.logits, full[len(ids)], atol=1e-5)
    assert first.seconds > 0 and second.seconds > 0


def test_cache_bytes_equal_the_kv_formula(tiny_runner):
    cfg = tiny_runner.model.config
    ids = list(range(100, 111))
    step = tiny_runner.prefill(ids)
    per_token = 2 * cfg.num_hidden_layers * cfg.num_key_value_heads * cfg.head_dim * 4
    assert tiny_runner.cache_bytes(step.cache) == per_token * len(ids)
    step = tiny_runner.decode_step(5, step.cache)
    assert tiny_runner.cache_bytes(step.cache) == per_token * (len(ids) + 1)


def test_attentions_are_causal_rows_summing_to_one_and_eager_is_only_temporary(tiny_runner):
    ids = tiny_runner.tokenize("one two three four").ids
    result = tiny_runner.forward(ids, attentions=True)
    assert len(result.attentions) == tiny_runner.num_layers
    weights = result.attentions[0]
    assert weights.shape == (3, len(ids), len(ids))
    assert torch.allclose(weights.sum(-1), torch.ones(3, len(ids)), atol=1e-5)
    assert torch.all(torch.triu(weights, diagonal=1) == 0)
    assert tiny_runner.model.config._attn_implementation != "eager"
    plain = tiny_runner.forward(ids).logits
    assert torch.allclose(plain, result.logits, atol=1e-4)


def test_tokenize_with_chat_wraps_the_text_as_a_user_message(tiny_runner):
    enc = tiny_runner.tokenize("Hi", chat=True)
    assert enc.text == tiny_runner.apply_chat_template([{"role": "user", "content": "Hi"}])
    assert enc.ids[0] == 1 and enc.special[0]
    assert "Hi" in [enc.text[start:end] for start, end in enc.offsets]
    assert sum(enc.special) == 5  # im_start/im_end around the system and user turns, then im_start


@pytest.mark.real
def test_real_model_predicts_paris_and_reports_where_it_came_from(real_runner):
    ids = real_runner.tokenize("The capital of France is").ids
    step = real_runner.prefill(ids)
    assert real_runner.tokenizer.decode([int(step.logits.argmax())]) == " Paris"
    assert real_runner.source.kind in {"cache", "gguf", "env", "hub"}
    assert real_runner.eos_token_ids == [2]
    cfg = real_runner.model.config
    assert (cfg.num_hidden_layers, cfg.num_attention_heads, cfg.num_key_value_heads) == (30, 9, 3)
