"""The tokenizer tab: what a sentence costs in tokens, language by language."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground import i18n
from playground.charts.common import BLUE, ORANGE
from playground.i18n import t


def language_cost(rows: list[dict]) -> go.Figure:
    """Two bar charts over languages: tokens per character, and tokens relative to English."""
    names = [
        t(f"chart.lang.{r['code']}") if i18n.has(f"chart.lang.{r['code']}") else r["language"] for r in rows
    ]
    fig = make_subplots(rows=1, cols=2, subplot_titles=(t("chart.tokens_per_char"), t("chart.vs_english")))
    fig.add_trace(
        go.Bar(
            x=names,
            y=[r["tokens_per_char"] for r in rows],
            marker_color=BLUE,
            text=[f"{r['tokens_per_char']:.2f}" for r in rows],
            textposition="outside",
            cliponaxis=False,
            customdata=[[r["tokens"], r["chars"], r["bytes"]] for r in rows],
            hovertemplate=t(
                "chart.cost_hover_per_char",
                language="%{x}",
                ratio="%{y:.2f}",
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
            x=names,
            y=[r["tokens_vs_english"] for r in rows],
            marker_color=[ORANGE if r["code"] != "en" else BLUE for r in rows],
            text=[f"×{r['tokens_vs_english']:.1f}" for r in rows],
            textposition="outside",
            cliponaxis=False,
            hovertemplate=t("chart.cost_hover_vs_english", language="%{x}", ratio="%{y:.2f}")
            + "<extra></extra>",
            name=t("chart.vs_english"),
        ),
        row=1,
        col=2,
    )
    fig.update_layout(
        title=t("chart.cost_title"),
        showlegend=False,
        height=380,
        margin=dict(l=40, r=20, t=80, b=40),
        template="plotly_white",
    )
    fig.update_yaxes(rangemode="tozero")
    return fig
