"""Beam search tab: the tree of every beam, score and pruned branch against greedy, and below it
greedy, beam search and sampling side by side (``playground/ui/strategies.py``)."""

from __future__ import annotations

from functools import partial

import gradio as gr

from playground import beam, charts, config, strategies
from playground.api import endpoints as api
from playground.api.params import LENGTH_PENALTY, NUM_BEAMS
from playground.i18n import t
from playground.prompts import encode_prompt
from playground.ui import strategies as strategies_ui
from playground.ui.common import MODEL_EVENT, long_action, presses, progress_line, prompt_examples
from playground.ui.endpoints import register, slider

ID = "beam"
LINK_RUNS = ("bm-run", "st-run")  # links.py: the buttons a link presses once its state is restored

DEFAULT_PROMPT = "My favourite food is"  # 3 beams find " pizza! I'm a big fan of", likelier than greedy


def _verdict(best: float, greedy: float) -> str:
    if abs(best - greedy) < 1e-6:
        return t("beam.verdict.same")
    return t("beam.verdict.better" if best > greedy else "beam.verdict.worse")


def _decode(runner, ids) -> str:
    return runner.decode(ids)


def _params(num_beams, max_new_tokens, length_penalty, early_stopping, candidates=0) -> beam.BeamParams:
    return beam.BeamParams(
        num_beams=num_beams,
        max_new_tokens=max_new_tokens,
        length_penalty=length_penalty,
        early_stopping=bool(early_stopping),
        candidates_per_beam=candidates,
    ).validate()


def search_tree(runner, prompt, chat, num_beams, max_new_tokens, length_penalty, early_stopping, candidates):
    """The tree, its summary and ranked hypotheses; the greedy and beam runs are kept (the last
    output) so that the comparison below does not run them again for the same inputs."""
    params = _params(num_beams, max_new_tokens, length_penalty, early_stopping, candidates)
    ids = encode_prompt(runner, prompt, chat)
    result, beam_run = strategies.run_beam(runner, ids, params)
    greedy, greedy_run = strategies.run_greedy(runner, ids, params.max_new_tokens)
    label = runner.token_label
    figure = charts.beam_tree(beam.tree_view(result, greedy, label))
    rows = [
        [rank, _decode(runner, h.token_ids), round(h.score, 4), round(h.sum_logprobs, 4), len(h.token_ids)]
        for rank, h in enumerate(result.hypotheses, start=1)
    ]
    greedy_score = greedy.score(params.length_penalty)
    rows.append(
        [
            t("beam.greedy_row"),
            _decode(runner, greedy.token_ids),
            round(greedy_score, 4),
            round(greedy.sum_logprobs, 4),
            len(greedy.token_ids),
        ]
    )
    statuses = [n.status for n in result.nodes]
    best = result.hypotheses[0].score
    summary = t(
        "beam.summary",
        steps=result.steps,
        nodes=len(result.nodes),
        kept=statuses.count("kept"),
        pruned=statuses.count("pruned"),
        stopped=t(f"beam.stopped.{result.stopped_because}"),
        best=best,
        greedy=greedy_score,
        verdict=_verdict(best, greedy_score),
        forwards=len(result.forward_s),
    )
    compare_key = strategies.runs_key(
        ids,
        strategies.CompareParams(
            max_new_tokens=params.max_new_tokens,
            num_beams=params.num_beams,
            length_penalty=params.length_penalty,
            early_stopping=params.early_stopping,
        ),
    )
    memo = strategies.Runs(compare_key, greedy_run, beam_run)
    return figure, summary, rows, memo


def first_view(runner) -> None:
    """Nothing from the model: this tab's first view is drawn without it."""
    return None


def build(runner, first=None) -> None:
    with gr.Tab(t("tab.beam"), id=ID, elem_id=f"tab-{ID}"):
        gr.Markdown(t("beam.explain"), latex_delimiters=[{"left": "$", "right": "$", "display": False}])
        with gr.Row():
            prompt = gr.Textbox(
                value=DEFAULT_PROMPT, label=t("beam.prompt"), lines=2, elem_id="bm-prompt", scale=4
            )
            chat = gr.Checkbox(value=False, label=t("beam.chat"), elem_id="bm-chat", scale=1)
        prompt_examples("beam", prompt, runner)
        with gr.Row():
            num_beams = slider(NUM_BEAMS, value=3, label=t("beam.num_beams"), elem_id="bm-beams")
            max_new_tokens = gr.Slider(
                1,
                config.MAX_BEAM_NEW_TOKENS,
                value=8,
                step=1,
                label=t("beam.max_new_tokens"),
                elem_id="bm-max-new",
            )
            length_penalty = slider(
                LENGTH_PENALTY, value=1.0, label=t("beam.length_penalty"), elem_id="bm-lp"
            )
        with gr.Row():
            candidates = gr.Slider(
                0,
                config.MAX_CANDIDATES_PER_BEAM,
                value=config.BEAM_CANDIDATES_PER_BEAM,
                step=1,
                label=t("beam.candidates"),
                elem_id="bm-candidates",
            )
            early_stopping = gr.Checkbox(value=False, label=t("beam.early_stopping"), elem_id="bm-early")
            go = gr.Button(t("beam.run"), variant="primary", elem_id="bm-run")
        progress = progress_line("bm-progress")
        summary = gr.Markdown(t("beam.empty"), elem_id="bm-summary")
        tree = gr.Plot(elem_id="bm-tree", show_label=False)
        gr.Markdown(f"#### {t('beam.table')}")
        table = gr.Dataframe(
            headers=[t(f"beam.col.{c}") for c in ("rank", "text", "score", "sum", "length")],
            interactive=False,
            wrap=True,
            elem_id="bm-table",
        )
        memo = gr.State(None)  # this session's last greedy and beam runs, with the inputs they came from
        register([api.BEAM_SEARCH], runner)
        beam_inputs = [prompt, chat, num_beams, max_new_tokens, length_penalty, early_stopping]
        strategies_ui.build_section(runner, beam_inputs, memo)

    long_action(
        go,
        partial(search_tree, runner),
        inputs=[*beam_inputs, candidates],
        outputs=[tree, summary, table, memo],
        status=progress,
        doing=t("beam.progress"),
        show_progress="hidden",
        **MODEL_EVENT,
    )
    presses(prompt, go)
