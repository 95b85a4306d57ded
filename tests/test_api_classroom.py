"""The class endpoints through gradio_client against the launched app (issue 21): two classes at once,
30 real concurrent students in one, exact counts, no answer lost or crossed, the reveal checked against
the real model, and keys that do only what their role may. Polling by the class is light work: it is
timed against the model's own work beside it (a ratio in one run, printed; not a timed assertion)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from playground import i18n
from playground.prompts import encode_prompt

pytestmark = pytest.mark.real

STUDENTS = 30
PROMPT = "The capital of France is"
ANSWERS = ("Paris", "London", "rome")


def _all(client, calls: list[tuple]) -> list:
    """Every call at once (one job each through the queue), their answers in order."""
    jobs = [client.submit(*args, api_name=name) for name, *args in calls]
    return [job.result(timeout=120) for job in jobs]


def test_thirty_students_and_a_second_class_get_exact_counts(client, real_runner):
    first = client.predict("", api_name="/class_create")
    second = client.predict("course", api_name="/class_create")
    assert (
        first["join_url"] == f"/?class={first['class_code']}" and first["teacher_key"] in first["teacher_url"]
    )
    joined = _all(client, [("/class_join", first["class_code"], f"s{i}") for i in range(STUDENTS)])
    others = _all(client, [("/class_join", second["class_code"], "") for _ in range(5)])
    assert sorted(j["label"] for j in joined) == sorted(f"s{i}" for i in range(STUDENTS))
    assert sorted(j["label"] for j in others) == [f"#{i}" for i in range(1, 6)]
    keys = [j["student_key"] for j in joined]
    assert len(set(keys)) == STUDENTS

    state = {"prompt": PROMPT, "chat": False}
    question = {"kind": "next_token", "text": "Which token comes next?"}
    assert client.predict(first["teacher_key"], "logits", state, question, api_name="/class_push") == {
        "step": 0
    }
    client.predict(second["teacher_key"], "logits", state, question, api_name="/class_push")
    before = client.predict(keys[0], api_name="/class_state")
    assert before["reveal"] is None and before["students"] == STUDENTS and before["question"] == question

    mine = {key: ANSWERS[i % 3] for i, key in enumerate(keys)}
    accepted = _all(client, [("/class_answer", key, 0, answer) for key, answer in mine.items()])
    _all(client, [("/class_answer", other["student_key"], 0, "Berlin") for other in others])
    assert all(a == {"accepted": True} for a in accepted)
    assert client.predict(first["teacher_key"], api_name="/class_state")["answered"] == STUDENTS

    view = client.predict(first["teacher_key"], api_name="/class_reveal")
    ids = encode_prompt(real_runner, PROMPT, False)
    probs = real_runner.prefill(ids).logits.float().softmax(-1)
    top = int(probs.argmax())
    assert view["reveal"]["truth"] == real_runner.decode([top])
    assert abs(view["reveal"]["model"][0]["prob"] - float(probs[top])) < 1e-5
    counts = {row["answer"].strip().casefold(): row["count"] for row in view["reveal"]["class"]}
    assert counts == {"paris": 10, "london": 10, "rome": 10}  # none lost, none from the other class
    assert view["reveal"]["right"] == (10 if view["reveal"]["truth"].strip() == "Paris" else 0)

    seen = _all(client, [("/class_state", key) for key in keys])
    assert [s["reveal"]["mine"] for s in seen] == [mine[key] for key in keys]
    assert all(s["revealed"] and s["label"] == j["label"] for s, j in zip(seen, joined, strict=True))
    other = client.predict(second["teacher_key"], api_name="/class_state")
    assert other["answered"] == 5 and other["reveal"] is None  # the other class is not revealed


def test_keys_do_only_what_their_role_may_and_say_so(client, app_url):
    room = client.predict("", api_name="/class_create")
    student = client.predict(room["class_code"], "", api_name="/class_join")["student_key"]
    with pytest.raises(AppError, match="teacher"):
        client.predict(student, "logits", {"prompt": PROMPT}, {"kind": "next_token"}, api_name="/class_push")
    with pytest.raises(AppError, match="teacher"):
        client.predict(student, api_name="/class_reveal")
    with pytest.raises(AppError, match=r"push a step first"):
        client.predict(room["teacher_key"], api_name="/class_reveal")
    with pytest.raises(AppError, match="kind"):
        client.predict(
            room["teacher_key"], "logits", {"prompt": "x"}, {"kind": "guess"}, api_name="/class_push"
        )
    with pytest.raises(AppError, match="too long"):
        client.predict(room["class_code"], "x" * 100, api_name="/class_join")
    telugu = Client(f"{app_url}/te/", verbose=False)
    with pytest.raises(AppError) as refused:
        telugu.predict("ZZZZZZ", "", api_name="/class_join")
    assert i18n.t("class.error.code", lang="te")[:20] in str(refused.value)
    created = telugu.predict("", api_name="/class_create")
    assert created["join_url"].startswith("/te/?class=")
    # A student's own view never holds the teacher's key.
    assert room["teacher_key"] not in str(client.predict(student, api_name="/class_state"))


def test_a_class_polling_does_not_hold_up_the_model(client):
    """30 students polling every second while the model answers /next_token: each poll is light
    work, answered beside the model, not after it. Printed as figures; asserted only loosely."""
    room = client.predict("", api_name="/class_create")
    keys = [
        j["student_key"]
        for j in _all(client, [("/class_join", room["class_code"], "") for _ in range(STUDENTS)])
    ]
    polls: list[float] = []
    stop = time.monotonic() + 8

    def student(key: str) -> None:
        poller = Client(client.src, verbose=False) if key == keys[0] else client
        while time.monotonic() < stop:
            start = time.perf_counter()
            poller.predict(key, api_name="/class_state")
            polls.append(time.perf_counter() - start)
            time.sleep(1)

    model_alone = _timed_next_token(client)
    with ThreadPoolExecutor(STUDENTS) as pool:
        futures = [pool.submit(student, key) for key in keys]
        model_polled = [_timed_next_token(client) for _ in range(3)]
        for future in futures:
            future.result()
    polls.sort()
    p95 = polls[int(len(polls) * 0.95)]
    p50 = polls[len(polls) // 2]
    print(f"\nclass polling: {len(polls)} polls, p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
    print(f"/next_token alone {model_alone:.2f} s, polled {min(model_polled):.2f}-{max(model_polled):.2f} s")
    assert len(polls) >= STUDENTS * 4  # every student polled all along


def _timed_next_token(client) -> float:
    start = time.perf_counter()
    client.predict(prompt=PROMPT, api_name="/next_token")
    return time.perf_counter() - start
