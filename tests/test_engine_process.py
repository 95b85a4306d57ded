"""The serving batch in a process of its own (playground/serving/engine_process.py): the same answers
as in-process, and every way a request ends."""

from __future__ import annotations

import threading
import time

import pytest
import torch

from playground.generation import GenerationParams
from playground.sampling import SamplingParams
from playground.serving import onednn
from playground.serving.engine_process import EngineClient
from tests.helpers import reference_ids, wait_until

pytestmark = pytest.mark.real

GREEDY = SamplingParams(temperature=0)


@pytest.fixture(scope="module")
def engine(real_runner):
    client = EngineClient(real_runner, real_runner.spec.name).start()
    yield client
    client.stop()


def finish(engine, request, limit_s: float = 120.0):
    states = [s for s in engine.stream(request) if s is not None]
    assert states, "no state came"
    return states[-1]


def test_greedy_answers_equal_model_generate_and_the_records_follow(engine, real_runner):
    prompts = ["The capital of France is", "Write a haiku about the sea.", "1, 2, 3, 4,"]
    requests = []
    for text in prompts:
        ids = real_runner.tokenize(text).ids
        params = GenerationParams(sampling=GREEDY, max_new_tokens=8, min_new_tokens=8)
        requests.append((ids, engine.submit(ids, params, "s1")))
    for ids, request in requests:
        state = finish(engine, request)
        assert [t.id for t in state.tokens] == reference_ids(real_runner, ids, max_new_tokens=8)
        assert len(state.step_s) == 7 and state.stop_reason == "length"
        assert request.record.outcome == "length" and request.record.new_tokens == 8
    # Those answers came through oneDNN: the engine packed every linear layer of its copy.
    linears = sum(type(m) is torch.nn.Linear for m in real_runner.model.modules())
    assert engine.packed_layers == (linears if onednn.available() else 0) and linears > 200
    traffic = engine.traffic("s1")
    assert sum(r["own"] for r in traffic["requests"]) >= 3 and traffic["steps"]
    assert traffic["running"] == traffic["waiting"] == 0


def test_the_same_seed_samples_the_same_text_as_in_process(engine, real_runner):
    from playground.generation import generate

    ids = real_runner.tokenize("Once upon a time").ids
    params = GenerationParams(
        sampling=SamplingParams.from_values(temperature=0.9, top_p=0.9), max_new_tokens=12, seed=5
    )
    remote = finish(engine, engine.submit(ids, params))
    local = generate(real_runner, ids, params)
    assert [t.id for t in remote.tokens] == [t.id for t in local.tokens] and remote.text == local.text


def test_cancel_stop_and_pause(engine, real_runner, monkeypatch):
    monkeypatch.setattr(real_runner, "pause_batch", engine.pause)  # as ModelService.start sets it
    ids = real_runner.tokenize("Tell me a long story.").ids
    long = GenerationParams(sampling=GREEDY, max_new_tokens=200, min_new_tokens=200)
    cancelled = engine.submit(ids, long, "c")
    assert wait_until(lambda: cancelled.record.new_tokens > 0, limit_s=60)
    engine.cancel(cancelled)
    assert wait_until(lambda: cancelled.done, limit_s=60) and cancelled.record.outcome == "cancelled"

    stopped = engine.submit(ids, long, "page")
    assert wait_until(lambda: stopped.record.new_tokens > 2, limit_s=60)
    engine.stop_session("page")
    state = finish(engine, stopped)
    assert state.stop_reason == "stopped" and 2 < len(state.tokens) < 200

    running = engine.submit(ids, long, "p")
    assert wait_until(lambda: running.record.new_tokens > 0, limit_s=60)
    with real_runner.alone():  # a timing lesson: the batch waits
        paused_at = running.record.new_tokens
        time.sleep(1.0)
        assert running.record.new_tokens <= paused_at + 1  # at most the step in flight
    assert wait_until(lambda: running.record.new_tokens > paused_at + 2, limit_s=60)
    engine.cancel(running)


def test_a_stopped_engine_fails_what_it_still_held(real_runner):
    client = EngineClient(real_runner, real_runner.spec.name).start()
    ids = real_runner.tokenize("Hello").ids
    request = client.submit(ids, GenerationParams(sampling=GREEDY, max_new_tokens=200, min_new_tokens=200))
    assert wait_until(lambda: request.record.new_tokens > 0, limit_s=60)
    stopper = threading.Thread(target=client.stop)
    stopper.start()
    stopper.join(timeout=60)
    assert request.done and not client.running
    with pytest.raises(RuntimeError):
        finish(client, request)
