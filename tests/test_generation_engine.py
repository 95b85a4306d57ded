"""A class larger than one machine: with PLAYGROUND_GENERATION_ENGINE set, every generation a learner
starts goes to that engine (here a real vLLM), while the model's insides stay on the local copy."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from playground import real_engines
from playground.generation import GenerationParams
from playground.sampling.registry import SamplingParams
from tests.helpers import launched_app

pytestmark = [pytest.mark.real, pytest.mark.engines]

LEARNERS = 30
NEW_TOKENS = 12
SUBJECTS = ["the sea", "a city at night", "the moon", "bread", "a library", "rain", "mountains", "a train",
            "coffee", "the desert"]  # fmt: skip


@pytest.fixture(scope="module")
def replica_url(vllm_engine):
    with launched_app(PLAYGROUND_GENERATION_ENGINE=f"{vllm_engine.base_url}/v1") as url:
        yield url


def learner(index: int) -> dict:
    """Greedy, some with a penalty: what a class presses."""
    return {
        "prompt": f"Write one sentence about {SUBJECTS[index % len(SUBJECTS)]}.",
        "chat": True,
        "temperature": 0,
        "repetition_penalty": 1.0 + 0.1 * (index % 3),
        "max_new_tokens": NEW_TOKENS,
    }


def test_thirty_learners_through_a_replica_get_vllms_own_answers(replica_url, vllm_engine, real_runner):
    from gradio_client import Client

    def ask(index: int) -> dict:
        client = Client(replica_url, verbose=False)
        return client.predict(**learner(index), api_name="/generate")

    with ThreadPoolExecutor(LEARNERS) as pool:
        answers = list(pool.map(ask, range(LEARNERS)))
    for index, answer in enumerate(answers):
        asked = learner(index)
        ids = real_runner.tokenize(asked["prompt"], chat=True).ids
        knobs = SamplingParams.from_values(temperature=0, repetition_penalty=asked["repetition_penalty"])
        params = GenerationParams(sampling=knobs, max_new_tokens=NEW_TOKENS)
        own = real_engines.run_generation(vllm_engine, ids, params, real_runner.token_label)
        assert [t["id"] for t in answer["tokens"]] == [t.id for t in own.tokens], index
        assert answer["stop_reason"] == own.stop_reason
    # vLLM reports its own probabilities of greedy tokens (the softmax of its scores); our batch says 1.
    assert any(t["prob"] < 0.999 for answer in answers for t in answer["tokens"])


def test_the_insides_stay_on_the_local_model(replica_url):
    from gradio_client import Client

    client = Client(replica_url, verbose=False)
    answer = client.predict(prompt="The capital of France is", temperature=0, api_name="/next_token")
    assert answer["final"][0]["token"].endswith("Paris") and answer["final"][0]["prob"] == 1.0
