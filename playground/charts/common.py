"""What every chart shares: the colours, a Figure built without validation, a line, a layout, a title
and bar labels that a 390 px phone can read."""

from __future__ import annotations

import textwrap

import plotly.graph_objects as go
import plotly.io as pio

BLUE = "#3b6fd8"
ORANGE = "#e8833a"
GREY = "#c8c8c8"
GREEN = "#2e9d5b"
PURPLE = "#8e44ad"

# A chart is 324 px wide on a 390 px phone. Plotly never wraps a title: a title's line holds at most
# TITLE_CHARS characters, which its 16 px font draws in ~270 px (Telugu letters take less per character).
TITLE_CHARS = 34
TITLE_LINE_PX = 22


def wrap(text: str, width: int = TITLE_CHARS) -> str:
    """``text`` broken into lines (plotly's ``<br>``) of at most ``width`` characters, between words.

    Each line but the last keeps the space it ended at: the SVG's text (what a screen reader or a copy
    reads) stays the words of ``text``, not two words run together at every break."""
    lines = textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)
    return " <br>".join(lines) or text


def title(text: str) -> dict:
    """A chart's title: wrapped to fit a phone, at the left of the figure (centred, a long line would
    leave the phone's screen on either side; at the plot area's left, it would start past a wide margin)."""
    return {"text": wrap(text), "x": 0, "xref": "container", "xanchor": "left", "pad": {"l": 12, "t": 10}}


def title_lines(text: str) -> int:
    return wrap(text).count("<br>") + 1


def outside_labels(values: list[float], room: float = 0.4) -> dict:
    """Bar labels drawn outside their bars at the font's own size (plotly shrinks a label to its bar's
    width by default: 7 px on a phone) and an axis range with ``room`` for the longest label."""
    low, high = min([0.0, *values]), max([0.0, *values])
    span = (high - low) or 1.0
    return {
        "trace": {"textposition": "outside", "constraintext": "none", "cliponaxis": False},
        "range": [low - (room * span if low < 0 else 0), high + room * span],
    }


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


def _base_layout(text: str, height: int = 380) -> dict:
    extra = TITLE_LINE_PX * (title_lines(text) - 1)
    return {
        "title": title(text),
        "height": height + extra,
        "margin": {"l": 70, "r": 20, "t": 60 + extra, "b": 50},
        "template": pio.templates["plotly_white"],
        "legend": {"orientation": "h", "y": -0.2},
    }
