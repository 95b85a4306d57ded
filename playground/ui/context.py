"""Context-length cost tab: measured time and memory by context length, then projections."""

from __future__ import annotations

import csv
import tempfile
from functools import partial
from types import SimpleNamespace

import gradio as gr

from playground import charts, config, cost
from playground.api import endpoints as api
from playground.api.params import REPEATS
from playground.i18n import t
from playground.ui import sessions
from playground.ui.common import LIGHT_EVENT, MODEL_EVENT, handler, long_action, progress_line
from playground.ui.endpoints import register, slider

ID = "context"
LINK_RUNS = ("cc-run",)  # links.py: the buttons a link presses once its state is restored

KV_DTYPES = [("float32", 4), ("bfloat16", 2), ("fp8", 1)]
GIB = 2**30


def _weight_dtypes() -> list[tuple[str, float]]:
    """Weight formats and bytes per parameter; dtype names stay as code, "4-bit" is a word."""
    return [("float32", 4.0), ("bfloat16", 2.0), ("int8 / fp8", 1.0), (t("context.dtype_4bit"), 0.5)]


def _csv(result: cost.ContextSweep) -> str:
    with tempfile.NamedTemporaryFile(
        "w", suffix=".csv", prefix="context-cost-", dir=sessions.download_dir(), delete=False, newline=""
    ) as handle:
        writer = csv.DictWriter(handle, fieldnames=list(result.rows[0]))
        writer.writeheader()
        writer.writerows(result.rows)
        return handle.name


def _fits(total_bytes: int) -> str:
    fitting = [g["name"] for g in cost.gpus() if g["bytes"] >= total_bytes]
    return fitting[0] if fitting else t("context.fits_none")


def measure(runner, lengths: str, repeats, log_axes: bool, report):
    """The measured sweep (the model alone while it measures), its charts, its note and its CSV;
    ``report`` hears which length it is at."""
    result = api.measure_context_cost(runner, lengths, repeats, lambda fraction, text: report(text))
    match = all(r["kv_cache_bytes"] == r["kv_cache_bytes_formula"] for r in result.rows)
    note = t(
        "context.method",
        method=result.method,
        match=t("decode.match_yes" if match else "decode.match_no"),
    ) + t("serving.measured_alone", waited_ms=result.waited_s * 1000)
    if result.not_reached:
        lengths = ", ".join(f"{n:,}" for n in result.not_reached)
        note += t("context.not_reached", lengths=lengths, limit=config.MODEL_DEADLINE_S)
    time_fig, memory_fig, _ = redraw(result, log_axes)
    return result, time_fig, memory_fig, note, _csv(result)


def redraw(result: cost.ContextSweep | None, log_axes: bool):
    """The sweep's time and memory charts (linear or log axes); the model is not run. With no sweep kept
    (none yet, or this session's expired) the charts are emptied and the note says so."""
    if result is None:
        return None, None, t("context.none_kept", minutes=config.SESSION_TTL_S / 60)
    return charts.sweep_time(result.rows, log_axes), charts.sweep_memory(result.rows, log_axes), gr.skip()


def project(models: list[str], weight_dtype: float, kv_dtype: int, batch: float):
    """Weights and KV cache of known models at long contexts, and the smallest GPU that holds them."""
    shapes = cost.known_models()
    rows = []
    for name in models:
        rows += cost.projection(
            shapes[name], list(config.PROJECTION_CONTEXTS), float(weight_dtype), int(kv_dtype), int(batch)
        )
    table = [
        [
            r["model"],
            f"{r['context_tokens']:,}" + (t("context.beyond") if r["beyond_max_context"] else ""),
            round(r["weight_bytes"] / GIB, 2),
            round(r["kv_cache_bytes"] / GIB, 2),
            round(r["total_bytes"] / GIB, 2),
            _fits(r["total_bytes"]),
        ]
        for r in rows
    ]
    return charts.projection(rows, cost.gpus()), table


def first_view(runner) -> None:
    """Nothing from the model: the sweep runs when asked, the projections are arithmetic."""
    return None


def _measured_section(runner, c: SimpleNamespace) -> None:
    gr.Markdown(
        t("context.explain", model=runner.name, heads=runner.num_heads, kv_heads=runner.num_kv_heads),
        latex_delimiters=[{"left": "$", "right": "$", "display": False}],
    )
    with gr.Row():
        c.lengths = gr.Textbox(
            value=config.DEFAULT_SWEEP, label=t("context.lengths"), elem_id="cc-lengths", scale=3
        )
        c.repeats = slider(REPEATS, value=REPEATS.default, label=t("context.repeats"), elem_id="cc-repeats")
        c.log_axes = gr.Checkbox(value=False, label=t("context.log_axes"), elem_id="cc-log")
    c.run = gr.Button(t("context.run"), variant="primary", elem_id="cc-run")
    c.progress = progress_line("cc-progress")
    c.note = gr.Markdown(t("context.empty"), elem_id="cc-note")
    c.state = gr.State(None, time_to_live=config.SESSION_TTL_S)
    with gr.Row():
        c.time_plot = gr.Plot(elem_id="cc-time", show_label=False)
        c.memory_plot = gr.Plot(elem_id="cc-memory", show_label=False)
    c.download = gr.File(label=t("context.csv"), elem_id="cc-csv", interactive=False)


def _projection_section(runner, c: SimpleNamespace) -> None:
    projection0, table0 = project(runner.projected_models, 2.0, 2, 1)
    links = ", ".join(f"[{m.name}]({m.source})" for m in cost.known_models().values())
    gr.Markdown(f"#### {t('context.projection_heading')}")
    with gr.Row():
        c.models = gr.CheckboxGroup(
            choices=list(cost.known_models()),
            value=runner.projected_models,
            label=t("context.models"),
            elem_id="cc-models",
        )
    with gr.Row():
        c.weight_dtype = gr.Radio(
            _weight_dtypes(), value=2.0, label=t("context.weight_dtype"), elem_id="cc-weight-dtype"
        )
        c.kv_dtype = gr.Radio(KV_DTYPES, value=2, label=t("context.kv_dtype"), elem_id="cc-kv-dtype")
        c.batch = gr.Slider(1, 64, value=1, step=1, label=t("context.batch"), elem_id="cc-batch")
    c.projection_plot = gr.Plot(projection0, elem_id="cc-projection", show_label=False)
    c.projection_table = gr.Dataframe(
        table0,
        headers=[t(f"context.col.{col}") for col in ("model", "context", "weights", "kv", "total", "fits")],
        interactive=False,
        elem_id="cc-projection-table",
    )
    gr.Markdown(t("context.sources", links=links))


def _events(runner, c: SimpleNamespace) -> None:
    long_action(
        c.run,
        partial(measure, runner),
        inputs=[c.lengths, c.repeats, c.log_axes],
        outputs=[c.state, c.time_plot, c.memory_plot, c.note, c.download],
        status=c.progress,
        doing=t("context.progress.waiting"),
        show_progress="hidden",
        **MODEL_EVENT,
    )
    c.log_axes.change(
        handler(redraw),
        inputs=[c.state, c.log_axes],
        outputs=[c.time_plot, c.memory_plot, c.note],
        api_visibility="private",
        **LIGHT_EVENT,
    )
    gr.on(
        [c.models.change, c.weight_dtype.change, c.kv_dtype.change, c.batch.change],
        handler(project),
        inputs=[c.models, c.weight_dtype, c.kv_dtype, c.batch],
        outputs=[c.projection_plot, c.projection_table],
        trigger_mode="always_last",
        api_visibility="private",
        **LIGHT_EVENT,
    )


def build(runner, first=None) -> None:
    """The tab: its layout, its events and its endpoint."""
    c = SimpleNamespace()
    with gr.Tab(t("tab.context"), id=ID, elem_id=f"tab-{ID}"):
        _measured_section(runner, c)
        _projection_section(runner, c)
        register([api.CONTEXT_COST], runner)
    _events(runner, c)
