"""/quantize, /quantize_speed and /speculative through gradio_client against the launched app, and
the server's memory while many learners ask for many schemes at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import psutil
import pytest

from playground import config, quantize

pytestmark = pytest.mark.real

LIST = "Copy this list exactly, one item per line: apples, bananas, cherries, dates, figs, grapes, lemons, mangoes."  # noqa: E501


def test_quantize_answers_with_the_contracts_fields(client):
    answer = client.predict("The capital of France is", False, "Q4_0", 32, "", 8, api_name="/quantize")
    assert {"scheme", "weight_bytes", "weight_bytes_fp32", "matrix", "kl_next_token", "top1_agrees",
            "greedy_fp32", "greedy_quantized", "first_divergence"} <= set(answer)  # fmt: skip
    assert answer["scheme"] == "q4_0" and answer["matrix"]["name"] == quantize.DEFAULT_MATRIX
    matrix = answer["matrix"]
    assert len(matrix["histogram_before"]) == len(matrix["histogram_after"]) == config.QUANT_HISTOGRAM_BINS
    assert sum(matrix["histogram_before"]) == sum(matrix["histogram_after"]) == 576 * 576
    assert matrix["max_abs_error"] > 0 and answer["kl_next_token"] > 0
    assert answer["weight_bytes"] < answer["weight_bytes_fp32"] / 6
    divergence = answer["first_divergence"]
    fp32 = [t["id"] for t in answer["greedy_fp32"]["tokens"]]
    quantized = [t["id"] for t in answer["greedy_quantized"]["tokens"]]
    if divergence is None:
        assert fp32 == quantized
    else:
        assert fp32[:divergence] == quantized[:divergence] and fp32[divergence:] != quantized[divergence:]
    assert [row["weights"] for row in answer["projection"]] == ["16-bit", "8-bit", "4-bit", "scheme"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("Hi", False, "q3_k", 32, "", 4), "There is no scheme 'q3_k'"),
        (("Hi", False, "int4", 48, "", 4), "The group size must be one of 32, 64, 128, 0"),
        (("Hi", False, "int4", 32, "lm_head", 4), "There is no weight matrix 'lm_head'"),
        (("Hi", False, "int4", 32, "", 500), "Max new tokens must be a whole number from 1 to 64"),
        (("word " * 300, False, "int4", 32, "", 4), "tokens"),
    ],
)
def test_bad_quantize_requests_get_a_sentence(client, args, message):
    with pytest.raises(Exception, match=message):
        client.predict(*args, api_name="/quantize")


def test_quantize_speed_times_both_weights(client):
    answer = client.predict("Hello", False, 1, api_name="/quantize_speed")
    assert answer["float32_tokens_per_s"] > 0 and answer["int8_tokens_per_s"] > 0
    assert answer["weight_bytes_per_token"]["float32"] == 4 * answer["weight_bytes_per_token"]["int8"]


def test_speculative_answers_with_the_contracts_fields(client, real_runner):
    from tests.helpers import reference_ids

    answer = client.predict(LIST, True, "prompt_lookup", 4, 8, 24, 0.0, 0, api_name="/speculative")
    assert {"tokens", "steps", "acceptance_rate", "target_forward_passes", "seconds", "plain_seconds"} <= set(
        answer
    )
    ids = real_runner.tokenize(LIST, chat=True).ids
    assert [t["id"] for t in answer["tokens"]] == reference_ids(real_runner, ids, max_new_tokens=24)
    assert answer["same_as_plain"] is True
    steps = answer["steps"]
    assert answer["target_forward_passes"] == 1 + len(steps) == steps[-1]["forward_passes"]
    assert sum(s["accepted"] for s in steps) / sum(len(s["drafted"]) for s in steps) == pytest.approx(
        answer["acceptance_rate"]
    )
    assert answer["target_forward_passes"] < len(answer["tokens"])  # the list repeats: drafts were kept


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((LIST, True, "medusa", 4, 8, 8, 0.0, 0), "There is no drafter 'medusa'"),
        (
            (LIST, True, "prompt_lookup", 12, 8, 8, 0.0, 0),
            r"drafted tokens \(k\) must be a whole number from 1 to 8",
        ),
        ((LIST, True, "early_exit", 4, 30, 8, 0.0, 0), "draft layers must be a whole number from 1 to 29"),
        ((LIST, True, "prompt_lookup", 4, 8, 999, 0.0, 0), "Max new tokens"),
    ],
)
def test_bad_speculative_requests_get_a_sentence(client, args, message):
    with pytest.raises(Exception, match=message):
        client.predict(*args, api_name="/speculative")


def test_many_learners_trying_many_schemes_keep_the_copies_bounded(app_url, real_runner):
    """Eight real clients ask for eight different quantized models at once: at most
    MAX_QUANTIZED_MODELS copies are held, and the server's memory grows by no more than that."""
    from gradio_client import Client

    choices = [("int8", 32), ("int4", 32), ("q8_0", 32), ("q4_0", 32), ("q4_1", 32), ("int4", 64),
               ("int4", 128), ("int8", 0)]  # fmt: skip
    process = psutil.Process()
    before, made = process.memory_info().rss, quantize.COPIES.made

    def ask(choice):
        scheme, group = choice
        client = Client(app_url, verbose=False)
        return client.predict("Hi", False, scheme, group, "", 1, api_name="/quantize")["scheme"]

    with ThreadPoolExecutor(len(choices)) as pool:
        assert list(pool.map(ask, choices)) == [s for s, _ in choices]
    assert quantize.COPIES.made - made >= len(choices) - config.MAX_QUANTIZED_MODELS
    assert len(quantize.COPIES) <= config.MAX_QUANTIZED_MODELS
    copy_bytes = 4 * sum(p.numel() for p in real_runner.model.parameters())  # a float32 copy
    grown = process.memory_info().rss - before
    assert grown < (config.MAX_QUANTIZED_MODELS + 0.5) * copy_bytes, f"{grown / 1e6:.0f} MB"
