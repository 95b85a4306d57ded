"""/attention through gradio_client against the launched app."""

from __future__ import annotations

import pytest
import torch

from playground import config

pytestmark = pytest.mark.real


def test_attention_returns_one_heads_causal_weights(client, real_runner):
    result = client.predict("The capital of France is", False, 23, 4, api_name="/attention")
    assert result["tokens"] == ["The", "␣capital", "␣of", "␣France", "␣is"]
    assert (result["num_layers"], result["num_heads"]) == (30, 9)
    weights = torch.tensor(result["weights"])
    assert weights.shape == (5, 5)
    assert torch.allclose(weights.sum(-1), torch.ones(5), atol=1e-5)
    assert torch.all(torch.triu(weights, diagonal=1) == 0)
    assert int(weights[-1, 1:-1].argmax()) + 1 == 3  # "France"
    ids = real_runner.tokenize("The capital of France is").ids
    expected = real_runner.forward(ids, attentions=True).attentions[23][4]
    assert torch.allclose(weights, expected, atol=1e-6)


def test_attention_mean_over_heads_and_chat(client):
    mean = client.predict("Hello there", True, 0, -1, api_name="/attention")
    assert mean["tokens"][0] == "<|im_start|>"
    assert torch.allclose(torch.tensor(mean["weights"]).sum(-1), torch.ones(len(mean["tokens"])), atol=1e-5)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("The capital", False, 30, 0), "layer must be a whole number from 0 to 29; 30 is out of range"),
        (("The capital", False, 0, 9), "head must be a whole number from -1 to 8; 9 is out of range"),
        (("", False, 0, 0), "The prompt is empty"),
        (
            ("word " * (config.MAX_ATTENTION_TOKENS + 5), False, 0, 0),
            "grow with the square|square of the length",
        ),
    ],
)
def test_bad_requests_get_a_sentence(client, args, message):
    with pytest.raises(Exception, match=message):
        client.predict(*args, api_name="/attention")
    assert client.predict("ok", False, 0, 0, api_name="/attention")["weights"] == [[1.0]]
