"""/beam_search through gradio_client against the launched app."""

from __future__ import annotations

import pytest
import torch

pytestmark = pytest.mark.real


def test_beam_search_returns_the_tree_and_ranked_sequences(client, real_runner):
    result = client.predict("The capital of France is", False, 3, 6, 1.0, False, api_name="/beam_search")
    nodes = {n["id"]: n for n in result["nodes"]}
    assert {n["status"] for n in nodes.values()} == {"kept", "pruned", "finished"}
    assert set(result["nodes"][0]) == {
        "id",
        "parent",
        "step",
        "token_id",
        "token",
        "logprob",
        "score",
        "status",
    }
    sequences = result["sequences"]
    assert len(sequences) == 3
    assert [s["score"] for s in sequences] == sorted((s["score"] for s in sequences), reverse=True)
    ids = real_runner.tokenize("The capital of France is").ids
    with torch.inference_mode():
        out = real_runner.model.generate(
            torch.tensor([ids]), num_beams=3, num_return_sequences=3, max_new_tokens=6, do_sample=False,
            output_scores=True, return_dict_in_generate=True,
        )  # fmt: skip
    assert [s["token_ids"] for s in sequences] == out.sequences[:, len(ids) :].tolist()
    assert [s["score"] for s in sequences] == pytest.approx(out.sequences_scores.tolist(), abs=1e-4)
    assert sequences[0]["text"] == real_runner.tokenizer.decode(sequences[0]["token_ids"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("Hi", False, 9, 5, 1.0, False), "number of beams must be a whole number from 1 to 8"),
        (("Hi", False, 2, 500, 1.0, False), "Max new tokens must be a whole number from 1 to 40"),
        ((" ", False, 2, 5, 1.0, False), "The prompt is empty"),
    ],
)
def test_bad_requests_get_a_sentence(client, args, message):
    with pytest.raises(Exception, match=message):
        client.predict(*args, api_name="/beam_search")
    assert len(client.predict("Hi", False, 2, 2, 1.0, False, api_name="/beam_search")["sequences"]) == 2
