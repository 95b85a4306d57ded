"""Inside the model tab: embeddings, the logit lens, attention while writing (wiring only).

The model runs when the prompt changes (one forward pass with hidden states) and when Generate is
pressed (our decoding loop, then one eager forward pass); every other control redraws from the
session's state.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from types import SimpleNamespace

import gradio as gr

from playground import charts, config, html, lens
from playground.api import endpoints as api
from playground.api.params import LAYER
from playground.i18n import t
from playground.prompts import encode_prompt
from playground.ui import links
from playground.ui.common import (
    LIGHT_EVENT,
    MODEL_EVENT,
    handler,
    long_action,
    progress_line,
    prompt_examples,
)
from playground.ui.endpoints import register, slider
from playground.ui.knobs import seed_box

ID = "inside"
# Links (links.py): the token and the position are chosen among the prompt's tokens, so a link that
# sets the prompt hands them to compute_prompt; a frame of the animation is a view, not a setting.
LINK_FOLLOWS = {"in-token": ("in-prompt", "in-chat"), "in-position": ("in-prompt", "in-chat")}
LINK_SKIP = {
    "in-step": "a frame of the animation of a finished generation",
    "in-writing-shown": "which generation the page shows: set by Generate, not a setting",
}
LINK_RUNS = ("in-generate",)

DEFAULT_PROMPT = "The capital of France is"
LATEX = [{"left": "$", "right": "$", "display": False}]


def _choices(states: lens.PromptStates) -> list[tuple[str, int]]:
    return [(f"{i}: {label}", i) for i, label in enumerate(states.labels)]


def _head_name(head: int) -> str:
    return t("inside.mean_head") if head == lens.MEAN_HEAD else t("inside.head_n", head=head)


# --- handlers --------------------------------------------------------------------------------------


def compute_prompt(runner, prompt: str, chat: bool, held: dict | None = None):
    """Run the prompt once with hidden states; the token and position lists follow the new prompt
    (at its last token, or where a link that set the prompt put them: ``held``, see links.py)."""
    if not prompt or not prompt.strip():
        return gr.skip(), gr.skip(), gr.skip()
    states = lens.prompt_states(runner, encode_prompt(runner, prompt, chat, lens.token_limit(runner)))
    last = len(states.ids) - 1
    choices = _choices(states)
    inputs = {"in-prompt": prompt}  # the chat switch keeps them: it starts a second recompute
    token, position = (links.held_value(held, key, inputs) for key in ("in-token", "in-position"))
    token, position = (last if value is None or value > last else value for value in (token, position))
    return states, gr.update(choices=choices, value=token), gr.update(choices=choices, value=position)


def states_for(runner, states: lens.PromptStates | None, prompt: str, chat: bool) -> lens.PromptStates | None:
    """The kept states if they are the prompt's on screen, else computed again: an expired session gets
    the page's first states back (the default prompt's), whose numbers must not stand under another."""
    if not prompt or not prompt.strip():
        return None
    ids = encode_prompt(runner, prompt, chat, lens.token_limit(runner))
    return states if states is not None and states.ids == ids else lens.prompt_states(runner, ids)


def redraw_embeddings(runner, states, prompt: str, chat: bool, token_index: int, k: int):
    """The embeddings' views for the prompt on screen (its states, computed again if they expired)."""
    states = states_for(runner, states, prompt, chat)
    if states is None or int(token_index) >= len(states.ids):
        return gr.skip(), gr.skip(), gr.skip()
    return states, *render_embeddings(runner, states, token_index, k)


def redraw_lens(runner, states, prompt: str, chat: bool, position: int):
    """The lens's views for the prompt on screen (its states, computed again if they expired)."""
    states = states_for(runner, states, prompt, chat)
    if states is None or int(position) >= len(states.ids):
        return gr.skip(), gr.skip(), gr.skip(), gr.skip()
    return states, *render_lens(runner, states, position)


def render_embeddings(runner, states: lens.PromptStates, token_index: int, k: int):
    view = lens.embedding_view(runner, states.ids, int(token_index), int(k))
    dim = runner.hidden_size
    strips = charts.embedding_strips(
        states.labels,
        states.vectors.tolist(),
        lens.strip_scale(states.vectors),
        t("inside.strip_title", dim=dim),
    )
    rows = view.to_api()["neighbours"]
    title = t("inside.neighbours_title", token=states.labels[view.index])
    return strips, charts.embedding_neighbours(rows, title)


def render_lens(runner, states: lens.PromptStates, position: int):
    result = lens.logit_lens(runner, states, int(position))
    rows = result.to_api()["layers"]
    label = states.labels[result.position]
    top = charts.lens_top_tokens(
        rows,
        result.target_id,
        t("inside.lens_top_title", k=config.LENS_TOP_TOKENS, position=result.position, token=label),
    )
    target = charts.lens_target(rows, t("inside.target_title", token=result.target))
    only_last = result.first_top_layer == states.num_layers
    summary = t(
        "inside.lens_summary_last" if only_last else "inside.lens_summary",
        position=result.position,
        token=label,
        target=result.target,
        prob=result.layers[-1].target_prob,
        first=result.first_top_layer,
        settled=result.settled_layer,
        layers=states.num_layers,
    )
    return top, target, summary


def writing_key(writing: lens.WritingAttention) -> str:
    """What the page keeps of the writing it shows (a component's value, which never expires): its ids."""
    return " ".join(map(str, writing.ids))


def compute_writing(runner, prompt: str, chat: bool, max_new_tokens: int, temperature: float, seed: int):
    """Generate, then one eager forward pass; the step slider spans the new tokens."""
    seed = 0 if seed is None else seed
    params = lens.writing_params(max_new_tokens, temperature, seed, lens.writing_limit(runner))
    ids = encode_prompt(runner, prompt, chat, lens.token_limit(runner))
    writing = lens.attention_while_writing(runner, ids, params)
    step = gr.update(maximum=writing.num_generated, value=1)
    return writing, writing_key(writing), step, writing_status(writing, params)


def redraw_writing(first: lens.WritingAttention, writing, shown: str, layer: int, head: int, step: int):
    """The step's views of the writing on screen: the session's, or the first view's (not kept per
    session). When the session's has expired, the page says so instead of drawing another writing."""
    if writing is None:
        if shown != writing_key(first):
            return None, "", t("inside.writing_expired", minutes=config.SESSION_TTL_S / 60)
        writing = first
    return render_writing(writing, layer, head, step)


def writing_status(writing: lens.WritingAttention, params) -> str:
    """How many tokens were written, how (greedy or sampled, with the seed), and why it stopped."""
    how = (
        t("inside.greedy")
        if params.sampling.greedy
        else t("inside.sampled", temperature=params.sampling.temperature, seed=params.seed)
    )
    reason = t(f"inside.stop.{writing.stop_reason}")
    return t("inside.writing_status", count=writing.num_generated, how=how, reason=reason)


CHAIN_DIFFERS = 0.0005  # the chain's probability is named where it would read differently at 0.1%


def render_writing(writing: lens.WritingAttention, layer: int, head: int, step: int):
    """Step ``step`` (1-based) of the generation for one layer and head; the model is not run."""
    layer, head = int(layer), int(head)
    index = max(0, min(int(step), writing.num_generated) - 1)
    view = writing.view(layer, head)
    title = t("inside.writing_title", layer=layer, head=_head_name(head))
    figure = charts.writing_attention(writing.labels, view.rows, writing.prompt_length, index, title)
    query = writing.prompt_length - 1 + index
    produced = writing.labels[query + 1]
    tokens = html.writing_step(writing.labels, view.rows[index], writing.prompt_length, produced)
    summary = t(
        "inside.step_summary",
        step=index + 1,
        count=writing.num_generated,
        query=query,
        token=writing.labels[query],
        keys=query + 1,
        produced=produced,
        prob=writing.model_probs[index],
    )
    if abs(writing.probs[index] - writing.model_probs[index]) >= CHAIN_DIFFERS:
        summary = f"{summary} {t('inside.chain_prob', prob=writing.probs[index])}"
    return figure, tokens, summary


def toggle_play(first: lens.WritingAttention, playing: bool, writing, step: int):
    """Start or pause stepping through the generation; a play at the end starts again from 1."""
    writing = writing or first  # None: the first view's (or an expired one's: the views then say so)
    playing = not playing
    restart = playing and int(step) >= writing.num_generated
    label = t("inside.pause") if playing else t("inside.play")
    return playing, gr.Timer(active=playing), gr.Button(value=label), 1 if restart else gr.skip()


def advance(first: lens.WritingAttention, writing, step: int):
    """One tick of play: the next generated token; play stops at the last one."""
    writing = writing or first
    step = int(step) + 1
    if step >= writing.num_generated:
        return (
            min(step, writing.num_generated),
            False,
            gr.Timer(active=False),
            gr.Button(value=t("inside.play")),
        )
    return step, True, gr.skip(), gr.skip()


# --- layout and events -----------------------------------------------------------------------------


@dataclass(frozen=True)
class InsideFirst:
    """The first view's model work: the default prompt's hidden states and a greedy writing."""

    states: lens.PromptStates
    writing: lens.WritingAttention
    params: object  # the writing's GenerationParams


def first_view(runner) -> InsideFirst:
    """Computed once per server, shared by every language's page."""
    limit = lens.writing_limit(runner)
    params = lens.writing_params(min(config.DEFAULT_WRITING_NEW_TOKENS, limit), 0, 0, limit)
    ids = encode_prompt(runner, DEFAULT_PROMPT, False, lens.token_limit(runner))
    writing = lens.attention_while_writing(runner, ids, params)
    return InsideFirst(lens.prompt_states(runner, ids), writing, params)


def _prompt_and_embeddings(runner, c: SimpleNamespace, first: InsideFirst) -> None:
    states = first.states
    strips0, neighbours0 = render_embeddings(runner, states, runner.inside_token, config.DEFAULT_NEIGHBOURS)
    tied = t("inside.tied_yes") if runner.tied_embeddings else t("inside.tied_no")
    theta = runner.rope_theta
    position_note = t("inside.position_rope", theta=theta) if theta else t("inside.position_other")
    gr.Markdown(t("inside.explain", layers=runner.num_layers), latex_delimiters=LATEX)
    with gr.Row():
        c.prompt = gr.Textbox(
            value=DEFAULT_PROMPT, label=t("inside.prompt"), lines=2, elem_id="in-prompt", scale=4
        )
        c.chat = gr.Checkbox(value=False, label=t("inside.chat"), elem_id="in-chat", scale=1)
    prompt_examples("inside", c.prompt, runner)
    c.states = gr.State(states, time_to_live=config.SESSION_TTL_S)
    gr.Markdown(f"### {t('inside.embed_heading')}")
    gr.Markdown(
        t("inside.embed_explain", vocab=runner.embedding_matrix.shape[0], dim=runner.hidden_size),
        latex_delimiters=LATEX,
    )
    gr.Markdown(f"{position_note}\n\n{tied}", latex_delimiters=LATEX, elem_id="in-facts")
    c.strips = gr.Plot(strips0, elem_id="in-strips", show_label=False)
    with gr.Row():
        c.token = gr.Dropdown(
            choices=_choices(states),
            value=runner.inside_token,
            label=t("inside.choose_token"),
            elem_id="in-token",
        )
        c.k = slider(api.EMBEDDINGS.param("k"), value=config.DEFAULT_NEIGHBOURS, label=t("inside.k"),
                     elem_id="in-k")  # fmt: skip
    c.neighbours = gr.Plot(neighbours0, elem_id="in-neighbours", show_label=False)


def _lens_section(runner, c: SimpleNamespace, first: InsideFirst) -> None:
    last = len(first.states.ids) - 1
    top0, target0, summary0 = render_lens(runner, first.states, last)
    gr.Markdown(f"### {t('inside.lens_heading')}")
    gr.Markdown(t("inside.lens_explain", layers=runner.num_layers), latex_delimiters=LATEX)
    c.position = gr.Dropdown(
        choices=_choices(first.states), value=last, label=t("inside.position"), elem_id="in-position"
    )
    c.lens_summary = gr.Markdown(summary0, elem_id="in-lens-summary")
    with gr.Row():
        c.lens_top = gr.Plot(top0, elem_id="in-lens-top", show_label=False)
        c.lens_target = gr.Plot(target0, elem_id="in-lens-target", show_label=False)


def _writing_controls(runner, c: SimpleNamespace) -> None:
    gr.Markdown(f"### {t('inside.writing_heading')}")
    gr.Markdown(t("inside.writing_explain"), latex_delimiters=LATEX)
    with gr.Row():
        c.new_tokens = slider(
            api.GENERATION_ATTENTION.param("max_new_tokens"),
            lens.writing_limit(runner),
            value=min(config.DEFAULT_WRITING_NEW_TOKENS, lens.writing_limit(runner)),
            label=t("inside.new_tokens"),
            elem_id="in-new-tokens",
        )
        c.temperature = gr.Slider(
            0, 2, value=0, step=0.05, label=t("inside.temperature"), elem_id="in-temperature"
        )
        c.seed = seed_box(t("inside.seed"), "in-seed")
        c.generate = gr.Button(t("inside.generate"), variant="primary", elem_id="in-generate")


def _writing_section(runner, c: SimpleNamespace, first: InsideFirst) -> None:
    writing, layer0 = first.writing, runner.num_layers // 2
    figure0, tokens0, step0 = render_writing(writing, layer0, lens.MEAN_HEAD, 1)
    heads = [(_head_name(h), h) for h in [lens.MEAN_HEAD, *range(writing.num_heads)]]
    _writing_controls(runner, c)
    c.writing = gr.State(None, time_to_live=config.SESSION_TTL_S)  # None: the first view's (c.first_writing)
    c.first_writing = writing
    # Kept by the page, so it never expires: which writing the views show.
    c.writing_shown = gr.Textbox(writing_key(writing), visible=False, elem_id="in-writing-shown")
    c.playing = gr.State(False)
    c.progress = progress_line("in-progress")
    c.status = gr.Markdown(writing_status(writing, first.params), elem_id="in-status")
    with gr.Row():
        c.layer = slider(
            LAYER, high=runner.num_layers - 1, value=layer0, label=t("inside.layer"), elem_id="in-layer"
        )
        c.head = gr.Dropdown(choices=heads, value=lens.MEAN_HEAD, label=t("inside.head"), elem_id="in-head")
    with gr.Row():
        c.step = gr.Slider(
            1, writing.num_generated, value=1, step=1, label=t("inside.step"), elem_id="in-step", scale=4
        )
        c.play_button = gr.Button(t("inside.play"), elem_id="in-play", scale=1)
    c.timer = gr.Timer(config.PLAY_INTERVAL_S, active=False)
    c.step_summary = gr.Markdown(step0, elem_id="in-step-summary")
    c.step_tokens = gr.HTML(tokens0, elem_id="in-step-tokens")
    c.writing_plot = gr.Plot(figure0, elem_id="in-writing", show_label=False)


PRIVATE = {"api_visibility": "private"}
REDRAW = {"trigger_mode": "always_last", "show_progress": "hidden", **PRIVATE, **LIGHT_EVENT}


def _prompt_events(runner, c: SimpleNamespace) -> None:
    draw_embeddings = handler(partial(redraw_embeddings, runner))
    draw_lens = handler(partial(redraw_lens, runner))
    embeddings_view = {
        "inputs": [c.states, c.prompt, c.chat, c.token, c.k],
        "outputs": [c.states, c.strips, c.neighbours],
    }
    lens_view = {
        "inputs": [c.states, c.prompt, c.chat, c.position],
        "outputs": [c.states, c.lens_top, c.lens_target, c.lens_summary],
    }
    prompt_event = gr.on(
        [c.prompt.change, c.chat.change],
        handler(partial(compute_prompt, runner)),
        inputs=[c.prompt, c.chat, links.held()],
        outputs=[c.states, c.token, c.position],
        trigger_mode="always_last",
        show_progress="hidden",
        **PRIVATE,
        **MODEL_EVENT,
    )
    prompt_event.then(draw_embeddings, **embeddings_view, **PRIVATE, **LIGHT_EVENT)
    prompt_event.then(draw_lens, **lens_view, **PRIVATE, **LIGHT_EVENT)
    gr.on([c.token.input, c.k.change], draw_embeddings, **embeddings_view, **REDRAW)
    c.position.input(draw_lens, **lens_view, **REDRAW)


def _writing_events(runner, c: SimpleNamespace) -> None:
    draw_writing = handler(partial(redraw_writing, c.first_writing))
    writing_view = {
        "inputs": [c.writing, c.writing_shown, c.layer, c.head, c.step],
        "outputs": [c.writing_plot, c.step_tokens, c.step_summary],
    }
    long_action(
        c.generate,
        partial(compute_writing, runner),
        inputs=[c.prompt, c.chat, c.new_tokens, c.temperature, c.seed],
        outputs=[c.writing, c.writing_shown, c.step, c.status],
        status=c.progress,
        doing=t("inside.progress"),
        show_progress="hidden",
        **MODEL_EVENT,
    ).then(draw_writing, **writing_view, **PRIVATE, **LIGHT_EVENT)
    gr.on([c.layer.change, c.head.change, c.step.change], draw_writing, **writing_view, **REDRAW)
    c.play_button.click(
        handler(partial(toggle_play, c.first_writing)),
        inputs=[c.playing, c.writing, c.step],
        outputs=[c.playing, c.timer, c.play_button, c.step],
        **PRIVATE,
        queue=False,
    )
    c.timer.tick(
        handler(partial(advance, c.first_writing)),
        inputs=[c.writing, c.step],
        outputs=[c.step, c.playing, c.timer, c.play_button],
        **PRIVATE,
        queue=False,
    )


def build(runner, first: InsideFirst | None = None) -> None:
    """The tab: its layout, its events and its endpoints."""
    first = first or first_view(runner)
    c = SimpleNamespace()
    with gr.Tab(t("tab.inside"), id=ID, elem_id=f"tab-{ID}"):
        _prompt_and_embeddings(runner, c, first)
        _lens_section(runner, c, first)
        _writing_section(runner, c, first)
        register([api.LOGIT_LENS, api.EMBEDDINGS, api.GENERATION_ATTENTION], runner)
    _prompt_events(runner, c)
    _writing_events(runner, c)
