"""Each sampling stage against transformers' own processors, on many random logits."""

from __future__ import annotations

import math

import pytest
import torch
from transformers import (
    LogitsProcessorList,
    MinPLogitsWarper,
    RepetitionPenaltyLogitsProcessor,
    TemperatureLogitsWarper,
    TopKLogitsWarper,
    TopPLogitsWarper,
)

from playground import sampling
from playground.sampling import stages

VOCAB = 300


def random_logits(seed: int) -> torch.Tensor:
    """Plain, tied (rounded to halves), and extreme logits (huge, tiny, -inf), one kind per seed."""
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(VOCAB, generator=g) * (1 + seed % 7)
    kind = seed % 4
    if kind == 1:
        logits = torch.round(logits * 2) / 2  # many exact ties
    elif kind == 2:
        logits[torch.randint(VOCAB, (5,), generator=g)] = 1e4
        logits[torch.randint(VOCAB, (5,), generator=g)] = -1e4
    elif kind == 3:
        logits[torch.randint(VOCAB, (50,), generator=g)] = -math.inf
    return logits


def context(seed: int) -> torch.Tensor:
    return torch.randint(VOCAB, (40,), generator=torch.Generator().manual_seed(1000 + seed))


def reference(processor, logits, ids=None):
    ids = torch.zeros((1, 1), dtype=torch.long) if ids is None else ids.reshape(1, -1)
    return processor(ids, logits.clone().reshape(1, -1))[0]


SEEDS = range(40)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("temperature", [0.05, 0.7, 1.0, 1.9])
def test_temperature_matches_transformers(seed, temperature):
    logits = random_logits(seed)
    expected = reference(TemperatureLogitsWarper(temperature), logits)
    assert torch.equal(sampling.apply_temperature(logits, temperature), expected)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("k", [1, 2, 10, 50, VOCAB, VOCAB + 5])
def test_top_k_matches_transformers(seed, k):
    logits = random_logits(seed)
    assert torch.equal(sampling.top_k_filter(logits, k), reference(TopKLogitsWarper(k), logits))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("p", [1e-4, 0.1, 0.5, 0.9, 0.999])
def test_top_p_matches_transformers(seed, p):
    logits = random_logits(seed)
    assert torch.equal(sampling.top_p_filter(logits, p), reference(TopPLogitsWarper(p), logits))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("min_p", [0.01, 0.1, 0.5, 1.0])
def test_min_p_matches_transformers(seed, min_p):
    logits = random_logits(seed)
    assert torch.equal(sampling.min_p_filter(logits, min_p), reference(MinPLogitsWarper(min_p), logits))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("penalty", [0.5, 1.1, 1.5, 3.0])
def test_repetition_penalty_matches_transformers(seed, penalty):
    logits, ids = random_logits(seed), context(seed)
    counts = sampling.token_counts(ids.tolist(), VOCAB)
    expected = reference(RepetitionPenaltyLogitsProcessor(penalty), logits, ids)
    assert torch.equal(sampling.apply_repetition_penalty(logits, counts, penalty), expected)


@pytest.mark.parametrize("seed", range(10))
def test_whole_pipeline_matches_transformers_processors_in_order(seed):
    logits, ids = random_logits(seed), context(seed)
    params = sampling.SamplingParams(temperature=0.8, top_k=40, top_p=0.9, min_p=0.05, repetition_penalty=1.2)
    processors = LogitsProcessorList(
        [
            RepetitionPenaltyLogitsProcessor(1.2),
            TemperatureLogitsWarper(0.8),
            TopKLogitsWarper(40),
            TopPLogitsWarper(0.9),
            MinPLogitsWarper(0.05),
        ]
    )
    result = sampling.run_pipeline(logits, ids.tolist(), [], params)
    assert result.order == ["raw", *sampling.ENGINES["transformers"].order]
    assert torch.equal(result.stage("min_p").logits, reference(processors, logits, ids))
    assert torch.allclose(result.probs, torch.softmax(reference(processors, logits, ids), -1))


def test_presence_and_frequency_follow_the_openai_definition():
    logits = torch.tensor([1.0, 2.0, 3.0, -1.0])
    counts = sampling.token_counts([1, 1, 1, 3], 4)  # token 1 three times, token 3 once
    out = sampling.apply_presence_frequency(logits, counts, presence=1.0, frequency=0.5)
    assert out.tolist() == [1.0, 2.0 - 1.5 - 1.0, 3.0, -1.0 - 0.5 - 1.0]


def test_stages_never_change_their_input():
    logits = random_logits(3)
    before = logits.clone()
    counts = sampling.token_counts([1, 2, 2], VOCAB)
    sampling.apply_repetition_penalty(logits, counts, 1.5)
    sampling.apply_presence_frequency(logits, counts, 1.0, 1.0)
    sampling.apply_temperature(logits, 0.5)
    sampling.top_k_filter(logits, 3)
    sampling.top_p_filter(logits, 0.5)
    sampling.min_p_filter(logits, 0.2)
    for engine in sampling.ENGINES:
        sampling.run_pipeline(logits, [1, 2], [3], sampling.SamplingParams(temperature=0.5, top_k=5), engine)
    assert torch.equal(logits, before)


def test_top_k_keeps_exactly_k_without_ties_and_every_tie_with_them():
    logits = torch.arange(10, dtype=torch.float)
    assert int(torch.isfinite(sampling.top_k_filter(logits, 3)).sum()) == 3
    tied = torch.tensor([5.0, 4.0, 4.0, 4.0, 1.0])
    assert int(torch.isfinite(sampling.top_k_filter(tied, 2)).sum()) == 4


def test_top_p_keeps_smallest_set_reaching_p():
    logits = torch.log(torch.tensor([0.5, 0.3, 0.15, 0.05]))
    kept = torch.isfinite(sampling.top_p_filter(logits, 0.75)).tolist()
    assert kept == [True, True, False, False]


def test_probabilities_sum_to_one_and_low_temperature_tends_to_argmax():
    logits = random_logits(5)
    for temperature in (2.0, 1.0, 0.3):
        result = sampling.run_pipeline(logits, [], [], sampling.SamplingParams(temperature=temperature))
        assert math.isclose(float(result.probs.sum()), 1.0, rel_tol=1e-5)
    cold = sampling.run_pipeline(logits, [], [], sampling.SamplingParams(temperature=0.01))
    assert float(cold.probs.max()) > 0.99 and int(cold.probs.argmax()) == int(logits.argmax())


def test_temperature_zero_is_greedy_with_probability_one():
    logits = random_logits(7)
    result = sampling.run_pipeline(logits, [], [], sampling.SamplingParams(temperature=0))
    assert float(result.probs.sum()) == 1.0 and int(result.probs.argmax()) == int(logits.argmax())
    assert sampling.draw(result.probs, sampling.make_generator(123)) == int(logits.argmax())


def test_seeds_reproduce_draws_and_bad_seeds_are_refused():
    probs = torch.softmax(random_logits(9), -1)
    draws = [sampling.draw(probs, sampling.make_generator(s)) for s in (5, 5, None, 0)]
    assert draws[0] == draws[1] and draws[2] == draws[3]
    for bad in (-1, 2**64, 1.5):
        with pytest.raises(sampling.SamplingError, match="seed must be a whole number"):
            sampling.make_generator(bad)


def test_entropy_in_bits():
    assert math.isclose(sampling.entropy_bits(torch.zeros(8)), 3.0, rel_tol=1e-9)
    assert sampling.entropy_bits(torch.tensor([0.0, -math.inf, -math.inf])) == 0.0


def test_suppressed_ids_can_never_be_drawn():
    logits = torch.tensor([10.0, 0.0, 0.0])
    result = sampling.run_pipeline(logits, [], [], sampling.SamplingParams(), suppress_ids=[0])
    assert float(result.probs[0]) == 0.0


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (sampling.SamplingParams(temperature=-0.1), "Temperature must be 0"),
        (
            sampling.SamplingParams(temperature=1e-40),
            r"Temperature must be 0 \(greedy\) or between 0.01 and 100",
        ),
        (sampling.SamplingParams(temperature=math.nan), "Temperature must be a number"),
        (sampling.SamplingParams(top_p=0), "Top-p must be above 0"),
        (sampling.SamplingParams(top_p=1.5), "Top-p must be above 0"),
        (sampling.SamplingParams(top_k=-1), "Top-k must be a whole number"),
        (sampling.SamplingParams(top_k=1e308), "Top-k must be a whole number from 0 .off. to 1,000,000"),
        (sampling.SamplingParams(top_k="abc"), "Top-k must be a number"),
        (sampling.SamplingParams(min_p=1.2), "Min-p must be between 0"),
        (sampling.SamplingParams(repetition_penalty=0), "Repetition penalty must be between 0.01 and 10"),
        (sampling.SamplingParams(repetition_penalty=1e38), "Repetition penalty must be between"),
        (sampling.SamplingParams(presence_penalty=math.inf), "presence penalty cannot be infinite"),
        (sampling.SamplingParams(frequency_penalty=-1e38), "Frequency penalty must be between -10"),
    ],
)
def test_bad_settings_are_refused_with_a_sentence(params, message):
    with pytest.raises(sampling.SamplingError, match=message):
        params.validate()


@pytest.mark.parametrize(
    "params",
    [
        sampling.SamplingParams(temperature=0.01),
        sampling.SamplingParams(temperature=100),
        sampling.SamplingParams(repetition_penalty=10, presence_penalty=10, frequency_penalty=-10),
        sampling.SamplingParams(repetition_penalty=0.01, presence_penalty=-10, frequency_penalty=10),
    ],
)
def test_extreme_accepted_settings_still_give_a_distribution(params):
    logits = random_logits(2) * 10
    result = sampling.run_pipeline(logits, list(range(0, VOCAB, 3)) * 5, [], params.validate())
    assert math.isclose(float(result.probs.sum()), 1.0, rel_tol=1e-4)
    assert not torch.isnan(result.probs).any()
    sampling.draw(result.probs, sampling.make_generator(0))


def test_report_and_view_follow_the_same_tokens_through_every_stage():
    logits = torch.tensor([5.0, 4.0, 3.0, 2.0, 1.0, 0.0])
    params = sampling.SamplingParams(top_k=2, repetition_penalty=2.0)
    result = sampling.run_pipeline(logits, [0], [], params)  # token 0 penalised: 5 -> 2.5
    label = str
    report = result.to_api(1, label, n_top=3, n_final=200)
    assert [s["name"] for s in report["stages"]] == ["raw", *sampling.ENGINES["transformers"].order]
    assert report["engine"] == "transformers" and report["order"] == [s["name"] for s in report["stages"]]
    assert [t["id"] for t in report["stages"][1]["top"]] == [1, 2, 0]
    assert [t["id"] for t in report["final"]] == [1, 2]
    assert report["sampled"] == {"id": 1, "token": "1", "prob": pytest.approx(float(result.probs[1]))}
    view = sampling.stage_view(result, 1, label, n=3)
    assert view["ids"][:3] == [1, 2, 0]
    top_k = next(s for s in view["stages"] if s["name"] == "top_k")
    assert top_k["removed"][:3] == [False, False, True] and top_k["kept"] == 2
    assert top_k["values"][2] == 2.5  # a cut token keeps the value it had before, greyed in the chart


def test_top_p_without_its_argsort_keeps_exactly_what_transformers_sorting_keeps():
    """The fast path (sorted values and a threshold) against transformers' TopPLogitsWarper rule
    (argsort, cumulative sums, scatter): the same tensor every time, ties and -inf included; tied
    values across the cut go the sorting way."""
    import random

    def by_sorting(logits, p):
        sorted_logits, sorted_indices = torch.sort(logits, descending=False)
        remove = sorted_logits.softmax(dim=-1).cumsum(dim=-1) <= (1 - p)
        remove[..., -1:] = False
        return logits.masked_fill(remove.scatter(-1, sorted_indices, remove), -math.inf)

    rng = random.Random(0)
    generator = torch.Generator().manual_seed(0)
    fast = 0
    for trial in range(400):
        n = rng.choice([5, 50, 1000, 49152])
        x = torch.randn(n, generator=generator) * rng.choice([0.1, 1, 3, 10])
        if trial % 3 == 0:
            x = torch.round(x * 2) / 2  # many ties
        if trial % 5 == 0:
            x[torch.rand(n, generator=generator) < 0.5] = -math.inf
        p = rng.choice([0.01, 0.5, 0.9, 0.95, 0.999])
        assert torch.equal(stages.top_p_filter(x, p), by_sorting(x, p)), (trial, n, p)
        fast += stages._top_p_by_threshold(x, p) is not None
    tied = torch.tensor([3.0, 1.0, 1.0, 1.0, 0.0])  # the cut falls among the three 1.0s
    assert stages._top_p_by_threshold(tied, 0.8) is None
    assert torch.equal(stages.top_p_filter(tied, 0.8), by_sorting(tied, 0.8))
    assert 0 < fast < 400


def test_a_certain_choice_has_zero_entropy_never_minus_zero():
    """Issue 23: a stage that leaves one token showed "-0.00 bits"."""
    bits = stages.entropy_bits(torch.tensor([2.0, -math.inf, -math.inf]))
    assert bits == 0.0 and math.copysign(1.0, bits) == 1.0 and f"{bits:.2f}" == "0.00"
