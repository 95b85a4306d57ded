"""Attention heatmaps tab: one head's map, every head at a glance, what the next token looks at."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from types import SimpleNamespace

import gradio as gr

from playground import attention, charts, config, html, tokens
from playground.api import endpoints as api
from playground.api.params import LAYER
from playground.i18n import t
from playground.prompts import encode_prompt
from playground.ui.common import LIGHT_EVENT, MODEL_EVENT, handler, prompt_examples
from playground.ui.endpoints import register, slider

ID = "attention"
DEFAULT_PROMPT = "The capital of France is"
METRICS = ("last_focus", "first_token", "previous_token", "entropy")
# A click (a tap, or Enter on a focused cell) opens that head; the cell keeps the focus that shows
# its value (html._tip) through the redraw.
GRID_JS = """
element.addEventListener('click', (event) => {
  const cell = event.target.closest('[data-layer]');
  if (cell) trigger('click', {layer: Number(cell.dataset.layer), head: Number(cell.dataset.head)});
});
element.addEventListener('keydown', (event) => {
  const cell = event.target.closest('[data-layer]');
  if (cell && (event.key === 'Enter' || event.key === ' ')) { event.preventDefault(); cell.click(); }
});
"""


def _head_name(head: int) -> str:
    return t("attention.mean_head") if head == attention.MEAN_HEAD else t("attention.head_n", head=head)


@dataclass(frozen=True)
class AttentionState:
    """What a session keeps for this tab (it expires with the session): one prompt's maps."""

    prompt: str
    chat: bool
    maps: attention.AttentionMaps
    labels: list[str]  # (T,) readable tokens
    brackets: list[dict]  # the tokens' character groups (tokens.prompt_brackets), sizes summing to T
    summary: dict  # metric -> (layers, heads) values for the grid


def maps_for(runner, prompt: str, chat: bool) -> AttentionState:
    ids = encode_prompt(runner, prompt, chat)
    maps = attention.attention_maps(runner, ids)
    labels = [runner.token_label(i) for i in ids]
    brackets = tokens.prompt_brackets(runner, prompt, chat)
    return AttentionState(prompt, chat, maps, labels, brackets, attention.head_summary(maps.weights))


def compute(runner, prompt: str, chat: bool) -> AttentionState | None:
    """Run the model once for the prompt (eager attention); the view then works on this state."""
    if not prompt or not prompt.strip():
        return None
    return maps_for(runner, prompt, chat)


def current(runner, state: AttentionState | None, prompt: str, chat: bool) -> AttentionState | None:
    """The kept maps if they are the prompt's on screen, else computed again (an expired session gets
    the page's first state back: the default prompt's)."""
    if state is not None and state.prompt == prompt and state.chat == bool(chat):
        return state
    return compute(runner, prompt, chat)


def render(runner, state, prompt: str, chat: bool, layer: int, head: int, skip_first: bool, metric: str):
    """The state (computed again if it was not the prompt's) and its views."""
    state = current(runner, state, prompt, chat)
    return state, *draw(runner, state, layer, head, skip_first, metric)


def refused():
    """A refused prompt's views: empty, so no other prompt's maps stand under its error."""
    return None, None, "", ""


def draw(runner, state: AttentionState | None, layer: int, head: int, skip_first: bool, metric: str):
    """The heatmap of one head, what the next token looks at, and the grid of every head."""
    if state is None:
        return None, "", ""
    maps, labels = state.maps, state.labels
    layer, head = maps.check(layer, head)
    matrix = maps.head_map(layer, head)
    title = t("attention.heatmap_title", layer=layer, head=_head_name(head))
    heatmap = charts.attention_heatmap(labels, attention.masked_rows(matrix), title)
    next_label = runner.token_label(maps.next_token_id)
    attended = html.attended_tokens(
        labels, matrix[-1].tolist(), skip_first, next_label, maps.next_token_prob, state.brackets
    )
    values = state.summary[metric]
    scale = attention.max_entropy_bits(len(labels)) if metric == "entropy" else 1.0
    selected = (layer, head) if head != attention.MEAN_HEAD else (-1, -1)
    grid = html.head_grid(values.tolist(), scale, selected, ".2f" if metric == "entropy" else ".0%")
    return heatmap, attended, grid


def open_head(evt: gr.EventData):
    return evt.layer, evt.head


def jump_to_strongest(runner, state: AttentionState | None, prompt: str, chat: bool):
    state = current(runner, state, prompt, chat)
    if state is None:
        return gr.skip(), gr.skip()
    return attention.strongest_head(state.maps.weights)


def first_view(runner) -> AttentionState:
    """The default prompt's maps: computed once per server, shared by every language's page."""
    return maps_for(runner, DEFAULT_PROMPT, False)


# --- layout and events -----------------------------------------------------------------------------


def _layout(runner, first: AttentionState) -> SimpleNamespace:
    layer0, head0 = attention.strongest_head(first.maps.weights)
    heatmap0, attended0, grid0 = draw(runner, first, layer0, head0, True, METRICS[0])
    head_choices = [(_head_name(h), h) for h in [attention.MEAN_HEAD, *range(runner.num_heads)]]
    c = SimpleNamespace()
    gr.Markdown(
        t("attention.explain", model=runner.name, heads=runner.num_heads, kv_heads=runner.num_kv_heads),
        latex_delimiters=[{"left": "$", "right": "$", "display": False}],
    )
    with gr.Row():
        c.prompt = gr.Textbox(
            value=DEFAULT_PROMPT, label=t("attention.prompt"), lines=2, elem_id="at-prompt", scale=4
        )
        c.chat = gr.Checkbox(value=False, label=t("attention.chat"), elem_id="at-chat", scale=1)
    prompt_examples("attention", c.prompt, runner)
    with gr.Row():
        c.layer = slider(
            LAYER, high=runner.num_layers - 1, value=layer0, label=t("attention.layer"), elem_id="at-layer"
        )
        c.head = gr.Dropdown(choices=head_choices, value=head0, label=t("attention.head"), elem_id="at-head")
        c.strongest = gr.Button(t("attention.strongest"), size="sm", elem_id="at-strongest")
    c.state = gr.State(first, time_to_live=config.SESSION_TTL_S)
    gr.Markdown(f"#### {t('attention.next_heading')}\n{t('attention.next_explain')}")
    c.skip_first = gr.Checkbox(value=True, label=t("attention.skip_first"), elem_id="at-skip-first")
    c.attended = gr.HTML(attended0, elem_id="at-next")
    c.heatmap = gr.Plot(heatmap0, elem_id="at-heatmap", show_label=False)
    grid_explain = t(
        "attention.grid_explain", last_layer=runner.num_layers - 1, last_head=runner.num_heads - 1
    )
    gr.Markdown(f"#### {t('attention.grid_heading')}\n{grid_explain}")
    c.metric = gr.Radio(
        choices=[(t(f"attention.metric.{m}"), m) for m in METRICS],
        value=METRICS[0],
        label=t("attention.grid_metric"),
        elem_id="at-metric",
    )
    c.grid = gr.HTML(grid0, js_on_load=GRID_JS, elem_id="at-grid")
    return c


def _events(runner, c: SimpleNamespace) -> None:
    on_render = handler(partial(render, runner))
    view = [c.state, c.prompt, c.chat, c.layer, c.head, c.skip_first, c.metric]
    outputs = [c.state, c.heatmap, c.attended, c.grid]
    # A refused prompt (too long, ...) empties the views: its error must not stand over other results.
    clear = {"fn": handler(refused), "outputs": outputs, "api_visibility": "private", "queue": False}
    new_maps = gr.on(
        [c.prompt.change, c.chat.change],
        handler(partial(compute, runner)),
        inputs=[c.prompt, c.chat],
        outputs=[c.state],
        trigger_mode="always_last",
        show_progress="hidden",
        api_visibility="private",
        **MODEL_EVENT,
    )
    new_maps.success(on_render, inputs=view, outputs=outputs, api_visibility="private", **LIGHT_EVENT)
    new_maps.failure(**clear)
    gr.on(
        [c.layer.change, c.head.change, c.skip_first.change, c.metric.change],
        on_render,
        inputs=view,
        outputs=outputs,
        trigger_mode="always_last",
        show_progress="hidden",
        api_visibility="private",
        **LIGHT_EVENT,
    ).failure(**clear)
    c.grid.click(open_head, outputs=[c.layer, c.head], api_visibility="private", queue=False)
    c.strongest.click(
        handler(partial(jump_to_strongest, runner)),
        inputs=[c.state, c.prompt, c.chat],
        outputs=[c.layer, c.head],
        api_visibility="private",
    )


def build(runner, first: AttentionState | None = None) -> None:
    """The tab: its layout, its events and its endpoint."""
    with gr.Tab(t("tab.attention"), id=ID, elem_id=f"tab-{ID}"):
        components = _layout(runner, first or first_view(runner))
        register([api.ATTENTION], runner)
    _events(runner, components)
