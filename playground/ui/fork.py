"""Fork from any token: a section under the logits tab's streamed generation.

Click (or tap) a generated token to see its alternatives, pick one, and the generation goes on from there
with that token forced; both continuations are shown one above the other.
"""

# No ``from __future__ import annotations`` here: Gradio reads the ``gr.EventData`` hint of
# ``select_token`` as an object to pass the click's data.

import asyncio
import math
from contextlib import aclosing

import gradio as gr

from playground import config, fork, html, real_engines, serving
from playground.i18n import t
from playground.ui import gradio_internals
from playground.ui.common import GENERATION_EVENT, MODEL_EVENT, endpoint, long_action, session_of

# A click (or a tap) on a generated token reports its index; the clicked token stays outlined, and
# keeps the focus that shows its alternatives (html._tip). Enter or Space on a focused token clicks it.
CLICK_JS = """
element.addEventListener('click', (event) => {
  const chip = event.target.closest('[data-index]');
  if (!chip) return;
  element.querySelectorAll('.pg-selected').forEach((c) => c.classList.remove('pg-selected'));
  chip.classList.add('pg-selected');
  trigger('click', {index: Number(chip.dataset.index)});
});
element.addEventListener('keydown', (event) => {
  const chip = event.target.closest('[data-index]');
  if (!chip || (event.key !== 'Enter' && event.key !== ' ')) return;
  event.preventDefault();
  chip.click();
});
"""


def select_token(runner, generation: fork.Finished | None, evt: gr.EventData):
    """The clicked token's alternatives as choices (the most likely other token preselected)."""
    if generation is None:
        return t("fork.wait"), gr.update(choices=[], value=None), None
    position = int(gradio_internals.event_payload(evt)["index"])
    label = runner.token_label
    chosen = generation.token_ids[position]
    options = fork.alternatives(runner, generation, position, config.ALTERNATIVES_SHOWN)
    choices = [
        (
            t(
                "fork.choice_item",
                token=label(i),
                model=model_p,
                chain="–" if chain_p is None else f"{chain_p:.1%}",
                chosen=t("fork.chosen_mark") if i == chosen else "",
            ),
            i,
        )
        for i, model_p, chain_p in options
    ]
    first_other = next((i for i, _, _ in options if i != chosen), chosen)
    info = t(
        "fork.selected",
        position=position + 1,
        token=label(chosen),
        prob=generation.probs[position],
    )
    return info, gr.update(choices=choices, value=first_other), position


async def run_fork(runner, generation: fork.Finished | None, position, token_id, request: gr.Request = None):
    """Force ``token_id`` at ``position`` and continue through the shared batch, from the original
    generation's KV cache when this session's is still kept: the new branch's tokens stream as they
    come (as Generate's do), then both branches are scored, drawn and summed."""
    if generation is None or position is None or token_id is None:
        raise fork.ForkError("fork.error.nothing")
    position, token_id = int(position), int(token_id)
    prompt_ids, original_ids = list(generation.prompt_ids), list(generation.token_ids)
    params = fork.continuation_params(runner, generation.params, original_ids, position, token_id)
    final = None
    if params is not None:
        states = serving.astream(runner, prompt_ids, params, session_of(request))
        async with aclosing(states):  # a closed tab cancels this handler: the request leaves the batch
            async for state in states:
                if state is None:
                    yield gr.skip(), t("fork.progress.waiting")
                    continue
                final = state
                yield (
                    _streamed(runner, state),
                    t("fork.progress.streaming", count=len(state.tokens), limit=params.max_new_tokens),
                )
    yield gr.skip(), t("fork.progress.scoring")
    result = await asyncio.to_thread(
        fork.fork,
        runner,
        prompt_ids,
        original_ids,
        generation.stop_reason,
        generation.params,
        position,
        token_id,
        lambda *_: final,  # the generation streamed above
    )
    yield _fork_view(runner, generation, position, result)


def _streamed(runner, state) -> str:
    """The new branch's tokens so far, coloured by the probability they were chosen with."""
    label = runner.token_label
    chips = [{"label": label(token.id), "prob": token.prob, "top": []} for token in state.tokens]
    return html.generated_tokens(chips)


def _fork_view(runner, generation: fork.Finished, position: int, result: fork.ForkResult):
    """Both branches drawn, and the sentence comparing them."""
    label = runner.token_label
    branches = [
        {
            "name": t(name),
            "labels": [label(i) for i in branch.token_ids],
            "probs": [math.exp(v) for v in branch.logprobs],
            "total": branch.logprob_sum,
        }
        for name, branch in (("fork.original", result.original), ("fork.forked", result.forked))
    ]
    shared = [label(i) for i in result.shared_ids]
    if result.first_difference is None:
        difference = t("fork.identical")
    else:
        difference = t("fork.differ_at", position=position + result.first_difference + 1)
    summary = t(
        "fork.summary",
        position=position + 1,
        token=label(result.forked.token_ids[0]),
        original=label(result.original.token_ids[0]),
        original_sum=result.original.logprob_sum,
        forked_sum=result.forked.logprob_sum,
        original_tokens=len(result.original.token_ids),
        forked_tokens=len(result.forked.token_ids),
        difference=difference,
        new_tokens=len(result.forked.token_ids) - 1,
        cache=_cache_sentence(result, len(generation.prompt_ids)),
    )
    engine = real_engines.generation_engine()
    if engine:
        summary += "\n\n" + t("real.fork_on", engine=engine.label)
    return html.fork_branches(shared, branches, result.first_difference), summary


def _cache_sentence(result: fork.ForkResult, prompt_tokens: int) -> str:
    """Whether the fork started from the original's KV cache, and how much it fed the model."""
    if len(result.forked.token_ids) == 1:  # nothing ran: the forced token ended the generation
        return ""
    before = prompt_tokens + len(result.shared_ids)  # the tokens before the forced one
    if result.cached_tokens:
        return t("fork.reused", cached=result.cached_tokens, fed=before + 1 - result.cached_tokens)
    return t("fork.not_reused", shared=len(result.shared_ids))


def build_section(runner, generated: gr.HTML, generation: gr.State) -> None:
    """The fork controls below the streamed tokens. ``generated``: the HTML of the tokens (built
    with ``js_on_load=CLICK_JS``); ``generation``: the last finished generation (``fork.record``)."""
    gr.Markdown(f"#### {t('fork.heading')}")
    gr.Markdown(t("fork.explain"), latex_delimiters=[{"left": "$", "right": "$", "display": False}])
    info = gr.Markdown(t("fork.pick_first"), elem_id="fk-info")
    position = gr.State(None)
    with gr.Row():
        choice = gr.Radio(choices=[], label=t("fork.choice"), elem_id="fk-choice", scale=4)
        go = gr.Button(t("fork.run"), variant="primary", elem_id="fk-run", scale=1)
    branches = gr.HTML(elem_id="fk-branches")
    summary = gr.Markdown(elem_id="fk-summary")

    generated.click(
        endpoint(select_token, runner),
        inputs=[generation],
        outputs=[info, choice, position],
        api_visibility="private",
        **MODEL_EVENT,
    )
    long_action(
        go,
        endpoint(run_fork, runner),  # keeps the gr.Request hint: the session is known
        inputs=[generation, position, choice],
        outputs=[branches, summary],
        status=summary,
        doing=t("fork.progress.waiting"),
        show_progress="hidden",
        **GENERATION_EVENT,
    )
