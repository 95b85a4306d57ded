"""The beam search tab: the whole tree of candidates, and greedy decoding beside it."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

from playground.charts.common import BLUE, GREEN, GREY, ORANGE, PURPLE, _fast_figure
from playground.i18n import t


def beam_tree(view: dict) -> go.Figure:
    """The beam search tree: x is the step, each node a token; pruned candidates grey, beams
    coloured by their total log-probability, finished hypotheses ringed in green, the winning
    path in thick orange, and greedy decoding on its own dashed lane below."""
    nodes = {n["id"]: n for n in view["nodes"]}

    def edges(select) -> tuple[list, list]:
        xs, ys = [], []
        for node in view["nodes"]:
            if not select(node):
                continue
            parent = nodes.get(node["parent"])
            px, py = (parent["x"], parent["y"]) if parent else (0, view["root_y"])
            xs += [px, node["x"], None]
            ys += [py, node["y"], None]
        return xs, ys

    def line(select, colour: str, width: float, name: str) -> dict:
        xs, ys = edges(select)
        return {
            "type": "scatter",
            "mode": "lines",
            "x": xs,
            "y": ys,
            "hoverinfo": "skip",
            "name": name,
            "line": {"color": colour, "width": width},
        }

    def markers(group: list[dict], marker: dict, name: str, with_text: bool = True) -> dict:
        return {
            "type": "scatter",
            "mode": "markers+text" if with_text else "markers",
            "x": [n["x"] for n in group],
            "y": [n["y"] for n in group],
            "text": [n["label"] for n in group],
            "textposition": "middle right",
            "textfont": {"family": "monospace", "size": 11},
            "customdata": [
                [n["logprob"], n.get("score", 0.0), t(f"chart.beam.{n.get('status', 'greedy')}")]
                for n in group
            ],
            "hovertemplate": hover,
            "marker": marker,
            "name": name,
        }

    hover = t(
        "chart.beam_hover",
        token="%{text}",
        logprob="%{customdata[0]:.3f}",
        total_label=t("chart.beam_total"),
        total="%{customdata[1]:.3f}",
        status="%{customdata[2]}",
    )
    hover += "<extra></extra>"
    pruned = [n for n in view["nodes"] if n["status"] == "pruned"]
    alive = [n for n in view["nodes"] if n["status"] != "pruned"]
    finished = [n for n in view["nodes"] if n["status"] == "finished"]
    data = [
        line(lambda n: n["status"] == "pruned", GREY, 1, t("chart.beam.pruned")),
        line(lambda n: n["status"] != "pruned", BLUE, 2, t("chart.beam.beams")),
        line(lambda n: n["best"], ORANGE, 5, t("chart.beam.best")),
        markers(pruned, {"color": GREY, "size": 6}, t("chart.beam.pruned")),
        markers(
            alive,
            {
                "color": [n["score"] for n in alive],
                "colorscale": "Viridis",
                "size": 10,
                "showscale": True,
                "colorbar": {"title": {"text": t("chart.beam_score"), "side": "right"}},
            },
            t("chart.beam.beams"),
        ),
        markers(
            finished,
            {"color": "rgba(0,0,0,0)", "size": 16, "line": {"color": GREEN, "width": 3}},
            t("chart.beam.finished"),
            False,
        ),
        {
            "type": "scatter",
            "mode": "markers",
            "x": [0],
            "y": [view["root_y"]],
            "hoverinfo": "skip",
            "name": t("chart.beam.prompt"),
            "marker": {"color": "#444", "size": 12, "symbol": "square"},
        },
    ]
    greedy = view["greedy"]
    if greedy:
        lane = view["greedy_lane"]
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": [0] + [g["x"] for g in greedy],
                "y": [lane] * (len(greedy) + 1),
                "line": {"color": PURPLE, "width": 2, "dash": "dash"},
                "hoverinfo": "skip",
                "name": t("chart.beam.greedy"),
            }
        )
        data.append(
            markers(greedy, {"color": PURPLE, "size": 9, "symbol": "diamond"}, t("chart.beam.greedy"))
        )
    max_x = max([n["x"] for n in view["nodes"]] + [g["x"] for g in greedy] + [1])
    lanes = view["greedy_lane"] + 1
    layout = {
        "title": {"text": t("chart.beam_title")},
        "showlegend": False,
        "height": max(420, min(22 * lanes + 120, 3200)),
        "margin": {"l": 60, "r": 20, "t": 60, "b": 40},
        "template": pio.templates["plotly_white"],
        "xaxis": {"title": {"text": t("chart.beam_step")}, "range": [-0.3, max_x + 0.9], "dtick": 1},
        "yaxis": {"visible": False, "autorange": "reversed"},
        "annotations": [
            {
                "x": 0,
                "y": view["greedy_lane"],
                "text": t("chart.beam_greedy"),
                "showarrow": False,
                "xanchor": "right",
                "font": {"color": PURPLE},
            },
        ],
    }
    return _fast_figure(data, layout)
