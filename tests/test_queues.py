"""Fair queues: model work and light work have separate limits, and one session cannot fill the queue.

A small Blocks with one slow "model" endpoint (it waits until the test lets it go) and one light
endpoint, behind the app's own ``admit_fairly``, launched on loopback and used by real
gradio_client sessions; two such Blocks mounted as two languages share one ``Admission``; then the
same with the real app and the real model, on ``/`` and ``/te/`` together.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import gradio as gr
import pytest
from fastapi import FastAPI
from gradio_client import Client
from gradio_client.utils import Status

from playground import config, web
from playground.ui import gradio_internals, sessions
from playground.ui.common import LIGHT_EVENT, MODEL_EVENT, Admission, admit_fairly
from tests.helpers import free_port, wait_until

JOINED = {Status.IN_QUEUE, Status.PROCESSING, Status.ITERATING}  # on the server, not yet done
BUSY_SESSION = "You already have 2 model requests waiting"
BUSY_MODEL = "The model is busy"


def model_waiting(*demos) -> int:
    return sum(event.pool == "model" for demo in demos for event in gradio_internals.queued_events(demo)[0])


def waiting(demo) -> int:
    return len(gradio_internals.queued_events(demo)[0])


def gated_blocks(release: threading.Event) -> gr.Blocks:
    """A Blocks whose model endpoint holds the model until ``release`` is set, with its queue."""

    def slow_model(text: str) -> str:
        release.wait(timeout=60)
        return text

    def light(text: str) -> str:
        return text.upper()

    with gr.Blocks() as demo:
        gr.api(slow_model, api_name="model", **MODEL_EVENT)
        gr.api(light, api_name="light", **LIGHT_EVENT)
    demo.queue(default_concurrency_limit=config.MODEL_CONCURRENCY, max_size=config.QUEUE_MAX_SIZE)
    return demo


@pytest.fixture
def gated_app(monkeypatch):
    """A launched Blocks whose model endpoint holds the model until ``release`` is set."""
    monkeypatch.setattr(config, "MODEL_QUEUE_MAX_SIZE", 3)
    release = threading.Event()
    demo = admit_fairly(gated_blocks(release), "en")
    demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True)
    yield demo, release
    release.set()
    demo.close()


@pytest.fixture
def gated_languages(monkeypatch):
    """Two gated Blocks served as English ("/") and Telugu ("/te/") behind one shared Admission."""
    monkeypatch.setattr(config, "MODEL_QUEUE_MAX_SIZE", 3)
    release = threading.Event()
    admission, keeper, server_app = Admission(), sessions.SessionKeeper(), FastAPI()
    demos = {lang: gated_blocks(release) for lang in ("en", "te")}
    for lang in ("te", "en"):  # "/" would catch every path, so it is mounted last
        admit_fairly(demos[lang], lang, admission)
        path = web.mount_path(lang)
        gr.mount_gradio_app(server_app, demos[lang], path=path, app_kwargs={"lifespan": keeper.lifespan})
    server = web.Server(server_app, "127.0.0.1", free_port()).start()
    assert len(keeper.holders) == 2  # both languages' sessions are swept together
    yield server.url, demos, release
    release.set()
    server.close()


def test_light_work_is_answered_while_the_model_queue_is_full(gated_app):
    demo, release = gated_app
    url = demo.local_url
    clients = [Client(url, verbose=False) for _ in range(2)]
    # 1 running + 3 waiting fill the model pool; the next model request is refused with a sentence.
    jobs = [clients[i].submit(f"m{i}", api_name="/model") for i in (0, 0, 1, 1)]
    assert wait_until(lambda: model_waiting(demo) == 3)
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
        assert wait_until(lambda: waiting(demo) == 2)
        with pytest.raises(Exception, match="సర్వర్ బిజీగా ఉంది: 2 అభ్యర్థనలు వేచి ఉన్నాయి"):
            Client(demo.local_url, verbose=False).predict("one too many", api_name="/light")
        release.set()
        assert sorted(job.result(timeout=60) for job in jobs) == ["t0", "t1", "t2"]
    finally:
        release.set()
        demo.close()


def test_the_model_queue_is_counted_across_languages(gated_languages):
    url, demos, release = gated_languages
    english, telugu = (
        Client(f"{url}/", verbose=False),
        [Client(f"{url}/te/", verbose=False) for _ in range(2)],
    )
    # Each language runs one; 1 English and 2 Telugu wait: 3 waiting in all, the limit.
    jobs = [english.submit("e0", api_name="/model"), telugu[0].submit("t0", api_name="/model")]
    assert wait_until(lambda: all(job.status().code == Status.PROCESSING for job in jobs))
    jobs += [english.submit("e1", api_name="/model"), *(c.submit("t1", api_name="/model") for c in telugu)]
    assert wait_until(lambda: model_waiting(*demos.values()) == 3)
    assert model_waiting(demos["en"]) == 1  # alone, English would have room for two more
    with pytest.raises(Exception, match="The model is busy with 3 waiting"):
        Client(f"{url}/", verbose=False).predict("one too many", api_name="/model")
    with pytest.raises(Exception, match="ఇతర అభ్యాసకుల 3 అభ్యర్థనలతో మోడల్ బిజీగా ఉంది"):
        Client(f"{url}/te/", verbose=False).predict("one too many", api_name="/model")
    assert Client(f"{url}/te/", verbose=False).predict("light", api_name="/light") == "LIGHT"
    release.set()
    assert sorted(job.result(timeout=60) for job in jobs) == ["e0", "e1", "t0", "t1", "t1"]


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


@pytest.mark.real
def test_the_49th_waiting_model_request_is_refused_whichever_language_it_comes_from(app_url):
    """Both languages of the real app share one model queue: 2 long context sweeps hold the model
    (one per language), 24 sessions on ``/`` and ``/te/`` queue 48 requests, then one more is
    refused on either page, with its page's sentence. Everything queued is cancelled at the end."""
    pages = [f"{app_url}/", f"{app_url}/te/"]
    holders = [Client(page, verbose=False) for page in pages]
    waiters = [Client(pages[i % 2], verbose=False) for i in range(config.MODEL_QUEUE_MAX_SIZE // 2)]
    latecomers = [Client(page, verbose=False) for page in pages]
    long_sweep = {"lengths": "1024, 1536, 2048", "repeats": config.MAX_COST_REPEATS}
    running = [client.submit(**long_sweep, api_name="/context_cost") for client in holders]
    queued = []
    try:
        assert wait_until(lambda: all(job.status().code == Status.PROCESSING for job in running), limit_s=120)
        # The sweeps stop at MODEL_DEADLINE_S: the 48 join at once, well before.
        with ThreadPoolExecutor(max_workers=8) as pool:
            queued = list(
                pool.map(lambda c: c.submit(lengths="64", repeats=1, api_name="/context_cost"), waiters * 2)
            )
        assert wait_until(
            lambda: sum(job.status().code == Status.IN_QUEUE for job in queued) == 48, limit_s=120
        )
        with pytest.raises(Exception, match="The model is busy with 48 waiting"):
            latecomers[0].predict(lengths="64", repeats=1, api_name="/context_cost")
        with pytest.raises(Exception, match="ఇతర అభ్యాసకుల 48 అభ్యర్థనలతో"):
            latecomers[1].predict(lengths="64", repeats=1, api_name="/context_cost")
        assert not any(job.done() for job in running)  # the queue was full all along
    finally:
        for job in queued:
            job.cancel()
        for job in running:  # a running sweep cannot be cancelled; its deadline ends it
            wait_until(job.done, limit_s=5 * config.MODEL_DEADLINE_S)
