"""Logits to token tab: every sampling stage drawn, sliders that never re-run the model, generation."""

from __future__ import annotations

from functools import partial

import gradio as gr

from playground import charts, config, html, sampling, tokens
from playground.generation import GenerationParams, generate, generate_stream, parse_stop
from playground.i18n import t
from playground.prompts import encode_prompt
from playground.ui.common import LIGHT_EVENT, MODEL_EVENT, handler

DEFAULT_PROMPT = "The capital of France is"


def _sampling(temperature, top_k, top_p, min_p, presence, frequency, repetition) -> sampling.SamplingParams:
    return sampling.SamplingParams(
        temperature=float(temperature),
        top_k=int(top_k),
        top_p=float(top_p),
        min_p=float(min_p),
        presence_penalty=float(presence),
        frequency_penalty=float(frequency),
        repetition_penalty=float(repetition),
    ).validate()


def build(runner) -> None:
    label = partial(tokens.token_label, runner.tokenizer)

    @handler
    def prompt_logits(prompt: str, chat: bool) -> dict | None:
        """Run the model once for the prompt; sliders then work on these logits only."""
        if not prompt or not prompt.strip():
            return None
        ids = encode_prompt(runner, prompt, chat)
        return {"ids": ids, "logits": runner.prefill(ids).logits}

    @handler
    def redraw(state, temperature, top_k, top_p, min_p, presence, frequency, repetition, seed):
        if state is None:
            return None, t("logits.empty_prompt")
        params = _sampling(temperature, top_k, top_p, min_p, presence, frequency, repetition)
        result = sampling.run_pipeline(state["logits"], state["ids"], params)
        sampled = sampling.draw(result.probs, sampling.make_generator(seed))
        view = sampling.stage_view(result, sampled, label, config.STAGE_TOKENS_SHOWN)
        if params.greedy:
            summary = t("logits.summary_greedy", token=label(sampled))
        else:
            summary = t(
                "logits.summary",
                token=label(sampled),
                prob=view["sampled_prob"],
                kept=view["final_kept"],
                vocab=int(result.probs.numel()),
                entropy=view["final_entropy"],
            )
        return charts.sampling_pipeline(view), summary

    def next_seed(seed: float | None) -> int:
        return 0 if seed is None else int(seed) + 1

    @handler
    def next_token_api(
        prompt: str,
        chat: bool = False,
        temperature: float = 1.0,
        top_k: int = 0,
        top_p: float = 1.0,
        min_p: float = 0.0,
        presence_penalty: float = 0.0,
        frequency_penalty: float = 0.0,
        repetition_penalty: float = 1.0,
        seed: int = 0,
    ) -> dict:
        """Every sampling stage for the prompt's next token, the final distribution and the drawn token."""
        params = _sampling(
            temperature, top_k, top_p, min_p, presence_penalty, frequency_penalty, repetition_penalty
        )
        ids = encode_prompt(runner, prompt, chat)
        result = sampling.run_pipeline(runner.prefill(ids).logits, ids, params)
        sampled = sampling.draw(result.probs, sampling.make_generator(seed))
        return sampling.report(result, sampled, label, config.STAGE_TOP_LISTED, config.FINAL_TOKENS_LISTED)

    def _generation_params(
        temperature,
        top_k,
        top_p,
        min_p,
        presence,
        frequency,
        repetition,
        seed,
        max_new,
        min_new,
        stop,
        use_cache,
    ):
        return GenerationParams(
            sampling=_sampling(temperature, top_k, top_p, min_p, presence, frequency, repetition),
            max_new_tokens=int(max_new),
            min_new_tokens=int(min_new),
            stop=parse_stop(stop),
            use_cache=bool(use_cache),
            seed=0 if seed is None else seed,
        ).validate()

    @handler
    def generate_api(
        prompt: str,
        chat: bool = False,
        temperature: float = 1.0,
        top_k: int = 0,
        top_p: float = 1.0,
        min_p: float = 0.0,
        presence_penalty: float = 0.0,
        frequency_penalty: float = 0.0,
        repetition_penalty: float = 1.0,
        seed: int = 0,
        max_new_tokens: int = 32,
        min_new_tokens: int = 0,
        stop: str = "",
        use_cache: bool = True,
    ) -> dict:
        """Generate with our own decoding loop (stop strings one per line): text, why it stopped, timings."""
        params = _generation_params(
            temperature, top_k, top_p, min_p, presence_penalty, frequency_penalty, repetition_penalty,
            seed, max_new_tokens, min_new_tokens, stop, use_cache,
        )  # fmt: skip
        return generate(runner, encode_prompt(runner, prompt, chat), params).to_api()

    def _status(state, params: GenerationParams) -> str:
        if not state.stop_reason:
            return t("logits.running", count=len(state.tokens))
        reason = t(f"logits.stop_reason.{state.stop_reason}", max_new_tokens=params.max_new_tokens)
        timing = t(
            "logits.timing",
            count=len(state.tokens),
            ttft_ms=state.ttft_s * 1000,
            tpot_ms=state.tpot_s * 1000,
            later=len(state.step_s),
            tps=state.tokens_per_s,
            cache=t("logits.cache_on" if params.use_cache else "logits.cache_off"),
        )
        return f"{reason}\n\n{timing}"

    @handler
    def generate_ui(prompt, chat, temperature, top_k, top_p, min_p, presence, frequency, repetition, seed,
                    max_new, min_new, stop, use_cache):  # fmt: skip
        params = _generation_params(
            temperature, top_k, top_p, min_p, presence, frequency, repetition,
            seed, max_new, min_new, stop, use_cache,
        )  # fmt: skip
        ids = encode_prompt(runner, prompt, chat)
        chips, rows = [], []  # each token is labelled once, when it arrives
        for state in generate_stream(runner, ids, params):
            token = state.tokens[-1]
            top = [(label(i), p) for i, p in token.top]
            chips.append({"label": label(token.id), "prob": token.prob, "top": top})
            rows.append(
                [
                    len(rows) + 1,
                    label(token.id),
                    round(token.prob, 4),
                    ", ".join(f"{a} {p:.1%}" for a, p in top),
                ]
            )
            yield html.generated_tokens(chips), _status(state, params), rows

    first_state = prompt_logits(DEFAULT_PROMPT, False)
    first_plot, first_summary = redraw(first_state, 1.0, 0, 1.0, 0.0, 0.0, 0.0, 1.0, 0)

    with gr.Tab(t("tab.logits"), id="logits", elem_id="tab-logits"):
        gr.Markdown(
            t("logits.explain", vocab=runner.vocab_size),
            latex_delimiters=[{"left": "$", "right": "$", "display": False}],
        )
        with gr.Row():
            prompt = gr.Textbox(
                value=DEFAULT_PROMPT, label=t("logits.prompt"), lines=2, elem_id="lg-prompt", scale=4
            )
            chat = gr.Checkbox(value=False, label=t("logits.chat"), elem_id="lg-chat", scale=1)
        with gr.Row():
            temperature = gr.Slider(
                0, 2, value=1.0, step=0.05, label=t("logits.temperature"), elem_id="lg-temperature"
            )
            top_k = gr.Slider(0, 200, value=0, step=1, label=t("logits.top_k"), elem_id="lg-top-k")
            top_p = gr.Slider(0.01, 1, value=1.0, step=0.01, label=t("logits.top_p"), elem_id="lg-top-p")
            min_p = gr.Slider(0, 1, value=0.0, step=0.01, label=t("logits.min_p"), elem_id="lg-min-p")
        with gr.Row():
            presence = gr.Slider(
                -2, 2, value=0.0, step=0.1, label=t("logits.presence"), elem_id="lg-presence"
            )
            frequency = gr.Slider(
                -2, 2, value=0.0, step=0.1, label=t("logits.frequency"), elem_id="lg-frequency"
            )
            repetition = gr.Slider(
                0.5, 2, value=1.0, step=0.05, label=t("logits.repetition"), elem_id="lg-repetition"
            )
            with gr.Column(min_width=160):
                seed = gr.Number(value=0, precision=0, label=t("logits.seed"), elem_id="lg-seed")
                reseed = gr.Button(t("logits.new_seed"), size="sm", elem_id="lg-reseed")
        state = gr.State(first_state)
        summary = gr.Markdown(first_summary, elem_id="lg-summary")
        plot = gr.Plot(first_plot, elem_id="lg-pipeline", show_label=False)

        gr.Markdown(f"#### {t('logits.generate_heading')}\n{t('logits.generate_explain')}")
        with gr.Row():
            max_new = gr.Slider(
                1,
                config.MAX_NEW_TOKENS,
                value=32,
                step=1,
                label=t("logits.max_new_tokens"),
                elem_id="lg-max-new",
            )
            min_new = gr.Slider(
                0,
                config.MAX_NEW_TOKENS,
                value=0,
                step=1,
                label=t("logits.min_new_tokens"),
                elem_id="lg-min-new",
            )
            stop = gr.Textbox(label=t("logits.stop"), lines=2, elem_id="lg-stop")
            use_cache = gr.Checkbox(value=True, label=t("logits.use_cache"), elem_id="lg-use-cache")
        go = gr.Button(t("logits.generate"), variant="primary", elem_id="lg-generate")
        generated = gr.HTML(elem_id="lg-generated")
        status = gr.Markdown(elem_id="lg-status")
        with gr.Accordion(t("logits.steps"), open=False):
            steps = gr.Dataframe(
                headers=[t(f"logits.col.{c}") for c in ("step", "token", "prob", "alternatives")],
                elem_id="lg-steps",
                interactive=False,
                wrap=True,
            )
        gr.api(next_token_api, api_name="next_token", **MODEL_EVENT)
        gr.api(generate_api, api_name="generate", **MODEL_EVENT)

    knobs = [temperature, top_k, top_p, min_p, presence, frequency, repetition, seed]
    gr.on(
        [prompt.change, chat.change],
        prompt_logits,
        inputs=[prompt, chat],
        outputs=[state],
        trigger_mode="always_last",
        show_progress="hidden",
        api_visibility="private",
        **MODEL_EVENT,
    ).then(redraw, inputs=[state, *knobs], outputs=[plot, summary], api_visibility="private", **LIGHT_EVENT)
    gr.on(
        [k.change for k in knobs],
        redraw,
        inputs=[state, *knobs],
        outputs=[plot, summary],
        trigger_mode="always_last",
        show_progress="hidden",
        api_visibility="private",
        **LIGHT_EVENT,
    )
    reseed.click(next_seed, inputs=[seed], outputs=[seed], api_visibility="private", queue=False)
    gr.on(
        [go.click, prompt.submit],
        generate_ui,
        inputs=[prompt, chat, *knobs, max_new, min_new, stop, use_cache],
        outputs=[generated, status, steps],
        show_progress="minimal",
        api_visibility="private",
        **MODEL_EVENT,
    )
