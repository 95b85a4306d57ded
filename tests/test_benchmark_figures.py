"""The Serving tab's benchmark figures: the file benchmarks/bench_vllm.py writes, read and shown."""

from __future__ import annotations

import json

from playground import i18n
from playground.serving import benchmark
from playground.ui import serving as serving_ui


def figures(tokens_per_s: float) -> dict:
    return {"tokens_per_s": tokens_per_s, "p50_s": 10.0, "p95_s": 18.5, "max_s": 19.0, "alone_s": 0.9}


def written(tmp_path, **change) -> benchmark.Benchmark | None:
    record = {
        "measured_at": "2026-12-01T03:00:00+00:00",
        "machine": "2 cores (Test CPU), Linux",
        "clients": 30,
        "tokens": 32,
        "vllm_version": "0.32.0",
        "results": {"vllm": figures(50.0), "v1": figures(55.0), "pages": figures(45.0)},
    } | change
    path = tmp_path / "class_vs_vllm.json"
    path.write_text(json.dumps(record))
    return benchmark.load(path)


def test_the_figures_are_shown_with_when_and_where_in_both_languages(tmp_path):
    loaded = written(tmp_path)
    assert loaded.ratio("tokens_per_s") == 55.0 / 50.0 and loaded.ratio("p95_s") == 1.0
    english = serving_ui.benchmark_figures(loaded)
    assert "2026-12-01" in english and "2 cores (Test CPU)" in english and "vLLM 0.32.0" in english
    assert "55.0 tokens/s" in english and "**1.10x**" in english
    assert english.index("vLLM (its OpenAI API)") < english.index("/v1")  # vLLM's row first
    assert "no web server" not in english  # the in-process path was not measured: no row
    with i18n.use("te"):
        telugu = serving_ui.benchmark_figures(loaded)
    assert telugu != english and "55.0 టోకెన్‌లు/s" in telugu and "2026-12-01" in telugu


def test_without_figures_the_tab_says_how_to_make_them(tmp_path):
    assert benchmark.load(tmp_path / "missing.json") is None
    assert written(tmp_path, results={"vllm": {"tokens_per_s": "fast"}}) is None
    assert written(tmp_path, results={}) is None
    assert "make bench" in serving_ui.benchmark_figures(None)
    only_ours = written(tmp_path, results={"pages": figures(45.0)})
    assert only_ours.ratio("tokens_per_s") is None
    assert "x** vLLM" not in serving_ui.benchmark_figures(only_ours)
