"""Engine presets against small references written here from each engine's source, not from our functions.

- transformers: the ``LogitsProcessorList`` that ``GenerationMixin._get_logits_processor`` builds.
- vLLM: ``vllm/model_executor/layers/utils.py`` (``apply_penalties``, ``get_token_bin_counts_and_mask``),
  ``vllm/_custom_ops.py`` (``apply_repetition_penalties_torch``), ``vllm/v1/sample/sampler.py``
  (penalties, then temperature, then the argmax-invariant processors, then top-k/top-p),
  ``vllm/v1/sample/logits_processor/builtin.py`` (``MinPLogitsProcessor.apply``) and
  ``vllm/v1/sample/ops/topk_topp_sampler.py`` (``apply_top_k_top_p``, ``apply_top_k_only``).
- llama.cpp: ``src/llama-sampling.cpp`` (penalties, top-k, top-p, min-p, temp, dist over a
  candidate array with a ``sorted`` flag) in ``common/common.h``'s default order, the prompt
  accepted into the penalties' ring buffer of ``penalty_last_n = 64`` tokens.
"""

from __future__ import annotations

import math
from collections import Counter

import pytest
import torch
from transformers import GenerationConfig, LogitsProcessorList, TypicalLogitsWarper

from playground import i18n, sampling
from tests.test_sampling import VOCAB, random_logits

KNOBS = {
    "temperature": 1.3,
    "top_k": 40,
    "top_p": 0.9,
    "min_p": 0.03,
    "presence_penalty": 0.4,
    "frequency_penalty": 0.3,
    "repetition_penalty": 1.3,
}
SETTINGS = [
    KNOBS,
    KNOBS | {"top_k": 0},
    KNOBS | {"top_p": 1.0},
    KNOBS | {"min_p": 0.0, "temperature": 0.7},
    KNOBS | {"top_k": 5, "top_p": 0.5, "min_p": 0.1, "presence_penalty": -0.5, "repetition_penalty": 0.8},
    {"temperature": 1.5, "top_p": 0.9},
]


def ids(seed: int, n: int, vocab: int = VOCAB) -> list[int]:
    return torch.randint(vocab, (n,), generator=torch.Generator().manual_seed(seed)).tolist()


# --- vLLM, from its source ----------------------------------------------------------------------


def vllm_reference(logits, prompt, output, temperature, top_k, top_p, min_p, presence, frequency, repetition):
    logits = logits.clone().float().unsqueeze(0)
    num_seqs, vocab_size = logits.shape

    def get_token_bin_counts_and_mask(tokens):
        bin_counts = torch.zeros((num_seqs, vocab_size + 1), dtype=torch.long)
        bin_counts.scatter_add_(1, tokens, torch.ones_like(tokens))
        bin_counts = bin_counts[:, :vocab_size]
        return bin_counts, bin_counts > 0

    pad = vocab_size  # "vocab_size as the padding value"
    _, prompt_mask = get_token_bin_counts_and_mask(torch.tensor([prompt or [pad]]))
    output_bin_counts, output_mask = get_token_bin_counts_and_mask(torch.tensor([output or [pad]]))
    # apply_repetition_penalties_torch
    repetition_penalties = torch.tensor([repetition]).unsqueeze(dim=1).repeat(1, logits.size(1))
    penalties = torch.where(prompt_mask | output_mask, repetition_penalties, 1.0)
    scaling = torch.where(logits > 0, 1.0 / penalties, penalties)
    logits *= scaling
    logits -= torch.tensor([frequency]).unsqueeze(dim=1) * output_bin_counts
    logits -= torch.tensor([presence]).unsqueeze(dim=1) * output_mask
    # Sampler.apply_temperature
    logits.div_(torch.tensor([temperature]).unsqueeze(dim=1))
    # MinPLogitsProcessor.apply (only when a request has min_p)
    if min_p:
        probability_values = torch.nn.functional.softmax(logits, dim=-1)
        max_probabilities = torch.amax(probability_values, dim=-1, keepdim=True)
        adjusted_min_p = max_probabilities.mul_(torch.tensor([[min_p]]))
        logits[probability_values < adjusted_min_p] = -float("inf")
    # apply_top_k_top_p: k and p are None when no request uses them
    k = torch.tensor([top_k]) if top_k else None
    p = torch.tensor([top_p]) if top_p < 1 else None
    if p is None and k is not None:  # apply_top_k_only
        top_k_mask = logits.topk(int(k.max()), dim=1).values.gather(1, (k - 1).unsqueeze(1).long())
        logits.masked_fill_(logits < top_k_mask, -float("inf"))
    elif p is not None:
        logits_sort, logits_idx = logits.sort(dim=-1, descending=False)
        if k is not None:
            top_k_mask = logits_sort.size(1) - k.to(torch.long)
            top_k_mask = logits_sort.gather(1, top_k_mask.unsqueeze(dim=1))
            logits_sort.masked_fill_(logits_sort < top_k_mask, -float("inf"))
        probs_sort = logits_sort.softmax(dim=-1)
        probs_sum = torch.cumsum(probs_sort, dim=-1)
        top_p_mask = probs_sum <= 1 - p.unsqueeze(dim=1)
        top_p_mask[:, -1] = False
        logits_sort.masked_fill_(top_p_mask, -float("inf"))
        logits = logits_sort.scatter(dim=-1, index=logits_idx, src=logits_sort)
    return logits.softmax(dim=-1, dtype=torch.float32)[0]


# --- llama.cpp, from its source -----------------------------------------------------------------


def llama_cpp_reference(
    logits, prompt, output, temperature, top_k, top_p, min_p, presence, frequency, repetition
):
    cur = [[i, float(v)] for i, v in enumerate(logits.tolist())]  # llama_token_data {id, logit}
    is_sorted = False

    def sort_desc(items):  # partial sort by logit, descending; ties keep the lower id first
        return sorted(items, key=lambda c: -c[1])

    # penalties: ring buffer of the last penalty_last_n accepted tokens (the prompt is accepted first)
    ring = (list(prompt) + list(output))[-64:]
    token_count = Counter(ring)
    if not (repetition == 1.0 and frequency == 0.0 and presence == 0.0):
        for c in cur:
            count = token_count.get(c[0], 0)
            if count == 0:
                continue
            c[1] = c[1] * repetition if c[1] <= 0 else c[1] / repetition
            c[1] -= count * frequency + float(count > 0) * presence
    # top-k
    if top_k > 0:
        cur, is_sorted = sort_desc(cur)[: min(top_k, len(cur))], True
    # top-p
    if top_p < 1.0:
        max_l = max(c[1] for c in cur)
        exps = [math.exp(c[1] - max_l) for c in cur]
        probs = {c[0]: e / sum(exps) for c, e in zip(cur, exps, strict=True)}
        if not is_sorted:
            cur = sort_desc(cur)
        cum_sum, last_idx = 0.0, len(cur)
        for i, c in enumerate(cur):
            cum_sum += probs[c[0]]
            if cum_sum >= top_p:
                last_idx = i + 1
                break
        cur, is_sorted = cur[:last_idx], True
    # min-p
    if min_p > 0:
        if not is_sorted:
            min_logit = max(c[1] for c in cur) + math.log(min_p)
            cur = [c for c in cur if c[1] >= min_logit]
        else:
            min_logit = cur[0][1] + math.log(min_p)
            i = 1
            while i < len(cur) and cur[i][1] >= min_logit:
                i += 1
            cur = cur[:i]
    # temp (temp_ext with no dynamic range)
    for c in cur:
        c[1] /= temperature
    # dist
    max_l = max(c[1] for c in cur)
    exps = [math.exp(c[1] - max_l) for c in cur]
    out = torch.zeros(len(logits), dtype=torch.float64)
    for c, e in zip(cur, exps, strict=True):
        out[c[0]] = e / sum(exps)
    return out


REFERENCES = {"vllm": vllm_reference, "llama.cpp": llama_cpp_reference}


def reference_probs(engine, logits, prompt, output, knobs):
    args = {k: KNOBS.get(k, 0) for k in KNOBS} | {
        "temperature": 1.0,
        "top_k": 0,
        "top_p": 1.0,
        "min_p": 0.0,
        "presence_penalty": 0.0,
        "frequency_penalty": 0.0,
        "repetition_penalty": 1.0,
    }
    args |= knobs
    return REFERENCES[engine](
        logits,
        prompt,
        output,
        args["temperature"],
        args["top_k"],
        args["top_p"],
        args["min_p"],
        args["presence_penalty"],
        args["frequency_penalty"],
        args["repetition_penalty"],
    )


@pytest.mark.parametrize("engine", ["vllm", "llama.cpp"])
@pytest.mark.parametrize("setting", range(len(SETTINGS)))
@pytest.mark.parametrize("seed", range(24))
def test_presets_match_references_from_the_engines_source(engine, setting, seed):
    logits = random_logits(seed)
    logits[torch.isinf(logits)] = -1e9  # llama.cpp and vLLM never see -inf logits from a model
    prompt, output = ids(100 + seed, 70), ids(200 + seed, seed % 5 * 6)
    knobs = SETTINGS[setting]
    params = sampling.SamplingParams.from_values(**knobs)
    result = sampling.run_pipeline(logits, prompt, output, params, engine)
    expected = reference_probs(engine, logits, prompt, output, knobs).float()
    assert_same_up_to_boundary_ties(result, expected)


def assert_same_up_to_boundary_ties(result, expected):
    """Probabilities within 1e-6, token by token; where tokens tie exactly at a cut, which of them
    stays may differ (vLLM's and transformers' ``torch.sort`` is not stable: an artifact, not a
    definition), so a kept token may swap with one of exactly the same score, never with another."""
    ours = result.probs
    penalised = result.stage("presence").logits
    swapped = (ours > 0) != (expected > 0)
    only_ours = sorted(float(penalised[i]) for i in torch.nonzero(swapped & (ours > 0)).flatten())
    only_expected = sorted(float(penalised[i]) for i in torch.nonzero(swapped & (expected > 0)).flatten())
    assert only_ours == only_expected, "the engine keeps other tokens"
    same = ~swapped
    assert float((ours[same] - expected[same]).abs().max()) < 1e-6
    assert float((ours.sort().values - expected.sort().values).abs().max()) < 1e-6


def test_orders_and_scopes_are_as_each_engine_applies_them():
    order = {e.name: e.order for e in sampling.ENGINES.values()}
    assert order["transformers"][3:] == ("temperature", "top_k", "top_p", "min_p")
    assert order["vllm"][3:] == ("temperature", "min_p", "top_k", "top_p")
    assert order["llama.cpp"][3:] == ("top_k", "top_p", "min_p", "temperature")
    assert all(o[:3] == ("repetition", "frequency", "presence") for o in order.values())
    vllm = sampling.ENGINES["vllm"].scope
    assert vllm["repetition"].select([1, 2], [3]) == [1, 2, 3] and vllm["presence"].select([1, 2], [3]) == [3]
    window = sampling.ENGINES["llama.cpp"].scope["frequency"]
    assert window.select(list(range(100)), [7, 8]) == [*range(38, 100), 7, 8]


def test_vllm_presence_and_frequency_do_nothing_to_the_first_token():
    logits = random_logits(11)
    prompt = ids(3, 30)
    penalised = sampling.SamplingParams(presence_penalty=2.0, frequency_penalty=2.0)
    plain = sampling.SamplingParams()
    vllm = sampling.run_pipeline(logits, prompt, [], penalised, "vllm")
    assert torch.equal(vllm.probs, sampling.run_pipeline(logits, prompt, [], plain, "vllm").probs)
    assert vllm.stage("presence").counted == 0 and vllm.stage("repetition").counted == 30
    ours = sampling.run_pipeline(logits, prompt, [], penalised, "transformers")
    assert not torch.equal(ours.probs, vllm.probs)  # transformers' preset counts the prompt
    later = sampling.run_pipeline(logits, prompt, [prompt[0]], penalised, "vllm")
    assert float(later.probs[prompt[0]]) < float(vllm.probs[prompt[0]])


def test_llama_cpp_forgets_tokens_older_than_its_window():
    logits = torch.zeros(VOCAB)
    old, recent = 5, 6
    prompt = [old] + [recent] * 64
    result = sampling.run_pipeline(
        logits, prompt, [], sampling.SamplingParams(presence_penalty=1.0), "llama.cpp"
    )
    after = result.stage("presence").logits
    assert float(after[old]) == 0.0 and float(after[recent]) == -1.0
    assert result.stage("presence").counted == 64


def test_llama_cpp_applies_temperature_last_and_top_k_cuts_ties():
    logits = torch.tensor([3.0, 2.0, 2.0, 2.0, 0.0])
    params = sampling.SamplingParams(top_k=2, temperature=2.0)
    result = sampling.run_pipeline(logits, [], [], params, "llama.cpp")
    assert result.order[-1] == "temperature"
    assert torch.isfinite(result.stage("top_k").logits).tolist() == [True, True, False, False, False]
    ours = sampling.run_pipeline(logits, [], [], params, "transformers")
    assert ours.stage("top_k").kept == 4  # transformers keeps every token tied with the k-th


def test_transformers_preset_is_bit_equal_to_the_processors_generate_builds(tiny_runner):
    model = tiny_runner.model
    config = GenerationConfig(
        do_sample=True, temperature=0.8, top_k=40, top_p=0.9, min_p=0.05, repetition_penalty=1.2
    )
    processors = model._get_logits_processor(generation_config=config, input_ids_seq_length=10, device="cpu")
    names = [type(p).__name__ for p in processors]
    assert names == [
        "RepetitionPenaltyLogitsProcessor",
        "TemperatureLogitsWarper",
        "TopKLogitsWarper",
        "TopPLogitsWarper",
        "MinPLogitsWarper",
    ]
    params = sampling.SamplingParams(temperature=0.8, top_k=40, top_p=0.9, min_p=0.05, repetition_penalty=1.2)
    vocab = model.config.vocab_size
    for seed in range(8):
        logits = torch.randn(vocab, generator=torch.Generator().manual_seed(seed)) * 4
        prompt, output = ids(seed, 20, vocab), ids(50 + seed, 5, vocab)
        expected = processors(torch.tensor([prompt + output]), logits.clone()[None])[0]
        result = sampling.run_pipeline(logits, prompt, output, params, "transformers")
        assert torch.equal(result.stage("min_p").logits, expected)


def typical_p_stage() -> sampling.Stage:
    """Typical-p as one registry entry, through transformers' own warper."""

    def typical(logits, mass):
        return TypicalLogitsWarper(mass)(torch.zeros((1, 1), dtype=torch.long), logits.clone()[None])[0]

    knob = sampling.Knob(
        name="typical_p", default=1.0, off=1.0, low=0.0, high=1.0, low_open=True, slider=(0.01, 1, 0.01),
        start=0.9, writing=0.9, label="logits.top_p", error="sampling.error.top_p",
    )  # fmt: skip
    return sampling.Stage("typical_p", knob, typical)


def test_a_new_stage_and_a_new_engine_are_one_entry_each():
    stages = sampling.STAGES | {"typical_p": typical_p_stage()}
    params_type = sampling.make_sampling_params(stages)
    transformers = sampling.ENGINES["transformers"]
    engine = sampling.Engine("transformers+typical", (*transformers.order, "typical_p"), transformers.scope)
    params = params_type(temperature=0.9, top_k=50, typical_p=0.8)
    assert params_type.from_values(typical_p=0.5).typical_p == 0.5
    with pytest.raises(sampling.SamplingError):
        params_type(typical_p=0.0).validate()
    from transformers import TemperatureLogitsWarper, TopKLogitsWarper

    processors = LogitsProcessorList(
        [TemperatureLogitsWarper(0.9), TopKLogitsWarper(50), TypicalLogitsWarper(0.8)]
    )
    for seed in range(5):
        logits = random_logits(seed)
        result = sampling.run_pipeline(logits, [], [], params, engine, stages=stages)
        assert result.order[-1] == "typical_p"
        expected = processors(torch.zeros((1, 1), dtype=torch.long), logits.clone()[None])[0]
        assert torch.equal(result.stage("typical_p").logits, expected)


def test_unknown_engine_and_bad_draws_get_a_sentence_in_both_languages():
    for lang in ("en", "te"):
        with i18n.use(lang):
            with pytest.raises(sampling.SamplingError) as error:
                sampling.get_engine("ollama")
            assert "ollama" in str(error.value) and "llama.cpp" in str(error.value)
            with pytest.raises(sampling.SamplingError) as error:
                sampling.check_draws(10**9)
            assert "100,000" in str(error.value)
    with i18n.use("te"):
        assert "ఇంజిన్" in str(sampling.SamplingError("sampling.error.engine", name="x", known="y"))


def test_draws_are_reproducible_and_follow_the_probabilities():
    probs = torch.softmax(random_logits(4) / 3, -1)
    first, again = sampling.sample_many(probs, 5000, 7), sampling.sample_many(probs, 5000, 7)
    assert torch.equal(first.counts, again.counts) and int(first.counts.sum()) == 5000
    assert not torch.equal(first.counts, sampling.sample_many(probs, 5000, 8).counts)
    assert first.p_value > 1e-4 and first.dof > 3
    skewed = torch.zeros_like(first.counts)
    skewed[int(probs.argmax())] = 5000  # every draw the top token: far from the probabilities
    _, _, p_value = sampling.chi_square_test(skewed, probs)
    assert p_value < 1e-10


def test_chi_square_p_value_equals_the_closed_form_for_two_degrees_of_freedom():
    probs = torch.tensor([0.5, 0.3, 0.2], dtype=torch.float64)
    counts = torch.tensor([60, 25, 15])
    statistic, dof, p_value = sampling.chi_square_test(counts, probs)
    expected_stat = (60 - 50) ** 2 / 50 + (25 - 30) ** 2 / 30 + (15 - 20) ** 2 / 20
    assert dof == 2 and math.isclose(statistic, expected_stat)
    assert math.isclose(p_value, math.exp(-expected_stat / 2), rel_tol=1e-9)  # chi2 survival, 2 dof


def test_comparison_reports_distances_and_what_one_keeps_another_cuts():
    logits = torch.log(torch.tensor([0.5, 0.3, 0.15, 0.05]))
    params = sampling.SamplingParams(temperature=2.0, top_p=0.7)
    comparison = sampling.compare_engines(logits, [], [], params)
    tv = {(a, b): d for a, b, d in comparison.distances}
    assert tv[("transformers", "vllm")] == 0.0 and tv[("transformers", "llama.cpp")] > 0.1
    only = {(a, b): got for a, b, got in comparison.only_in}
    assert only[("transformers", "llama.cpp")] == [2]  # flattened first, the third token enters the nucleus
    assert only[("llama.cpp", "transformers")] == []


@pytest.mark.real
@pytest.mark.parametrize("engine", ["vllm", "llama.cpp"])
@pytest.mark.parametrize("setting", [0, 1, 4, 5])
def test_presets_match_the_references_on_the_real_model(real_runner, engine, setting):
    prompt = real_runner.tokenize("The capital of France is Paris. The capital of Italy is").ids
    output = real_runner.tokenize(" Rome. The capital of Spain is").ids
    logits = real_runner.forward(prompt + output).logits[-1]
    knobs = SETTINGS[setting] | {"presence_penalty": 0.6, "frequency_penalty": 0.4}
    result = sampling.run_pipeline(
        logits, prompt, output, sampling.SamplingParams.from_values(**knobs), engine
    )
    assert result.order == ["raw", *sampling.ENGINES[engine].order]
    expected = reference_probs(engine, logits, prompt, output, knobs).float()
    assert torch.equal(result.probs > 0, expected > 0)  # a real model's logits have no exact ties here
    assert float((result.probs - expected).abs().max()) < 1e-6


def test_comparison_and_draws_charts_draw_every_engine_and_both_series():
    import plotly.graph_objects as go

    from playground import charts

    logits = random_logits(6)
    params = sampling.SamplingParams(temperature=1.5, top_p=0.9, top_k=20)
    view = sampling.comparison_view(sampling.compare_engines(logits, [], [], params), str, 5)
    fig = charts.engines_compare(view)
    go.Figure(fig.to_dict())  # the unvalidated fast figure must pass plotly's validation
    assert [trace.name for trace in fig.data] == ["transformers", "vllm", "llama.cpp"]
    assert all(list(trace.y) == view["labels"] for trace in fig.data)
    probs = sampling.run_pipeline(logits, [], [], params).probs
    draws = sampling.draws_view(sampling.sample_many(probs, 1000, 0), str, 5)
    fig = charts.draws_histogram(draws)
    go.Figure(fig.to_dict())
    assert sum(draws["counts"]) + draws["others"] == 1000
    assert list(fig.data[0].x) == draws["probs"] and list(fig.data[1].x) == draws["shares"]


def test_strategy_samples_use_the_chosen_engine():
    from playground.strategies import CompareParams

    params = CompareParams(engine="llama.cpp", sampling=sampling.SamplingParams(temperature=0.7)).validate()
    assert params.sample_params(1).engine == "llama.cpp"
