"""The OpenAI-compatible API (/v1) with the real ``openai`` client against the launched app: models,
completions and chat, streamed and not, checked against the model itself."""

from __future__ import annotations

import contextlib
import threading
import time

import httpx
import openai
import pytest
import torch

from playground import config, serving
from tests.helpers import launched_app, reference_ids

pytestmark = pytest.mark.real

PROMPT = "The capital of France is"


@pytest.fixture(scope="module")
def client(app_url):
    return openai.OpenAI(base_url=f"{app_url}/v1", api_key="test-key", max_retries=0, timeout=300)


@pytest.fixture(scope="module")
def model_id(real_runner):
    return real_runner.name


def reference(runner, ids: list[int], new_tokens: int) -> list[int]:
    return reference_ids(runner, ids, max_new_tokens=new_tokens, pad_token_id=2)


def test_models_lists_the_loaded_model(client, model_id):
    models = client.models.list()
    assert [m.id for m in models.data] == [model_id]
    assert models.data[0].model_extra["max_model_len"] == config.MAX_PROMPT_TOKENS


def test_greedy_completion_equals_model_generate(client, real_runner, model_id):
    ids = real_runner.tokenize(PROMPT).ids
    expected = reference(real_runner, ids, 12)
    answer = client.completions.create(model=model_id, prompt=PROMPT, max_tokens=12, temperature=0)
    assert answer.choices[0].text == real_runner.tokenizer.decode(expected, skip_special_tokens=True)
    assert answer.usage.prompt_tokens == len(ids)
    assert answer.usage.completion_tokens == len(expected) == 12
    assert answer.usage.total_tokens == len(ids) + 12
    assert answer.choices[0].finish_reason == "length"
    by_ids = client.completions.create(model=model_id, prompt=ids, max_tokens=12, temperature=0)
    assert by_ids.choices[0].text == answer.choices[0].text


def test_greedy_chat_equals_model_generate_on_the_chat_template(client, real_runner, model_id):
    messages = [{"role": "user", "content": "What is the capital of France?"}]
    ids = real_runner.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True)
    ids = list(ids["input_ids"] if hasattr(ids, "keys") else ids)
    expected = reference(real_runner, ids, 10)
    answer = client.chat.completions.create(model=model_id, messages=messages, max_tokens=10, temperature=0)
    assert answer.choices[0].message.role == "assistant"
    assert answer.choices[0].message.content == real_runner.tokenizer.decode(
        expected, skip_special_tokens=True
    )
    assert answer.usage.prompt_tokens == len(ids)


def test_a_stream_gives_the_same_text_then_usage_and_done(client, app_url, model_id):
    whole = client.chat.completions.create(
        model=model_id, messages=[{"role": "user", "content": "Name three colours."}], max_tokens=20,
        temperature=0,
    )  # fmt: skip
    chunks = list(
        client.chat.completions.create(
            model=model_id, messages=[{"role": "user", "content": "Name three colours."}], max_tokens=20,
            temperature=0, stream=True, stream_options={"include_usage": True},
        )
    )  # fmt: skip
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == whole.choices[0].message.content
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == whole.choices[0].finish_reason
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == whole.usage.completion_tokens
    raw = httpx.post(
        f"{app_url}/v1/completions",
        json={"model": model_id, "prompt": PROMPT, "max_tokens": 3, "stream": True},
        timeout=120,
    ).text
    assert raw.rstrip().endswith("data: [DONE]")
    assert all(line.startswith("data: ") for line in raw.split("\n\n") if line.strip())


def test_logprobs_are_the_models_own_log_softmax(client, real_runner, model_id):
    ids = real_runner.tokenize(PROMPT).ids
    generated = reference(real_runner, ids, 6)
    answer = client.completions.create(model=model_id, prompt=PROMPT, max_tokens=6, temperature=0, logprobs=5)
    logprobs = answer.choices[0].logprobs
    expected = torch.log_softmax(real_runner.forward(ids + generated).logits, dim=-1)
    assert len(logprobs.token_logprobs) == 6
    for k, token_id in enumerate(generated):
        row = expected[len(ids) - 1 + k]
        assert logprobs.token_logprobs[k] == pytest.approx(float(row[token_id]), abs=1e-3)
        assert logprobs.tokens[k] == real_runner.token_text(token_id)
        assert len(logprobs.top_logprobs[k]) == 5
        assert max(logprobs.top_logprobs[k].values()) == pytest.approx(float(row.max()), abs=1e-3)
    sampled = {"model": model_id, "prompt": PROMPT, "max_tokens": 6, "temperature": 0.8, "seed": 3}
    with_logprobs = client.completions.create(**sampled, logprobs=2)
    assert with_logprobs.choices[0].text == client.completions.create(**sampled).choices[0].text
    chat = client.chat.completions.create(
        model=model_id, messages=[{"role": "user", "content": "Hi"}], max_tokens=3, temperature=0,
        logprobs=True, top_logprobs=2,
    )  # fmt: skip
    content = chat.choices[0].logprobs.content
    assert len(content) == 3 and all(len(c.top_logprobs) == 2 for c in content)
    assert all(c.logprob == pytest.approx(c.top_logprobs[0].logprob, abs=1e-4) for c in content)  # greedy


def test_same_seed_same_text_and_the_same_tokens_as_generate(client, app_url, model_id):
    from gradio_client import Client

    knobs = {"temperature": 1.2, "top_p": 0.95, "presence_penalty": 0.5}
    one = client.completions.create(model=model_id, prompt=PROMPT, max_tokens=10, seed=7, **knobs)
    two = client.completions.create(model=model_id, prompt=PROMPT, max_tokens=10, seed=7, **knobs)
    assert one.choices[0].text == two.choices[0].text
    generate = Client(app_url, verbose=False).predict(
        prompt=PROMPT, max_new_tokens=10, seed=7, api_name="/generate", **knobs
    )
    assert generate["text"] == one.choices[0].text
    vllm = client.completions.create(
        model=model_id,
        prompt=PROMPT,
        max_tokens=10,
        seed=7,
        extra_body={"engine": "vllm", "top_k": 20},
        **knobs,
    )
    generate_vllm = Client(app_url, verbose=False).predict(
        prompt=PROMPT, max_new_tokens=10, seed=7, engine="vllm", top_k=20, api_name="/generate", **knobs
    )
    assert generate_vllm["text"] == vllm.choices[0].text


def test_stop_and_min_tokens(client, model_id):
    stopped = client.completions.create(
        model=model_id, prompt="One, two, three, four,", max_tokens=30, temperature=0, stop=[","]
    )
    assert "," not in stopped.choices[0].text and stopped.choices[0].finish_reason == "stop"
    short = client.chat.completions.create(
        model=model_id,
        messages=[{"role": "user", "content": "What is the capital of France?"}],
        max_tokens=40,
        temperature=0,
    )
    assert short.choices[0].finish_reason == "stop"  # the model ends it by itself
    longer = short.usage.completion_tokens + 5
    forced = client.chat.completions.create(
        model=model_id, messages=[{"role": "user", "content": "What is the capital of France?"}],
        max_tokens=longer, temperature=0, extra_body={"min_tokens": longer},
    )  # fmt: skip
    assert forced.usage.completion_tokens == longer and forced.choices[0].finish_reason == "length"


def test_n_choices_each_with_its_seed(client, model_id):
    answer = client.completions.create(model=model_id, prompt=PROMPT, max_tokens=8, n=3, seed=11)
    assert [c.index for c in answer.choices] == [0, 1, 2]
    for i, choice in enumerate(answer.choices):
        alone = client.completions.create(model=model_id, prompt=PROMPT, max_tokens=8, seed=11 + i)
        assert choice.text == alone.choices[0].text
    assert answer.usage.completion_tokens == sum(8 for _ in answer.choices)


def test_a_closed_stream_leaves_the_batch_at_the_next_step(app_url, real_runner, model_id):
    scheduler = serving.service_of(real_runner).scheduler
    key = "Bearer closed-stream"
    with (
        httpx.Client(timeout=120) as http,
        http.stream(
            "POST",
            f"{app_url}/v1/completions",
            json={"model": model_id, "prompt": PROMPT, "max_tokens": 200, "stream": True, "ignore_eos": True},
            headers={"authorization": key},
        ) as response,
    ):
        lines = response.iter_lines()
        received = [line for line, _ in zip(lines, range(6), strict=False) if line.startswith("data")]
        assert received
    record = max((r for r in scheduler.requests if r.session.startswith("v1:")), key=lambda r: r.id)
    deadline = time.monotonic() + 30
    while record.outcome is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert record.outcome == "cancelled"
    assert record.new_tokens < 200


BAD = [
    ({"temperature": -1}, 400, "temperature"),
    ({"top_p": 2}, 400, "top_p"),
    ({"n": 99}, 400, "n"),
    ({"max_tokens": 100_000}, 400, "max_tokens"),
    ({"logprobs": 50}, 400, "logprobs"),
    ({"engine": "klingon"}, 400, "engine"),
    ({"prompt": [10**9]}, 400, "prompt"),
    ({"prompt": ""}, 400, "prompt"),
    ({"model": "gpt-9"}, 404, "model"),
    ({"seed": -1}, 400, "seed"),
    ({"stop": 5}, 400, "stop"),
]


@pytest.mark.parametrize(("fields", "status", "param"), BAD)
def test_every_bad_field_gets_openais_error_shape(app_url, model_id, fields, status, param):
    body = {"model": model_id, "prompt": PROMPT, "max_tokens": 2} | fields
    answer = httpx.post(f"{app_url}/v1/completions", json=body, timeout=60)
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["param"] is not None and param in error["param"], error
    assert len(error["message"]) > 20


def test_bad_bodies_and_the_server_keeps_serving(app_url, client, model_id):
    not_json = httpx.post(f"{app_url}/v1/completions", content=b"{nope", timeout=30)
    assert not_json.status_code == 400 and "JSON" in not_json.json()["error"]["message"]
    huge = httpx.post(
        f"{app_url}/v1/chat/completions", content=b"x" * (config.OPENAI_MAX_BODY_BYTES + 1), timeout=30
    )
    assert huge.status_code == 413
    empty = httpx.post(f"{app_url}/v1/chat/completions", json={"model": model_id, "messages": []}, timeout=30)
    assert empty.status_code == 400 and empty.json()["error"]["param"] == "messages"
    with pytest.raises(openai.NotFoundError):
        client.completions.create(model="nope", prompt=PROMPT, max_tokens=2)
    assert client.completions.create(model=model_id, prompt=PROMPT, max_tokens=2, temperature=0).choices


def test_one_client_gets_its_share_then_a_429(app_url, model_id):
    key = {"authorization": "Bearer greedy-learner"}
    body = {
        "model": model_id,
        "prompt": PROMPT,
        "max_tokens": 200,
        "stream": True,
        "ignore_eos": True,
        "n": 4,
    }
    with httpx.Client(timeout=120) as http, contextlib.ExitStack() as open_streams:
        for _ in range(2):  # 8 choices: the client's share, held while the streams stay open
            stream = open_streams.enter_context(
                http.stream("POST", f"{app_url}/v1/completions", json=body, headers=key)
            )
            assert stream.status_code == 200
        refused = http.post(f"{app_url}/v1/completions", json=body | {"stream": False}, headers=key)
        assert refused.status_code == 429 and refused.json()["error"]["type"] == "rate_limit_error"
        other = http.post(
            f"{app_url}/v1/completions",
            json={"model": model_id, "prompt": PROMPT, "max_tokens": 2},
            headers={"authorization": "Bearer someone-else"},
        )
        assert other.status_code == 200


def greedy_class(api: str, model_id: str, prompts: list[str], **fields) -> dict[int, object]:
    """One ``openai`` client per prompt (its own key: its own fairness share), all at once, each
    asking for 6 greedy tokens (and ``fields``): the choice each one got, by prompt index."""
    answers: dict[int, object] = {}

    def learner(i: int) -> None:
        own = openai.OpenAI(base_url=api, api_key=f"learner-{i}", max_retries=0, timeout=300)
        greedy = {"model": model_id, "prompt": prompts[i], "max_tokens": 6, "temperature": 0}
        answers[i] = own.completions.create(**greedy, **fields).choices[0]

    threads = [threading.Thread(target=learner, args=(i,)) for i in range(len(prompts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert sorted(answers) == list(range(len(prompts)))
    return answers


def test_thirty_concurrent_clients_get_their_own_answers(app_url, real_runner, model_id):
    prompts = [f"Here is the number {i} and the word" for i in range(30)]
    answers = greedy_class(f"{app_url}/v1", model_id, prompts)
    for i, prompt in enumerate(prompts):
        expected = reference(real_runner, real_runner.tokenize(prompt).ids, 6)
        assert answers[i].text == real_runner.tokenizer.decode(expected, skip_special_tokens=True), i


def test_the_launched_servers_engine_answers_as_the_model_does(real_runner, model_id):
    """``python app.py`` as a class meets it: the batch in the engine process, its linear layers
    through oneDNN (playground/serving/onednn.py). Eight concurrent greedy clients get
    ``model.generate``'s tokens, and their logprobs are the model's own log-softmax."""
    prompts = [f"Here is the number {i} and the word" for i in range(8)]
    with launched_app() as url:
        answers = greedy_class(f"{url.rstrip('/')}/v1", model_id, prompts, logprobs=1)
    for i, prompt in enumerate(prompts):
        ids = real_runner.tokenize(prompt).ids
        expected = reference(real_runner, ids, 6)
        assert answers[i].text == real_runner.tokenizer.decode(expected, skip_special_tokens=True), i
        rows = torch.log_softmax(real_runner.forward(ids + expected).logits, dim=-1)[len(ids) - 1 :]
        wanted = [float(rows[k, token]) for k, token in enumerate(expected)]
        assert answers[i].logprobs.token_logprobs == pytest.approx(wanted, abs=1e-3), i
