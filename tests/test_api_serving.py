"""/generate through the launched server: concurrent clients share one batch, a cancelled job
leaves it, the no-cache budget answers with a sentence."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from gradio_client import Client

from playground import config, serving
from tests.helpers import reference_ids, wait_until

pytestmark = pytest.mark.real

PROMPTS = [
    "The capital of France is",
    "Water boils at",
    "Once upon a time there",
    "1, 2, 3,",
    "Hello, my name",
    "The sun",
]


def test_concurrent_clients_are_batched_and_each_gets_its_own_greedy_answer(app_url, real_runner):
    new_tokens = 10
    steps_before = len(serving.service_of(real_runner).scheduler.steps)

    def ask(prompt: str) -> dict:
        client = Client(app_url, verbose=False)
        return client.predict(prompt=prompt, temperature=0.0, max_new_tokens=new_tokens, api_name="/generate")

    with ThreadPoolExecutor(max_workers=len(PROMPTS)) as pool:
        answers = list(pool.map(ask, PROMPTS))
    for prompt, answer in zip(PROMPTS, answers, strict=True):
        expected = reference_ids(real_runner, real_runner.tokenize(prompt).ids, max_new_tokens=new_tokens)
        assert [t["id"] for t in answer["tokens"]] == expected[: len(answer["tokens"])]
        assert answer["stop_reason"] in ("length", "eos")
    steps = list(serving.service_of(real_runner).scheduler.steps)[steps_before:]
    assert max(s.batch for s in steps) > 1  # several requests shared a forward pass


def test_a_cancelled_job_leaves_the_batch_and_frees_the_model(client, real_runner):
    scheduler = serving.service_of(real_runner).scheduler
    job = client.submit(
        prompt="Tell me a very long story", temperature=0.0, max_new_tokens=config.MAX_NEW_TOKENS,
        min_new_tokens=config.MAX_NEW_TOKENS, api_name="/generate",
    )  # fmt: skip
    assert wait_until(lambda: any(r.decoder.tokens for r in scheduler.rows))
    request = scheduler.rows[0]
    job.cancel()
    assert wait_until(lambda: request.done)
    assert request.record.outcome == "cancelled"
    assert len(request.decoder.tokens) < config.MAX_NEW_TOKENS
    assert wait_until(lambda: not scheduler.rows)  # the model is free for everyone else
    quick = client.predict(prompt="Hi", temperature=0.0, max_new_tokens=2, api_name="/generate")
    assert quick["stop_reason"] in ("length", "eos")


def test_generation_without_the_cache_past_the_budget_says_why(client):
    with pytest.raises(Exception, match="KV cache"):
        client.predict(prompt="word " * 300, max_new_tokens=200, use_cache=False, api_name="/generate")
