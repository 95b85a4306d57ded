"""Speculative decoding: prompt lookup as transformers proposes, greedy output equal to plain greedy
decoding and to transformers' assisted generation, and the sampling rule following the model's
distribution exactly (a chi-square test on real distributions)."""

from __future__ import annotations

import random

import pytest
import torch

from playground import sampling, speculative
from playground.sampling.draws import chi_square_test
from playground.speculative import SpeculativeError, SpeculativeParams


def _params(**values) -> SpeculativeParams:
    return SpeculativeParams(**values).validate(30)


def test_prompt_lookup_proposes_what_transformers_proposes():
    from transformers.generation.candidate_generator import PromptLookupCandidateGenerator

    rng = random.Random(0)
    for _ in range(300):
        sequence = [rng.randrange(6) for _ in range(rng.randrange(2, 30))]
        k, ngram, eos = rng.randrange(1, 6), rng.randrange(1, 4), rng.randrange(6)
        generator = PromptLookupCandidateGenerator(
            eos_token_id=torch.tensor([eos]),
            num_output_tokens=k,
            max_matching_ngram_size=ngram,
            max_length=1000,
        )
        candidates, _ = generator.get_candidates(torch.tensor([sequence]))
        theirs = candidates[0, len(sequence) :].tolist()
        assert speculative.prompt_lookup(sequence, k, ngram, {eos}) == theirs, (sequence, k, ngram, eos)


def test_settings_out_of_range_get_a_sentence():
    with pytest.raises(
        Exception, match="number of drafted tokens \\(k\\) must be a whole number from 1 to 8"
    ):
        _params(k=9)
    with pytest.raises(Exception, match="number of draft layers must be a whole number from 1 to 29"):
        _params(draft_layers=30)
    with pytest.raises(
        SpeculativeError, match="There is no drafter 'medusa': choose one of prompt_lookup, early_exit"
    ):
        _params(drafter="medusa")


def test_the_rule_keeps_a_token_with_probability_min_1_p_over_q():
    p = torch.tensor([0.5, 0.3, 0.2])
    q = torch.tensor([0.25, 0.6, 0.15])
    generator = torch.Generator().manual_seed(0)
    kept = sum(speculative.verify(p, q, 1, generator)[0] for _ in range(4000))
    assert kept / 4000 == pytest.approx(0.3 / 0.6, abs=0.03)
    for _ in range(200):  # p(x) >= q(x): always kept
        assert speculative.verify(p, q, 0, generator) == (True, None)
    for _ in range(200):  # a rejection draws from max(0, p - q): only token 0 or 2 has mass there
        kept, token = speculative.verify(p, q, 1, generator)
        assert kept or token in (0, 2)


def test_greedy_rounds_keep_what_the_model_chooses_on_the_tiny_model(tiny_runner):
    """Each round keeps the drafted tokens equal to the model's own choices and places its choice
    after them; the tokens are the first one and every round's kept ones. (Equality with plain
    decoding is tested on the real model: a random tiny model's near-equal logits tie.)"""
    ids = tiny_runner.tokenize("one two three one two three one two").ids
    for drafter in speculative.DRAFTERS:
        params = SpeculativeParams(drafter=drafter, k=3, draft_layers=1, max_new_tokens=20).validate(2)
        result = speculative.speculate(tiny_runner, ids, params)
        tokens = [result.first]
        for r in result.rounds:
            assert r.drafted[: r.accepted] == r.target[: r.accepted], drafter
            assert r.placed == r.target[r.accepted] and len(r.target) == len(r.drafted) + 1
            assert r.accepted == len(r.drafted) or r.drafted[r.accepted] != r.placed
            tokens += [*r.drafted[: r.accepted], r.placed]
        assert result.tokens == tokens[: len(result.tokens)] and len(result.tokens) == 20
        assert result.target_passes == 1 + len(result.rounds)


@pytest.mark.real
@pytest.mark.parametrize(("k", "ngram"), [(4, 2), (2, 3)])
def test_prompt_lookup_greedy_equals_transformers_assisted_generation(real_runner, k, ngram):
    prompt = "Copy this list exactly: apples, bananas, cherries, dates, figs, grapes, lemons, mangoes."
    ids = real_runner.tokenize(prompt, chat=True).ids
    params = SpeculativeParams(k=k, ngram=ngram, max_new_tokens=32).validate(real_runner.num_layers)
    result = speculative.speculate(real_runner, ids, params)
    with torch.inference_mode():
        out = real_runner.model.generate(
            torch.tensor([ids]), do_sample=False, max_new_tokens=32, prompt_lookup_num_tokens=k,
            max_matching_ngram_size=ngram,
        )  # fmt: skip
    assert result.tokens == out[0, len(ids) :].tolist()
    assert result.tokens == speculative.plain(real_runner, ids, params)[0]
    assert result.accepted > 0 and result.target_passes < len(result.tokens)


@pytest.mark.real
def test_early_exit_greedy_equals_plain_greedy(real_runner):
    ids = real_runner.tokenize("The three primary colours are", chat=False).ids
    params = SpeculativeParams(drafter="early_exit", k=3, draft_layers=10, max_new_tokens=16)
    params = params.validate(real_runner.num_layers)
    result = speculative.speculate(real_runner, ids, params)
    assert result.tokens == speculative.plain(real_runner, ids, params)[0]
    assert result.draft_passes >= len(result.rounds)
    assert torch.equal(  # the early exit shares the model's weights: nothing was copied
        speculative.early_exit_model(real_runner.model, 4).lm_head.weight, real_runner.model.lm_head.weight
    )


@pytest.mark.real
def test_the_sampling_rule_follows_the_models_distribution(real_runner):
    """Drafted by the early exit's q, verified against the model's p: 3,000 seeded tokens follow p."""
    ids = real_runner.tokenize("My favourite fruit is").ids
    chain = sampling.SamplingParams.from_values(temperature=1.0, top_k=6)
    with torch.inference_mode():
        p = speculative.distribution(real_runner.model(torch.tensor([ids])).logits[0, -1].float(), ids, chain)
        early = speculative.early_exit_model(real_runner.model, 6)
        q = speculative.distribution(early(torch.tensor([ids])).logits[0, -1].float(), ids, chain)
    assert (p > 0).sum() == 6 and not torch.allclose(p, q, atol=0.05)
    both = ((p > 0) | (q > 0)).nonzero().flatten()  # the rule over the tokens either gives mass to
    p, q = p[both], q[both]
    generator = torch.Generator().manual_seed(1)
    counts = torch.zeros_like(p)
    draws = 3000
    for _ in range(draws):
        drafted = int(torch.multinomial(q, 1, generator=generator))
        kept, replacement = speculative.verify(p, q, drafted, generator)
        counts[drafted if kept else replacement] += 1
    support = (p > 0).nonzero().flatten()
    assert counts[support].sum() == draws  # nothing outside the model's own support
    _, dof, p_value = chi_square_test(counts, p)
    assert dof >= 2 and p_value > 0.001


@pytest.mark.real
def test_a_sampled_speculation_is_reproducible_by_its_seed(real_runner):
    ids = real_runner.tokenize("Once upon a time").ids
    chain = sampling.SamplingParams.from_values(temperature=0.8)
    params = SpeculativeParams(
        drafter="early_exit", k=2, draft_layers=12, max_new_tokens=10, sampling=chain, seed=5
    )
    params = params.validate(real_runner.num_layers)
    first = speculative.speculate(real_runner, ids, params)
    assert speculative.speculate(real_runner, ids, params).tokens == first.tokens
