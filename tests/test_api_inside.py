"""/logit_lens, /embeddings and /generation_attention through gradio_client against the launched app."""

from __future__ import annotations

import pytest
import torch

from playground import config

pytestmark = pytest.mark.real

PROMPT = "The capital of France is"


def test_logit_lens_follows_the_final_choice_to_the_models_output(client, real_runner):
    result = client.predict(PROMPT, False, -1, api_name="/logit_lens")
    assert result["tokens"] == ["The", "␣capital", "␣of", "␣France", "␣is"]
    assert result["position"] == 4
    layers = result["layers"]
    assert [row["layer"] for row in layers] == list(range(real_runner.num_layers + 1))
    ids = real_runner.tokenize(PROMPT).ids
    own = torch.softmax(real_runner.forward(ids).logits[-1], -1)
    last = layers[-1]
    assert last["target"]["token"] == "␣Paris" and last["target"]["rank"] == 1
    assert last["target"]["id"] == int(own.argmax())
    assert abs(last["target"]["prob"] - float(own.max())) < 1e-5
    assert [e["id"] for e in last["top"]] == torch.topk(own, config.LENS_TOP_TOKENS).indices.tolist()
    assert layers[0]["target"]["rank"] > 1  # the embedding output alone does not say " Paris"


def test_logit_lens_at_a_chosen_position(client, real_runner):
    result = client.predict(PROMPT, False, 1, api_name="/logit_lens")
    ids = real_runner.tokenize(PROMPT).ids
    own = torch.softmax(real_runner.forward(ids).logits[1], -1)
    assert result["position"] == 1
    assert result["layers"][-1]["target"]["id"] == int(own.argmax())


def test_embeddings_give_the_matrix_row_and_its_neighbours(client, real_runner):
    result = client.predict(PROMPT, False, 3, 5, api_name="/embeddings")
    weight = real_runner.model.get_input_embeddings().weight.detach()
    token_id = real_runner.tokenize(PROMPT).ids[3]
    assert result["dim"] == 576 and len(result["vector"]) == 576
    assert torch.equal(torch.tensor(result["vector"]), weight[token_id])
    neighbours = result["neighbours"]
    assert len(neighbours) == 5
    cosines = [n["cosine"] for n in neighbours]
    assert cosines == sorted(cosines, reverse=True)
    direct = torch.nn.functional.cosine_similarity(weight[neighbours[0]["id"]], weight[token_id], dim=0)
    assert abs(float(direct) - cosines[0]) < 1e-5


def test_generation_attention_rows_grow_by_one_key_per_token(client, real_runner):
    result = client.predict(PROMPT, False, 5, 23, 4, api_name="/generation_attention")
    prompt_length = result["prompt_length"]
    assert prompt_length == 5
    rows = result["rows"]
    assert [len(row) for row in rows] == [prompt_length + k for k in range(len(rows))]
    assert len(result["tokens"]) == prompt_length + len(rows)
    assert result["tokens"][prompt_length] == "␣Paris"
    assert all(abs(sum(row) - 1) < 1e-5 for row in rows)
    ids = real_runner.tokenize(PROMPT).ids
    expected = real_runner.forward(ids, attentions=True).attentions[23][4][-1]
    assert torch.allclose(torch.tensor(rows[0]), expected, atol=1e-5)  # step 0 is the prompt's last row


@pytest.mark.parametrize(
    ("endpoint", "args", "message"),
    [
        ("/logit_lens", ("", False, -1), "empty"),
        ("/logit_lens", (PROMPT, False, 5), "Position 5 is outside the prompt"),
        ("/embeddings", (PROMPT, False, 7, 5), "Token 7 is not in the prompt"),
        ("/embeddings", (PROMPT, False, 0, config.MAX_NEIGHBOURS + 1), "neighbours"),
        (
            "/generation_attention",
            (PROMPT, False, config.MAX_WRITING_NEW_TOKENS + 1, 0, -1),
            "new tokens must be a whole number from 1 to 48",
        ),
        ("/generation_attention", (PROMPT, False, 2, 30, -1), "layer must be a whole number from 0 to 29"),
        ("/generation_attention", (PROMPT, False, 2, 0, 9), "head must be a whole number from -1 to 8"),
    ],
)
def test_bad_requests_get_a_sentence(client, endpoint, args, message):
    with pytest.raises(Exception, match=message):
        client.predict(*args, api_name=endpoint)
    assert client.predict("ok", False, 0, 1, api_name="/embeddings")["index"] == 0
