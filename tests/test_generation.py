"""Our decoding loop: equal to model.generate when greedy, stop rules, min tokens, seeds."""

from __future__ import annotations

import pytest

from playground import config
from playground.generation import GenerationError, GenerationParams, find_stop, generate, parse_stop
from playground.prompts import PromptError, encode_prompt
from playground.sampling import SamplingError, SamplingParams
from tests.helpers import reference_ids

GREEDY = SamplingParams(temperature=0)


def test_parse_stop_reads_lines_and_escapes():
    assert parse_stop("Paris\n\n\\n\\n\nEND") == ("Paris", "\n\n", "END")
    assert parse_stop("") == ()


def test_find_stop_returns_the_earliest_match():
    assert find_stop("one. two!", (".", "!")) == 3
    assert find_stop("one two", ("!",)) is None
    assert find_stop("a.b.", (".",), search_from=2) == 3


def test_length_rules_are_checked():
    with pytest.raises(GenerationError, match="Min new tokens"):
        GenerationParams(max_new_tokens=5, min_new_tokens=6).validate()
    with pytest.raises(GenerationError, match=f"from 1 to {config.MAX_NEW_TOKENS}"):
        GenerationParams(max_new_tokens=config.MAX_NEW_TOKENS + 1).validate()


def test_prompt_rules(tiny_runner):
    with pytest.raises(PromptError, match="empty"):
        encode_prompt(tiny_runner, "  \n ", chat=False)
    with pytest.raises(PromptError, match="at most 5"):
        encode_prompt(tiny_runner, "one two three four five six seven", chat=False, limit=5)


def test_tiny_model_stops_at_length_and_cache_makes_no_difference(tiny_runner):
    ids = tiny_runner.tokenize("hello there").ids
    cached = generate(tiny_runner, ids, GenerationParams(sampling=GREEDY, max_new_tokens=6))
    uncached = generate(
        tiny_runner, ids, GenerationParams(sampling=GREEDY, max_new_tokens=6, use_cache=False)
    )
    assert cached.stop_reason == "length" and len(cached.tokens) == 6
    assert [t.id for t in cached.tokens] == [t.id for t in uncached.tokens]
    assert len(cached.step_s) == 5 and cached.ttft_s > 0 and cached.tokens_per_s > 0


@pytest.mark.real
@pytest.mark.parametrize(
    ("prompt", "chat"),
    [("The capital of France is", False), ("Write a haiku about rain.", True), ("def fibonacci(n):", False)],
)
def test_greedy_matches_model_generate_token_for_token(real_runner, prompt, chat):
    ids = encode_prompt(real_runner, prompt, chat)
    ours = generate(real_runner, ids, GenerationParams(sampling=GREEDY, max_new_tokens=24))
    expected = reference_ids(real_runner, ids, max_new_tokens=24)
    assert [t.id for t in ours.tokens] == expected
    assert all(t.prob == 1.0 for t in ours.tokens)


@pytest.mark.real
def test_without_the_cache_the_tokens_are_the_same(real_runner):
    ids = encode_prompt(real_runner, "Once upon a time", False)
    cached = generate(real_runner, ids, GenerationParams(sampling=GREEDY, max_new_tokens=12))
    uncached = generate(
        real_runner, ids, GenerationParams(sampling=GREEDY, max_new_tokens=12, use_cache=False)
    )
    assert [t.id for t in uncached.tokens] == [t.id for t in cached.tokens]


@pytest.mark.real
def test_greedy_with_repetition_penalty_matches_model_generate(real_runner):
    ids = encode_prompt(real_runner, "I like cats. I like cats. I like", False)
    params = GenerationParams(
        sampling=SamplingParams(temperature=0, repetition_penalty=1.5), max_new_tokens=16
    )
    ours = generate(real_runner, ids, params)
    assert [t.id for t in ours.tokens] == reference_ids(
        real_runner, ids, max_new_tokens=16, repetition_penalty=1.5
    )


@pytest.mark.real
def test_eos_stops_and_is_left_out_of_the_text(real_runner):
    ids = encode_prompt(real_runner, "What is the capital of France?", True)
    result = generate(real_runner, ids, GenerationParams(sampling=GREEDY, max_new_tokens=40))
    assert result.stop_reason == "eos"
    assert result.tokens[-1].id in real_runner.eos_token_ids
    assert result.text == "The capital of France is Paris."


@pytest.mark.real
def test_min_new_tokens_suppresses_eos_like_model_generate(real_runner):
    ids = encode_prompt(real_runner, "What is the capital of France?", True)
    params = GenerationParams(sampling=GREEDY, max_new_tokens=14, min_new_tokens=12)
    ours = generate(real_runner, ids, params)
    assert len(ours.tokens) >= 12
    assert all(t.id not in real_runner.eos_token_ids for t in ours.tokens[:12])
    expected = reference_ids(real_runner, ids, max_new_tokens=14, min_new_tokens=12)
    assert [t.id for t in ours.tokens] == expected


@pytest.mark.real
def test_a_stop_string_spanning_tokens_ends_generation_and_is_excluded(real_runner):
    ids = encode_prompt(real_runner, "The capital of France is", False)
    # Greedy gives " Paris" then "."; "ris." spans both tokens.
    result = generate(
        real_runner, ids, GenerationParams(sampling=GREEDY, max_new_tokens=20, stop=("ris.", "zzz"))
    )
    assert result.stop_reason == "stop"
    assert result.text == " Pa"
    assert [real_runner.tokenizer.decode([t.id]) for t in result.tokens] == [" Paris", "."]


@pytest.mark.real
def test_max_new_tokens_stops_with_length(real_runner):
    ids = encode_prompt(real_runner, "Count: 1, 2, 3,", False)
    result = generate(real_runner, ids, GenerationParams(sampling=GREEDY, max_new_tokens=3, stop=("never",)))
    assert (result.stop_reason, len(result.tokens)) == ("length", 3)
    assert result.to_api()["tpot_s"] > 0


@pytest.mark.real
def test_a_seed_makes_sampling_reproducible(real_runner):
    ids = encode_prompt(real_runner, "My favourite animal is", False)
    params = [
        GenerationParams(sampling=SamplingParams(temperature=1.3), max_new_tokens=8, seed=s)
        for s in (7, 7, 8, 9)
    ]
    runs = [[t.id for t in generate(real_runner, ids, p).tokens] for p in params]
    assert runs[0] == runs[1]
    assert runs[2] != runs[0] or runs[3] != runs[0]


@pytest.mark.real
def test_each_step_counts_penalties_as_the_engine_does(real_runner):
    ids = encode_prompt(real_runner, "Paris is the capital of France. Paris is the capital of", False)
    plain = generate(real_runner, ids, GenerationParams(sampling=GREEDY, max_new_tokens=4))
    assert plain.tokens[0].id in ids  # greedy repeats a prompt token first: " France"
    penalised = SamplingParams(temperature=0, presence_penalty=10.0)
    vllm = generate(real_runner, ids, GenerationParams(sampling=penalised, max_new_tokens=4, engine="vllm"))
    ours = generate(real_runner, ids, GenerationParams(sampling=penalised, max_new_tokens=4))
    assert vllm.tokens[0].id == plain.tokens[0].id  # vLLM's presence counts generated tokens only
    assert ours.tokens[0].id != plain.tokens[0].id  # transformers' preset counts the prompt too
    generated = [t.id for t in vllm.tokens]
    assert len(set(generated)) == len(generated)  # from the first token on, vLLM penalises repeats
    with pytest.raises(SamplingError, match="Unknown engine"):
        GenerationParams(engine="exllama").validate()
