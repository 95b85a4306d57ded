"""Greedy, beam search and sampling side by side: a section of the beam tab, and /compare_strategies."""

from __future__ import annotations

from functools import partial

import gradio as gr

from playground import charts, config, strategies
from playground.i18n import t
from playground.prompts import encode_prompt
from playground.sampling import DEFAULT_ENGINE, ENGINES, SamplingParams
from playground.ui.common import LIGHT_EVENT, MODEL_EVENT, endpoint, handler

# What each preset button sets: (temperature, top_k, top_p, min_p).
PRESETS = {
    "plain": (1.0, 0, 1.0, 0.0),
    "top_p": (1.0, 0, 0.9, 0.0),
    "min_p": (1.0, 0, 1.0, 0.1),
}


def compare_strategies_api(
    runner,
    prompt: str,
    chat: bool = False,
    max_new_tokens: int = config.DEFAULT_COMPARE_NEW_TOKENS,
    num_beams: int = 4,
    num_samples: int = config.DEFAULT_COMPARE_SAMPLES,
    temperature: float = 1.0,
    top_k: int = 0,
    top_p: float = 1.0,
    min_p: float = 0.0,
    presence_penalty: float = 0.0,
    frequency_penalty: float = 0.0,
    repetition_penalty: float = 1.0,
    engine: str = "transformers",
    seed: int = 0,
) -> dict:
    """Greedy, beam search (length penalty 1, no early stopping) and n seeded samples on one
    prompt, each judged by the model's own log-probability of its tokens."""
    sampling = SamplingParams.from_values(
        temperature=temperature,
        top_k=top_k,
        top_p=top_p,
        min_p=min_p,
        presence_penalty=presence_penalty,
        frequency_penalty=frequency_penalty,
        repetition_penalty=repetition_penalty,
    )
    params = strategies.CompareParams(
        max_new_tokens=max_new_tokens,
        num_beams=num_beams,
        num_samples=num_samples,
        sampling=sampling,
        seed=0 if seed is None else seed,
        engine=engine,
    ).validate()
    ids = encode_prompt(runner, prompt, chat)
    return strategies.compare(runner, ids, params).to_api()


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
    temperature,
    top_k,
    top_p,
    min_p,
    seed,
    engine,
):
    """The comparison for the tab's prompt and beam settings; greedy and beam search come from
    ``memo`` (this session's last tree or comparison) when their inputs are the same."""
    params = strategies.CompareParams(
        max_new_tokens=max_new_tokens,
        num_beams=num_beams,
        num_samples=num_samples,
        sampling=SamplingParams(
            temperature=float(temperature), top_k=top_k, top_p=float(top_p), min_p=float(min_p)
        ),
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
    figure = charts.strategies_scatter(comparison.points())
    return figure, summary, _rows(comparison), comparison.memo


def apply_preset(name: str) -> tuple:
    """The sliders' values for a preset."""
    return PRESETS[name]


def build_section(runner, beam_inputs: list, memo: gr.State) -> None:
    """The comparison below the tree. ``beam_inputs``: the tab's prompt, chat, beams, max new
    tokens, length penalty and early stopping; ``memo``: the runs the tree or the last comparison
    made, so equal inputs are not run again."""
    gr.Markdown(f"### {t('strategies.heading')}")
    gr.Markdown(
        t("strategies.explain", samples="n"),
        latex_delimiters=[{"left": "$", "right": "$", "display": False}],
    )
    with gr.Row():
        num_samples = gr.Slider(
            1,
            config.MAX_COMPARE_SAMPLES,
            value=config.DEFAULT_COMPARE_SAMPLES,
            step=1,
            label=t("strategies.num_samples"),
            elem_id="st-samples",
        )
        temperature = gr.Slider(
            0, 2, value=1.0, step=0.05, label=t("strategies.temperature"), elem_id="st-temperature"
        )
        top_k = gr.Slider(0, 200, value=0, step=1, label=t("strategies.top_k"), elem_id="st-top-k")
        top_p = gr.Slider(0.01, 1, value=1.0, step=0.01, label=t("strategies.top_p"), elem_id="st-top-p")
        min_p = gr.Slider(0, 1, value=0.0, step=0.01, label=t("strategies.min_p"), elem_id="st-min-p")
        seed = gr.Number(value=0, precision=0, label=t("strategies.seed"), elem_id="st-seed")
    engine = gr.Radio(list(ENGINES), value=DEFAULT_ENGINE, label=t("engines.engine"), elem_id="st-engine")
    with gr.Row():
        gr.Markdown(t("strategies.presets"))
        preset_buttons = {
            name: gr.Button(t(f"strategies.preset.{name}"), size="sm", elem_id=f"st-preset-{name}")
            for name in PRESETS
        }
        go = gr.Button(t("strategies.run"), variant="primary", elem_id="st-run")
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
    gr.api(endpoint(compare_strategies_api, runner), api_name="compare_strategies", **MODEL_EVENT)

    knobs = [temperature, top_k, top_p, min_p]
    for name, button in preset_buttons.items():
        button.click(
            handler(partial(apply_preset, name)),
            outputs=knobs,
            api_visibility="private",
            **LIGHT_EVENT,
        )
    go.click(
        handler(partial(compare_ui, runner)),
        inputs=[memo, *beam_inputs, num_samples, *knobs, seed, engine],
        outputs=[plot, summary, table, memo],
        show_progress="minimal",
        api_visibility="private",
        **MODEL_EVENT,
    )
