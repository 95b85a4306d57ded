"""Every numeric input of every endpoint, given NaN, infinities, 1e308, text or None, gets a sentence
that names it and says what to change (never ``{"error": null}``, never a 309-digit number), and the
server still answers correctly afterwards.

The numeric parameters are read from the running app's own API description, so an endpoint or a
knob added later is fuzzed too. gradio_client cannot send NaN or infinities (httpx refuses to put
them in JSON), but a script can: those go through Gradio's REST route (``POST /gradio_api/call/``)
as raw JSON, which the server's JSON parser reads.
"""

from __future__ import annotations

import json
import math

import httpx
import pytest

from playground.api import endpoints as declared

pytestmark = pytest.mark.real

# Every declared endpoint with numeric inputs (a test below checks that none is missing).
ENDPOINTS = [e.name for e in declared.ENDPOINTS if any(p.type in (int, float) for p in e.params)]
GOOD_TEXT = {"lengths": "8", "prompt": "The capital of France is", "text": "Hello"}
JSON_BAD = [1e308, -1e308, "abc", None]  # what gradio_client can send
RAW_BAD = ["NaN", "Infinity", "-Infinity"]  # raw JSON tokens that the server's JSON parser reads
NUMERIC = {"int", "float"}


@pytest.fixture(scope="module")
def api(client) -> dict:
    return client.view_api(print_info=False, return_format="dict")["named_endpoints"]


def good_args(parameters: list[dict]) -> dict:
    """A valid value for every parameter, in API order: its default, else a small good value."""
    args = {}
    for p in parameters:
        name = p["parameter_name"]
        if p["parameter_has_default"]:
            args[name] = p["parameter_default"]
        else:
            args[name] = GOOD_TEXT.get(name, False if p["python_type"]["type"] == "bool" else 1)
    return args


def numeric(parameters: list[dict]) -> list[str]:
    return [p["parameter_name"] for p in parameters if p["python_type"]["type"] in NUMERIC]


def call_raw(app_url: str, endpoint: str, args: dict, name: str, token: str) -> tuple[str, dict | list]:
    """One call through Gradio's REST route with ``token`` as raw JSON for ``name``: (event, data)."""
    values = [token if key == name else json.dumps(value) for key, value in args.items()]
    posted = httpx.post(
        f"{app_url}/gradio_api/call/{endpoint}",
        content=('{"data": [' + ", ".join(values) + "]}").encode(),
        headers={"content-type": "application/json"},
        timeout=60,
    )
    posted.raise_for_status()
    answer = httpx.get(f"{app_url}/gradio_api/call/{endpoint}/{posted.json()['event_id']}", timeout=300).text
    event = answer.split("event: ")[1].split("\n")[0]
    return event, json.loads(answer.split("data: ")[1].split("\n")[0])


def assert_a_sentence(message, name: str) -> None:
    assert message and message not in ("None", "null"), message
    words = name.replace("_", " ").replace("num ", "").removesuffix("s").lower()
    assert words.split()[0][:4] in message.lower().replace("-", "_").replace("_", " "), (name, message)
    digit_runs = "".join(c if c.isdigit() else " " for c in message).split()
    assert not any(len(run) > 25 for run in digit_runs), message


def test_every_public_endpoint_with_numbers_is_fuzzed(api):
    assert {name.strip("/") for name, info in api.items() if numeric(info["parameters"])} == set(ENDPOINTS)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_number_refuses_bad_values_with_a_sentence(client, app_url, api, endpoint):
    parameters = api[f"/{endpoint}"]["parameters"]
    args = good_args(parameters)
    for name in numeric(parameters):
        for value in RAW_BAD:
            event, data = call_raw(app_url, endpoint, args, name, value)
            assert event == "error", (name, value, data)
            assert_a_sentence(data["error"], name)
        for value in JSON_BAD:
            if name == "seed" and value is None:  # an empty seed is 0, on purpose
                continue
            with pytest.raises(Exception) as caught:  # gradio_client's AppError carries the sentence
                client.predict(**(args | {name: value}), api_name=f"/{endpoint}")
            assert_a_sentence(str(caught.value), name)


def test_the_server_still_answers_correctly_after_the_fuzzing(client, app_url, api):
    args = good_args(api["/attention"]["parameters"])
    event, data = call_raw(app_url, "attention", args, "layer", "NaN")
    assert event == "error" and "layer" in data["error"]
    greedy = good_args(api["/next_token"]["parameters"]) | {"temperature": 0.0}
    assert client.predict(**greedy, api_name="/next_token")["sampled"]["token"] == "␣Paris"
    weights = client.predict(**args, api_name="/attention")["weights"]
    assert math.isclose(sum(weights[-1]), 1.0, rel_tol=1e-5)
