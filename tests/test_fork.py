"""prefix_ids (a fork): forced tokens after the prompt, one prefill, the same draws afterwards."""

from __future__ import annotations

import pytest
import torch

from playground import config, i18n
from playground.generation import GenerationError, GenerationParams, check_prefix, generate
from playground.sampling import SamplingParams

PROMPT = "Once upon a time"
N = 14


def ids_of(state) -> list[int]:
    return [token.id for token in state.tokens]


@pytest.mark.parametrize(
    ("prefix", "english", "telugu"),
    [
        ([5, -1], "entry 1 (-1) is not a token id", "1వ అంశం (-1) టోకెన్ id కాదు"),
        ([49152], "from 0 to 49151", "0 నుండి 49151"),
        ([1.5], "is not a token id", "టోకెన్ id కాదు"),
        (["7"], "is not a token id", "టోకెన్ id కాదు"),
        ([True], "is not a token id", "టోకెన్ id కాదు"),
    ],
)
def test_prefix_entries_must_be_vocabulary_ids(prefix, english, telugu):
    with pytest.raises(GenerationError) as caught:
        check_prefix(prefix, 49152)
    with i18n.use("en"):
        assert english in str(caught.value)
    with i18n.use("te"):
        assert telugu in str(caught.value)
    assert check_prefix([0, 3.0, 49151], 49152) == [0, 3, 49151]


def test_prefix_length_is_limited():
    too_long = GenerationParams(prefix_ids=(1,) * (config.MAX_PREFIX_TOKENS + 1))
    with pytest.raises(GenerationError, match=f"at most {config.MAX_PREFIX_TOKENS}"):
        too_long.validate()


@pytest.mark.real
@pytest.mark.parametrize(
    "sampling",
    [
        SamplingParams(temperature=0),
        SamplingParams(temperature=1.0, top_p=0.95),
        SamplingParams(temperature=0.8, repetition_penalty=1.3, frequency_penalty=0.5),
    ],
    ids=["greedy", "sampled", "penalised"],
)
def test_a_fork_on_the_generations_own_tokens_reproduces_the_rest(real_runner, sampling):
    prompt = real_runner.tokenize(PROMPT).ids
    whole = ids_of(generate(real_runner, prompt, GenerationParams(sampling, max_new_tokens=N, seed=11)))
    assert len(whole) == N
    for k in (1, 6, N - 1):
        params = GenerationParams(sampling, max_new_tokens=N - k, seed=11, prefix_ids=tuple(whole[:k]))
        assert ids_of(generate(real_runner, prompt, params)) == whole[k:], k


@pytest.mark.real
def test_greedy_fork_equals_model_generate_from_prompt_and_prefix(real_runner):
    prompt = real_runner.tokenize(PROMPT).ids
    prefix = [real_runner.tokenizer.encode(" dragon")[0]]
    params = GenerationParams(SamplingParams(temperature=0), max_new_tokens=8, prefix_ids=tuple(prefix))
    with torch.inference_mode():
        out = real_runner.model.generate(torch.tensor([prompt + prefix]), do_sample=False, max_new_tokens=8)
    assert ids_of(generate(real_runner, prompt, params)) == out[0, len(prompt) + 1 :].tolist()


@pytest.mark.real
def test_prompt_and_prefix_are_prefilled_once_then_one_token_per_step(real_runner):
    prompt = real_runner.tokenize(PROMPT).ids
    lengths = []
    hook = real_runner.model.register_forward_hook(
        lambda module, args, kwargs, out: lengths.append(kwargs["input_ids"].shape[-1]), with_kwargs=True
    )
    try:
        generate(real_runner, prompt, GenerationParams(max_new_tokens=4, prefix_ids=(1000, 2000, 3000)))
    finally:
        hook.remove()
    assert lengths == [len(prompt) + 3, 1, 1, 1]
