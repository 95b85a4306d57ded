"""Logits to token tab: every sampling stage in the chosen engine's order, three engines side by side,
a thousand draws, and generation. Sliders never re-run the model.

The knobs come from the sampling registry (``sampling.STAGES``): the sliders, the handlers' inputs and
the endpoints' signatures are derived from it, so a new stage needs no edit here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from dataclasses import replace
from functools import partial

import gradio as gr

from playground import charts, config, fork, html, sampling, serving
from playground.generation import GenerationParams, parse_stop
from playground.i18n import t
from playground.prompts import encode_prompt
from playground.ui import fork as fork_ui
from playground.ui.common import (
    GENERATION_EVENT,
    LIGHT_EVENT,
    MODEL_EVENT,
    endpoint,
    handler,
    prompt_examples,
    session_of,
)
from playground.ui.knobs import ENGINE_PARAM, KNOBS, knob_endpoint, knob_sliders, param
from playground.ui.knobs import sampling_params as _params

DEFAULT_PROMPT = "The capital of France is"
STAGE_OF = {s.knob.name: s.name for s in sampling.STAGES.values()}
ONLY_IN_SHOWN = 8  # tokens named per "keeps, cuts" line


def _label(runner):
    return runner.token_label


# --- handlers of the tab (named, module level; bound to the runner in build) ---------------------


def prompt_logits(runner, prompt: str, chat: bool) -> dict | None:
    """Run the model once for the prompt; sliders then work on these logits only."""
    if not prompt or not prompt.strip():
        return None
    ids = encode_prompt(runner, prompt, chat)
    return {"ids": ids, "logits": runner.prefill(ids).logits}


def order_note(engine: str) -> str:
    """Which stages the engine applies, in order, and what its penalties count."""
    preset = sampling.get_engine(engine)
    order = " → ".join(t(f"engines.short.{name}") for name in preset.order)
    return f"{t('engines.order', engine=preset.name, order=order)}\n\n{t(f'engines.about.{preset.name}')}"


def redraw(runner, state, engine: str, seed, *values):
    """The stage-by-stage chart and the drawn token, for the kept logits and the current knobs."""
    if state is None:
        return None, t("logits.empty_prompt"), order_note(engine)
    label = _label(runner)
    params = _params(values)
    result = sampling.run_pipeline(state["logits"], state["ids"], [], params, engine)
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
    return charts.sampling_pipeline(view), summary, order_note(engine)


def compare_summary(view: dict) -> str:
    """The distances between engines and the tokens one keeps that another cuts, as Markdown."""
    lines = [t("engines.distance", a=d["a"], b=d["b"], tv=d["tv"], share=d["tv"]) for d in view["distances"]]
    lines.append(" · ".join(t("engines.kept", engine=e, kept=view["kept"][e]) for e in view["engines"]))
    for row in view["only_in"]:
        if row["tokens"]:
            shown = ", ".join(f"`{tok}`" for tok in row["tokens"][:ONLY_IN_SHOWN])
            if len(row["tokens"]) > ONLY_IN_SHOWN:
                shown = t("engines.only_in_more", tokens=shown, more=len(row["tokens"]) - ONLY_IN_SHOWN)
            lines.append(t("engines.only_in", a=row["a"], b=row["b"], tokens=shown))
    if all(d["tv"] == 0 for d in view["distances"]):
        lines.append(t("engines.same"))
    return "\n\n".join(lines)


def compare(runner, state, *values):
    """The three engines' final distributions for the same logits and knobs."""
    if state is None:
        return None, ""
    comparison = sampling.compare_engines(state["logits"], state["ids"], [], _params(values))
    view = sampling.comparison_view(comparison, _label(runner), config.ENGINE_TOKENS_SHOWN)
    return charts.engines_compare(view), compare_summary(view)


def draws_summary(view: dict) -> str:
    """What the chi-square p-value means, in plain words."""
    if view["dof"] == 0:
        return t("engines.p_single")
    head = t("engines.draws_summary", distinct=view["distinct"], chi=view["chi_square"], dof=view["dof"],
             p=view["p_value"])  # fmt: skip
    words = t("engines.p_fine", share=view["p_value"]) if view["p_value"] >= 0.05 else t("engines.p_low")
    return f"{head} {words}"


def draw_many(runner, state, engine: str, seed, *values):
    """A thousand seeded draws from the engine's final distribution, beside the probabilities."""
    if state is None:
        return None, ""
    result = sampling.run_pipeline(
        state["logits"], state["ids"], [], _params(values), engine, with_entropy=False
    )
    draws = sampling.sample_many(result.probs, config.SAMPLE_DRAWS, seed)
    view = sampling.draws_view(draws, _label(runner), config.DRAWS_TOKENS_SHOWN)
    return charts.draws_histogram(view), draws_summary(view)


def next_seed(seed: float | None) -> int:
    return 0 if seed is None else int(seed) + 1


def _generation_params(engine, seed, max_new, min_new, stop, use_cache, values) -> GenerationParams:
    return GenerationParams(
        sampling=_params(values),
        max_new_tokens=max_new,
        min_new_tokens=min_new,
        stop=parse_stop(stop),
        use_cache=bool(use_cache),
        seed=0 if seed is None else seed,
        engine=engine,
    ).validate()


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


def generate_ui(
    runner, request: gr.Request, prompt, chat, engine, seed, max_new, min_new, stop, use_cache, *values
):
    """Stream generation through the engine's chain (in the shared batch): coloured tokens, status,
    each step's alternatives."""
    params = _generation_params(engine, seed, max_new, min_new, stop, use_cache, values)
    label = _label(runner)
    ids = encode_prompt(runner, prompt, chat)
    chips, rows, waits = [], [], 0  # each token is labelled once, when it arrives
    states = serving.generation_stream(runner, ids, params, session_of(request))
    with closing(states):  # Stop closes this handler, and the stream: the request leaves the batch
        for state in states:
            if state is None:  # queued (the first one comes at once; later ones: still waiting)
                waits += 1
                yield gr.skip(), t("serving.waiting") if waits > 1 else gr.skip(), gr.skip(), gr.skip()
                continue
            finished = fork.record(ids, params, state) if state.stop_reason else None
            for token in state.tokens[len(chips) :]:  # a step may bring several when we lag
                top = [(label(i), p) for i, p in token.top]
                chips.append({"label": label(token.id), "prob": token.prob, "top": top})
                rows.append(
                    [len(rows) + 1, label(token.id), round(token.prob, 4),
                     ", ".join(f"{a} {p:.1%}" for a, p in top)]
                )  # fmt: skip
            yield html.generated_tokens(chips), _status(state, params), rows, finished


# --- the endpoints: plain functions whose signatures come from the registry ----------------------


def next_token(runner, prompt: str, chat: bool, seed, engine: str, **knob_values) -> dict:
    """Every sampling stage for the prompt's next token in the engine's order, the final distribution
    and the drawn token."""
    params = sampling.SamplingParams.from_values(**knob_values)
    sampling.get_engine(engine)
    ids = encode_prompt(runner, prompt, chat)
    result = sampling.run_pipeline(runner.prefill(ids).logits, ids, [], params, engine)
    sampled = sampling.draw(result.probs, sampling.make_generator(seed))
    label = _label(runner)
    return sampling.report(result, sampled, label, config.STAGE_TOP_LISTED, config.FINAL_TOKENS_LISTED)


def generate_api(
    runner,
    prompt: str,
    chat: bool,
    seed,
    max_new_tokens,
    min_new_tokens,
    stop,
    use_cache,
    engine,
    prefix_ids=None,
    request=None,
    **knob_values,
) -> Iterator[dict]:
    """Generate with our own decoding loop through the engine's chain (stop strings one per line): text,
    why it stopped, timings. ``prefix_ids``: tokens taken as given after the prompt (a fork).
    Streams the newest state now and then; the last one is the answer. Concurrent requests share
    one batch (continuous batching); a cancelled job leaves it."""
    values = [knob_values[k.name] for k in KNOBS]
    params = _generation_params(engine, seed, max_new_tokens, min_new_tokens, stop, use_cache, values)
    params = replace(params, prefix_ids=tuple(prefix_ids or ())).validate()
    ids = encode_prompt(runner, prompt, chat)
    states = serving.throttled(serving.generation_stream(runner, ids, params, session_of(request)))
    with closing(states):  # Gradio closes this handler when the client goes away
        for state in states:
            yield state.to_api() if state else {"text": "", "stop_reason": None, "tokens": []}


def sample_many_api(runner, prompt: str, chat: bool, seed, engine: str, n, **knob_values) -> dict:
    """n seeded draws (one multinomial call) from the engine's final distribution for the prompt's next
    token, each token's count beside its probability."""
    params = sampling.SamplingParams.from_values(**knob_values)
    sampling.get_engine(engine)
    sampling.make_generator(seed)  # a bad seed or n is refused before the model runs
    n = sampling.check_draws(n)
    ids = encode_prompt(runner, prompt, chat)
    result = sampling.run_pipeline(runner.prefill(ids).logits, ids, [], params, engine, with_entropy=False)
    draws = sampling.sample_many(result.probs, n, seed)
    return sampling.draws_report(draws, _label(runner), config.FINAL_TOKENS_LISTED)


# Gradio fills a gr.Request parameter itself (it is no API input): the session, for the Serving view.
REQUEST_PARAM = param("request", None, gr.Request)


# --- layout and events ---------------------------------------------------------------------------


def _slider_id(knob: sampling.Knob) -> str:
    return f"lg-{STAGE_OF[knob.name].replace('_', '-')}"


def build(runner) -> None:
    on_prompt = handler(partial(prompt_logits, runner))
    on_redraw = handler(partial(redraw, runner))
    on_compare = handler(partial(compare, runner))
    on_draws = handler(partial(draw_many, runner))
    on_generate = endpoint(generate_ui, runner)  # keeps the gr.Request hint: the session is known

    starts = [k.start for k in KNOBS]
    first_state = on_prompt(DEFAULT_PROMPT, False)
    first_plot, first_summary, first_order = on_redraw(first_state, sampling.DEFAULT_ENGINE, 0, *starts)
    first_compare, first_compare_text = on_compare(first_state, *starts)
    first_draws, first_draws_text = on_draws(first_state, sampling.DEFAULT_ENGINE, 0, *starts)

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
        prompt_examples("logits", prompt, runner)
        engine = gr.Radio(
            list(sampling.ENGINES),
            value=sampling.DEFAULT_ENGINE,
            label=t("engines.engine"),
            info=t("engines.engine_info"),
            elem_id="lg-engine",
        )
        order = gr.Markdown(first_order, elem_id="lg-order")
        sliders = []
        for row_index, row in enumerate((KNOBS[:4], KNOBS[4:])):
            with gr.Row():
                sliders += knob_sliders(row, _slider_id)
                if row_index == 1:
                    with gr.Column(min_width=160):
                        seed = gr.Number(value=0, precision=0, label=t("logits.seed"), elem_id="lg-seed")
                        reseed = gr.Button(t("logits.new_seed"), size="sm", elem_id="lg-reseed")
        state = gr.State(first_state)
        summary = gr.Markdown(first_summary, elem_id="lg-summary")
        plot = gr.Plot(first_plot, elem_id="lg-pipeline", show_label=False)

        gr.Markdown(f"#### {t('engines.compare_heading')}\n{t('engines.compare_explain')}")
        with gr.Row():
            compare_plot = gr.Plot(first_compare, elem_id="lg-engines", show_label=False, scale=3)
            compare_text = gr.Markdown(first_compare_text, elem_id="lg-engines-text")

        n = config.SAMPLE_DRAWS
        gr.Markdown(f"#### {t('engines.draws_heading', n=n)}\n{t('engines.draws_explain', n=n)}")
        with gr.Row():
            draws_plot = gr.Plot(first_draws, elem_id="lg-draws", show_label=False, scale=3)
            draws_text = gr.Markdown(first_draws_text, elem_id="lg-draws-text")

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
        with gr.Row():
            go = gr.Button(t("logits.generate"), variant="primary", elem_id="lg-generate")
            stop_button = gr.Button(t("serving.stop"), elem_id="lg-stop-generation")
        generated = gr.HTML(elem_id="lg-generated", js_on_load=fork_ui.CLICK_JS)
        status = gr.Markdown(elem_id="lg-status")
        with gr.Accordion(t("logits.steps"), open=False):
            steps = gr.Dataframe(
                headers=[t(f"logits.col.{c}") for c in ("step", "token", "prob", "alternatives")],
                elem_id="lg-steps",
                interactive=False,
                wrap=True,
            )
        generation = gr.State(None)  # the last finished generation, for a fork
        fork_ui.build_section(runner, generated, generation)
        gr.api(
            knob_endpoint(next_token, runner, "next_token", ENGINE_PARAM),
            api_name="next_token",
            **MODEL_EVENT,
        )
        gr.api(
            knob_endpoint(
                generate_api,
                runner,
                "generate",
                param("max_new_tokens", 32, int),
                param("min_new_tokens", 0, int),
                param("stop", "", str),
                param("use_cache", True, bool),
                ENGINE_PARAM,
                param("prefix_ids", None, list[int] | None),
                REQUEST_PARAM,
            ),
            api_name="generate",
            **GENERATION_EVENT,
        )
        gr.api(
            knob_endpoint(
                sample_many_api, runner, "sample_many", ENGINE_PARAM, param("n", config.SAMPLE_DRAWS, int)
            ),
            api_name="sample_many",
            **MODEL_EVENT,
        )

    knob_changes = [s.change for s in sliders]
    views = [  # (handler, inputs, outputs, what it redraws on)
        (on_redraw, [state, engine, seed, *sliders], [plot, summary, order], [engine.change, seed.change]),
        (on_compare, [state, *sliders], [compare_plot, compare_text], []),
        (on_draws, [state, engine, seed, *sliders], [draws_plot, draws_text], [engine.change, seed.change]),
    ]
    new_logits = gr.on(
        [prompt.change, chat.change],
        on_prompt,
        inputs=[prompt, chat],
        outputs=[state],
        trigger_mode="always_last",
        show_progress="hidden",
        api_visibility="private",
        **MODEL_EVENT,
    )
    for fn, inputs, outputs, triggers in views:
        new_logits.then(fn, inputs=inputs, outputs=outputs, api_visibility="private", **LIGHT_EVENT)
        gr.on(
            [*triggers, *knob_changes],
            fn,
            inputs=inputs,
            outputs=outputs,
            trigger_mode="always_last",
            show_progress="hidden",
            api_visibility="private",
            **LIGHT_EVENT,
        )
    reseed.click(next_seed, inputs=[seed], outputs=[seed], api_visibility="private", queue=False)
    generating = gr.on(
        [go.click, prompt.submit],
        on_generate,
        inputs=[prompt, chat, engine, seed, max_new, min_new, stop, use_cache, *sliders],
        outputs=[generated, status, steps, generation],
        show_progress="minimal",
        api_visibility="private",
        **GENERATION_EVENT,
    )
    # Stop closes the generation's handler: its request leaves the batch at the next step.
    stop_button.click(None, cancels=[generating], api_visibility="private", queue=False)
