"""Pure chart builders: plain data -> plotly Figure. No torch, no gradio."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground.i18n import t

BLUE = "#3b6fd8"
ORANGE = "#e8833a"


def language_cost(rows: list[dict]) -> go.Figure:
    """Two bar charts over languages: tokens per character, and tokens relative to English."""
    names = [r["language"] for r in rows]
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
            hovertemplate=(
                "%{x}<br>%{y:.2f} tokens/char<br>"
                "%{customdata[0]} tokens, %{customdata[1]} chars, %{customdata[2]} bytes<extra></extra>"
            ),
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
            hovertemplate="%{x}: %{y:.2f}× the tokens of English<extra></extra>",
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


GREY = "#c8c8c8"


def sampling_pipeline(view: dict) -> go.Figure:
    """One panel per stage, side by side, the same tokens in every row.

    Logit panels draw each token's score after that stage; a token the stage cut keeps its last
    value in grey, marked "cut". The last panel draws the final probabilities, the sampled token
    in orange.
    """
    stages = view["stages"]
    positions = list(range(len(view["labels"])))

    def title(name: str, kept: int, entropy: float) -> str:
        return f"{t(f'chart.stage.{name}')}<br><sup>{t('chart.stage_sub', kept=kept, entropy=entropy)}</sup>"

    titles = [title(s["name"], s["kept"], s["entropy"]) for s in stages]
    titles.append(title("final", view["final_kept"], view["final_entropy"]))
    fig = make_subplots(
        rows=1, cols=len(stages) + 1, shared_yaxes=True, horizontal_spacing=0.012, subplot_titles=titles
    )
    for col, stage in enumerate(stages, start=1):
        values = [v if v is not None else 0.0 for v in stage["values"]]
        fig.add_trace(
            go.Bar(
                x=values,
                y=positions,
                orientation="h",
                marker_color=[GREY if cut else BLUE for cut in stage["removed"]],
                text=[
                    t("chart.cut") if cut else f"{v:.2f}"
                    for v, cut in zip(values, stage["removed"], strict=True)
                ],
                textposition="auto",
                customdata=view["labels"],
                hovertemplate="%{customdata}: %{x:.3f}<extra>" + stage["name"] + "</extra>",
                name=stage["name"],
            ),
            row=1,
            col=col,
        )
    fig.add_trace(
        go.Bar(
            x=view["final"],
            y=positions,
            orientation="h",
            marker_color=[ORANGE if i == view["sampled"] else BLUE for i in positions],
            text=[f"{p:.1%}" if p > 0 else "0" for p in view["final"]],
            textposition="auto",
            customdata=view["labels"],
            hovertemplate="%{customdata}: p = %{x:.4f}<extra>final</extra>",
            name="final",
        ),
        row=1,
        col=len(stages) + 1,
    )
    fig.update_yaxes(
        tickvals=positions, ticktext=view["labels"], autorange="reversed", tickfont=dict(family="monospace")
    )
    fig.update_xaxes(showticklabels=False)
    fig.update_annotations(font_size=11)
    fig.update_layout(
        title=t("chart.pipeline_title"),
        showlegend=False,
        height=140 + 24 * len(positions),
        margin=dict(l=90, r=10, t=90, b=10),
        template="plotly_white",
    )
    return fig
