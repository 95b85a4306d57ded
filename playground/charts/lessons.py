"""The lessons on engines: quantization (a matrix's values before and after, KL by prompt) and
speculative decoding (what each forward pass of the model gained)."""

from __future__ import annotations

import itertools

import plotly.graph_objects as go

from playground.charts.common import BLUE, GREEN, ORANGE, _base_layout, _fast_figure
from playground.i18n import t

RED = "#d64545"


def weight_histogram(matrix: dict) -> go.Figure:
    """A matrix's values before and after quantization over the same bins (a log count axis: the
    tails, where the error is largest, stay visible). ``matrix``: /quantize's ``matrix``."""
    edges = matrix["edges"]
    centres = [(a + b) / 2 for a, b in itertools.pairwise(edges)]
    width = edges[1] - edges[0] if len(edges) > 1 else 1.0
    data = [
        {
            "type": "bar",
            "x": centres,
            "y": counts,
            "width": width,
            "name": name,
            "marker": {"color": colour},
            "opacity": 0.6,
            "hovertemplate": t("chart.quant.hover", name=name, value="%{x:.4f}", count="%{y:,}")
            + "<extra></extra>",
        }
        for name, counts, colour in (
            (t("chart.quant.before"), matrix["histogram_before"], BLUE),
            (t("chart.quant.after", distinct=matrix["distinct_after"]), matrix["histogram_after"], ORANGE),
        )
    ]
    layout = _base_layout(t("chart.quant.title", name=matrix["name"]), height=360)
    layout |= {
        "barmode": "overlay",
        "bargap": 0,
        "xaxis": {"title": {"text": t("chart.quant.value")}},
        "yaxis": {"type": "log", "dtick": 1, "title": {"text": t("chart.quant.count")}},
    }
    return _fast_figure(data, layout)


def prompt_kl(rows: list[dict]) -> go.Figure:
    """KL(loaded ‖ quantized), mean over the positions, one bar per prompt, coloured by language."""
    colours = {"en": BLUE, "te": ORANGE}
    data = []
    for lang in ("en", "te"):
        mine = [r for r in rows if r["language"] == lang]
        if not mine:
            continue
        data.append(
            {
                "type": "bar",
                "x": [r["prompt"][:40] for r in mine],
                "y": [r["kl_mean"] for r in mine],
                "customdata": [[r["top1_agreement"], r["tokens"]] for r in mine],
                "name": t(f"quantize.lang.{lang}"),
                "marker": {"color": colours[lang]},
                "hovertemplate": t(
                    "chart.quant_kl.hover",
                    kl="%{y:.4f}",
                    top1="%{customdata[0]:.0%}",
                    tokens="%{customdata[1]}",
                )
                + "<extra></extra>",
            }
        )
    layout = _base_layout(t("chart.quant_kl.title"), height=340)
    layout |= {"yaxis": {"title": {"text": t("chart.quant_kl.y")}}, "xaxis": {"automargin": True}}
    return _fast_figure(data, layout)


def speculative_rounds(steps: list[dict]) -> go.Figure:
    """One stacked bar per forward pass of the model: the drafted tokens it kept, the token it placed
    itself (a correction, or the bonus), and the drafted tokens it threw away."""
    rounds = list(range(1, len(steps) + 1))
    parts = (
        ("chart.spec.accepted", [s["accepted"] for s in steps], GREEN),
        ("chart.spec.placed", [1] * len(steps), BLUE),
        ("chart.spec.rejected", [len(s["drafted"]) - s["accepted"] for s in steps], RED),
    )
    data = [
        {
            "type": "bar",
            "x": rounds,
            "y": values,
            "name": t(key),
            "marker": {"color": colour},
            "hovertemplate": t(key) + ": %{y}<extra></extra>",
        }
        for key, values, colour in parts
    ]
    layout = _base_layout(t("chart.spec.title"), height=300)
    layout |= {
        "barmode": "stack",
        "xaxis": {"title": {"text": t("chart.spec.round")}, "dtick": 1 if len(steps) <= 30 else None},
        "yaxis": {"title": {"text": t("chart.spec.tokens")}, "dtick": 1},
    }
    return _fast_figure(data, layout)
