"""The logits tab: the sampling pipeline stage by stage, the engines side by side, many draws."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

from playground.charts.common import (
    BLUE,
    GREY,
    ORANGE,
    TITLE_LINE_PX,
    _fast_figure,
    outside_labels,
    title_lines,
    wrap,
)
from playground.charts.common import title as title_dict
from playground.i18n import t


def sampling_pipeline(view: dict) -> go.Figure:
    """One panel per stage, side by side, the same tokens in every row.

    Logit panels draw each token's score after that stage; a token the stage cut keeps its last
    value in grey, marked "cut". The last panel draws the final probabilities, the sampled token
    in orange. Built from plain dicts (see ``_fast_figure``): it redraws on every slider move.
    """
    stages = view["stages"]
    positions = list(range(len(view["labels"])))
    panels = len(stages) + 1
    gap = 0.012
    width = (1 - gap * (panels - 1)) / panels

    def title(stage: dict) -> str:
        # Lines of one size (a <sup> subtitle is drawn at 7 px), each part of the subtitle on a line of
        # its own, wrapped to the panel's width, in grey.
        lines = [t("chart.stage_sub", kept=stage["kept"], entropy=stage["entropy"])]
        if stage.get("off"):
            lines[0] = f"{t('engines.off')} · {lines[0]}"
        if stage.get("scope"):
            scope = t(stage["scope"], n=stage["window"])
            lines.append(t("engines.counted", scope=scope, count=stage["counted"]))
        parts = [wrap(part, PANEL_CHARS) for line in lines for part in line.split(" · ")]
        name = wrap(t(f"chart.stage.{stage['name']}"), PANEL_CHARS)
        return f'{name} <br><span style="color:#555">{" <br>".join(parts)}</span>'

    titles = [title(s) for s in stages]
    titles.append(title({"name": "final", "kept": view["final_kept"], "entropy": view["final_entropy"]}))
    lines = max(title.count("<br>") for title in titles) + 1
    extra = TITLE_LINE_PX * (title_lines(t("chart.pipeline_title")) - 1)
    height = 70 + extra + 15 * lines + 24 * len(positions)
    top = {"yref": "container", "y": 1 - (20 + extra / 2) / height}

    def bar(col: int, x, colours, text, hover: str, name: str) -> dict:
        return {
            "type": "bar",
            "orientation": "h",
            "x": x,
            "y": positions,
            "xaxis": f"x{col}" if col > 1 else "x",
            "yaxis": "y",
            "marker": {"color": colours},
            "text": text,
            "textposition": "auto",
            "constraintext": "none",  # plotly shrinks a label to fit its bar: 6 px on a short one
            "cliponaxis": False,
            "customdata": view["labels"],
            "hovertemplate": hover + f"<extra>{name}</extra>",
            "name": name,
        }

    data = []
    for col, stage in enumerate(stages, start=1):
        values = [v if v is not None else 0.0 for v in stage["values"]]
        cuts = stage["removed"]
        text = [t("chart.cut") if cut else f"{v:.2f}" for v, cut in zip(values, cuts, strict=True)]
        colours = [GREY if cut else BLUE for cut in cuts]
        data.append(
            bar(col, values, colours, text, "%{customdata}: %{x:.3f}", t(f"chart.stage.{stage['name']}"))
        )
    final_colours = [ORANGE if i == view["sampled"] else BLUE for i in positions]
    final_text = [f"{p:.1%}" if p >= 0.001 else ("<0.1%" if p > 0 else "0") for p in view["final"]]
    data.append(
        bar(
            panels,
            view["final"],
            final_colours,
            final_text,
            "%{customdata}: p = %{x:.4f}",
            t("chart.stage.final"),
        )
    )

    layout = {
        # The title at the top (its middle placed: plotly misplaces a wrapped title anchored at its top),
        # the panels' titles (15 px a line) between it and the bars.
        "title": title_dict(t("chart.pipeline_title")) | top,
        "showlegend": False,
        "height": height,
        "margin": {"l": 90, "r": 10, "t": 50 + extra + 15 * lines, "b": 10},
        "template": pio.templates["plotly_white"],
        "yaxis": {
            "tickvals": positions,
            "ticktext": view["labels"],
            "autorange": "reversed",
            "tickfont": {"family": "monospace"},
            "anchor": "x",
            "automargin": True,
        },
        "annotations": [],
    }
    for col in range(1, panels + 1):
        left = (col - 1) * (width + gap)
        layout["xaxis" if col == 1 else f"xaxis{col}"] = {
            "domain": [left, left + width],
            "range": outside_labels(data[col - 1]["x"])["range"],  # room for a short bar's label
            "showticklabels": False,
            "anchor": "y",
        }
        layout["annotations"].append(
            {
                "text": titles[col - 1],
                "x": left + width / 2,
                "y": 1.0,
                "xref": "paper",
                "yref": "paper",
                "xanchor": "center",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 11},
            }
        )
    return _fast_figure(data, layout)


# The stage chart's panels are 105 px wide or more (assets/style.css gives the chart a minimum width and
# scrolls it sideways on a phone): a title's line holds 17 characters of 11 px.
PANEL_CHARS = 17

ENGINE_COLOURS = ("#3b6fd8", "#e8833a", "#2e9d5b")  # transformers, vLLM, llama.cpp


def _percent(value: float | None) -> str:
    """A bar's label; None: the series said nothing of this token (a real engine's top 20 ends)."""
    if value is None:
        return ""
    return f"{value:.1%}" if value >= 0.001 else ("<0.1%" if value > 0 else "0")


def _probability_bars(labels: list[str], series: list[tuple[str, list[float], str]], title: str) -> go.Figure:
    """Grouped horizontal bars, one group per token (most probable on top), one bar per series."""
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "name": name,
            "x": values,
            "y": labels,
            "marker": {"color": colour},
            "text": [_percent(v) for v in values],
            "textfont": {"size": 12},
            "hovertemplate": "%{y}: %{x:.4f}<extra>" + name + "</extra>",
        }
        | outside_labels([])["trace"]
        for name, values, colour in series
    ]
    largest = max((v for _, values, _ in series for v in values if v is not None), default=1.0)
    layout = {
        "title": title_dict(title),
        "barmode": "group",
        "bargap": 0.15,
        # 20 px a bar: a 12 px label beside each without touching its neighbours'.
        "height": 150 + 20 * len(series) * len(labels),
        "margin": {"l": 90, "r": 10, "t": 100, "b": 40},
        "template": pio.templates["plotly_white"],
        "yaxis": {
            "autorange": "reversed",
            "tickfont": {"family": "monospace"},
            "type": "category",
            "automargin": True,
        },
        "xaxis": {
            "title": {"text": t("engines.probability")},
            "tickformat": ".0%",
            "range": outside_labels([largest])["range"],
        },
        "legend": {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"},
    }
    return _fast_figure(data, layout)


def engines_compare(view: dict) -> go.Figure:
    """Each engine's final probabilities for the same tokens, side by side."""
    series = [
        (name, view["probs"][name], ENGINE_COLOURS[i % len(ENGINE_COLOURS)])
        for i, name in enumerate(view["engines"])
    ]
    return _probability_bars(view["labels"], series, t("engines.compare_title"))


def draws_histogram(view: dict) -> go.Figure:
    """The share of ``n`` draws each token got, beside its probability."""
    series = [
        (t("engines.probability"), view["probs"], BLUE),
        (t("engines.drawn_share"), view["shares"], ORANGE),
    ]
    return _probability_bars(view["labels"], series, t("engines.draws_title", n=view["n"]))
