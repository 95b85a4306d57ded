"""Prefill and decode tab: one generation timed with the KV cache and without it, and throughput."""

from __future__ import annotations

from functools import partial

import gradio as gr

from playground import charts, config, cost
from playground.i18n import t
from playground.prompts import encode_prompt
from playground.ui.common import MODEL_EVENT, long_action, progress_line, prompt_examples

ID = "decode"
LINK_RUNS = ("pd-run",)  # links.py: the buttons a link presses once its state is restored

DEFAULT_PROMPT = "Explain in one paragraph why the sky is blue."


def measure(runner, prompt: str, chat: bool, new_tokens: float, report):
    """One generation timed with the KV cache and without it (the model alone while it measures);
    ``report`` hears which run and which token it is at."""
    shape = cost.ModelShape.of_runner(runner)
    dtype_bytes = runner.dtype_bytes
    ids = encode_prompt(runner, prompt, chat)
    n = cost.check_timeline_tokens(new_tokens)
    report(t("decode.progress.waiting"))
    with runner.alone() as waited_s:  # a timing lesson: the batch pauses while it measures
        cost.warm_up(runner)
        on, off = (
            cost.timeline(runner, ids, n, use_cache=cache, on_token=partial(_step_done, report, cache, n))
            for cache in (True, False)
        )
    runs = [_run(t("decode.cache_on"), on), _run(t("decode.cache_off"), off)]
    cached_tokens = len(ids) + len(on.step_s)
    formula = cost.kv_cache_bytes(shape, cached_tokens, dtype_bytes)
    metrics = t(
        "decode.metrics",
        on=t("decode.cache_on"),
        off=t("decode.cache_off"),
        ttft_on=on.prefill_s * 1000,
        ttft_off=off.prefill_s * 1000,
        steps=len(on.step_s),
        tpot_on=on.tpot_s * 1000,
        tpot_off=off.tpot_s * 1000,
        last_on=on.step_s[-1] * 1000,
        last_off=off.step_s[-1] * 1000,
        tps_on=on.tokens_per_s,
        tps_off=off.tokens_per_s,
        tokens=len(on.token_ids),
        same=t("decode.same_yes" if on.token_ids == off.token_ids else "decode.same_no"),
        kv=on.cache_bytes[-1],
        cached=cached_tokens,
        layers=shape.layers,
        kv_heads=shape.kv_heads,
        head_dim=shape.head_dim,
        dtype=dtype_bytes,
        formula=formula,
        match=t("decode.match_yes" if formula == on.cache_bytes[-1] else "decode.match_no"),
        threads=config.num_threads(),
    ) + t("serving.measured_alone", waited_ms=waited_s * 1000)
    sizes = list(range(len(ids), len(ids) + len(on.cache_bytes)))
    growth = charts.kv_growth(
        sizes, on.cache_bytes, [cost.kv_cache_bytes(shape, s, dtype_bytes) for s in sizes]
    )
    return charts.decode_timeline(runs), charts.step_times(runs), growth, metrics


def _step_done(report, cache: bool, new_tokens: int, done: int) -> None:
    run = t("decode.progress.first" if cache else "decode.progress.second")
    report(t("decode.progress.step", run=run, step=done, steps=new_tokens))


def _run(label: str, timeline) -> dict:
    return {
        "label": label,
        "prefill_ms": timeline.prefill_s * 1000,
        "step_ms": [s * 1000 for s in timeline.step_s],
    }


def measure_throughput(runner, prompt: str, chat: bool, report):
    """Tokens per second at several batch sizes (the model alone while it measures)."""
    ids = encode_prompt(runner, prompt, chat)
    report(t("decode.progress.throughput", batches=", ".join(map(str, config.THROUGHPUT_BATCHES))))
    with runner.alone() as waited_s:  # a timing lesson: the batch pauses while it measures
        rows = cost.throughput(runner, ids, list(config.THROUGHPUT_BATCHES), config.THROUGHPUT_TOKENS)
    note = t("decode.throughput_note", steps=config.THROUGHPUT_TOKENS)
    return charts.throughput(rows), note + t("serving.measured_alone", waited_ms=waited_s * 1000)


def first_view(runner) -> None:
    """Nothing from the model: this tab's first view is drawn without it."""
    return None


def build(runner, first=None) -> None:
    with gr.Tab(t("tab.decode"), id=ID, elem_id=f"tab-{ID}"):
        gr.Markdown(t("decode.explain"))
        with gr.Row():
            prompt = gr.Textbox(
                value=DEFAULT_PROMPT, label=t("decode.prompt"), lines=2, elem_id="pd-prompt", scale=4
            )
            chat = gr.Checkbox(value=True, label=t("decode.chat"), elem_id="pd-chat", scale=1)
        prompt_examples("decode", prompt, runner)
        with gr.Row():
            new_tokens = gr.Slider(
                2,
                config.MAX_TIMELINE_TOKENS,
                value=32,
                step=1,
                label=t("decode.new_tokens"),
                elem_id="pd-new-tokens",
            )
            run = gr.Button(t("decode.run"), variant="primary", elem_id="pd-run")
        progress = progress_line("pd-progress")
        metrics = gr.Markdown(t("decode.empty"), elem_id="pd-metrics")
        timeline = gr.Plot(elem_id="pd-timeline", show_label=False)
        with gr.Row():
            steps = gr.Plot(elem_id="pd-steps", show_label=False)
            growth = gr.Plot(elem_id="pd-kv", show_label=False)
        run_throughput = gr.Button(t("decode.throughput_run"), elem_id="pd-throughput-run")
        throughput_progress = progress_line("pd-throughput-progress")
        throughput_note = gr.Markdown(elem_id="pd-throughput-note")
        throughput = gr.Plot(elem_id="pd-throughput", show_label=False)

    long_action(
        run,
        partial(measure, runner),
        inputs=[prompt, chat, new_tokens],
        outputs=[timeline, steps, growth, metrics],
        status=progress,
        doing=t("decode.progress.waiting"),
        show_progress="hidden",
        **MODEL_EVENT,
    )
    long_action(
        run_throughput,
        partial(measure_throughput, runner),
        inputs=[prompt, chat],
        outputs=[throughput, throughput_note],
        status=throughput_progress,
        doing=t("decode.progress.waiting"),
        show_progress="hidden",
        **MODEL_EVENT,
    )
