"""The decode tab: prefill and decode steps on a timeline, the KV cache growing, throughput by batch."""

from __future__ import annotations

import plotly.graph_objects as go

from playground.charts.common import BLUE, GREEN, GREY, ORANGE, _base_layout, _fast_figure, _line
from playground.i18n import t


def decode_timeline(runs: list[dict]) -> go.Figure:
    """One row per run (cache on / off): a prefill bar, then one bar per decoded token, on a
    shared time axis (ms). Each run: {label, prefill_ms, step_ms: [...]}."""
    data = []
    for run in runs:
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "y": [run["label"]],
                "x": [run["prefill_ms"]],
                "base": [0],
                "marker": {"color": ORANGE},
                "name": t("chart.prefill"),
                "hovertemplate": t("chart.prefill") + ": %{x:.0f} ms<extra></extra>",
            }
        )
        starts, clock = [], run["prefill_ms"]
        for step in run["step_ms"]:
            starts.append(clock)
            clock += step
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "y": [run["label"]] * len(starts),
                "x": run["step_ms"],
                "base": starts,
                "marker": {"color": [BLUE if i % 2 == 0 else "#7aa2ee" for i in range(len(starts))]},
                "customdata": list(range(2, len(starts) + 2)),
                "name": t("chart.decode"),
                "hovertemplate": t("chart.token_n") + ": %{x:.1f} ms<extra></extra>",
            }
        )
    layout = _base_layout(t("chart.timeline_title"), height=260)
    layout |= {"barmode": "overlay", "showlegend": False, "xaxis": {"title": {"text": "ms"}}}
    return _fast_figure(data, layout)


def step_times(runs: list[dict]) -> go.Figure:
    """Each decode step's time against the token's position: flat with the cache, rising without."""
    data = [
        _line(list(range(2, len(r["step_ms"]) + 2)), r["step_ms"], r["label"], colour)
        for r, colour in zip(runs, (BLUE, ORANGE), strict=False)
    ]
    layout = _base_layout(t("chart.steps_title"), height=320)
    layout |= {
        "xaxis": {"title": {"text": t("chart.token_index")}},
        "yaxis": {"title": {"text": "ms"}, "rangemode": "tozero"},
    }
    return _fast_figure(data, layout)


def kv_growth(tokens: list[int], measured: list[int], formula: list[int]) -> go.Figure:
    """KV cache bytes after each step: measured from the cache tensors, and the formula's line."""
    data = [
        _line(tokens, [b / 2**20 for b in formula], t("chart.kv_formula"), GREY, dash="dash", mode="lines"),
        _line(tokens, [b / 2**20 for b in measured], t("chart.kv_measured"), GREEN, mode="markers"),
    ]
    layout = _base_layout(t("chart.kv_title"), height=320)
    layout |= {
        "xaxis": {"title": {"text": t("chart.tokens_in_cache")}},
        "yaxis": {"title": {"text": "MiB"}, "rangemode": "tozero"},
    }
    return _fast_figure(data, layout)


def throughput(rows: list[dict]) -> go.Figure:
    """Total decode tokens/s and tokens/s per request, by batch size."""
    batches = [str(r["batch"]) for r in rows]
    data = [
        {
            "type": "bar",
            "x": batches,
            "y": [r["tokens_per_s"] for r in rows],
            "name": t("chart.total_tps"),
            "marker": {"color": BLUE},
            "text": [f"{r['tokens_per_s']:.0f}" for r in rows],
            "textposition": "outside",
            "cliponaxis": False,
        },
        {
            "type": "bar",
            "x": batches,
            "y": [r["tokens_per_s_per_request"] for r in rows],
            "name": t("chart.request_tps"),
            "marker": {"color": ORANGE},
            "text": [f"{r['tokens_per_s_per_request']:.0f}" for r in rows],
            "textposition": "outside",
            "cliponaxis": False,
        },
    ]
    layout = _base_layout(t("chart.throughput_title"), height=340)
    layout |= {
        "barmode": "group",
        "xaxis": {"title": {"text": t("chart.batch")}, "type": "category"},
        "yaxis": {"title": {"text": t("chart.tokens_per_s")}, "rangemode": "tozero"},
    }
    return _fast_figure(data, layout)
