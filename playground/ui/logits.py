"""Logits to token tab: every sampling stage in the chosen engine's order, three engines side by side,
a thousand draws, and generation. Sliders never re-run the model.

The knobs come from the sampling registry (``sampling.STAGES``): the sliders, the handlers' inputs and
the endpoints' signatures are derived from it, so a new stage needs no edit here.
"""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from dataclasses import dataclass
from functools import partial
from types import SimpleNamespace
from typing import TYPE_CHECKING

import gradio as gr

from playground import charts, config, fork, html, real_engines, sampling, serving
from playground.api import endpoints as api
from playground.generation import GenerationParams
from playground.i18n import t
from playground.prompts import encode_prompt
from playground.ui import fork as fork_ui
from playground.ui.common import (
    GENERATION_EVENT,
    LIGHT_EVENT,
    MODEL_EVENT,
    endpoint,
    handler,
    long_action,
    presses,
    prompt_examples,
    session_of,
)
from playground.ui.endpoints import register, slider
from playground.ui.knobs import KNOBS, knob_sliders, preset_text, preset_values, seed_box
from playground.ui.knobs import sampling_params as _params

if TYPE_CHECKING:
    import torch

ID = "logits"
LINK_SKIP = {"fk-choice": "a token of a finished generation, picked to fork from"}

DEFAULT_PROMPT = "The capital of France is"
ONLY_IN_SHOWN = 8  # tokens named per "keeps, cuts" line
OURS = "playground"  # Generate on this playground's batch (else: a configured real engine's name)


def _label(runner):
    return runner.token_label


# --- handlers of the tab (named, module level; bound to the runner in build) ---------------------


@dataclass(frozen=True)
class LogitsState:
    """What a session keeps for this tab (it expires with the session): one prompt's next-token scores."""

    prompt: str
    chat: bool
    ids: list[int]  # (T,) the prompt's tokens
    logits: torch.Tensor  # (vocab,) scores for the token after them


def prompt_logits(runner, prompt: str, chat: bool) -> LogitsState | None:
    """Run the model once for the prompt; sliders then work on these logits only."""
    if not prompt or not prompt.strip():
        return None
    ids = encode_prompt(runner, prompt, chat)
    return LogitsState(prompt, chat, ids, runner.prefill(ids).logits)


def logits_for(runner, state: LogitsState | None, prompt: str, chat: bool) -> LogitsState | None:
    """The kept logits if they are the prompt's on screen, else computed again: an expired session gets
    the page's first state back (the default prompt's), and must not show its numbers."""
    if state is not None and state.prompt == prompt and state.chat == bool(chat):
        return state
    return prompt_logits(runner, prompt, chat)


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
    result = sampling.run_pipeline(state.logits, state.ids, [], params, engine)
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
    effect = sampling.penalty_effect(state.logits, state.ids, [], params, seed, engine, result=result)
    if effect is not None:
        summary = f"{summary}\n\n{penalty_note(effect, engine, label)}"
    return charts.sampling_pipeline(view), summary, order_note(engine)


def penalty_note(effect: sampling.PenaltyEffect, engine: str, label) -> str:
    """Why the penalties changed the drawn token: what the same seed draws without them, how often each
    penalty counted that token, and how far its score fell."""
    scopes = sampling.get_engine(engine).scope
    counts = "; ".join(
        t(
            "logits.penalty_count",
            penalty=t(f"engines.short.{name}"),
            count=count,
            scope=t(scopes[name].key, n=scopes[name].last_n),
        )
        for name, count in zip(effect.penalties, effect.counts, strict=True)
        if count
    )
    if not counts:  # it was not counted: lowering the counted tokens moved the seeded draw onto another
        return t(
            "logits.penalty_changed_others",
            without=label(effect.without),
            prob=effect.without_prob,
            chosen=label(effect.chosen),
        )
    return t(
        "logits.penalty_changed",
        without=label(effect.without),
        prob=effect.without_prob,
        counts=counts[:1].upper() + counts[1:],
        before=effect.score_before,
        after=effect.score_after,
        chosen=label(effect.chosen),
    )


def compare_summary(view: dict) -> str:
    """The distances between engines and the tokens one keeps that another cuts, as Markdown."""
    lines = [t("engines.distance", a=d["a"], b=d["b"], tv=d["tv"], share=d["tv"]) for d in view["distances"]]
    lines.append(" · ".join(t("engines.kept", engine=e, kept=view["kept"][e]) for e in view["kept"]))
    for row in view["only_in"]:
        if row["tokens"]:
            shown = ", ".join(f"`{tok}`" for tok in row["tokens"][:ONLY_IN_SHOWN])
            if len(row["tokens"]) > ONLY_IN_SHOWN:
                shown = t("engines.only_in_more", tokens=shown, more=len(row["tokens"]) - ONLY_IN_SHOWN)
            lines.append(t("engines.only_in", a=row["a"], b=row["b"], tokens=shown))
    if all(d["tv"] == 0 for d in view["distances"]):
        lines.append(t("engines.same"))
    for real in view["real"]:
        if real["error"]:
            lines.append(t("real.failed", engine=real["engine"], error=real["error"]))
        else:
            lines.append(
                t(
                    "real.distance",
                    engine=real["engine"],
                    name=real["name"],
                    tv=real["tv"],
                    n=real["reported"],
                )
            )
    return "\n\n".join(lines)


def compare(runner, state, *values):
    """The three engines' final distributions for the same logits and knobs, and beside them each
    real engine's own (``PLAYGROUND_ENGINES``), asked live with the same prompt and knobs."""
    if state is None:
        return None, ""
    params = _params(values)
    comparison = sampling.compare_engines(state.logits, state.ids, [], params)
    ours = {name: result.probs for name, result in comparison.results.items()}
    real = real_engines.beside(list(real_engines.configured().values()), state.ids, params, ours)
    view = sampling.comparison_view(comparison, _label(runner), config.ENGINE_TOKENS_SHOWN, real)
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
    result = sampling.run_pipeline(state.logits, state.ids, [], _params(values), engine, with_entropy=False)
    draws = sampling.sample_many(result.probs, config.SAMPLE_DRAWS, seed)
    view = sampling.draws_view(draws, _label(runner), config.DRAWS_TOKENS_SHOWN)
    return charts.draws_histogram(view), draws_summary(view)


def views(runner, state: LogitsState | None, prompt: str, chat: bool, engine: str, seed, *values):
    """Every view of the prompt's logits (stages, engines, draws) in one call, so that a knob's change
    is one event (see ``_view_events``); the state comes back too (computed again if it was not the
    prompt's)."""
    state = logits_for(runner, state, prompt, chat)
    return (
        state,
        *redraw(runner, state, engine, seed, *values),
        *compare(runner, state, *values),
        *draw_many(runner, state, engine, seed, *values),
    )


def refused(engine: str):
    """The views when the prompt was refused: empty, so no other prompt's results stand under the error."""
    return None, None, t("logits.refused"), order_note(engine), None, "", None, ""


def next_seed(seed: float | None) -> int:
    return 0 if seed is None else int(seed) + 1


def _generation_params(engine, seed, max_new, min_new, stop, use_cache, values) -> GenerationParams:
    """The page's settings as /generate's declared request, checked the way /generate checks them."""
    request = api.GENERATE.request(
        prompt="",
        engine=engine,
        seed=seed,
        max_new_tokens=max_new,
        min_new_tokens=min_new,
        stop=stop,
        use_cache=use_cache,
        **dict(zip([k.name for k in KNOBS], values, strict=True)),
    )
    return api.generation_params(request)


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


def generated_by(run_on: str | None) -> str:
    """Which real engine generates, for the page to say: the one chosen, or the generation engine
    every generation goes to (``PLAYGROUND_GENERATION_ENGINE``); "" for this playground's batch."""
    if run_on:
        return t("real.series", name=run_on)
    engine = real_engines.generation_engine()
    return engine.label if engine else ""


def _generation_states(runner, request: gr.Request, ids, params, run_on: str):
    """The states of one generation: in this playground's batch, or streamed from a real engine."""
    engines = real_engines.configured()
    if run_on in (None, "", OURS):
        return serving.astream(runner, ids, params, session_of(request))
    if run_on not in engines:
        raise real_engines.EngineUnavailable("real.error.name", name=run_on, known=", ".join(engines))
    return real_engines.astream_generation(engines[run_on], ids, params, _label(runner), session_of(request))


async def generate_ui(
    runner,
    request: gr.Request,
    prompt,
    chat,
    run_on,
    engine,
    seed,
    max_new,
    min_new,
    stop,
    use_cache,
    *values,
):
    """Stream generation through the engine's chain (in the shared batch, or on a real engine):
    coloured tokens, status, each step's alternatives. Streamed in the event loop: no thread waits
    for each learner."""
    params = _generation_params(engine, seed, max_new, min_new, stop, use_cache, values)
    label = _label(runner)
    ids = await asyncio.to_thread(encode_prompt, runner, prompt, chat)
    chips, rows, waits = [], [], 0  # each token is labelled once, when it arrives
    states = _generation_states(runner, request, ids, params, run_on)
    ours = run_on in (None, "", OURS)  # a fork continues our own generations only
    by = generated_by(run_on if not ours else None)
    async with aclosing(states):  # a closed tab cancels this handler: the request leaves the batch
        async for state in states:
            if state is None:  # queued (the first one comes at once; later ones: still waiting)
                waits += 1
                yield gr.skip(), t("serving.waiting") if waits > 1 else gr.skip(), gr.skip(), gr.skip()
                continue
            finished = fork.record(ids, params, state) if state.stop_reason and ours else None
            for token in state.tokens[len(chips) :]:  # a step may bring several when we lag
                top = [(label(i), p) for i, p in token.top]
                chips.append({"label": label(token.id), "prob": token.prob, "top": top})
                rows.append(
                    [len(rows) + 1, label(token.id), round(token.prob, 4),
                     ", ".join(f"{a} {p:.1%}" for a, p in top)]
                )  # fmt: skip
            status = _status(state, params)
            if by:
                status = f"{t('real.generated_on', engine=by)}\n\n{status}"
            yield html.generated_tokens(chips), status, rows, finished


def stop_generation(runner, request: gr.Request) -> None:
    """The Stop button: this page's generation ends at the next step, and its stream with the tokens
    so far, stop reason "stopped" (a cancelled handler could not show a final state)."""
    serving.service_of(runner).scheduler.stop_session(session_of(request))
    real_engines.request_stop(session_of(request))


# --- layout and events ---------------------------------------------------------------------------


def _slider_id(knob: sampling.Knob) -> str:
    """A slider is named after its knob, the request field it edits (as on the strategies' row)."""
    return f"lg-{knob.name.replace('_', '-')}"


def first_view(runner) -> LogitsState:
    """The default prompt's scores: computed once per server, shared by every language's page."""
    return prompt_logits(runner, DEFAULT_PROMPT, False)


def _stage_section(runner, c: SimpleNamespace, first: LogitsState) -> None:
    """Prompt, engine, knobs and seed, then the stage-by-stage chart."""
    starts = preset_values("writing")
    plot0, summary0, order0 = redraw(runner, first, sampling.DEFAULT_ENGINE, 0, *starts)
    gr.Markdown(
        t("logits.explain", vocab=runner.vocab_size),
        latex_delimiters=[{"left": "$", "right": "$", "display": False}],
    )
    with gr.Row():
        c.prompt = gr.Textbox(
            value=DEFAULT_PROMPT, label=t("logits.prompt"), lines=2, elem_id="lg-prompt", scale=4
        )
        c.chat = gr.Checkbox(value=False, label=t("logits.chat"), elem_id="lg-chat", scale=1)
    prompt_examples("logits", c.prompt, runner)
    c.engine = gr.Radio(
        list(sampling.ENGINES),
        value=sampling.DEFAULT_ENGINE,
        label=t("engines.engine"),
        info=t("engines.engine_info"),
        elem_id="lg-engine",
    )
    c.order = gr.Markdown(order0, elem_id="lg-order")
    c.sliders = []
    for row_index, row in enumerate((KNOBS[:4], KNOBS[4:])):
        with gr.Row():
            c.sliders += knob_sliders(row, _slider_id)
            if row_index == 1:
                with gr.Column(min_width=160):
                    c.seed = seed_box(t("logits.seed"), "lg-seed")
                    c.reseed = gr.Button(t("logits.new_seed"), size="sm", elem_id="lg-reseed")
    _presets(c)
    c.state = gr.State(first, time_to_live=config.SESSION_TTL_S)
    c.summary = gr.Markdown(summary0, elem_id="lg-summary")
    c.plot = gr.Plot(plot0, elem_id="lg-pipeline", show_label=False)


def _preset_id(name: str) -> str:
    return "lg-preset-" + name.replace("_", "-")


def _presets(c: SimpleNamespace) -> None:
    """One click back to sensible settings (or to every stage at work, greedy, or no stage at all)."""
    with gr.Row(equal_height=True):
        gr.Markdown(f"**{t('logits.preset.label')}**")
        c.presets = {
            name: gr.Button(t(f"logits.preset.{name}"), size="sm", elem_id=_preset_id(name))
            for name in sampling.PRESETS
        }
    gr.Markdown(
        t("logits.preset.explain", writing=preset_text("writing"), every_stage=preset_text("every_stage")),
        elem_id="lg-preset-explain",
    )


def _engines_section(runner, c: SimpleNamespace, first: LogitsState) -> None:
    """The three engines side by side, and a thousand draws."""
    starts = preset_values("writing")
    compare0, compare_text0 = compare(runner, first, *starts)
    draws0, draws_text0 = draw_many(runner, first, sampling.DEFAULT_ENGINE, 0, *starts)
    gr.Markdown(f"#### {t('engines.compare_heading')}\n{t('engines.compare_explain')}")
    gr.Markdown(real_engines_note("real.beside", "real.none_compare"), elem_id="lg-real-engines")
    with gr.Row():
        c.compare_plot = gr.Plot(compare0, elem_id="lg-engines", show_label=False, scale=3)
        c.compare_text = gr.Markdown(compare_text0, elem_id="lg-engines-text")
    n = config.SAMPLE_DRAWS
    gr.Markdown(f"#### {t('engines.draws_heading', n=n)}\n{t('engines.draws_explain', n=n)}")
    with gr.Row():
        c.draws_plot = gr.Plot(draws0, elem_id="lg-draws", show_label=False, scale=3)
        c.draws_text = gr.Markdown(draws_text0, elem_id="lg-draws-text")


def real_engines_note(configured_key: str, none_key: str) -> str:
    """What the real engines add here: the ones configured, or how to configure them."""
    engines = real_engines.configured()
    if not engines:
        return t(none_key)
    return t(configured_key, engines=", ".join(f"`{e.label}`" for e in engines.values()))


def _run_on(c: SimpleNamespace) -> None:
    """Where Generate runs: this playground's batch, or a configured real engine."""
    engines = real_engines.configured()
    choices = [(t("real.run_on_ours"), OURS)] + [(t("real.series", name=name), name) for name in engines]
    c.run_on = gr.Radio(
        choices, value=OURS, label=t("real.run_on"), info=t("real.run_on_info"), visible=bool(engines),
        elem_id="lg-run-on",
    )  # fmt: skip
    if not engines:
        gr.Markdown(t("real.none_generate"), elem_id="lg-run-on-none")


def _generation_section(runner, c: SimpleNamespace) -> None:
    """Generate (streamed), Stop, the tokens with their alternatives, and the fork."""
    gr.Markdown(f"#### {t('logits.generate_heading')}\n{t('logits.generate_explain')}")
    _run_on(c)
    with gr.Row():
        c.max_new = slider(
            api.MAX_NEW_TOKENS, value=32, label=t("logits.max_new_tokens"), elem_id="lg-max-new"
        )
        c.min_new = slider(
            api.MIN_NEW_TOKENS, value=0, label=t("logits.min_new_tokens"), elem_id="lg-min-new"
        )
        c.stop = gr.Textbox(label=t("logits.stop"), lines=2, elem_id="lg-stop")
        c.use_cache = gr.Checkbox(value=True, label=t("logits.use_cache"), elem_id="lg-use-cache")
    with gr.Row():
        c.go = gr.Button(t("logits.generate"), variant="primary", elem_id="lg-generate")
        c.stop_button = gr.Button(t("serving.stop"), elem_id="lg-stop-generation")
    c.generated = gr.HTML(elem_id="lg-generated", js_on_load=fork_ui.CLICK_JS)
    c.status = gr.Markdown(elem_id="lg-status")
    with gr.Accordion(t("logits.steps"), open=False):
        c.steps = gr.Dataframe(
            headers=[t(f"logits.col.{col}") for col in ("step", "token", "prob", "alternatives")],
            elem_id="lg-steps",
            interactive=False,
            wrap=True,
        )
    c.generation = gr.State(None)  # the last finished generation, for a fork
    fork_ui.build_section(runner, c.generated, c.generation)


def _view_events(runner, c: SimpleNamespace) -> None:
    """A new prompt runs the model once; every knob, the engine and the seed only redraw.

    One handler per trigger: Gradio's frontend re-dispatches a deferred "always_last" event to every
    listener of the trigger, so two listeners that overlap defer each other without end (a slider's
    reset, which fires "change" twice, started it: ~15 requests a second until the page reloaded).
    """
    on_views = handler(partial(views, runner))
    inputs = [c.state, c.prompt, c.chat, c.engine, c.seed, *c.sliders]
    outputs = [
        c.state,
        c.plot,
        c.summary,
        c.order,
        c.compare_plot,
        c.compare_text,
        c.draws_plot,
        c.draws_text,
    ]
    # A refused prompt (too long, ...) empties the views: its error must not stand over other results.
    clear = {"fn": handler(refused), "inputs": [c.engine], "outputs": outputs, "api_visibility": "private"}
    new_logits = gr.on(
        [c.prompt.change, c.chat.change],
        handler(partial(prompt_logits, runner)),
        inputs=[c.prompt, c.chat],
        outputs=[c.state],
        trigger_mode="always_last",
        show_progress="hidden",
        api_visibility="private",
        **MODEL_EVENT,
    )
    new_logits.failure(**clear, queue=False)
    new_logits.success(on_views, inputs=inputs, outputs=outputs, api_visibility="private", **LIGHT_EVENT)
    gr.on(
        [c.engine.change, c.seed.change, *[s.change for s in c.sliders]],
        on_views,
        inputs=inputs,
        outputs=outputs,
        trigger_mode="always_last",
        show_progress="hidden",
        api_visibility="private",
        **LIGHT_EVENT,
    ).failure(**clear, queue=False)
    c.reseed.click(next_seed, inputs=[c.seed], outputs=[c.seed], api_visibility="private", queue=False)
    for name, button in c.presets.items():  # the sliders' own change events then redraw, once
        button.click(partial(preset_values, name), outputs=c.sliders, api_visibility="private", queue=False)


def _generation_events(runner, c: SimpleNamespace) -> None:
    long_action(
        c.go,
        endpoint(generate_ui, runner),  # keeps the gr.Request hint: the session is known
        inputs=[
            c.prompt,
            c.chat,
            c.run_on,
            c.engine,
            c.seed,
            c.max_new,
            c.min_new,
            c.stop,
            c.use_cache,
            *c.sliders,
        ],
        outputs=[c.generated, c.status, c.steps, c.generation],
        status=c.status,
        doing=t("logits.progress"),
        show_progress="minimal",
        **GENERATION_EVENT,
    )
    presses(c.prompt, c.go)
    # Stop asks the scheduler to end this page's generation at the next step: the handler then sends
    # the final state (reason "stopped", timings), and the tokens stay usable for a fork.
    c.stop_button.click(endpoint(stop_generation, runner), api_visibility="private", queue=False)


def build(runner, first: LogitsState | None = None) -> None:
    """The tab: its layout, its events and its endpoints."""
    first = first or first_view(runner)
    c = SimpleNamespace()
    with gr.Tab(t("tab.logits"), id=ID, elem_id=f"tab-{ID}"):
        _stage_section(runner, c, first)
        _engines_section(runner, c, first)
        _generation_section(runner, c)
        register([api.NEXT_TOKEN, api.GENERATE, api.SAMPLE_MANY], runner)
    _view_events(runner, c)
    _generation_events(runner, c)
