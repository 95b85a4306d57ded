"""Every numeric input of every endpoint, given NaN, infinities, 1e308, text or None, gets a sentence
that names it and says what to change (never ``{"error": null}``, never a 309-digit number), and the
server still answers correctly afterwards.

gradio_client cannot send NaN or infinities (httpx refuses to put them in JSON), but a script can:
those go through Gradio's own REST route (``POST /gradio_api/call/<name>``) as raw JSON.
"""

from __future__ import annotations

import json
import math

import httpx
import pytest

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
PROMPT = {"prompt": "The capital of France is", "chat": False}
# Each endpoint's arguments in its API order, with good values; every number among them is fuzzed.
ENDPOINTS = {
    "next_token": PROMPT | SAMPLING,
    "generate": PROMPT | SAMPLING | {"max_new_tokens": 2, "min_new_tokens": 0, "stop": "", "use_cache": True},
    "attention": PROMPT | {"layer": 0, "head": -1},
    "beam_search": PROMPT
    | {"num_beams": 2, "max_new_tokens": 2, "length_penalty": 1.0, "early_stopping": False},
    "context_cost": {"lengths": "8", "repeats": 1},
}
NAMES = {  # the words each sentence must name (English page)
    "temperature": "Temperature",
    "top_k": "Top-k",
    "top_p": "Top-p",
    "min_p": "Min-p",
    "presence_penalty": "presence penalty",
    "frequency_penalty": "frequency penalty",
    "repetition_penalty": "repetition penalty",
    "seed": "seed",
    "max_new_tokens": "Max new tokens",
    "min_new_tokens": "Min new tokens",
    "layer": "layer",
    "head": "head",
    "num_beams": "number of beams",
    "length_penalty": "length penalty",
    "repeats": "Repeats",
}
JSON_BAD = [1e308, -1e308, "abc", None]  # what gradio_client can send
RAW_BAD = ["NaN", "Infinity", "-Infinity"]  # raw JSON tokens that Python's json (the server's) reads
CASES = [
    (endpoint, name, value)
    for endpoint, args in ENDPOINTS.items()
    for name, good in args.items()
    if isinstance(good, int | float) and not isinstance(good, bool)
    for value in JSON_BAD + RAW_BAD
]


def call_raw(app_url: str, endpoint: str, args: dict, name: str, token: str) -> tuple[str, dict | list]:
    """One call through Gradio's REST route with ``token`` as raw JSON for ``name``: (event, data)."""
    values = [token if key == name else json.dumps(value) for key, value in args.items()]
    body = '{"data": [' + ", ".join(values) + "]}"
    posted = httpx.post(
        f"{app_url}/gradio_api/call/{endpoint}",
        content=body.encode(),
        headers={"content-type": "application/json"},
        timeout=60,
    )
    posted.raise_for_status()
    event_id = posted.json()["event_id"]
    answer = httpx.get(f"{app_url}/gradio_api/call/{endpoint}/{event_id}", timeout=120).text
    event = answer.split("event: ")[1].split("\n")[0]
    data = json.loads(answer.split("data: ")[1].split("\n")[0])
    return event, data


def assert_a_sentence(message, name: str) -> None:
    assert message and message != "None", message
    assert NAMES[name].lower() in message.lower(), message
    assert not any(len(run) > 25 for run in "".join(c if c.isdigit() else " " for c in message).split()), (
        message
    )


@pytest.mark.parametrize(("endpoint", "name", "value"), CASES, ids=lambda v: str(v))
def test_every_number_of_every_endpoint_refuses_bad_values_with_a_sentence(
    client, app_url, endpoint, name, value
):
    args = ENDPOINTS[endpoint]
    if value in RAW_BAD:
        event, data = call_raw(app_url, endpoint, args, name, value)
        assert event == "error", data
        assert_a_sentence(data["error"], name)
        return
    if name == "seed" and value is None:  # an empty seed is 0, on purpose: the answer is seed 0's
        assert client.predict(**(args | {name: value}), api_name=f"/{endpoint}")
        return
    with pytest.raises(Exception) as caught:  # gradio_client's AppError carries the sentence
        client.predict(**(args | {name: value}), api_name=f"/{endpoint}")
    assert_a_sentence(str(caught.value), name)


def test_the_server_still_answers_correctly_after_the_fuzzing(client, app_url, real_runner):
    event, data = call_raw(app_url, "attention", ENDPOINTS["attention"], "layer", "NaN")
    assert event == "error" and "layer" in data["error"]
    result = client.predict(**ENDPOINTS["next_token"] | {"temperature": 0.0}, api_name="/next_token")
    assert result["sampled"]["token"] == "␣Paris"
    beams = client.predict(**ENDPOINTS["beam_search"], api_name="/beam_search")
    assert len(beams["sequences"]) == 2
    assert math.isclose(
        sum(client.predict(**ENDPOINTS["attention"], api_name="/attention")["weights"][-1]), 1.0
    )
