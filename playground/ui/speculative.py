"""Speculative decoding tab: a drafter proposes k tokens, the model checks them in one forward pass;
each round drawn, the acceptance rate, the model's forward passes and the time against plain
decoding, measured here."""

from __future__ import annotations

from functools import partial

import gradio as gr

from playground import charts, config, html, speculative
from playground.api import endpoints as api
from playground.i18n import t
from playground.ui.common import MODEL_EVENT, long_action, presses, progress_line, prompt_examples
from playground.ui.endpoints import register, slider
from playground.ui.knobs import seed_box

ID = "speculative"
LINK_RUNS = ("sp-run",)  # links.py: the buttons a link presses once its state is restored


def run(runner, prompt, chat, drafter, k, ngram, draft_layers, max_new_tokens, temperature, seed):
    """Speculative and plain decoding of the prompt: the summary, the rounds, their chart, both texts."""
    request = api.SPECULATIVE.request(
        prompt=prompt,
        chat=chat,
        drafter=drafter,
        k=k,
        ngram=ngram,
        draft_layers=draft_layers,
        max_new_tokens=max_new_tokens,
        temperature=temperature,
        seed=seed,
    )
    r = api.speculative_decoding(runner, request)
    if r["greedy"]:
        same = t("speculative.same_plain" if r["same_as_plain"] else "speculative.differs_plain_greedy")
    else:
        same = t("speculative.sampled_plain")
    summary = t(
        "speculative.summary",
        tokens=len(r["tokens"]),
        passes=r["target_forward_passes"],
        plain_passes=r["plain_forward_passes"],
        draft_passes=r["draft_forward_passes"],
        accepted=r["accepted"],
        drafted=r["drafted"],
        rate=r["acceptance_rate"],
        seconds=r["seconds"],
        plain_seconds=r["plain_seconds"],
        speedup=r["speedup"],
        same=same,
    )
    summary += "\n\n" + t("speculative.faster" if r["speedup"] > 1 else f"speculative.slower.{r['drafter']}")
    summary += t("serving.measured_alone", waited_ms=r["waited_s"] * 1000)
    rounds = html.speculative_rounds(r["first_token"]["token"], r["steps"], config.MAX_SPECULATIVE_NEW_TOKENS)
    texts = [[t("speculative.text.speculative"), r["text"]], [t("speculative.text.plain"), r["plain_text"]]]
    return summary, rounds, charts.speculative_rounds(r["steps"]), texts


def first_view(runner) -> None:
    """Nothing from the model: the lesson times two decodings, which the learner starts."""
    return None


def _controls(runner):
    with gr.Row():
        prompt = gr.Textbox(
            value=t("speculative.default_prompt"),
            label=t("speculative.prompt"),
            lines=3,
            elem_id="sp-prompt",
            scale=4,
        )
        chat = gr.Checkbox(value=True, label=t("speculative.chat"), elem_id="sp-chat", scale=1)
    prompt_examples(ID, prompt, runner)
    with gr.Row():
        drafters = [(t(f"speculative.drafter.{d}"), d) for d in speculative.DRAFTERS]
        drafter = gr.Radio(
            drafters, value=speculative.DRAFTERS[0], label=t("speculative.drafter"), elem_id="sp-drafter"
        )
        k = slider(speculative.K, value=speculative.K.default, label=t("speculative.k"), elem_id="sp-k")
        ngram = slider(
            speculative.NGRAM,
            value=speculative.NGRAM.default,
            label=t("speculative.ngram"),
            elem_id="sp-ngram",
        )
        layers = slider(
            speculative.DRAFT_LAYERS,
            high=max(runner.num_layers - 1, 2),  # a slider needs two values; a 2-layer model refuses 2
            value=min(speculative.DRAFT_LAYERS.default, runner.num_layers - 1),
            label=t("speculative.draft_layers"),
            elem_id="sp-layers",
        )
    with gr.Row():
        max_new = slider(
            speculative.NEW_TOKENS,
            value=speculative.NEW_TOKENS.default,
            label=t("speculative.max_new_tokens"),
            elem_id="sp-max-new",
        )
        temperature = gr.Slider(
            0, 2, value=0, step=0.05, label=t("speculative.temperature"), elem_id="sp-temperature"
        )
        seed = seed_box(t("speculative.seed"), "sp-seed")
        go = gr.Button(t("speculative.run"), variant="primary", elem_id="sp-run")
    return [prompt, chat, drafter, k, ngram, layers, max_new, temperature, seed], go


def build(runner, first=None) -> None:
    with gr.Tab(t("tab.speculative"), id=ID, elem_id=f"tab-{ID}"):
        gr.Markdown(
            t("speculative.explain"), latex_delimiters=[{"left": "$", "right": "$", "display": False}]
        )
        inputs, go = _controls(runner)
        progress = progress_line("sp-progress")
        summary = gr.Markdown(t("speculative.empty"), elem_id="sp-summary")
        gr.Markdown(t("speculative.legend"), elem_classes=["pg-note"])
        rounds = gr.HTML(elem_id="sp-rounds")
        chart = gr.Plot(elem_id="sp-chart", show_label=False)
        texts = gr.Dataframe(
            headers=[t("speculative.col.run"), t("speculative.col.text")],
            interactive=False,
            wrap=True,
            elem_id="sp-texts",
        )
        register([api.SPECULATIVE], runner)

    long_action(
        go,
        partial(run, runner),
        inputs=inputs,
        outputs=[summary, rounds, chart, texts],
        status=progress,
        doing=t("speculative.progress"),
        show_progress="hidden",
        **MODEL_EVENT,
    )
    presses(inputs[0], go)
