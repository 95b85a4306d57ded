"""Inside the model: embeddings, logit lens, attention while writing."""

from __future__ import annotations

import plotly.graph_objects as go

from playground.charts.common import BLUE, GREY, ORANGE, _base_layout, _fast_figure, _line, outside_labels
from playground.i18n import t


def embedding_strips(labels: list[str], vectors: list[list[float]], scale: float, title: str) -> go.Figure:
    """One thin strip per prompt token: its embedding's numbers as colours (blue < 0 < red),
    clipped at ±scale so a few outlier dimensions do not wash the rest out."""
    rows = list(range(len(labels)))
    ticks = [f"{label} ·{i}" for i, label in enumerate(labels)]
    data = [
        {
            "type": "heatmap",
            "z": vectors,
            "y": rows,
            "colorscale": "RdBu",  # plotly's RdBu runs blue (low) to red (high)
            "zmin": -scale,
            "zmax": scale,
            "customdata": [[ticks[i]] * len(vectors[i]) for i in rows],
            "hovertemplate": "%{customdata}<br>" + t("inside.dimension") + " %{x}: %{z:.4f}<extra></extra>",
            "colorbar": {"title": {"text": t("inside.value"), "side": "right"}, "thickness": 12},
        }
    ]
    layout = _base_layout(title, height=min(120 + 22 * len(labels), 900))
    layout["margin"] |= {"l": 110, "r": 20, "b": 40}
    layout |= {
        "xaxis": {"title": {"text": t("inside.dimension")}},
        "yaxis": {
            "tickvals": rows,
            "ticktext": ticks,
            "autorange": "reversed",
            "tickfont": {"family": "monospace", "size": 11},
        },
    }
    return _fast_figure(data, layout)


def embedding_neighbours(rows: list[dict], title: str) -> go.Figure:
    """Horizontal bars: each neighbour's cosine similarity, the closest on top. Row: token, id, cosine."""
    names = [f"{r['token']} ·{r['id']}" for r in rows]
    labels = outside_labels([r["cosine"] for r in rows], room=0.3)
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "x": [r["cosine"] for r in rows],
            "y": names,
            "marker": {"color": BLUE},
            "text": [f"{r['cosine']:.3f}" for r in rows],
            "hovertemplate": "%{y}: %{x:.4f}<extra></extra>",
        }
        | labels["trace"]
    ]
    layout = _base_layout(title, height=120 + 24 * len(rows))
    layout["margin"] |= {"l": 130, "r": 20, "b": 40}
    layout |= {
        "xaxis": {"title": {"text": t("inside.cosine")}, "range": labels["range"]},
        "yaxis": {"autorange": "reversed", "tickfont": {"family": "monospace"}},
        "showlegend": False,
    }
    return _fast_figure(data, layout)


def lens_top_tokens(layers: list[dict], target_id: int, title: str) -> go.Figure:
    """Layers (rows, 0 = embedding output at the bottom) x rank (columns): each cell names the token
    the lens ranks there and is coloured by its probability; the model's final choice is bold.
    ``layers``: the /logit_lens rows, {layer, top: [{id, token, prob}]}."""
    k = len(layers[0]["top"]) if layers else 0
    ranks = list(range(1, k + 1))
    z = [[entry["prob"] for entry in row["top"]] for row in layers]
    text = [
        [f"<b>{entry['token']}</b>" if entry["id"] == target_id else entry["token"] for entry in row["top"]]
        for row in layers
    ]
    data = [
        {
            "type": "heatmap",
            "z": z,
            "x": ranks,
            "y": [row["layer"] for row in layers],
            "text": text,
            "texttemplate": "%{text}",
            "textfont": {"family": "monospace", "size": 11},
            "colorscale": "Blues",
            "reversescale": True,
            "zmin": 0,
            "zmax": 1,
            "hovertemplate": "%{y}: %{text} %{z:.2%}<extra></extra>",
            # The colorbar's title on its side: on top it runs into the "1" of a narrow figure.
            "colorbar": {"title": {"text": t("inside.prob"), "side": "right"}, "thickness": 12},
        }
    ]
    layout = _base_layout(title, height=140 + 20 * len(layers))
    layout["margin"] |= {"l": 70, "r": 20, "b": 40}
    layout |= {
        "xaxis": {"tickvals": ranks, "ticktext": [t("inside.rank_n", rank=r) for r in ranks], "side": "top"},
        "yaxis": {"title": {"text": t("inside.layer_axis")}, "dtick": 1, "tickfont": {"size": 10}},
    }
    return _fast_figure(data, layout)


def lens_target(layers: list[dict], title: str) -> go.Figure:
    """The final choice's probability (left axis) and rank (right axis, log scale, 1 at the top)
    after each layer. ``layers``: the /logit_lens rows, {layer, target: {prob, rank}}."""
    x = [row["layer"] for row in layers]
    data = [
        _line(x, [row["target"]["prob"] for row in layers], t("inside.prob"), ORANGE),
        _line(x, [row["target"]["rank"] for row in layers], t("inside.rank"), BLUE, dash="dot", axis="")
        | {"yaxis": "y2"},
    ]
    layout = _base_layout(title)
    layout |= {
        "xaxis": {
            "title": {"text": t("inside.layer_axis")},
            "nticks": 8,
        },  # every 2nd of 30 overlaps on a phone
        "yaxis": {"title": {"text": t("inside.prob")}, "range": [0, 1], "tickformat": ".0%"},
        "yaxis2": {
            "title": {"text": t("inside.rank")},
            "type": "log",
            "dtick": 1,  # decades only: plotly draws the 2s and 5s between them at 9 px
            "overlaying": "y",
            "side": "right",
            "autorange": "reversed",
            "showgrid": False,
        },
    }
    layout["margin"] |= {"l": 70, "r": 70, "b": 50}
    return _fast_figure(data, layout)


def writing_attention(
    labels: list[str], rows: list[list[float]], prompt_length: int, step: int, title: str
) -> go.Figure:
    """The KV cache growing: row k is the attention of the query that produced generated token k
    over key positions 0..prompt_length-1+k (a staircase); rows after ``step`` are not drawn yet,
    the current one is framed. ``rows`` are ragged (row k has prompt_length + k weights)."""
    width = prompt_length + len(rows) - 1
    shown = rows[: step + 1]
    z = [row + [None] * (width - len(row)) for row in shown]
    keys = list(range(width))
    ticks = [f"{label} ·{i}" for i, label in enumerate(labels[:width])]
    produced = [f"{labels[prompt_length + k]} ·{prompt_length + k}" for k in range(len(shown))]
    read = prompt_length + step  # keys in the cache at this step: later ones are not written yet
    data = [
        {
            "type": "heatmap",
            "z": z,
            "x": keys,
            "y": list(range(len(shown))),
            "colorscale": "Blues",
            "reversescale": True,
            "zmin": 0,
            "hoverongaps": False,
            "customdata": [[[produced[k], ticks[j]] for j in keys] for k in range(len(shown))],
            "hovertemplate": "→ %{customdata[0]} · %{customdata[1]}: %{z:.3f}<extra></extra>",
            "colorbar": {"title": {"text": t("inside.weight"), "side": "right"}, "thickness": 12},
        }
    ]
    frame = {
        "type": "rect",
        "x0": -0.5,
        "x1": read - 0.5,
        "y0": step - 0.5,
        "y1": step + 0.5,
        "line": {"color": ORANGE, "width": 2},
    }
    prompt_edge = {
        "type": "line",
        "x0": prompt_length - 0.5,
        "x1": prompt_length - 0.5,
        "y0": -0.5,
        "y1": len(rows) - 0.5,
        "line": {"color": GREY, "dash": "dot"},
    }
    layout = _base_layout(title, height=min(220 + 20 * len(rows) + 6 * width, 800))
    layout["margin"] |= {"l": 110, "r": 20, "b": 110}
    layout |= {
        "shapes": [frame, prompt_edge],
        "xaxis": {
            "title": {"text": t("inside.key_axis")},
            "tickvals": keys[:read],
            "ticktext": ticks[:read],
            "tickangle": -90,
            "range": [-0.5, width - 0.5],
            "tickfont": {"family": "monospace", "size": 10},
        },
        "yaxis": {
            "title": {"text": t("inside.produced_axis")},
            "tickvals": list(range(len(shown))),
            "ticktext": produced,
            "range": [len(rows) - 0.5, -0.5],
            "tickfont": {"family": "monospace", "size": 10},
        },
    }
    return _fast_figure(data, layout)
