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


def sample_many(client, prompt="The capital of France is", chat=False, **overrides):
    defaults = SAMPLING | {"engine": "transformers", "n": 1000}
    return client.predict(prompt=prompt, chat=chat, **(defaults | overrides), api_name="/sample_many")


def test_next_token_reports_every_stage_and_the_models_own_logits(client, real_runner):
    result = next_token(client, top_k=5)
    order = ["raw", "repetition", "frequency", "presence", "temperature", "top_k", "top_p", "min_p"]
    assert [s["name"] for s in result["stages"]] == order == result["order"]
    assert result["engine"] == "transformers"
    ids = real_runner.tokenize("The capital of France is").ids
    with torch.inference_mode():
        logits = real_runner.model(torch.tensor([ids])).logits[0, -1]
    raw_top = result["stages"][0]["top"][0]
    assert raw_top["token"] == "␣Paris" and raw_top["id"] == int(logits.argmax())
    assert math.isclose(raw_top["value"], float(logits.max()), rel_tol=1e-5)
    assert result["stages"][5]["kept"] == 5 and len(result["final"]) == 5
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
        ("/next_token", {"presence_penalty": 1e30}, "Presence penalty must be between"),
        ("/next_token", {"engine": "ollama"}, "Unknown engine 'ollama'. Choose one of: transformers, vllm"),
        ("/generate", {"engine": "tgi"}, "Unknown engine 'tgi'"),
        ("/sample_many", {"n": config.MAX_SAMPLE_DRAWS + 1}, "number of draws must be a whole number from 1"),
        ("/sample_many", {"n": 0}, "number of draws"),
        ("/next_token", {"top_p": 0}, "Top-p must be above 0"),
        ("/next_token", {"top_k": -3}, "Top-k must be a whole number"),
        ("/next_token", {"min_p": 2}, "Min-p must be between 0"),
        (
            "/generate",
            {"max_new_tokens": config.MAX_NEW_TOKENS + 1},
            "Max new tokens must be a whole number from 1 to",
        ),
        ("/generate", {"max_new_tokens": 4, "min_new_tokens": 5}, "Min new tokens"),
        ("/generate", {"prompt": "word " * (config.MAX_PROMPT_TOKENS + 10)}, "at most 2,048"),
    ],
)
def test_bad_input_gets_a_sentence_and_the_server_keeps_serving(client, endpoint, overrides, message):
    call = {"/next_token": next_token, "/generate": generate, "/sample_many": sample_many}[endpoint]
    with pytest.raises(Exception, match=message):
        call(client, **overrides)
    assert next_token(client, temperature=0)["sampled"]["token"] == "␣Paris"


def test_next_token_follows_the_chosen_engines_order(client):
    llama = next_token(client, engine="llama.cpp", temperature=1.5, top_p=0.9)
    assert llama["engine"] == "llama.cpp" and llama["order"][-1] == "temperature"
    vllm = next_token(client, engine="vllm", temperature=1.5, top_p=0.9, presence_penalty=2.0)
    assert vllm["order"][4:6] == ["temperature", "min_p"]
    presence = next(s for s in vllm["stages"] if s["name"] == "presence")
    assert presence["counted"] == 0  # vLLM: generated tokens only, none yet
    ours = next_token(client, temperature=1.5, top_p=0.9)
    assert len(llama["final"]) < len(ours["final"])  # llama.cpp cuts the nucleus before flattening


def test_sample_many_is_reproducible_and_passes_a_chi_square_test(client):
    first = sample_many(client, top_k=20, n=20000, seed=5)
    assert first == sample_many(client, top_k=20, n=20000, seed=5)
    assert first["counts"] != sample_many(client, top_k=20, n=20000, seed=6)["counts"]
    counts = first["counts"]
    assert first["n"] == 20000 == sum(c["count"] for c in counts) and len(counts) == 20
    assert math.isclose(sum(c["prob"] for c in counts), 1.0, rel_tol=1e-5)
    final = {f["id"]: f["prob"] for f in next_token(client, top_k=20)["final"]}
    assert {c["id"]: c["prob"] for c in counts} == pytest.approx(final)
    statistic = sum((c["count"] - 20000 * c["prob"]) ** 2 / (20000 * c["prob"]) for c in counts)
    dof = torch.tensor((len(counts) - 1) / 2, dtype=torch.float64)
    p_value = float(torch.special.gammaincc(dof, torch.tensor(statistic / 2, dtype=torch.float64)))
    assert p_value > 0.001, f"chi-square {statistic:.1f}: the draws do not follow the probabilities"
