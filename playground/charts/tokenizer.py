"""The tokenizer tab: what a sentence costs in tokens, language by language."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground import i18n
from playground.charts.common import BLUE, ORANGE, TITLE_LINE_PX, outside_labels, title, title_lines
from playground.i18n import t


def language_cost(rows: list[dict]) -> go.Figure:
    """Two bar charts over languages, one above the other: tokens per character, and tokens relative to
    English. Bars lie flat (a language's name beside its bar), so that they read on a phone too."""
    names = [
        t(f"chart.lang.{r['code']}") if i18n.has(f"chart.lang.{r['code']}") else r["language"] for r in rows
    ]
    per_char = [r["tokens_per_char"] for r in rows]
    vs_english = [r["tokens_vs_english"] for r in rows]
    fig = make_subplots(
        rows=2,
        cols=1,
        subplot_titles=(t("chart.tokens_per_char"), t("chart.vs_english")),
        vertical_spacing=0.12,
    )
    fig.add_trace(
        go.Bar(
            x=per_char,
            y=names,
            orientation="h",
            marker_color=BLUE,
            text=[f"{r['tokens_per_char']:.2f}" for r in rows],
            **outside_labels(per_char)["trace"],
            customdata=[[r["tokens"], r["chars"], r["bytes"]] for r in rows],
            hovertemplate=t(
                "chart.cost_hover_per_char",
                language="%{y}",
                ratio="%{x:.2f}",
                tokens="%{customdata[0]}",
                chars="%{customdata[1]}",
                bytes="%{customdata[2]}",
            )
            + "<extra></extra>",
            name=t("chart.tokens_per_char"),
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Bar(
            x=vs_english,
            y=names,
            orientation="h",
            marker_color=[ORANGE if r["code"] != "en" else BLUE for r in rows],
            text=[f"×{r['tokens_vs_english']:.1f}" for r in rows],
            **outside_labels(vs_english)["trace"],
            hovertemplate=t("chart.cost_hover_vs_english", language="%{y}", ratio="%{x:.2f}")
            + "<extra></extra>",
            name=t("chart.vs_english"),
        ),
        row=2,
        col=1,
    )
    extra = TITLE_LINE_PX * (title_lines(t("chart.cost_title")) - 1)
    fig.update_layout(
        title=title(t("chart.cost_title")),
        showlegend=False,
        height=200 + 2 * 22 * len(rows) + extra,
        margin=dict(l=20, r=20, t=80 + extra, b=30),
        template="plotly_white",
    )
    fig.update_xaxes(range=outside_labels(per_char)["range"], row=1, col=1)
    fig.update_xaxes(range=outside_labels(vs_english)["range"], row=2, col=1)
    fig.update_yaxes(autorange="reversed", automargin=True)
    return fig
