"""Quantization: the schemes' arithmetic, the gguf formats' round trip, the bounded copies, and the
real model on quantized weights (the shipped GGUF's own formats give its weights back)."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from playground import config, i18n, quantize
from playground.quantize import SCHEMES, QuantizedModels, QuantizeError


def test_symmetric_int8_keeps_one_scale_per_group():
    weights = np.array([[1.0, -0.5, 0.25, 0.0, 2.0, -4.0, 1.0, 0.5]], dtype=np.float32)
    after = quantize.quantize_array(weights, SCHEMES["int8"], 4)
    # group 1: max|w| = 1 -> scale 1/127; group 2: max|w| = 4 -> scale 4/127
    scale1, scale2 = np.float32(np.float16(1 / 127)), np.float32(np.float16(4 / 127))
    expected = [np.rint(w / scale1) * scale1 for w in weights[0, :4]] + [
        np.rint(w / scale2) * scale2 for w in weights[0, 4:]
    ]
    assert after[0].tolist() == pytest.approx(expected, abs=1e-7)
    assert after[0, 5] == pytest.approx(-4.0, abs=1e-3)  # the largest value of a group is kept
    assert after[0, 3] == 0.0


def test_int4_has_fifteen_levels_per_group_and_a_zero_row_stays_zero():
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(3, 64)).astype(np.float32)
    weights[1] = 0
    after = quantize.quantize_array(weights, SCHEMES["int4"], 0)  # one scale per row
    assert len(np.unique(after[0])) <= 15
    assert (after[1] == 0).all()
    assert np.abs(after - weights).max() <= np.abs(weights).max() / 7 / 2 + 1e-3


def test_fewer_bits_and_larger_groups_give_larger_errors():
    weights = np.random.default_rng(1).normal(size=(16, 256)).astype(np.float32)

    def error(name, group):
        return float(np.abs(quantize.quantize_array(weights, SCHEMES[name], group) - weights).mean())

    assert error("int8", 32) < error("int4", 32) < error("int4", 128) < error("int4", 0)
    assert error("q8_0", 32) < error("q4_1", 32) < error("q4_0", 32)


def test_a_gguf_format_gives_its_own_values_back():
    from gguf import GGMLQuantizationType, quants

    weights = np.random.default_rng(2).normal(size=(8, 128)).astype(np.float32)
    for name in ("q8_0", "q4_0", "q4_1"):
        qtype = GGMLQuantizationType[SCHEMES[name].gguf_type]
        once = quants.dequantize(quants.quantize(weights, qtype), qtype).reshape(weights.shape)
        assert np.array_equal(quantize.quantize_array(once, SCHEMES[name], 32), once), name


def test_bits_per_weight_count_the_scales():
    assert quantize.bits_per_weight(SCHEMES["q8_0"], 32, 576) == 8.5
    assert quantize.bits_per_weight(SCHEMES["q4_0"], 32, 576) == 4.5
    assert quantize.bits_per_weight(SCHEMES["q4_1"], 32, 576) == 5.0
    assert quantize.bits_per_weight(SCHEMES["int4"], 32, 576) == 4.5
    assert quantize.bits_per_weight(SCHEMES["int8"], 0, 576) == pytest.approx(8 + 16 / 576)


@pytest.mark.parametrize(
    ("scheme", "group", "message"),
    [
        ("q3_k", 32, "There is no scheme 'q3_k': choose one of int8, int4, q8_0, q4_0, q4_1, shipped."),
        ("int4", 48, "The group size must be one of 32, 64, 128, 0 (0 = a whole row), not '48'."),
        ("int8", True, "The group size must be one of"),
    ],
)
def test_bad_choices_get_a_sentence_in_both_languages(scheme, group, message):
    with pytest.raises(QuantizeError) as caught:
        quantize.check(scheme, group)
    assert str(caught.value).startswith(message)
    with i18n.use("te"):
        assert "q4_1" in str(caught.value) or "32" in str(caught.value)
        assert not str(caught.value).startswith(message)


def test_names_are_taken_in_any_case_and_gguf_formats_fix_their_block():
    assert quantize.check("Q4_1", 128) == (SCHEMES["q4_1"], 32)
    assert quantize.check("int4", "64") == (SCHEMES["int4"], 64)


def test_the_copies_are_bounded_and_shared(tiny_runner):
    copies = QuantizedModels(2)
    made = []

    def make(key):
        return lambda runner: made.append(key) or quantize.make_quantized(runner, SCHEMES["int8"], 32)

    first, first_s = copies.get(tiny_runner, ("a",), make("a"))
    again, again_s = copies.get(tiny_runner, ("a",), make("a"))
    assert again is first and again_s == 0.0 and first_s > 0
    copies.get(tiny_runner, ("b",), make("b"))
    copies.get(tiny_runner, ("a",), make("a"))  # "a" is now the most recent
    copies.get(tiny_runner, ("c",), make("c"))
    assert copies.keys() == [("a",), ("c",)] and made == ["a", "b", "c"] and copies.made == 3


def test_a_quantized_copy_changes_the_matrices_only(tiny_runner):
    model = quantize.make_quantized(tiny_runner, SCHEMES["int4"], 32)
    original = dict(tiny_runner.model.named_parameters())
    for name, param in model.named_parameters():
        same = torch.equal(param, original[name])
        assert same == (param.dim() == 1), name
    assert model is not tiny_runner.model


def test_a_matrix_name_is_checked(tiny_runner):
    missing = re.escape("no weight matrix 'model.layers.9.mlp.up_proj.weight'")
    with pytest.raises(QuantizeError, match=missing):
        quantize.check_matrix(tiny_runner, "model.layers.9.mlp.up_proj.weight")
    assert quantize.check_matrix(tiny_runner, "") == quantize.DEFAULT_MATRIX


def test_the_8b_projection_fits_gpus_by_bytes():
    rows = {r["weights"]: r for r in quantize.projection(4.5)}
    assert rows["16-bit"]["weight_bytes"] == pytest.approx(16.06e9, rel=0.01)
    assert rows["4-bit"]["weight_bytes"] * 4 == rows["16-bit"]["weight_bytes"]
    assert len(rows["4-bit"]["fits"]) > len(rows["16-bit"]["fits"])
    floors = rows["16-bit"]["ms_per_token_floor"]
    assert floors["H100 80 GB"] == pytest.approx(1000 * rows["16-bit"]["weight_bytes"] / 3350e9)


@pytest.mark.real
def test_the_shipped_formats_give_the_loaded_weights_back(real_runner):
    """Offline the weights are the GGUF de-quantized: quantizing them again to its own formats is exact."""
    ids = real_runner.tokenize("The capital of France is").ids
    answer = quantize.quantize(real_runner, ids, "shipped", 32, "model.layers.5.mlp.down_proj.weight", 12)
    assert answer["matrix"]["max_abs_error"] == 0.0 and answer["matrix"]["unchanged"] == 1.0
    assert answer["kl_next_token"] == 0.0 and answer["kl_mean"] == 0.0 and answer["top1_agreement"] == 1.0
    assert answer["first_divergence"] is None
    same = zip(answer["greedy_fp32"]["tokens"], answer["greedy_quantized"]["tokens"], strict=True)
    assert all(a["id"] == b["id"] and a["prob"] == pytest.approx(b["prob"], abs=1e-5) for a, b in same)
    embedding = quantize.matrix_view(real_runner, "shipped", 32, "model.embed_tokens.weight")
    assert embedding.scheme == "q8_0" and embedding.max_abs_error == 0.0
    assert answer["weight_bytes"] == 96_576_768  # 5 bits a layer weight, 8.5 an embedding one


@pytest.mark.real
def test_four_bits_cost_more_quality_than_eight_on_every_default_prompt(real_runner):
    prompts = "\n".join(config.DEFAULT_QUANT_PROMPTS)
    int8 = quantize.prompt_table(real_runner, "int8", 32, prompts)
    int4 = quantize.prompt_table(real_runner, "int4", 32, prompts)
    assert [r["language"] for r in int4] == ["en", "en", "te", "te"]
    for eight, four in zip(int8, int4, strict=True):
        assert 0 < eight["kl_mean"] < four["kl_mean"], eight["prompt"]
        assert eight["top1_agreement"] >= four["top1_agreement"]
    assert len(quantize.COPIES) <= config.MAX_QUANTIZED_MODELS


@pytest.mark.real
def test_the_kl_is_computed_from_the_two_models_distributions(real_runner):
    ids = real_runner.tokenize("Water boils at").ids
    model, _ = quantize.quantized_model(real_runner, "q4_0", 32)
    with torch.inference_mode():
        p = torch.log_softmax(real_runner.model(torch.tensor([ids])).logits[0, -1].float(), -1)
        q = torch.log_softmax(model(torch.tensor([ids])).logits[0, -1].float(), -1)
    row = quantize.compare_prompt(real_runner, model, ids)
    assert row["kl_last"] == pytest.approx(float((p.exp() * (p - q)).sum()), rel=1e-4, abs=1e-6)


@pytest.mark.real
def test_int8_speed_is_measured_on_both_weights(real_runner):
    ids = real_runner.tokenize("The capital of France is").ids
    result = quantize.speed(real_runner, ids, 1)
    assert result["float32_tokens_per_s"] > 0 and result["int8_tokens_per_s"] > 0
    assert result["speedup"] == pytest.approx(result["int8_tokens_per_s"] / result["float32_tokens_per_s"])
    sizes = result["weight_bytes_per_token"]
    assert sizes["float32"] == 4 * sizes["int8"]
    assert result["float32_text"]
    with pytest.raises(Exception, match="Repeats must be a whole number from 1 to 5"):
        quantize.speed(real_runner, ids, 9)
