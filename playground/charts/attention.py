"""The attention tab: one head's query x key weights."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

from playground.charts.common import TITLE_LINE_PX, _fast_figure, title_lines
from playground.charts.common import title as chart_title
from playground.i18n import t


def attention_heatmap(labels: list[str], rows: list[list[float | None]], title: str) -> go.Figure:
    """Query x key heatmap; ``rows[i][j]`` is None above the diagonal (drawn blank)."""
    positions = list(range(len(labels)))
    ticks = [f"{label} ·{i}" for i, label in enumerate(labels)]
    data = [
        {
            "type": "heatmap",
            "z": rows,
            "x": positions,
            "y": positions,
            "customdata": [[[ticks[i], ticks[j]] for j in positions] for i in positions],
            "colorscale": "Blues",
            "reversescale": True,  # plotly's Blues runs dark to light: make 1 the darkest
            "zmin": 0,
            "zmax": 1,
            "hoverongaps": False,
            "hovertemplate": "%{customdata[0]} → %{customdata[1]}: %{z:.3f}<extra></extra>",
            # The colorbar's title on its side: on top it runs into the "1" of a narrow figure.
            "colorbar": {"title": {"text": t("chart.attn_weight"), "side": "right"}, "thickness": 12},
        }
    ]
    axis = {"tickvals": positions, "ticktext": ticks, "tickfont": {"family": "monospace", "size": 10}}
    extra = TITLE_LINE_PX * (title_lines(title) - 1)
    size = 220 + 18 * len(labels)
    layout = {
        "title": chart_title(title),
        "height": min(size, 900) + extra,
        "margin": {"l": 110, "r": 20, "t": 60 + extra, "b": 110},
        "template": pio.templates["plotly_white"],
        "xaxis": axis | {"title": {"text": t("chart.attn_key")}, "side": "bottom", "tickangle": -90},
        "yaxis": axis | {"title": {"text": t("chart.attn_query")}, "autorange": "reversed"},
    }
    return _fast_figure(data, layout)
