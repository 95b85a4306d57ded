"""/compare_strategies through gradio_client against the launched app."""

from __future__ import annotations

import pytest
import torch

from playground import sampling

pytestmark = pytest.mark.real

FIXED_BEFORE = ["prompt", "chat", "max_new_tokens", "num_beams", "num_samples"]
FIXED_AFTER = ["engine", "seed"]  # the API contract's order: a client may pass them by position
FIELDS = {
    "text", "token_ids", "logprob_sum", "logprob_mean", "stop_reason", "seconds", "forward_passes",
    "distinct_bigrams",
}  # fmt: skip


def compare(client, prompt="The capital of France is", **overrides):
    args = {
        "prompt": prompt,
        "chat": False,
        "max_new_tokens": 6,
        "num_beams": 2,
        "num_samples": 2,
        "temperature": 1.0,
        "top_k": 0,
        "top_p": 0.9,
        "min_p": 0.0,
        "presence_penalty": 0.0,
        "frequency_penalty": 0.0,
        "repetition_penalty": 1.0,
        "engine": "transformers",
        "seed": 3,
    } | overrides
    return client.predict(**args, api_name="/compare_strategies")


def test_compare_strategies_returns_every_result_scored_by_the_model(client, real_runner):
    result = compare(client)
    assert set(result) == {"greedy", "beam", "samples"} and len(result["samples"]) == 2
    for answer in (result["greedy"], result["beam"], *result["samples"]):
        assert set(answer) >= FIELDS
        assert len(answer["token_ids"]) <= 6 and answer["stop_reason"] in {"eos", "length"}
        assert answer["logprob_sum"] < 0 and 0 < answer["distinct_bigrams"] <= 1
        assert answer["logprob_mean"] == pytest.approx(answer["logprob_sum"] / len(answer["token_ids"]))
    ids = real_runner.tokenize("The capital of France is").ids
    with torch.inference_mode():
        greedy = real_runner.model.generate(torch.tensor([ids]), do_sample=False, max_new_tokens=6)
    assert result["greedy"]["token_ids"] == greedy[0, len(ids) :].tolist()
    assert result["beam"]["forward_passes"] == len(result["beam"]["token_ids"])
    again = compare(client)["samples"]  # the seed makes them repeatable
    assert [(s["token_ids"], s["logprob_sum"]) for s in again] == [
        (s["token_ids"], s["logprob_sum"]) for s in result["samples"]
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"num_samples": 9}, "number of samples must be a whole number from 1 to 8"),
        ({"num_beams": 0}, "number of beams must be a whole number from 1 to 8"),
        ({"max_new_tokens": 41}, "Max new tokens must be a whole number from 1 to 40"),
        ({"engine": "tgi"}, "Unknown engine"),
        ({"top_p": 0.0}, "Top-p must be above 0"),
        ({"prompt": "  "}, "The prompt is empty"),
    ],
)
def test_bad_requests_get_a_sentence(client, overrides, message):
    with pytest.raises(Exception, match=message):
        compare(client, **overrides)
    assert len(compare(client, max_new_tokens=2, num_samples=1)["samples"]) == 1


def test_the_parameters_are_the_fixed_ones_and_every_registry_knob(client):
    """The sampling knobs come from the registry: a stage added there is a parameter here."""
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]["/compare_strategies"]
    parameters = {p["parameter_name"]: p for p in api["parameters"]}
    knobs = sampling.knobs()
    assert list(parameters) == [*FIXED_BEFORE, *[k.name for k in knobs], *FIXED_AFTER]
    for knob in knobs:
        assert parameters[knob.name]["parameter_has_default"]
        assert parameters[knob.name]["parameter_default"] == knob.default
        assert parameters[knob.name]["python_type"]["type"] == ("int" if knob.integer else "float")


@pytest.mark.parametrize("penalty", [{"repetition_penalty": 1.3}, {"presence_penalty": 1.5}])
def test_a_penalty_changes_the_samples_and_they_stay_reproducible(client, penalty):
    prompt = "Repeat after me: the cat sat on the mat, the cat sat on the mat,"
    settings = {"max_new_tokens": 12, "num_beams": 1, "num_samples": 3, "top_p": 1.0, "seed": 5}
    plain = compare(client, prompt, **settings)
    penalised = compare(client, prompt, **settings, **penalty)
    again = compare(client, prompt, **settings, **penalty)

    def ids(result):
        return [s["token_ids"] for s in result["samples"]]

    assert ids(penalised) != ids(plain)
    assert ids(again) == ids(penalised)  # the seed makes them repeatable, penalty or not
    assert penalised["greedy"]["token_ids"] == plain["greedy"]["token_ids"]  # greedy uses no knob
