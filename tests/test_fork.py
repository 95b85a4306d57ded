"""prefix_ids (a fork): forced tokens after the prompt, one prefill, the same draws afterwards."""

from __future__ import annotations

import pytest
import torch

from playground import config, i18n
from playground.fork import ForkError, first_difference, fork
from playground.generation import GenerationError, GenerationParams, check_prefix, generate
from playground.sampling import SamplingParams

PROMPT = "Once upon a time"
N = 14


def ids_of(state) -> list[int]:
    return [token.id for token in state.tokens]


@pytest.mark.parametrize(
    ("prefix", "english", "telugu"),
    [
        ([5, -1], "entry 1 (-1) is not a token id", "1వ అంశం (-1) టోకెన్ ఐడీ కాదు"),
        ([49152], "from 0 to 49151", "0 నుండి 49151"),
        ([1.5], "is not a token id", "టోకెన్ ఐడీ కాదు"),
        (["7"], "is not a token id", "టోకెన్ ఐడీ కాదు"),
        ([True], "is not a token id", "టోకెన్ ఐడీ కాదు"),
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


# --- forking a generation at a token ------------------------------------------------------------


def test_first_difference_counts_an_early_end():
    assert first_difference([1, 2, 3], [1, 5, 3]) == 1
    assert first_difference([1, 2], [1, 2]) is None
    assert first_difference([1, 2], [1, 2, 3]) == 2


@pytest.mark.real
@pytest.mark.parametrize("sampling", [SamplingParams(temperature=0), SamplingParams(top_p=0.9)])
def test_forking_a_generation_at_its_own_token_changes_nothing(real_runner, sampling):
    prompt = real_runner.tokenize(PROMPT).ids
    params = GenerationParams(sampling, max_new_tokens=10, seed=4)
    state = generate(real_runner, prompt, params)
    original = ids_of(state)
    result = fork(real_runner, prompt, original, state.stop_reason, params, 3, original[3], generate)
    assert result.forked.token_ids == result.original.token_ids == tuple(original[3:])
    assert result.first_difference is None
    assert result.forked.logprob_sum == pytest.approx(result.original.logprob_sum, abs=1e-6)


@pytest.mark.real
def test_forking_with_another_token_continues_from_it_and_scores_both_branches(real_runner):
    prompt = real_runner.tokenize(PROMPT).ids
    params = GenerationParams(SamplingParams(temperature=0), max_new_tokens=10)
    state = generate(real_runner, prompt, params)
    original = ids_of(state)
    second_best = state.tokens[2].top[1][0] if len(state.tokens[2].top) > 1 else 1000
    result = fork(real_runner, prompt, original, state.stop_reason, params, 2, second_best, generate)
    assert result.shared_ids == tuple(original[:2]) and result.first_difference == 0
    assert result.forked.token_ids[0] == second_best and len(result.forked.token_ids) == 8
    with torch.inference_mode():
        whole = real_runner.model.generate(
            torch.tensor([prompt + original[:2] + [second_best]]), do_sample=False, max_new_tokens=7
        )
    assert list(result.forked.token_ids[1:]) == whole[0, len(prompt) + 3 :].tolist()
    for branch in (result.original, result.forked):
        ids = prompt + original[:2] + list(branch.token_ids)
        with torch.inference_mode():
            log_probs = torch.log_softmax(real_runner.model(torch.tensor([ids])).logits[0].double(), -1)
        start = len(prompt) + 2
        expected = sum(float(log_probs[start - 1 + k, t]) for k, t in enumerate(branch.token_ids))
        assert branch.logprob_sum == pytest.approx(expected, abs=1e-4)
    assert result.original.logprob_sum > result.forked.logprob_sum  # greedy's own path is likelier


@pytest.mark.real
def test_a_fork_at_the_last_token_or_at_eos_generates_nothing_more(real_runner):
    prompt = real_runner.tokenize(PROMPT).ids
    params = GenerationParams(SamplingParams(temperature=0), max_new_tokens=4)
    original = ids_of(generate(real_runner, prompt, params))
    last = fork(real_runner, prompt, original, "length", params, 3, 1000, generate)
    assert last.forked.token_ids == (1000,) and last.forked.stop_reason == "length"
    eos = real_runner.eos_token_ids[0]
    ended = fork(real_runner, prompt, original, "length", params, 1, eos, generate)
    assert ended.forked.token_ids == (eos,) and ended.forked.stop_reason == "eos"
    with pytest.raises(ForkError, match="not in this generation of 4 tokens"):
        fork(real_runner, prompt, original, "length", params, 4, 1000, generate)
