"""Context-length cost tab: measured time and memory by context length, then projections."""

from __future__ import annotations

import csv
import tempfile

import gradio as gr

from playground import charts, config, cost
from playground.i18n import t
from playground.ui import sessions
from playground.ui.common import LIGHT_EVENT, MODEL_EVENT, handler

KV_DTYPES = [("float32", 4), ("bfloat16", 2), ("fp8", 1)]
GIB = 2**30


def _weight_dtypes() -> list[tuple[str, float]]:
    """Weight formats and bytes per parameter; dtype names stay as code, "4-bit" is a word."""
    return [("float32", 4.0), ("bfloat16", 2.0), ("int8 / fp8", 1.0), (t("context.dtype_4bit"), 0.5)]


def _sweep(runner, lengths: str, repeats, progress=None) -> dict:
    parsed = cost.parse_lengths(lengths)
    count = cost.check_repeats(repeats)
    with runner.alone() as waited_s:  # a timing lesson: the batch pauses while it measures
        cost.warm_up(runner)
        result = cost.context_sweep(runner, parsed, count, progress)
    result["waited_s"] = waited_s
    return result


def _csv(result: dict) -> str:
    with tempfile.NamedTemporaryFile(
        "w", suffix=".csv", prefix="context-cost-", dir=sessions.download_dir(), delete=False, newline=""
    ) as handle:
        writer = csv.DictWriter(handle, fieldnames=list(result["rows"][0]))
        writer.writeheader()
        writer.writerows(result["rows"])
        return handle.name


def _fits(total_bytes: int) -> str:
    fitting = [g["name"] for g in cost.gpus() if g["bytes"] >= total_bytes]
    return fitting[0] if fitting else t("context.fits_none")


def build(runner) -> None:
    @handler
    def measure(lengths: str, repeats, log_axes: bool, progress=gr.Progress()):  # noqa: B008 (gradio's own pattern)
        result = _sweep(runner, lengths, repeats, lambda fraction, text: progress(fraction, desc=text))
        match = all(r["kv_cache_bytes"] == r["kv_cache_bytes_formula"] for r in result["rows"])
        note = t(
            "context.method",
            method=result["method"],
            match=t("decode.match_yes" if match else "decode.match_no"),
        ) + t("serving.measured_alone", waited_ms=result["waited_s"] * 1000)
        time_fig, memory_fig = redraw(result, log_axes)
        return result, time_fig, memory_fig, note, _csv(result)

    @handler
    def redraw(result, log_axes: bool):
        if result is None:
            return None, None
        return charts.sweep_time(result["rows"], log_axes), charts.sweep_memory(result["rows"], log_axes)

    @handler
    def project(models: list[str], weight_dtype: float, kv_dtype: int, batch: float):
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

    @handler
    def context_cost_api(lengths: str = config.DEFAULT_SWEEP, repeats: int = config.DEFAULT_REPEATS) -> dict:
        """Prefill, decode with and without the KV cache, and KV-cache bytes, at each context length."""
        return _sweep(runner, lengths, repeats)

    links = ", ".join(f"[{m.name}]({m.source})" for m in cost.known_models().values())
    first_projection, first_table = project(runner.projected_models, 2.0, 2, 1)

    with gr.Tab(t("tab.context"), id="context", elem_id="tab-context"):
        gr.Markdown(
            t("context.explain", model=runner.name, heads=runner.num_heads, kv_heads=runner.num_kv_heads),
            latex_delimiters=[{"left": "$", "right": "$", "display": False}],
        )
        with gr.Row():
            lengths = gr.Textbox(
                value=config.DEFAULT_SWEEP, label=t("context.lengths"), elem_id="cc-lengths", scale=3
            )
            repeats = gr.Slider(
                1,
                config.MAX_COST_REPEATS,
                value=config.DEFAULT_REPEATS,
                step=1,
                label=t("context.repeats"),
                elem_id="cc-repeats",
            )
            log_axes = gr.Checkbox(value=False, label=t("context.log_axes"), elem_id="cc-log")
        run = gr.Button(t("context.run"), variant="primary", elem_id="cc-run")
        note = gr.Markdown(t("context.empty"), elem_id="cc-note")
        state = gr.State(None, time_to_live=config.SESSION_TTL_S)
        with gr.Row():
            time_plot = gr.Plot(elem_id="cc-time", show_label=False)
            memory_plot = gr.Plot(elem_id="cc-memory", show_label=False)
        download = gr.File(label=t("context.csv"), elem_id="cc-csv", interactive=False)

        gr.Markdown(f"#### {t('context.projection_heading')}")
        with gr.Row():
            models = gr.CheckboxGroup(
                choices=list(cost.known_models()),
                value=runner.projected_models,
                label=t("context.models"),
                elem_id="cc-models",
            )
        with gr.Row():
            weight_dtype = gr.Radio(
                _weight_dtypes(),
                value=2.0,
                label=t("context.weight_dtype"),
                elem_id="cc-weight-dtype",
            )
            kv_dtype = gr.Radio(KV_DTYPES, value=2, label=t("context.kv_dtype"), elem_id="cc-kv-dtype")
            batch = gr.Slider(1, 64, value=1, step=1, label=t("context.batch"), elem_id="cc-batch")
        projection_plot = gr.Plot(first_projection, elem_id="cc-projection", show_label=False)
        projection_table = gr.Dataframe(
            first_table,
            headers=[t(f"context.col.{c}") for c in ("model", "context", "weights", "kv", "total", "fits")],
            interactive=False,
            elem_id="cc-projection-table",
        )
        gr.Markdown(t("context.sources", links=links))
        gr.api(context_cost_api, api_name="context_cost", **MODEL_EVENT)

    run.click(
        measure,
        inputs=[lengths, repeats, log_axes],
        outputs=[state, time_plot, memory_plot, note, download],
        api_visibility="private",
        **MODEL_EVENT,
    )
    log_axes.change(
        redraw,
        inputs=[state, log_axes],
        outputs=[time_plot, memory_plot],
        api_visibility="private",
        **LIGHT_EVENT,
    )
    gr.on(
        [models.change, weight_dtype.change, kv_dtype.change, batch.change],
        project,
        inputs=[models, weight_dtype, kv_dtype, batch],
        outputs=[projection_plot, projection_table],
        trigger_mode="always_last",
        api_visibility="private",
        **LIGHT_EVENT,
    )
