"""Pure chart builders: plain data -> plotly Figure. No torch, no gradio."""

from __future__ import annotations

import math

import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from playground import i18n
from playground.i18n import t

BLUE = "#3b6fd8"
ORANGE = "#e8833a"


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


GREY = "#c8c8c8"


def _fast_figure(data: list[dict], layout: dict) -> go.Figure:
    """A Figure from plain dicts without plotly's per-property validation.

    Validation costs ~50 ms for the pipeline chart, which redraws on every slider move; the
    tests rebuild each such figure with validation on, so a wrong property still fails there.
    """
    return go.Figure(data=data, layout=layout, _validate=False)


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
        name = stage["name"]
        sub = t("chart.stage_sub", kept=stage["kept"], entropy=stage["entropy"])
        if stage.get("off"):
            sub = f"{t('engines.off')} · {sub}"
        text = f"{t(f'chart.stage.{name}')}<br><sup>{sub}</sup>"
        if stage.get("scope"):
            scope = t(stage["scope"], n=stage["window"])
            text += f"<br><sup>{t('engines.counted', scope=scope, count=stage['counted'])}</sup>"
        return text

    titles = [title(s) for s in stages]
    titles.append(title({"name": "final", "kept": view["final_kept"], "entropy": view["final_entropy"]}))
    lines = max(title.count("<br>") for title in titles)

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
        "title": {"text": t("chart.pipeline_title")},
        "showlegend": False,
        "height": 140 + 16 * lines + 24 * len(positions),
        "margin": {"l": 90, "r": 10, "t": 80 + 16 * lines, "b": 10},
        "template": pio.templates["plotly_white"],
        "yaxis": {
            "tickvals": positions,
            "ticktext": view["labels"],
            "autorange": "reversed",
            "tickfont": {"family": "monospace"},
            "anchor": "x",
        },
        "annotations": [],
    }
    for col in range(1, panels + 1):
        left = (col - 1) * (width + gap)
        layout["xaxis" if col == 1 else f"xaxis{col}"] = {
            "domain": [left, left + width],
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
                "font": {"size": 10},
            }
        )
    return _fast_figure(data, layout)


ENGINE_COLOURS = ("#3b6fd8", "#e8833a", "#2e9d5b")  # transformers, vLLM, llama.cpp


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
            "text": [f"{v:.1%}" if v >= 0.001 else ("<0.1%" if v > 0 else "0") for v in values],
            "textposition": "auto",
            "hovertemplate": "%{y}: %{x:.4f}<extra>" + name + "</extra>",
        }
        for name, values, colour in series
    ]
    layout = {
        "title": {"text": title},
        "barmode": "group",
        "height": 120 + 14 * len(series) * len(labels),
        "margin": {"l": 90, "r": 10, "t": 80, "b": 40},
        "template": pio.templates["plotly_white"],
        "yaxis": {"autorange": "reversed", "tickfont": {"family": "monospace"}, "type": "category"},
        "xaxis": {"title": {"text": t("engines.probability")}, "tickformat": ".0%", "rangemode": "tozero"},
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
            "colorbar": {"title": {"text": t("chart.attn_weight")}},
        }
    ]
    axis = {"tickvals": positions, "ticktext": ticks, "tickfont": {"family": "monospace", "size": 10}}
    size = 220 + 18 * len(labels)
    layout = {
        "title": {"text": title},
        "height": min(size, 900),
        "margin": {"l": 110, "r": 20, "t": 60, "b": 110},
        "template": pio.templates["plotly_white"],
        "xaxis": axis | {"title": {"text": t("chart.attn_key")}, "side": "bottom", "tickangle": -60},
        "yaxis": axis | {"title": {"text": t("chart.attn_query")}, "autorange": "reversed"},
    }
    return _fast_figure(data, layout)


GREEN = "#2e9d5b"
PURPLE = "#8e44ad"


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
                "colorbar": {"title": {"text": t("chart.beam_score")}},
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


def decode_timeline(runs: list[dict]) -> go.Figure:
    """One row per run (cache on / off): a prefill bar, then one bar per decoded token, on a
    shared time axis (ms). Each run: {label, prefill_ms, step_ms: [...]}."""
    data = []
    for run in runs:
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "y": [run["label"]],
                "x": [run["prefill_ms"]],
                "base": [0],
                "marker": {"color": ORANGE},
                "name": t("chart.prefill"),
                "hovertemplate": t("chart.prefill") + ": %{x:.0f} ms<extra></extra>",
            }
        )
        starts, clock = [], run["prefill_ms"]
        for step in run["step_ms"]:
            starts.append(clock)
            clock += step
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "y": [run["label"]] * len(starts),
                "x": run["step_ms"],
                "base": starts,
                "marker": {"color": [BLUE if i % 2 == 0 else "#7aa2ee" for i in range(len(starts))]},
                "customdata": list(range(2, len(starts) + 2)),
                "name": t("chart.decode"),
                "hovertemplate": t("chart.token_n") + ": %{x:.1f} ms<extra></extra>",
            }
        )
    layout = _base_layout(t("chart.timeline_title"), height=260)
    layout |= {"barmode": "overlay", "showlegend": False, "xaxis": {"title": {"text": "ms"}}}
    return _fast_figure(data, layout)


def step_times(runs: list[dict]) -> go.Figure:
    """Each decode step's time against the token's position: flat with the cache, rising without."""
    data = [
        _line(list(range(2, len(r["step_ms"]) + 2)), r["step_ms"], r["label"], colour)
        for r, colour in zip(runs, (BLUE, ORANGE), strict=False)
    ]
    layout = _base_layout(t("chart.steps_title"), height=320)
    layout |= {
        "xaxis": {"title": {"text": t("chart.token_index")}},
        "yaxis": {"title": {"text": "ms"}, "rangemode": "tozero"},
    }
    return _fast_figure(data, layout)


def kv_growth(tokens: list[int], measured: list[int], formula: list[int]) -> go.Figure:
    """KV cache bytes after each step: measured from the cache tensors, and the formula's line."""
    data = [
        _line(tokens, [b / 2**20 for b in formula], t("chart.kv_formula"), GREY, dash="dash", mode="lines"),
        _line(tokens, [b / 2**20 for b in measured], t("chart.kv_measured"), GREEN, mode="markers"),
    ]
    layout = _base_layout(t("chart.kv_title"), height=320)
    layout |= {
        "xaxis": {"title": {"text": t("chart.tokens_in_cache")}},
        "yaxis": {"title": {"text": "MiB"}, "rangemode": "tozero"},
    }
    return _fast_figure(data, layout)


def throughput(rows: list[dict]) -> go.Figure:
    """Total decode tokens/s and tokens/s per request, by batch size."""
    batches = [str(r["batch"]) for r in rows]
    data = [
        {
            "type": "bar",
            "x": batches,
            "y": [r["tokens_per_s"] for r in rows],
            "name": t("chart.total_tps"),
            "marker": {"color": BLUE},
            "text": [f"{r['tokens_per_s']:.0f}" for r in rows],
            "textposition": "outside",
            "cliponaxis": False,
        },
        {
            "type": "bar",
            "x": batches,
            "y": [r["tokens_per_s_per_request"] for r in rows],
            "name": t("chart.request_tps"),
            "marker": {"color": ORANGE},
            "text": [f"{r['tokens_per_s_per_request']:.0f}" for r in rows],
            "textposition": "outside",
            "cliponaxis": False,
        },
    ]
    layout = _base_layout(t("chart.throughput_title"), height=340)
    layout |= {
        "barmode": "group",
        "xaxis": {"title": {"text": t("chart.batch")}, "type": "category"},
        "yaxis": {"title": {"text": t("chart.tokens_per_s")}, "rangemode": "tozero"},
    }
    return _fast_figure(data, layout)


def sweep_time(rows: list[dict], log_axes: bool) -> go.Figure:
    """Prefill time and decode time per token, with and without the cache, by context length."""
    x = [r["context_tokens"] for r in rows]
    data = [
        _line(x, [r["prefill_s"] * 1000 for r in rows], t("chart.prefill_time"), ORANGE),
        _line(x, [r["decode_s_per_token_no_cache"] * 1000 for r in rows], t("chart.decode_no_cache"), PURPLE),
        _line(x, [r["decode_s_per_token"] * 1000 for r in rows], t("chart.decode_cache"), BLUE),
    ]
    axis = {"type": "log"} if log_axes else {"rangemode": "tozero"}
    layout = _base_layout(t("chart.sweep_time_title"))
    layout |= {
        "xaxis": axis | {"title": {"text": t("chart.context_tokens")}},
        "yaxis": axis | {"title": {"text": "ms"}},
    }
    return _fast_figure(data, layout)


def sweep_memory(rows: list[dict], log_axes: bool) -> go.Figure:
    """KV cache bytes (measured, and the formula) and eager attention's score matrix per layer."""
    x = [r["context_tokens"] for r in rows]
    mib = 2**20
    data = [
        _line(
            x,
            [r["kv_cache_bytes_formula"] / mib for r in rows],
            t("chart.kv_formula"),
            GREY,
            dash="dash",
            mode="lines",
        ),
        _line(x, [r["kv_cache_bytes"] / mib for r in rows], t("chart.kv_measured"), GREEN, mode="markers"),
        _line(
            x, [r["attention_score_bytes_per_layer"] / mib for r in rows], t("chart.attention_scores"), PURPLE
        ),
    ]
    axis = {"type": "log"} if log_axes else {"rangemode": "tozero"}
    layout = _base_layout(t("chart.sweep_memory_title"))
    layout |= {
        "xaxis": axis | {"title": {"text": t("chart.context_tokens")}},
        "yaxis": axis | {"title": {"text": "MiB"}},
    }
    return _fast_figure(data, layout)


PALETTE = ["#3b6fd8", "#e8833a", "#2e9d5b", "#8e44ad", "#c0392b", "#16a085", "#7f8c8d"]


def projection(rows: list[dict], gpus: list[dict]) -> go.Figure:
    """Weights + KV cache against context length for each model (log-log), with GPU sizes."""
    gib = 2**30
    data = []
    models = list(dict.fromkeys(r["model"] for r in rows))
    for index, model in enumerate(models):
        mine = [r for r in rows if r["model"] == model]
        line = _line(
            [r["context_tokens"] for r in mine],
            [r["total_bytes"] / gib for r in mine],
            model,
            PALETTE[index % len(PALETTE)],
        )
        line["customdata"] = [[r["weight_bytes"] / gib, r["kv_cache_bytes"] / gib] for r in mine]
        line["hovertemplate"] = (
            t(
                "chart.projection_hover",
                model=model,
                tokens="%{x:,}",
                total="%{y:,.1f}",
                weights="%{customdata[0]:,.1f}",
                kv="%{customdata[1]:,.1f}",
            )
            + "<extra></extra>"
        )
        data.append(line)
    layout = _base_layout(t("chart.projection_title"), height=460)
    layout |= {
        "xaxis": {"type": "log", "title": {"text": t("chart.context_tokens")}},
        "yaxis": {"type": "log", "title": {"text": "GiB"}},
        "shapes": [
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": g["bytes"] / gib,
                "y1": g["bytes"] / gib,
                "line": {"color": "#999", "dash": "dot", "width": 1},
            }
            for g in gpus
        ],
        "annotations": [
            {
                "xref": "paper",
                "x": 0.0,
                "y": math.log10(g["bytes"] / gib),
                "text": g["name"],
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "bottom",
                "font": {"size": 10, "color": "#777"},
            }
            for g in gpus
        ],
    }
    return _fast_figure(data, layout)


def strategies_scatter(points: list[dict]) -> go.Figure:
    """Each decoding result placed by the model's own total log-probability (y) against its
    variety (x, the share of distinct word bigrams): greedy, beam search and the samples.

    Each point: {strategy: "greedy" | "beam" | "sample", name, text, logprob_sum, logprob_mean,
    distinct_bigrams, tokens}.
    """
    from html import escape  # the model's text goes into hover labels, which read a little HTML

    styles = {
        "greedy": ({"color": PURPLE, "size": 16, "symbol": "diamond"}, t("strategies.name.greedy")),
        "beam": ({"color": ORANGE, "size": 20, "symbol": "star"}, t("strategies.name.beam")),
        "sample": (
            {"color": BLUE, "size": 12, "symbol": "circle", "opacity": 0.8},
            t("strategies.chart.samples"),
        ),
    }
    data = []
    for strategy, (marker, legend) in styles.items():
        group = [p for p in points if p["strategy"] == strategy]
        if not group:
            continue
        data.append(
            {
                "type": "scatter",
                "mode": "markers+text",
                "x": [p["distinct_bigrams"] for p in group],
                "y": [p["logprob_sum"] for p in group],
                "text": [p["name"] for p in group],
                "textposition": "middle right",
                "customdata": [[escape(_shorten(p["text"])), p["logprob_mean"], p["tokens"]] for p in group],
                "hovertemplate": t("strategies.chart.hover") + "<extra>%{text}</extra>",
                "marker": marker,
                "name": legend,
            }
        )
    lowest = min((p["distinct_bigrams"] for p in points), default=1.0)
    layout = _base_layout(t("strategies.chart.title"), height=420)
    layout["xaxis"] = {"title": {"text": t("strategies.chart.x")}, "range": [min(0.5, lowest - 0.05), 1.12]}
    layout["yaxis"] = {"title": {"text": t("strategies.chart.y")}}
    return _fast_figure(data, layout)


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- Inside the model: embeddings, logit lens, attention while writing ---------------------------


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
            "colorbar": {"title": {"text": t("inside.value")}, "thickness": 12},
        }
    ]
    layout = _base_layout(title, height=min(120 + 22 * len(labels), 900))
    layout |= {
        "margin": {"l": 110, "r": 20, "t": 50, "b": 40},
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
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "x": [r["cosine"] for r in rows],
            "y": names,
            "marker": {"color": BLUE},
            "text": [f"{r['cosine']:.3f}" for r in rows],
            "textposition": "outside",
            "cliponaxis": False,
            "hovertemplate": "%{y}: %{x:.4f}<extra></extra>",
        }
    ]
    layout = _base_layout(title, height=120 + 24 * len(rows))
    layout |= {
        "margin": {"l": 130, "r": 50, "t": 50, "b": 40},
        "xaxis": {"title": {"text": t("inside.cosine")}, "range": [0, 1.08]},
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
            "colorbar": {"title": {"text": t("inside.prob")}, "thickness": 12},
        }
    ]
    layout = _base_layout(title, height=140 + 20 * len(layers))
    layout |= {
        "margin": {"l": 70, "r": 20, "t": 50, "b": 40},
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
        "xaxis": {"title": {"text": t("inside.layer_axis")}, "dtick": 2},
        "yaxis": {"title": {"text": t("inside.prob")}, "range": [0, 1], "tickformat": ".0%"},
        "yaxis2": {
            "title": {"text": t("inside.rank")},
            "type": "log",
            "overlaying": "y",
            "side": "right",
            "autorange": "reversed",
            "showgrid": False,
        },
        "margin": {"l": 70, "r": 70, "t": 60, "b": 50},
    }
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
            "colorbar": {"title": {"text": t("inside.weight")}, "thickness": 12},
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
    layout |= {
        "margin": {"l": 110, "r": 20, "t": 60, "b": 110},
        "shapes": [frame, prompt_edge],
        "xaxis": {
            "title": {"text": t("inside.key_axis")},
            "tickvals": keys[:read],
            "ticktext": ticks[:read],
            "tickangle": -60,
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


# --- Serving: continuous batching -------------------------------------------------------------

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
    """Two timelines one above the other on one time axis: one request at a time, then continuously
    batched. Each run: {title, rows (serving.timeline_rows)}."""
    data = []
    layout = _base_layout(
        t("serving.chart.simulate_title"), height=260 + 30 * sum(len(r["rows"]) for r in runs)
    )
    end = max((p["end"] for r in runs for row in r["rows"] for p in row["phases"]), default=1.0)
    bottom = 0.0
    for index, run in enumerate(runs):
        axis = "" if index == 0 else str(index + 1)
        data += _timeline_traces(run["rows"], axis=axis, legend=index == 0)
        top, low = (1.0, 0.55) if index == 0 else (0.45, bottom)
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
