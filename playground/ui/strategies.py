"""Greedy, beam search and sampling side by side: a section of the beam tab, and /compare_strategies.

The sampling knobs come from the registry (``sampling.STAGES``, through ``ui/knobs.py``): the
section's sliders and the endpoint's parameters follow it, so a new stage needs no edit here.
"""

from __future__ import annotations

from functools import partial

import gradio as gr

from playground import charts, config, real_engines, sampling, strategies
from playground.api import endpoints as api
from playground.i18n import t
from playground.prompts import encode_prompt
from playground.sampling import DEFAULT_ENGINE, ENGINES
from playground.ui.common import LIGHT_EVENT, MODEL_EVENT, handler, long_action, progress_line
from playground.ui.endpoints import register, slider
from playground.ui.knobs import KNOBS, knob_sliders, sampling_params, seed_box

# What each preset button sets, by knob name; every knob it does not name goes back to its default.
PRESETS = {
    "plain": {},
    "top_p": {"top_p": 0.9},
    "min_p": {"min_p": 0.1},
}
KNOBS_PER_ROW = 4


def _rows(comparison: strategies.Comparison) -> list[list]:
    return [
        [
            p["name"],
            p["text"],
            round(p["logprob_sum"], 3),
            round(p["logprob_mean"], 3),
            round(p["distinct_bigrams"], 3),
            p["tokens"],
            t(f"strategies.stop.{p['stop_reason']}"),
            round(p["seconds"], 3),
            t("strategies.passes_rows", passes=p["forward_passes"], rows=p["rows_per_pass"])
            if p["rows_per_pass"] > 1
            else p["forward_passes"],
        ]
        for p in comparison.points()
    ]


def compare_ui(
    runner,
    memo,
    prompt,
    chat,
    num_beams,
    max_new_tokens,
    length_penalty,
    early_stopping,
    num_samples,
    seed,
    engine,
    *values,
):
    """The comparison for the tab's prompt and beam settings, with the knobs' ``values`` in registry
    order; greedy and beam search come from ``memo`` (this session's last tree or comparison) when
    their inputs are the same."""
    params = strategies.CompareParams(
        max_new_tokens=max_new_tokens,
        num_beams=num_beams,
        num_samples=num_samples,
        sampling=sampling_params(values),
        seed=0 if seed is None else seed,
        length_penalty=float(length_penalty),
        early_stopping=bool(early_stopping),
        engine=engine,
    ).validate()
    ids = encode_prompt(runner, prompt, chat)
    comparison = strategies.compare(runner, ids, params, earlier=memo)
    summary = t("strategies.summary", **comparison.summary_values())
    if comparison.reused:
        names = ", ".join(t(f"strategies.name.{name}") for name in comparison.reused)
        summary += "\n\n" + t("strategies.reused", names=names)
    engine = real_engines.generation_engine()
    if engine:  # the samples went to the generation engine; greedy and beam search ran here
        summary += "\n\n" + t("real.samples_on", engine=engine.label)
    figure = charts.strategies_scatter(comparison.points())
    return figure, summary, _rows(comparison), comparison.memo


def apply_preset(name: str) -> list:
    """The sliders' values for a preset, in registry order: those it names, the others' defaults."""
    return [PRESETS[name].get(k.name, k.default) for k in KNOBS]


def _slider_id(knob) -> str:
    return f"st-{knob.name.replace('_', '-')}"


def _sizes() -> tuple[gr.Slider, gr.Slider, gr.Number]:
    """The number of samples, the comparison's own length, and the seed."""
    with gr.Row():
        num_samples = gr.Slider(
            1,
            config.MAX_COMPARE_SAMPLES,
            value=config.DEFAULT_COMPARE_SAMPLES,
            step=1,
            label=t("strategies.num_samples"),
            elem_id="st-samples",
        )
        # Its own length: at the tree's 8 tokens every text has only distinct bigrams and the chart shows
        # nothing; at 30, beam search already repeats itself (the default prompt: 0.83).
        max_new = slider(
            api.COMPARE_STRATEGIES.param("max_new_tokens"),
            value=config.SECTION_COMPARE_NEW_TOKENS,
            label=t("strategies.max_new_tokens"),
            elem_id="st-length",
        )
        seed = seed_box(t("strategies.seed"), "st-seed")
    return num_samples, max_new, seed


def build_section(runner, beam_inputs: list, memo: gr.State) -> None:
    """The comparison below the tree. ``beam_inputs``: the tab's prompt, chat, beams, max new
    tokens (the comparison has its own), length penalty and early stopping; ``memo``: the runs the
    tree or the last comparison made, so equal inputs are not run again."""
    gr.Markdown(f"### {t('strategies.heading')}")
    gr.Markdown(
        t("strategies.explain", samples="n"),
        latex_delimiters=[{"left": "$", "right": "$", "display": False}],
    )
    num_samples, max_new, seed = _sizes()
    knobs = []
    for first in range(0, len(KNOBS), KNOBS_PER_ROW):
        with gr.Row():
            knobs += knob_sliders(KNOBS[first : first + KNOBS_PER_ROW], _slider_id, sampling.preset("off"))
    engine = gr.Radio(list(ENGINES), value=DEFAULT_ENGINE, label=t("engines.engine"), elem_id="st-engine")
    with gr.Row():
        gr.Markdown(t("strategies.presets"))
        preset_buttons = {
            name: gr.Button(t(f"strategies.preset.{name}"), size="sm", elem_id=f"st-preset-{name}")
            for name in PRESETS
        }
        go = gr.Button(t("strategies.run"), variant="primary", elem_id="st-run")
    progress = progress_line("st-progress")
    summary = gr.Markdown(t("strategies.empty"), elem_id="st-summary")
    plot = gr.Plot(elem_id="st-chart", show_label=False)
    table = gr.Dataframe(
        headers=[
            t(f"strategies.col.{c}")
            for c in ("strategy", "text", "sum", "mean", "distinct", "tokens", "stop", "seconds", "passes")
        ],
        interactive=False,
        wrap=True,
        elem_id="st-table",
    )
    register([api.COMPARE_STRATEGIES], runner)

    for name, button in preset_buttons.items():
        preset = handler(partial(apply_preset, name))
        button.click(preset, outputs=knobs, api_visibility="private", **LIGHT_EVENT)
    long_action(
        go,
        partial(compare_ui, runner),
        inputs=[memo, *beam_inputs[:3], max_new, *beam_inputs[4:], num_samples, seed, engine, *knobs],
        outputs=[plot, summary, table, memo],
        status=progress,
        doing=t("strategies.progress"),
        show_progress="hidden",
        **MODEL_EVENT,
    )
