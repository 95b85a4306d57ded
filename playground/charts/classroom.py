"""The reveal of a class step: the class's answers beside the model's (probabilities, weights, or the
true count), the model's answer and the viewer's own marked."""

from __future__ import annotations

from html import escape

import plotly.graph_objects as go

from playground.charts.common import BLUE, GREEN, ORANGE, _base_layout, _fast_figure
from playground.i18n import t


def _shown(text: str) -> str:
    """An answer as a chart label: escaped (plotly reads some HTML in text), spaces made visible."""
    text = str(text)
    return escape(text.replace(" ", "␣") if text.strip() != text or not text else text)


def class_reveal(reveal: dict, numbers: bool) -> go.Figure:
    """Bars per answer: the share of the class that gave it and, for a token question, the model's
    probability (or attention weight); the truth in green, the viewer's answer named in the title."""
    total = sum(row["count"] for row in reveal["class"]) or 1
    truth = str(reveal["truth"])
    rows = [] if numbers else [str(row["answer"]) for row in reveal["model"]]
    rows += [str(row["answer"]) for row in reveal["class"] if str(row["answer"]) not in rows]
    if numbers and truth not in rows:
        rows.append(truth)
    if numbers:
        rows.sort(key=lambda a: (int(a) if a.lstrip("-").isdigit() else float("inf"), a))
    share = {str(row["answer"]): row["count"] / total for row in reveal["class"]}
    model = {str(row["answer"]): row["prob"] for row in reveal["model"]}
    labels = [_shown(a) for a in rows]
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "y": labels,
            "x": [share.get(a, 0) for a in rows],
            "name": t("chart.class.class"),
            "marker": {"color": [GREEN if a == truth else ORANGE for a in rows]},
            "hovertemplate": "%{y}: %{x:.0%}<extra></extra>",
        }
    ]
    if not numbers:
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "y": labels,
                "x": [model.get(a, 0) for a in rows],
                "name": t("chart.class.model"),
                "marker": {"color": BLUE},
                "hovertemplate": "%{y}: %{x:.1%}<extra></extra>",
            }
        )
    mine = reveal.get("mine")
    title = t("chart.class.title", truth=_shown(truth))
    if mine:
        title += " · " + t("chart.class.mine", mine=escape(str(mine)))
    layout = _base_layout(title, height=140 + 26 * max(len(rows), 2))
    layout |= {
        "barmode": "group",
        "xaxis": {"title": {"text": t("chart.class.share")}, "tickformat": ".0%", "rangemode": "tozero"},
        "yaxis": {"autorange": "reversed", "automargin": True, "type": "category"},
    }
    layout["margin"] |= {"l": 20}
    return _fast_figure(data, layout)
