"""Inside the model tab: embeddings, the logit lens, attention while writing (wiring only).

The model runs when the prompt changes (one forward pass with hidden states) and when Generate is
pressed (our decoding loop, then one eager forward pass); every other control redraws from the
session's state.
"""

from __future__ import annotations

from functools import partial

import gradio as gr

from playground import charts, config, html, lens
from playground.i18n import t
from playground.prompts import encode_prompt
from playground.ui.common import LIGHT_EVENT, MODEL_EVENT, endpoint, handler, prompt_examples

DEFAULT_PROMPT = "The capital of France is"
LATEX = [{"left": "$", "right": "$", "display": False}]


def _choices(states: lens.PromptStates) -> list[tuple[str, int]]:
    return [(f"{i}: {label}", i) for i, label in enumerate(states.labels)]


def _head_name(head: int) -> str:
    return t("inside.mean_head") if head == lens.MEAN_HEAD else t("inside.head_n", head=head)


# --- handlers --------------------------------------------------------------------------------------


def compute_prompt(runner, prompt: str, chat: bool):
    """Run the prompt once with hidden states; the token and position lists follow the new prompt."""
    if not prompt or not prompt.strip():
        return gr.skip(), gr.skip(), gr.skip()
    states = lens.prompt_states(runner, encode_prompt(runner, prompt, chat, config.MAX_LENS_TOKENS))
    last = len(states.ids) - 1
    choices = _choices(states)
    return states, gr.update(choices=choices, value=last), gr.update(choices=choices, value=last)


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


def compute_writing(runner, prompt: str, chat: bool, max_new_tokens: int, temperature: float, seed: int):
    """Generate, then one eager forward pass; the step slider spans the new tokens."""
    params = lens.writing_params(max_new_tokens, temperature, 0 if seed is None else seed)
    ids = encode_prompt(runner, prompt, chat, config.MAX_LENS_TOKENS)
    writing = lens.attention_while_writing(runner, ids, params)
    how = (
        t("inside.greedy")
        if params.sampling.greedy
        else t("inside.sampled", temperature=params.sampling.temperature, seed=params.seed)
    )
    status = t(
        "inside.writing_status",
        count=writing.num_generated,
        how=how,
        reason=t(f"inside.stop.{writing.stop_reason}"),
    )
    return writing, gr.update(maximum=writing.num_generated, value=1), status


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
        prob=writing.probs[index],
    )
    return figure, tokens, summary


def toggle_play(playing: bool, writing: lens.WritingAttention, step: int):
    """Start or pause stepping through the generation; a play at the end starts again from 1."""
    playing = not playing
    restart = playing and int(step) >= writing.num_generated
    label = t("inside.pause") if playing else t("inside.play")
    return playing, gr.Timer(active=playing), gr.Button(value=label), 1 if restart else gr.skip()


def advance(writing: lens.WritingAttention, step: int):
    """One tick of play: the next generated token; play stops at the last one."""
    step = int(step) + 1
    if step >= writing.num_generated:
        return (
            min(step, writing.num_generated),
            False,
            gr.Timer(active=False),
            gr.Button(value=t("inside.play")),
        )
    return step, True, gr.skip(), gr.skip()


def logit_lens_api(runner, prompt: str, chat: bool = False, position: int = -1) -> dict:
    """The model's output head applied after the embedding and after every layer at one position
    (-1 = the last): top tokens per layer and the final choice's probability and rank."""
    ids = encode_prompt(runner, prompt, chat, config.MAX_LENS_TOKENS)
    return lens.logit_lens(runner, lens.prompt_states(runner, ids), position).to_api()


def embeddings_api(runner, prompt: str, chat: bool = False, token_index: int = -1, k: int = 10) -> dict:
    """One prompt token's embedding vector and its k nearest rows of the embedding matrix (cosine)."""
    ids = encode_prompt(runner, prompt, chat, config.MAX_LENS_TOKENS)
    return lens.embedding_view(runner, ids, token_index, k).to_api()


def generation_attention_api(
    runner,
    prompt: str,
    chat: bool = False,
    max_new_tokens: int = config.DEFAULT_WRITING_NEW_TOKENS,
    layer: int = 0,
    head: int = -1,
    temperature: float = 0.0,
    seed: int = 0,
) -> dict:
    """Generate (greedy at temperature 0), then each new token's attention row for one layer and head
    (-1 = mean): row k is the query at prompt_length - 1 + k over every position up to it."""
    params = lens.writing_params(max_new_tokens, temperature, seed)
    ids = encode_prompt(runner, prompt, chat, config.MAX_LENS_TOKENS)
    return lens.generation_attention(runner, ids, params, layer, head).to_api()


# --- layout and events -----------------------------------------------------------------------------


def build(runner) -> None:
    on_prompt = handler(partial(compute_prompt, runner))
    draw_embeddings = handler(partial(render_embeddings, runner))
    draw_lens = handler(partial(render_lens, runner))
    on_generate = handler(partial(compute_writing, runner))
    draw_writing = handler(render_writing)
    play = handler(toggle_play)
    tick = handler(advance)

    first_states = lens.prompt_states(runner, encode_prompt(runner, DEFAULT_PROMPT, False))
    first_last = len(first_states.ids) - 1
    first_writing, _, first_status = on_generate(
        DEFAULT_PROMPT, False, config.DEFAULT_WRITING_NEW_TOKENS, 0, 0
    )
    first_layer = runner.num_layers // 2
    first_strips, first_neighbours = draw_embeddings(
        first_states, runner.inside_token, config.DEFAULT_NEIGHBOURS
    )
    first_top, first_target, first_summary = draw_lens(first_states, first_last)
    first_figure, first_tokens, first_step = draw_writing(first_writing, first_layer, lens.MEAN_HEAD, 1)
    tied = t("inside.tied_yes") if runner.tied_embeddings else t("inside.tied_no")
    theta = runner.rope_theta
    position_note = t("inside.position_rope", theta=theta) if theta else t("inside.position_other")
    heads = [(_head_name(h), h) for h in [lens.MEAN_HEAD, *range(first_writing.num_heads)]]

    with gr.Tab(t("tab.inside"), id="inside", elem_id="tab-inside"):
        gr.Markdown(t("inside.explain", layers=runner.num_layers), latex_delimiters=LATEX)
        with gr.Row():
            prompt = gr.Textbox(
                value=DEFAULT_PROMPT, label=t("inside.prompt"), lines=2, elem_id="in-prompt", scale=4
            )
            chat = gr.Checkbox(value=False, label=t("inside.chat"), elem_id="in-chat", scale=1)
        prompt_examples("inside", prompt, runner)
        states = gr.State(first_states, time_to_live=config.INSIDE_STATE_TTL_S)

        gr.Markdown(f"### {t('inside.embed_heading')}")
        gr.Markdown(
            t("inside.embed_explain", vocab=runner.embedding_matrix.shape[0], dim=runner.hidden_size),
            latex_delimiters=LATEX,
        )
        gr.Markdown(f"{position_note}\n\n{tied}", latex_delimiters=LATEX, elem_id="in-facts")
        strips = gr.Plot(first_strips, elem_id="in-strips", show_label=False)
        with gr.Row():
            token = gr.Dropdown(
                choices=_choices(first_states), value=runner.inside_token, label=t("inside.choose_token"),
                elem_id="in-token",
            )  # fmt: skip
            k = gr.Slider(
                1, config.MAX_NEIGHBOURS, value=config.DEFAULT_NEIGHBOURS, step=1, label=t("inside.k"),
                elem_id="in-k",
            )  # fmt: skip
        neighbours = gr.Plot(first_neighbours, elem_id="in-neighbours", show_label=False)

        gr.Markdown(f"### {t('inside.lens_heading')}")
        gr.Markdown(t("inside.lens_explain", layers=runner.num_layers), latex_delimiters=LATEX)
        position = gr.Dropdown(
            choices=_choices(first_states),
            value=first_last,
            label=t("inside.position"),
            elem_id="in-position",
        )
        lens_summary = gr.Markdown(first_summary, elem_id="in-lens-summary")
        with gr.Row():
            lens_top = gr.Plot(first_top, elem_id="in-lens-top", show_label=False)
            lens_target = gr.Plot(first_target, elem_id="in-lens-target", show_label=False)

        gr.Markdown(f"### {t('inside.writing_heading')}")
        gr.Markdown(t("inside.writing_explain"), latex_delimiters=LATEX)
        with gr.Row():
            new_tokens = gr.Slider(
                1, config.MAX_WRITING_NEW_TOKENS, value=config.DEFAULT_WRITING_NEW_TOKENS, step=1,
                label=t("inside.new_tokens"), elem_id="in-new-tokens",
            )  # fmt: skip
            temperature = gr.Slider(
                0, 2, value=0, step=0.05, label=t("inside.temperature"), elem_id="in-temperature"
            )
            seed = gr.Number(value=0, precision=0, label=t("inside.seed"), elem_id="in-seed")
            generate = gr.Button(t("inside.generate"), variant="primary", elem_id="in-generate")
        writing = gr.State(first_writing, time_to_live=config.INSIDE_STATE_TTL_S)
        playing = gr.State(False)
        status = gr.Markdown(first_status, elem_id="in-status")
        with gr.Row():
            layer = gr.Slider(
                0,
                runner.num_layers - 1,
                value=first_layer,
                step=1,
                label=t("inside.layer"),
                elem_id="in-layer",
            )
            head = gr.Dropdown(choices=heads, value=lens.MEAN_HEAD, label=t("inside.head"), elem_id="in-head")
        with gr.Row():
            step = gr.Slider(
                1, first_writing.num_generated, value=1, step=1, label=t("inside.step"), elem_id="in-step",
                scale=4,
            )  # fmt: skip
            play_button = gr.Button(t("inside.play"), elem_id="in-play", scale=1)
        timer = gr.Timer(config.PLAY_INTERVAL_S, active=False)
        step_summary = gr.Markdown(first_step, elem_id="in-step-summary")
        step_tokens = gr.HTML(first_tokens, elem_id="in-step-tokens")
        writing_plot = gr.Plot(first_figure, elem_id="in-writing", show_label=False)

        gr.api(endpoint(logit_lens_api, runner), api_name="logit_lens", **MODEL_EVENT)
        gr.api(endpoint(embeddings_api, runner), api_name="embeddings", **MODEL_EVENT)
        gr.api(endpoint(generation_attention_api, runner), api_name="generation_attention", **MODEL_EVENT)

    private = {"api_visibility": "private"}
    redraw = {"trigger_mode": "always_last", "show_progress": "hidden", **private, **LIGHT_EVENT}
    prompt_event = gr.on(
        [prompt.change, chat.change],
        on_prompt,
        inputs=[prompt, chat],
        outputs=[states, token, position],
        trigger_mode="always_last",
        show_progress="hidden",
        **private,
        **MODEL_EVENT,
    )
    prompt_event.then(
        draw_embeddings, inputs=[states, token, k], outputs=[strips, neighbours], **private, **LIGHT_EVENT
    )
    prompt_event.then(
        draw_lens,
        inputs=[states, position],
        outputs=[lens_top, lens_target, lens_summary],
        **private,
        **LIGHT_EVENT,
    )
    gr.on(
        [token.input, k.change],
        draw_embeddings,
        inputs=[states, token, k],
        outputs=[strips, neighbours],
        **redraw,
    )
    position.input(
        draw_lens, inputs=[states, position], outputs=[lens_top, lens_target, lens_summary], **redraw
    )

    writing_view = {
        "inputs": [writing, layer, head, step],
        "outputs": [writing_plot, step_tokens, step_summary],
    }
    generate.click(
        on_generate,
        inputs=[prompt, chat, new_tokens, temperature, seed],
        outputs=[writing, step, status],
        **private,
        **MODEL_EVENT,
    ).then(draw_writing, **writing_view, **private, **LIGHT_EVENT)
    gr.on([layer.change, head.change, step.change], draw_writing, **writing_view, **redraw)
    play_button.click(
        play,
        inputs=[playing, writing, step],
        outputs=[playing, timer, play_button, step],
        **private,
        queue=False,
    )
    timer.tick(
        tick, inputs=[writing, step], outputs=[step, playing, timer, play_button], **private, queue=False
    )
