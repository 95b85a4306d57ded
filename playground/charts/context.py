"""The context tab: time and memory against context length, and what larger models would need."""

from __future__ import annotations

import math

import plotly.graph_objects as go

from playground.charts.common import BLUE, GREEN, GREY, ORANGE, PURPLE, _base_layout, _fast_figure, _line
from playground.i18n import t


def sweep_time(rows: list[dict], log_axes: bool) -> go.Figure:
    """Prefill time and decode time per token, with and without the cache, by context length."""
    x = [r["context_tokens"] for r in rows]
    data = [
        _line(x, [r["prefill_s"] * 1000 for r in rows], t("chart.prefill_time"), ORANGE),
        _line(x, [r["decode_s_per_token_no_cache"] * 1000 for r in rows], t("chart.decode_no_cache"), PURPLE),
        _line(x, [r["decode_s_per_token"] * 1000 for r in rows], t("chart.decode_cache"), BLUE),
    ]
    axis = {"type": "log", "dtick": 1} if log_axes else {"rangemode": "tozero"}
    layout = _base_layout(t("chart.sweep_time_title"))
    layout |= {
        "xaxis": axis | {"title": {"text": t("chart.context_tokens")}},
        "yaxis": axis | {"title": {"text": "ms"}},
    }
    return _fast_figure(data, layout)


def sweep_memory(rows: list[dict], log_axes: bool) -> go.Figure:
    """KV cache bytes (measured, and the formula) and eager attention's score matrix per layer."""
    x = [r["context_tokens"] for r in rows]
    mib = 2**20
    data = [
        _line(
            x,
            [r["kv_cache_bytes_formula"] / mib for r in rows],
            t("chart.kv_formula"),
            GREY,
            dash="dash",
            mode="lines",
        ),
        _line(x, [r["kv_cache_bytes"] / mib for r in rows], t("chart.kv_measured"), GREEN, mode="markers"),
        _line(
            x, [r["attention_score_bytes_per_layer"] / mib for r in rows], t("chart.attention_scores"), PURPLE
        ),
    ]
    axis = {"type": "log", "dtick": 1} if log_axes else {"rangemode": "tozero"}
    layout = _base_layout(t("chart.sweep_memory_title"))
    layout |= {
        "xaxis": axis | {"title": {"text": t("chart.context_tokens")}},
        "yaxis": axis | {"title": {"text": "MiB"}},
    }
    return _fast_figure(data, layout)


PALETTE = ["#3b6fd8", "#e8833a", "#2e9d5b", "#8e44ad", "#c0392b", "#16a085", "#7f8c8d"]


def projection(rows: list[dict], gpus: list[dict]) -> go.Figure:
    """Weights + KV cache against context length for each model (log-log), with GPU sizes."""
    gib = 2**30
    data = []
    models = list(dict.fromkeys(r["model"] for r in rows))
    for index, model in enumerate(models):
        mine = [r for r in rows if r["model"] == model]
        line = _line(
            [r["context_tokens"] for r in mine],
            [r["total_bytes"] / gib for r in mine],
            model,
            PALETTE[index % len(PALETTE)],
        )
        line["customdata"] = [[r["weight_bytes"] / gib, r["kv_cache_bytes"] / gib] for r in mine]
        line["hovertemplate"] = (
            t(
                "chart.projection_hover",
                model=model,
                tokens="%{x:,}",
                total="%{y:,.1f}",
                weights="%{customdata[0]:,.1f}",
                kv="%{customdata[1]:,.1f}",
            )
            + "<extra></extra>"
        )
        data.append(line)
    layout = _base_layout(t("chart.projection_title"), height=460)
    layout |= {
        # Decades only: plotly draws the 2s and 5s between them at 9 px.
        "xaxis": {"type": "log", "dtick": 1, "title": {"text": t("chart.context_tokens")}},
        "yaxis": {"type": "log", "dtick": 1, "title": {"text": "GiB"}},
        "shapes": [
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": g["bytes"] / gib,
                "y1": g["bytes"] / gib,
                "line": {"color": "#999", "dash": "dot", "width": 1},
            }
            for g in gpus
        ],
        "annotations": [
            {
                "xref": "paper",
                "x": 0.0,
                "y": math.log10(g["bytes"] / gib),
                "text": g["name"],
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "bottom",
                "font": {"size": 11, "color": "#777"},
            }
            for g in gpus
        ],
    }
    return _fast_figure(data, layout)
