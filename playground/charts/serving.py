"""The serving tab: continuous batching on a timeline, step sizes, throughput, Simulate a class."""

from __future__ import annotations

import plotly.graph_objects as go

from playground.charts.common import BLUE, GREY, ORANGE, _base_layout, _fast_figure, _line
from playground.i18n import t

PHASE_COLOURS = {"waiting": GREY, "prefill": ORANGE, "decoding": BLUE}


def _timeline_traces(rows: list[dict], axis: str = "", legend: bool = True) -> list[dict]:
    """One horizontal bar trace per phase; each request is a row, the learner's own marked."""
    labels = [
        t("serving.chart.own_request" if r["own"] else "serving.chart.request", id=r["id"]) for r in rows
    ]
    data = []
    for phase, colour in PHASE_COLOURS.items():
        ys, bases, widths, lines = [], [], [], []
        for label, row in zip(labels, rows, strict=True):
            for p in row["phases"]:
                if p["phase"] == phase:
                    ys.append(label)
                    bases.append(p["start"])
                    widths.append(max(p["end"] - p["start"], 0.0))
                    lines.append(2 if row["own"] else 0)
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "y": ys,
                "x": widths,
                "base": bases,
                "name": t(f"serving.chart.phase_{phase}"),
                "marker": {"color": colour, "line": {"width": lines, "color": "#111111"}},
                "hovertemplate": "%{y}<br>%{base:.2f} s + %{x:.2f} s<extra>%{fullData.name}</extra>",
                "xaxis": f"x{axis}",
                "yaxis": f"y{axis}",
                "showlegend": legend,
                "legendgroup": phase,
            }
        )
    return data


def serving_timeline(rows: list[dict], x_title: str) -> go.Figure:
    """Recent requests on a time axis: waiting, prefill, decoding (rows from serving.timeline_rows)."""
    layout = _base_layout(t("serving.chart.timeline_title"), height=max(260, 60 + 16 * len(rows)))
    layout |= {
        "barmode": "overlay",
        "xaxis": {"title": {"text": x_title}},
        "yaxis": {"autorange": "reversed", "type": "category", "title": {"text": ""}},
    }
    return _fast_figure(_timeline_traces(rows), layout)


def serving_steps(steps: list[dict]) -> go.Figure:
    """Left: the batch size at every decode step over time. Right: each step's time against its
    batch size (a bigger batch costs a little more per step, and makes many more tokens)."""
    decode = [s for s in steps if s["batch"]]
    data = [
        _line([s["start"] for s in decode], [s["batch"] for s in decode], t("serving.chart.batch"), BLUE,
              mode="markers"),
        _line([s["batch"] for s in decode], [s["decode_ms"] for s in decode], t("serving.chart.step_ms"),
              ORANGE, mode="markers", axis="2"),
    ]  # fmt: skip
    layout = _base_layout(t("serving.chart.steps_title"), height=340)
    layout |= {
        "showlegend": False,
        "xaxis": {"domain": [0, 0.45], "title": {"text": t("serving.chart.seconds_ago")}},
        "yaxis": {"title": {"text": t("serving.chart.batch")}, "rangemode": "tozero"},
        "xaxis2": {"domain": [0.55, 1], "title": {"text": t("serving.chart.batch")}, "anchor": "y2"},
        "yaxis2": {"title": {"text": t("serving.chart.step_ms")}, "rangemode": "tozero", "anchor": "x2"},
    }
    return _fast_figure(data, layout)


def serving_throughput(bins: list[dict], x_title: str) -> go.Figure:
    """The server's total tokens/s against one request's tokens/s, over time."""
    times = [b["time"] for b in bins]
    data = [
        _line(times, [b["total_tokens_per_s"] for b in bins], t("serving.chart.total_tps"), BLUE),
        _line(times, [b["request_tokens_per_s"] for b in bins], t("serving.chart.request_tps"), ORANGE),
    ]
    layout = _base_layout(t("serving.chart.throughput_title"), height=320)
    layout |= {
        "xaxis": {"title": {"text": x_title}},
        "yaxis": {"title": {"text": "tokens/s"}, "rangemode": "tozero"},
    }
    return _fast_figure(data, layout)


def simulated_class(runs: list[dict]) -> go.Figure:
    """Timelines one above the other on one time axis: one request at a time, continuously batched,
    then each real engine's. Each run: {title, rows (serving.timeline_rows)}."""
    data = []
    layout = _base_layout(
        t("serving.chart.simulate_title")
        if len(runs) == 2
        else t("serving.chart.simulate_title_real", n=len(runs)),
        height=260 + 30 * sum(len(r["rows"]) for r in runs),
    )
    end = max((p["end"] for r in runs for row in r["rows"] for p in row["phases"]), default=1.0)
    share, gap = 1.0 / len(runs), 0.1 / len(runs)
    for index, run in enumerate(runs):
        axis = "" if index == 0 else str(index + 1)
        data += _timeline_traces(run["rows"], axis=axis, legend=index == 0)
        top = 1.0 - index * share
        low = max(0.0, top - share + (gap if index < len(runs) - 1 else 0.0))
        layout[f"xaxis{axis}"] = {
            "range": [0, end * 1.02],
            "anchor": f"y{axis}",
            "title": {"text": t("serving.chart.seconds_since") if index == len(runs) - 1 else ""},
        }
        layout[f"yaxis{axis}"] = {
            "domain": [low, top],
            "autorange": "reversed",
            "type": "category",
            "anchor": f"x{axis}",
            "title": {"text": run["title"]},
        }
    layout |= {"barmode": "overlay"}
    return _fast_figure(data, layout)
