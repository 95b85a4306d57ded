"""What every chart shares: the colours, a Figure built without validation, a line, a layout."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

BLUE = "#3b6fd8"
ORANGE = "#e8833a"
GREY = "#c8c8c8"
GREEN = "#2e9d5b"
PURPLE = "#8e44ad"


def _fast_figure(data: list[dict], layout: dict) -> go.Figure:
    """A Figure from plain dicts without plotly's per-property validation.

    Validation costs ~50 ms for the pipeline chart, which redraws on every slider move; the
    tests rebuild each such figure with validation on, so a wrong property still fails there.
    """
    return go.Figure(data=data, layout=layout, _validate=False)


def _line(
    x, y, name: str, colour: str, dash: str = "solid", mode: str = "lines+markers", axis: str = ""
) -> dict:
    return {
        "type": "scatter",
        "mode": mode,
        "x": x,
        "y": y,
        "name": name,
        "line": {"color": colour, "dash": dash},
        "xaxis": f"x{axis}",
        "yaxis": f"y{axis}",
    }


def _base_layout(title: str, height: int = 380) -> dict:
    return {
        "title": {"text": title},
        "height": height,
        "margin": {"l": 70, "r": 20, "t": 60, "b": 50},
        "template": pio.templates["plotly_white"],
        "legend": {"orientation": "h", "y": -0.2},
    }
