"""/next_token and /generate through gradio_client against the launched app."""

from __future__ import annotations

import math

import pytest
import torch

from playground import config

pytestmark = pytest.mark.real

SAMPLING = {
    "temperature": 1.0,
    "top_k": 0,
    "top_p": 1.0,
    "min_p": 0.0,
    "presence_penalty": 0.0,
    "frequency_penalty": 0.0,
    "repetition_penalty": 1.0,
    "seed": 0,
}


def next_token(client, prompt="The capital of France is", chat=False, **overrides):
    return client.predict(prompt=prompt, chat=chat, **(SAMPLING | overrides), api_name="/next_token")


def generate(client, prompt="The capital of France is", chat=False, **overrides):
    defaults = SAMPLING | {"max_new_tokens": 16, "min_new_tokens": 0, "stop": "", "use_cache": True}
    return client.predict(prompt=prompt, chat=chat, **(defaults | overrides), api_name="/generate")


def test_next_token_reports_every_stage_and_the_models_own_logits(client, real_runner):
    result = next_token(client, top_k=5)
    assert [s["name"] for s in result["stages"]] == [
        "raw",
        "penalties",
        "temperature",
        "top_k",
        "top_p",
        "min_p",
    ]
    ids = real_runner.tokenize("The capital of France is").ids
    with torch.inference_mode():
        logits = real_runner.model(torch.tensor([ids])).logits[0, -1]
    raw_top = result["stages"][0]["top"][0]
    assert raw_top["token"] == "␣Paris" and raw_top["id"] == int(logits.argmax())
    assert math.isclose(raw_top["value"], float(logits.max()), rel_tol=1e-5)
    assert result["stages"][3]["kept"] == 5 and len(result["final"]) == 5
    assert math.isclose(sum(f["prob"] for f in result["final"]), 1.0, rel_tol=1e-5)
    assert result["sampled"]["id"] in {f["id"] for f in result["final"]}


def test_next_token_greedy_and_seeded(client):
    greedy = next_token(client, temperature=0)
    assert greedy["final"] == [{"id": greedy["sampled"]["id"], "token": "␣Paris", "prob": 1.0}]
    assert next_token(client, seed=3)["sampled"] == next_token(client, seed=3)["sampled"]


def test_generate_reports_text_reason_and_timings(client):
    result = generate(
        client, prompt="What is the capital of France?", chat=True, temperature=0, max_new_tokens=30
    )
    assert result["text"] == "The capital of France is Paris."
    assert result["stop_reason"] == "eos"
    assert result["ttft_s"] > 0 and result["tpot_s"] > 0 and result["tokens_per_s"] > 0
    stopped = generate(client, temperature=0, stop="ris.")
    assert (stopped["stop_reason"], stopped["text"]) == ("stop", " Pa")
    assert [t["token"] for t in stopped["tokens"]] == [" Paris", "."]


@pytest.mark.parametrize(
    ("endpoint", "overrides", "message"),
    [
        ("/next_token", {"prompt": "   "}, "The prompt is empty"),
        ("/next_token", {"temperature": -1}, "Temperature must be 0"),
        ("/next_token", {"temperature": 1e-40}, "Temperature must be 0"),
        ("/next_token", {"presence_penalty": 1e30}, "Presence and frequency penalties"),
        ("/next_token", {"top_p": 0}, "Top-p must be above 0"),
        ("/next_token", {"top_k": -3}, "Top-k must be a whole number"),
        ("/next_token", {"min_p": 2}, "Min-p must be between 0"),
        ("/generate", {"max_new_tokens": config.MAX_NEW_TOKENS + 1}, "Max new tokens must be between"),
        ("/generate", {"max_new_tokens": 4, "min_new_tokens": 5}, "Min new tokens"),
        ("/generate", {"prompt": "word " * (config.MAX_PROMPT_TOKENS + 10)}, "at most 2,048"),
    ],
)
def test_bad_input_gets_a_sentence_and_the_server_keeps_serving(client, endpoint, overrides, message):
    call = next_token if endpoint == "/next_token" else generate
    with pytest.raises(Exception, match=message):
        call(client, **overrides)
    assert next_token(client, temperature=0)["sampled"]["token"] == "␣Paris"
