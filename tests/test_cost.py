"""Cost: formulas against measured cache bytes and hand-computed projections; timing shapes."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from playground import charts, config, cost

SMOL = cost.ModelShape(
    "SmolLM2-135M", layers=30, heads=9, kv_heads=3, head_dim=64, params=134515008, max_context=8192
)


def test_kv_formula_counts_kv_heads_not_query_heads():
    assert cost.kv_cache_bytes(SMOL, tokens=1, dtype_bytes=4) == 46_080  # 2 x 30 x 3 x 64 x 4
    assert cost.kv_cache_bytes(SMOL, tokens=1000, dtype_bytes=2, batch=4) == 2 * 30 * 3 * 64 * 2 * 1000 * 4
    assert cost.attention_score_bytes(SMOL, tokens=100, dtype_bytes=4) == 9 * 100 * 100 * 4


def test_projections_equal_hand_computed_values_for_two_configs():
    models = cost.known_models()
    llama = models["Llama-3.1-8B"]
    row = cost.projection(llama, [131_072], weight_dtype_bytes=2, kv_dtype_bytes=2, batch=1)[0]
    # 2 x 32 layers x 8 kv heads x 128 x 2 bytes = 131,072 bytes (128 KiB) per token -> 16 GiB at 128K.
    assert row["kv_cache_bytes"] == 131_072 * 131_072 == 16 * 2**30
    assert row["weight_bytes"] == 8_030_261_248 * 2
    assert row["total_bytes"] == row["weight_bytes"] + row["kv_cache_bytes"]
    qwen = models["Qwen2.5-7B-Instruct-1M"]
    row = cost.projection(qwen, [1_048_576], weight_dtype_bytes=0.5, kv_dtype_bytes=1, batch=2)[0]
    # 2 x 28 x 4 x 128 x 1 byte = 28,672 bytes per token; 1M tokens x 2 sequences = 56 GiB.
    assert row["kv_cache_bytes"] == 28_672 * 1_048_576 * 2 == 56 * 2**30
    assert row["weight_bytes"] == 7_615_616_512 // 2
    assert row["beyond_max_context"] is True
    assert cost.projection(models["SmolLM2-135M"], [1024], 4, 4, 1)[0]["beyond_max_context"] is False


def test_every_known_model_names_its_source():
    for shape in cost.known_models().values():
        assert shape.source.startswith("https://huggingface.co/") and shape.source.endswith("config.json")
        assert shape.heads % shape.kv_heads == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "at least one"),
        ("64, abc", "'abc' is not a whole number"),
        ("-5", "out of range"),
        (str(config.MAX_CONTEXT_SWEEP_TOKENS + 1), "out of range"),
        (", ".join(str(i) for i in range(1, config.MAX_CONTEXT_SWEEP_POINTS + 2)), "at most"),
    ],
)
def test_bad_lengths_are_refused_with_a_sentence(text, message):
    with pytest.raises(cost.CostError, match=message):
        cost.parse_lengths(text)


def test_lengths_are_parsed_sorted_and_unique():
    assert cost.parse_lengths("256, 64 64,128") == [64, 128, 256]
    with pytest.raises(cost.CostError, match="Repeats"):
        cost.check_repeats(config.MAX_COST_REPEATS + 1)


def test_tiny_model_measured_kv_bytes_equal_the_formula(tiny_runner):
    shape = cost.ModelShape.of(tiny_runner.model, "tiny")
    fractions = []
    result = cost.context_sweep(tiny_runner, [8, 20], repeats=1, progress=lambda f, text: fractions.append(f))
    assert fractions == [64 / (64 + 400), 1.0]  # the work done: a length costs about its square
    assert result.not_reached == ()
    for row in result.rows:
        assert (
            row["kv_cache_bytes"]
            == row["kv_cache_bytes_formula"]
            == cost.kv_cache_bytes(shape, row["context_tokens"], 4)
        )
    line = cost.timeline(tiny_runner, cost.prompt_of_length(tiny_runner, 6), 5, use_cache=True)
    assert line.cache_bytes == [cost.kv_cache_bytes(shape, n, 4) for n in range(6, 11)]
    assert len(line.step_s) == 4 and len(line.token_ids) == 5


def test_cost_charts_are_valid_figures():
    rows = [
        {
            "context_tokens": n,
            "prefill_s": n / 1000,
            "decode_s_per_token": 0.05,
            "decode_s_per_token_no_cache": n / 900,
            "kv_cache_bytes": n * 46080,
            "kv_cache_bytes_formula": n * 46080,
            "attention_score_bytes_per_layer": 36 * n * n,
        }
        for n in (64, 128)
    ]
    for fig in (charts.sweep_time(rows, True), charts.sweep_memory(rows, False)):
        go.Figure(fig.to_dict())
        assert len(fig.data) == 3
    runs = [
        {"label": "on", "prefill_ms": 10.0, "step_ms": [1.0, 2.0]},
        {"label": "off", "prefill_ms": 9.0, "step_ms": [3.0, 4.0]},
    ]
    timeline = charts.decode_timeline(runs)
    go.Figure(timeline.to_dict())
    assert list(timeline.data[1].base) == [10.0, 11.0]
    projection = charts.projection(cost.projection(SMOL, [1024, 2048], 2, 2, 1), cost.gpus())
    go.Figure(projection.to_dict())
    assert len(projection.layout.shapes) == len(cost.gpus())


@pytest.mark.real
def test_real_model_kv_bytes_equal_the_formula(real_runner):
    shape = cost.ModelShape.of(real_runner.model, real_runner.name)
    assert (shape.layers, shape.heads, shape.kv_heads, shape.head_dim) == (30, 9, 3, 64)
    line = cost.timeline(real_runner, cost.prompt_of_length(real_runner, 50), 6, use_cache=True)
    assert line.cache_bytes == [cost.kv_cache_bytes(shape, n, 4) for n in range(50, 56)]


@pytest.mark.real
def test_cached_decode_is_faster_and_the_gap_grows_with_length(real_runner):
    cost.warm_up(real_runner)
    rows = cost.context_sweep(real_runner, [64, 768], repeats=3).rows
    short, long = rows
    assert long["decode_s_per_token"] < long["decode_s_per_token_no_cache"]
    gap_short = short["decode_s_per_token_no_cache"] - short["decode_s_per_token"]
    gap_long = long["decode_s_per_token_no_cache"] - long["decode_s_per_token"]
    assert gap_long > gap_short
    assert long["prefill_s"] > short["prefill_s"]


@pytest.mark.real
def test_same_tokens_with_and_without_the_cache(real_runner):
    ids = cost.prompt_of_length(real_runner, 30)
    on = cost.timeline(real_runner, ids, 8, use_cache=True)
    off = cost.timeline(real_runner, ids, 8, use_cache=False)
    assert on.token_ids == off.token_ids and off.cache_bytes == []


@pytest.mark.real
def test_throughput_reports_each_batch_size(real_runner):
    rows = cost.throughput(real_runner, cost.prompt_of_length(real_runner, 16), [1, 4], new_tokens=4)
    assert [r["batch"] for r in rows] == [1, 4]
    assert rows[1]["tokens_per_s"] == pytest.approx(rows[1]["tokens_per_s_per_request"] * 4)
