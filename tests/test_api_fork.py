"""/generate's prefix_ids (a fork) through gradio_client against the launched app."""

from __future__ import annotations

import pytest

from playground import config

pytestmark = pytest.mark.real

SETTINGS = {
    "temperature": 0.0,
    "top_k": 0,
    "top_p": 1.0,
    "min_p": 0.0,
    "presence_penalty": 0.0,
    "frequency_penalty": 0.0,
    "repetition_penalty": 1.0,
    "seed": 5,
    "min_new_tokens": 0,
    "stop": "",
    "use_cache": True,
}


def generate(client, **overrides):
    args = {"prompt": "Once upon a time", "chat": False, "max_new_tokens": 12} | SETTINGS | overrides
    return client.predict(**args, api_name="/generate")


@pytest.mark.parametrize("temperature", [0.0, 0.9])
def test_a_fork_on_the_first_k_tokens_reproduces_the_rest_from_the_kept_kv_cache(
    client, real_runner, temperature
):
    answer = generate(client, temperature=temperature)
    whole = [t["id"] for t in answer["tokens"]]
    assert len(whole) == 12 and answer["cached_tokens"] == 0
    rest = generate(client, temperature=temperature, max_new_tokens=7, prefix_ids=whole[:5])
    assert [t["id"] for t in rest["tokens"]] == whole[5:]
    # The same session's generation was kept: prompt and the first 4 tokens were not prefilled again.
    prompt_tokens = len(real_runner.tokenize("Once upon a time").ids)
    assert rest["cached_tokens"] == prompt_tokens + 4


def test_a_forced_token_changes_what_follows(client, real_runner):
    whole = generate(client)
    forced = real_runner.tokenizer.encode(" dragon")[0]
    fork = generate(client, max_new_tokens=6, prefix_ids=[whole["tokens"][0]["id"], forced])
    assert len(fork["tokens"]) == 6 and fork["text"] != whole["text"]
    assert not fork["text"].startswith(" dragon")  # the prefix is not part of the answer


@pytest.mark.parametrize(
    ("prefix", "message"),
    [
        ([1, -3], "Prefix entry 1 \\(-3\\) is not a token id"),
        ([10**9], "is not a token id: give whole numbers from 0 to"),
        ([1] * (config.MAX_PREFIX_TOKENS + 1), f"a fork takes at most {config.MAX_PREFIX_TOKENS}"),
    ],
)
def test_bad_prefixes_get_a_sentence(client, prefix, message):
    with pytest.raises(Exception, match=message):
        generate(client, prefix_ids=prefix)
    assert len(generate(client, max_new_tokens=2)["tokens"]) == 2
