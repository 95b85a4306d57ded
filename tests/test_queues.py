"""Fair queues: model work and light work have separate limits, and one session cannot fill the queue.

A small Blocks with one slow "model" endpoint (it waits until the test lets it go) and one light
endpoint, behind the app's own ``admit_fairly``, launched on loopback and used by real
gradio_client sessions; then the same with the real app and the real model.
"""

from __future__ import annotations

import threading

import gradio as gr
import pytest
from gradio_client import Client
from gradio_client.utils import Status

from playground import config
from playground.ui.common import LIGHT_EVENT, MODEL_EVENT, admit_fairly
from tests.helpers import free_port, wait_until

JOINED = {Status.IN_QUEUE, Status.PROCESSING, Status.ITERATING}  # on the server, not yet done
BUSY_SESSION = "You already have 2 model requests waiting"
BUSY_MODEL = "The model is busy"


def model_waiting(demo) -> int:
    pool = demo._queue.event_queue_per_concurrency_id.get("model")
    return len(pool.queue) if pool else 0


@pytest.fixture
def gated_app(monkeypatch):
    """A launched Blocks whose model endpoint holds the model until ``release`` is set."""
    monkeypatch.setattr(config, "MODEL_QUEUE_MAX_SIZE", 3)
    release = threading.Event()

    def slow_model(text: str) -> str:
        release.wait(timeout=60)
        return text

    def light(text: str) -> str:
        return text.upper()

    with gr.Blocks() as demo:
        gr.api(slow_model, api_name="model", **MODEL_EVENT)
        gr.api(light, api_name="light", **LIGHT_EVENT)
    demo.queue(default_concurrency_limit=config.MODEL_CONCURRENCY, max_size=config.QUEUE_MAX_SIZE)
    admit_fairly(demo, "en")
    demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True)
    yield demo, release
    release.set()
    demo.close()


def test_light_work_is_answered_while_the_model_queue_is_full(gated_app):
    demo, release = gated_app
    url = demo.local_url
    clients = [Client(url, verbose=False) for _ in range(2)]
    # 1 running + 3 waiting fill the model pool; the next model request is refused with a sentence.
    jobs = [clients[i].submit(f"m{i}", api_name="/model") for i in (0, 0, 1, 1)]
    assert wait_until(lambda: model_waiting(demo) == 3)  # the queue fills asynchronously
    extra = Client(url, verbose=False)
    with pytest.raises(Exception, match=BUSY_MODEL):
        extra.predict("one too many", api_name="/model")
    # Light work is not counted against the model's limit: it is answered while all of them wait.
    answers = [Client(url, verbose=False).predict(f"t{i}", api_name="/light") for i in range(5)]
    assert answers == [f"T{i}" for i in range(5)]
    assert not any(job.done() for job in jobs)
    release.set()
    assert sorted(job.result(timeout=60) for job in jobs) == ["m0", "m0", "m1", "m1"]
    assert extra.predict("now there is room", api_name="/model") == "now there is room"


def test_a_session_has_at_most_two_model_requests_waiting(gated_app):
    demo, release = gated_app
    client = Client(demo.local_url, verbose=False)
    first, second = client.submit("a", api_name="/model"), client.submit("b", api_name="/model")
    assert wait_until(lambda: model_waiting(demo) == 1)
    with pytest.raises(Exception, match=BUSY_SESSION):
        client.submit("c", api_name="/model").result(timeout=60)
    other = Client(demo.local_url, verbose=False).submit("d", api_name="/model")  # another session may
    assert wait_until(lambda: model_waiting(demo) == 2)  # admitted: it waits beside this session's
    release.set()
    assert (first.result(timeout=60), second.result(timeout=60)) == ("a", "b")
    assert other.result(timeout=60) == "d"
    assert client.predict("e", api_name="/model") == "e"  # its turn again once they are done


def test_a_full_light_queue_refuses_with_a_sentence_in_the_pages_language(monkeypatch):
    monkeypatch.setattr(config, "LIGHT_QUEUE_MAX_SIZE", 2)
    release = threading.Event()

    def slow_light(text: str) -> str:
        release.wait(timeout=60)
        return text

    with gr.Blocks() as demo:
        gr.api(slow_light, api_name="light", concurrency_limit=1)
    demo.queue()
    admit_fairly(demo, "te")
    demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        jobs = [Client(demo.local_url, verbose=False).submit(f"t{i}", api_name="/light") for i in range(3)]
        assert wait_until(
            lambda: sum(len(q.queue) for q in demo._queue.event_queue_per_concurrency_id.values()) == 2
        )
        with pytest.raises(Exception, match="సర్వర్ బిజీగా ఉంది: 2 అభ్యర్థనలు వేచి ఉన్నాయి"):
            Client(demo.local_url, verbose=False).predict("one too many", api_name="/light")
        release.set()
        assert sorted(job.result(timeout=60) for job in jobs) == ["t0", "t1", "t2"]
    finally:
        release.set()
        demo.close()


@pytest.mark.real
def test_the_real_app_tokenizes_while_generations_queue(app_url, tokenizer):
    clients = [Client(app_url, verbose=False) for _ in range(3)]
    args = {"prompt": "Once upon a time", "chat": False, "temperature": 0.0, "max_new_tokens": 40}
    jobs = [c.submit(**args, api_name="/generate") for c in clients for _ in range(2)]
    assert wait_until(lambda: all(job.status().code in JOINED for job in jobs[:2]), limit_s=300)
    with pytest.raises(Exception, match=BUSY_SESSION):
        clients[0].submit(**args, api_name="/generate").result(timeout=300)
    answer = Client(app_url, verbose=False).predict(
        "still here while the model works", "", api_name="/tokenize"
    )
    assert answer["num_tokens"] == len(tokenizer("still here while the model works").input_ids)
    assert not all(job.done() for job in jobs)  # answered before the generations had finished
    texts = {job.result(timeout=600)["text"] for job in jobs}
    assert len(texts) == 1  # greedy: every request got the same, whole answer
