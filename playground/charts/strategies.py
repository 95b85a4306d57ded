"""The strategies tab: greedy, beam search and samples placed by likelihood and variety."""

from __future__ import annotations

import plotly.graph_objects as go

from playground.charts.common import BLUE, ORANGE, PURPLE, _base_layout, _fast_figure
from playground.i18n import t


def strategies_scatter(points: list[dict]) -> go.Figure:
    """Each decoding result placed by the model's own total log-probability (y) against its
    variety (x, the share of distinct word bigrams): greedy, beam search and the samples.

    Each point: {strategy: "greedy" | "beam" | "sample", name, text, logprob_sum, logprob_mean,
    distinct_bigrams, tokens}.
    """
    from html import escape  # the model's text goes into hover labels, which read a little HTML

    styles = {
        "greedy": ({"color": PURPLE, "size": 16, "symbol": "diamond"}, t("strategies.name.greedy")),
        "beam": ({"color": ORANGE, "size": 20, "symbol": "star"}, t("strategies.name.beam")),
        "sample": (
            {"color": BLUE, "size": 12, "symbol": "circle", "opacity": 0.8},
            t("strategies.chart.samples"),
        ),
    }
    data = []
    for strategy, (marker, legend) in styles.items():
        group = [p for p in points if p["strategy"] == strategy]
        if not group:
            continue
        data.append(
            {
                "type": "scatter",
                "mode": "markers+text",
                "x": [p["distinct_bigrams"] for p in group],
                "y": [p["logprob_sum"] for p in group],
                "text": [p["name"] for p in group],
                "textposition": "middle right",
                "customdata": [[escape(_shorten(p["text"])), p["logprob_mean"], p["tokens"]] for p in group],
                "hovertemplate": t("strategies.chart.hover") + "<extra>%{text}</extra>",
                "marker": marker,
                "name": legend,
            }
        )
    lowest = min((p["distinct_bigrams"] for p in points), default=1.0)
    layout = _base_layout(t("strategies.chart.title"), height=420)
    layout["xaxis"] = {"title": {"text": t("strategies.chart.x")}, "range": [min(0.5, lowest - 0.05), 1.12]}
    layout["yaxis"] = {"title": {"text": t("strategies.chart.y")}}
    return _fast_figure(data, layout)


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
