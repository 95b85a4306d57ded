"""Attention heatmaps tab: one head's map, every head at a glance, what the next token looks at."""

from __future__ import annotations

import gradio as gr

from playground import attention, charts, config, html
from playground.i18n import t
from playground.prompts import encode_prompt
from playground.ui.common import LIGHT_EVENT, MODEL_EVENT, handler, prompt_examples

DEFAULT_PROMPT = "The capital of France is"
METRICS = ("last_focus", "first_token", "previous_token", "entropy")
GRID_JS = """
element.addEventListener('click', (event) => {
  const cell = event.target.closest('[data-layer]');
  if (cell) trigger('click', {layer: Number(cell.dataset.layer), head: Number(cell.dataset.head)});
});
"""


def _head_name(head: int) -> str:
    return t("attention.mean_head") if head == attention.MEAN_HEAD else t("attention.head_n", head=head)


def build(runner) -> None:
    def maps_for(prompt: str, chat: bool) -> dict:
        ids = encode_prompt(runner, prompt, chat)
        maps = attention.attention_maps(runner, ids)
        labels = [runner.token_label(i) for i in ids]
        return {"maps": maps, "labels": labels, "summary": attention.head_summary(maps.weights)}

    @handler
    def compute(prompt: str, chat: bool):
        """Run the model once for the prompt (eager attention); the view then works on this state."""
        if not prompt or not prompt.strip():
            return None
        return maps_for(prompt, chat)

    @handler
    def render(state, layer: int, head: int, skip_first: bool, metric: str):
        if state is None:
            return None, "", ""
        maps, labels = state["maps"], state["labels"]
        layer, head = maps.check(layer, head)
        matrix = maps.head_map(layer, head)
        title = t("attention.heatmap_title", layer=layer, head=_head_name(head))
        heatmap = charts.attention_heatmap(labels, attention.masked_rows(matrix), title)
        next_label = runner.token_label(maps.next_token_id)
        attended = html.attended_tokens(
            labels, matrix[-1].tolist(), skip_first, next_label, maps.next_token_prob
        )
        values = state["summary"][metric]
        scale = attention.max_entropy_bits(len(labels)) if metric == "entropy" else 1.0
        selected = (layer, head) if head != attention.MEAN_HEAD else (-1, -1)
        grid = html.head_grid(values.tolist(), scale, selected, ".2f" if metric == "entropy" else ".0%")
        return heatmap, attended, grid

    def open_head(evt: gr.EventData):
        return evt.layer, evt.head

    def jump_to_strongest(state):
        if state is None:
            return gr.skip(), gr.skip()
        return attention.strongest_head(state["maps"].weights)

    @handler
    def attention_api(prompt: str, chat: bool = False, layer: int = 0, head: int = -1) -> dict:
        """Attention weights of one layer and head (-1 = mean over heads) for the prompt."""
        layer, head = attention.check_layer_head(layer, head, runner.num_layers, runner.num_heads)
        state = maps_for(prompt, chat)
        return attention.api_result(state["maps"], state["labels"], layer, head)

    first_state = compute(DEFAULT_PROMPT, False)
    first_layer, first_head = attention.strongest_head(first_state["maps"].weights)
    first_heatmap, first_attended, first_grid = render(first_state, first_layer, first_head, True, METRICS[0])
    head_choices = [(_head_name(h), h) for h in [attention.MEAN_HEAD, *range(runner.num_heads)]]

    with gr.Tab(t("tab.attention"), id="attention", elem_id="tab-attention"):
        gr.Markdown(
            t("attention.explain", model=runner.name, heads=runner.num_heads, kv_heads=runner.num_kv_heads),
            latex_delimiters=[{"left": "$", "right": "$", "display": False}],
        )
        with gr.Row():
            prompt = gr.Textbox(
                value=DEFAULT_PROMPT, label=t("attention.prompt"), lines=2, elem_id="at-prompt", scale=4
            )
            chat = gr.Checkbox(value=False, label=t("attention.chat"), elem_id="at-chat", scale=1)
        prompt_examples("attention", prompt, runner)
        with gr.Row():
            layer = gr.Slider(
                0,
                runner.num_layers - 1,
                value=first_layer,
                step=1,
                label=t("attention.layer"),
                elem_id="at-layer",
            )
            head = gr.Dropdown(
                choices=head_choices, value=first_head, label=t("attention.head"), elem_id="at-head"
            )
            strongest = gr.Button(t("attention.strongest"), size="sm", elem_id="at-strongest")
        state = gr.State(first_state, time_to_live=config.SESSION_TTL_S)
        gr.Markdown(f"#### {t('attention.next_heading')}\n{t('attention.next_explain')}")
        skip_first = gr.Checkbox(value=True, label=t("attention.skip_first"), elem_id="at-skip-first")
        attended = gr.HTML(first_attended, elem_id="at-next")
        heatmap = gr.Plot(first_heatmap, elem_id="at-heatmap", show_label=False)
        grid_explain = t(
            "attention.grid_explain", last_layer=runner.num_layers - 1, last_head=runner.num_heads - 1
        )
        gr.Markdown(f"#### {t('attention.grid_heading')}\n{grid_explain}")
        metric = gr.Radio(
            choices=[(t(f"attention.metric.{m}"), m) for m in METRICS],
            value=METRICS[0],
            label=t("attention.grid_metric"),
            elem_id="at-metric",
        )
        grid = gr.HTML(first_grid, js_on_load=GRID_JS, elem_id="at-grid")
        gr.api(attention_api, api_name="attention", **MODEL_EVENT)

    view = [state, layer, head, skip_first, metric]
    outputs = [heatmap, attended, grid]
    gr.on(
        [prompt.change, chat.change],
        compute,
        inputs=[prompt, chat],
        outputs=[state],
        trigger_mode="always_last",
        show_progress="hidden",
        api_visibility="private",
        **MODEL_EVENT,
    ).then(render, inputs=view, outputs=outputs, api_visibility="private", **LIGHT_EVENT)
    gr.on(
        [layer.change, head.change, skip_first.change, metric.change],
        render,
        inputs=view,
        outputs=outputs,
        trigger_mode="always_last",
        show_progress="hidden",
        api_visibility="private",
        **LIGHT_EVENT,
    )
    grid.click(open_head, outputs=[layer, head], api_visibility="private", queue=False)
    strongest.click(jump_to_strongest, inputs=[state], outputs=[layer, head], api_visibility="private")
