"""Beam search: the same hypotheses and scores as model.generate, and a well-formed tree."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest
import torch

from playground import beam, charts, config
from playground.prompts import encode_prompt


def reference(runner, ids, params: beam.BeamParams):
    with torch.inference_mode():
        out = runner.model.generate(
            torch.tensor([ids]),
            do_sample=False,
            num_beams=params.num_beams,
            num_return_sequences=params.num_beams,
            max_new_tokens=params.max_new_tokens,
            length_penalty=params.length_penalty,
            early_stopping=params.early_stopping,
            output_scores=True,
            return_dict_in_generate=True,
        )
    eos = set(runner.eos_token_ids)
    sequences = []
    for row in out.sequences[:, len(ids) :].tolist():
        end = next((i for i, token in enumerate(row) if token in eos), None)
        sequences.append(row if end is None else row[: end + 1])  # generate pads after EOS
    return sequences, out.sequences_scores.tolist()


def check_tree(result: beam.BeamResult, params: beam.BeamParams) -> None:
    nodes = result.nodes
    assert [n.id for n in nodes] == list(range(len(nodes)))
    assert any(n.status == "pruned" for n in nodes)
    for node in nodes:
        if node.parent is not None:
            parent = nodes[node.parent]
            assert parent.step == node.step - 1 and parent.status in {"kept", "finished"}
            assert node.score == pytest.approx(parent.score + node.logprob, abs=1e-4)
    for step in range(result.steps):
        assert sum(1 for n in nodes if n.step == step and n.status == "kept") <= params.num_beams
    # Exactly one path per finished hypothesis, spelling its tokens.
    finished = [n.id for n in nodes if n.status == "finished"]
    assert sorted(finished) == sorted(h.node for h in result.hypotheses)
    for hypothesis in result.hypotheses:
        path = result.path(hypothesis.node)
        assert tuple(nodes[i].token_id for i in path) == hypothesis.token_ids
        assert nodes[path[0]].parent is None
        assert hypothesis.sum_logprobs == pytest.approx(nodes[hypothesis.node].score, abs=1e-4)


def test_tiny_model_tree_is_well_formed(tiny_runner):
    params = beam.BeamParams(num_beams=3, max_new_tokens=5, candidates_per_beam=2)
    result = beam.beam_search(tiny_runner, tiny_runner.tokenize("hello world").ids, params)
    check_tree(result, params)
    assert len(result.hypotheses) == 3 and result.stopped_because == "all_ended"
    scores = [h.score for h in result.hypotheses]
    assert scores == sorted(scores, reverse=True)


def test_one_beam_is_greedy(tiny_runner):
    ids = tiny_runner.tokenize("one two").ids
    result = beam.beam_search(tiny_runner, ids, beam.BeamParams(num_beams=1, max_new_tokens=6))
    greedy = beam.greedy_path(tiny_runner, ids, 6)
    assert result.hypotheses[0].token_ids == greedy.token_ids
    assert result.hypotheses[0].score == pytest.approx(greedy.score(1.0), abs=1e-5)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (beam.BeamParams(num_beams=0), "from 1 to 8"),
        (beam.BeamParams(num_beams=config.MAX_BEAMS + 1), "from 1 to 8"),
        (beam.BeamParams(max_new_tokens=config.MAX_BEAM_NEW_TOKENS + 1), "Max new tokens"),
        (beam.BeamParams(candidates_per_beam=99), "Candidates per beam"),
    ],
)
def test_limits_are_refused_with_a_sentence(params, message):
    with pytest.raises(beam.BeamError, match=message):
        params.validate()


def test_tree_view_and_chart(tiny_runner):
    ids = tiny_runner.tokenize("hello").ids
    result = beam.beam_search(tiny_runner, ids, beam.BeamParams(num_beams=2, max_new_tokens=3))
    view = beam.tree_view(result, beam.greedy_path(tiny_runner, ids, 3), str)
    assert len(view["nodes"]) == len(result.nodes)
    assert sum(n["best"] for n in view["nodes"]) == len(result.hypotheses[0].token_ids)
    assert view["greedy_lane"] > max(n["y"] for n in view["nodes"])
    fig = charts.beam_tree(view)
    go.Figure(fig.to_dict())
    names = [trace.name for trace in fig.data]
    assert {"pruned", "beams", "best", "finished", "greedy", "prompt"} <= set(names)


CASES = [
    ("The capital of France is", False, beam.BeamParams(num_beams=4, max_new_tokens=12)),
    ("The capital of France is", False, beam.BeamParams(num_beams=3, max_new_tokens=10, length_penalty=0.0)),
    ("My favourite food is", False, beam.BeamParams(num_beams=5, max_new_tokens=16, length_penalty=2.0)),
    (
        "What is the capital of France?",
        True,
        beam.BeamParams(num_beams=2, max_new_tokens=30, early_stopping=True),
    ),
    (
        "What is the capital of France?",
        True,
        beam.BeamParams(num_beams=4, max_new_tokens=30, length_penalty=0.0),
    ),
    ("Say hi.", True, beam.BeamParams(num_beams=4, max_new_tokens=30, early_stopping=True)),
    ("Say hi.", True, beam.BeamParams(num_beams=3, max_new_tokens=30, length_penalty=-0.5)),
]


@pytest.mark.real
@pytest.mark.parametrize(("prompt", "chat", "params"), CASES)
def test_hypotheses_and_scores_equal_model_generate(real_runner, prompt, chat, params):
    ids = encode_prompt(real_runner, prompt, chat)
    result = beam.beam_search(real_runner, ids, params)
    sequences, scores = reference(real_runner, ids, params)
    assert [list(h.token_ids) for h in result.hypotheses] == sequences
    assert [h.score for h in result.hypotheses] == pytest.approx(scores, abs=1e-4)
    check_tree(result, params)


@pytest.mark.real
def test_every_stopping_rule_is_reached(real_runner):
    ids = encode_prompt(real_runner, "What is the capital of France?", True)
    reasons = {
        beam.beam_search(real_runner, ids, params).stopped_because
        for params in (
            beam.BeamParams(num_beams=4, max_new_tokens=30, early_stopping=True),
            beam.BeamParams(num_beams=2, max_new_tokens=30),
            beam.BeamParams(num_beams=2, max_new_tokens=4),
        )
    }
    assert reasons == {"early_stopping", "no_improvement", "all_ended"}


@pytest.mark.real
def test_beam_search_beats_greedy_on_the_default_prompt(real_runner):
    ids = encode_prompt(real_runner, "My favourite food is", False)
    result = beam.beam_search(real_runner, ids, beam.BeamParams(num_beams=3, max_new_tokens=8))
    greedy = beam.greedy_path(real_runner, ids, 8)
    assert result.hypotheses[0].score > greedy.score(1.0)
