"""Strategies side by side: each result faithful to transformers and to one scoring pass."""

from __future__ import annotations

from dataclasses import replace

import gradio as gr
import pytest
import torch

from playground import charts, config, i18n, sampling, strategies
from playground.generation import GenerationParams, generate
from playground.sampling import SamplingParams
from playground.ui import beam as beam_ui
from playground.ui import strategies as strategies_ui

PROMPT = "My favourite food is"
PARAMS = strategies.CompareParams(
    max_new_tokens=10,
    num_beams=3,
    num_samples=3,
    sampling=SamplingParams(temperature=1.0, top_p=0.9),
    seed=7,
)


def test_distinct_bigrams_is_the_share_of_distinct_word_pairs():
    assert strategies.distinct_bigrams("the cat the cat") == pytest.approx(2 / 3)
    assert strategies.distinct_bigrams("a b c d") == 1.0
    assert strategies.distinct_bigrams("I love it. I love it. I love it.") == pytest.approx(3 / 8)
    assert strategies.distinct_bigrams("one") == 1.0 and strategies.distinct_bigrams("") == 1.0


@pytest.mark.parametrize(
    ("changes", "english", "telugu"),
    [
        ({"num_samples": config.MAX_COMPARE_SAMPLES + 1}, "number of samples", "శాంపిల్స్ సంఖ్య"),
        ({"num_samples": 0}, "number of samples", "శాంపిల్స్ సంఖ్య"),
        ({"num_samples": float("nan")}, "whole number", "పూర్ణ సంఖ్య"),
        ({"num_beams": config.MAX_BEAMS + 1}, "number of beams", "బీమ్‌ల సంఖ్య"),
        ({"num_beams": 2.5}, "whole number", "పూర్ణ సంఖ్య"),
        ({"max_new_tokens": config.MAX_COMPARE_NEW_TOKENS + 1}, "Max new tokens", "గరిష్ట కొత్త టోకెన్‌లు"),
        ({"engine": "tgi"}, "Unknown engine", "తెలియని ఇంజిన్"),
    ],
)
def test_bad_settings_get_a_sentence_in_both_languages(changes, english, telugu):
    params = strategies.CompareParams(**changes)
    with pytest.raises(strategies.StrategiesError) as caught:
        params.validate()
    with i18n.use("en"):
        assert english in str(caught.value)
    with i18n.use("te"):
        assert telugu in str(caught.value)


def test_the_last_samples_seed_must_fit():
    with pytest.raises(Exception, match="seed"):
        strategies.CompareParams(seed=2**63 - 2, num_samples=4).validate()


def test_a_preset_sets_the_knobs_it_names_and_every_other_knob_to_its_default():
    knobs = sampling.knobs()
    for name, named in strategies_ui.PRESETS.items():
        assert set(named) <= {k.name for k in knobs}, name
        values = strategies_ui.apply_preset(name)
        assert values == [named.get(k.name, k.default) for k in knobs]
        SamplingParams.from_values(**dict(zip([k.name for k in knobs], values, strict=True)))
    assert strategies_ui.apply_preset("plain") == [k.default for k in knobs]
    top_p = dict(zip([k.name for k in knobs], strategies_ui.apply_preset("top_p"), strict=True))
    assert top_p == {k.name: k.default for k in knobs} | {"top_p": 0.9}


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_the_section_has_a_slider_per_registry_knob_at_its_default(lang):
    with i18n.use(lang), gr.Blocks() as demo:
        beam_inputs = [gr.Textbox(), gr.Checkbox(), gr.Number(), gr.Number(), gr.Number(), gr.Checkbox()]
        strategies_ui.build_section(None, beam_inputs, gr.State())  # layout only: no model call
    sliders = {b.elem_id: b for b in demo.blocks.values() if isinstance(b, gr.Slider)}
    for knob in sampling.knobs():
        slider = sliders[f"st-{knob.name.replace('_', '-')}"]
        assert (slider.minimum, slider.maximum, slider.step) == knob.slider
        assert slider.value == knob.default and slider.label == i18n.t(knob.label, lang=lang)
    assert {"st-temperature", "st-top-k", "st-top-p", "st-min-p"} <= set(sliders)
    assert len(sliders) == len(sampling.knobs()) + 2  # and the number of samples, and the length
    assert sliders["st-length"].value == config.SECTION_COMPARE_NEW_TOKENS  # not the tree's 8


@pytest.mark.real
def test_at_the_sections_first_length_the_strategies_differ_in_variety(real_runner):
    """Issue 23: at the tree's 8 tokens every text scored 1.00 distinct bigrams and the chart showed nothing;
    the section starts at the length where the texts differ."""
    from playground.ui.beam import DEFAULT_PROMPT

    ids = real_runner.tokenize(DEFAULT_PROMPT).ids
    params = strategies.CompareParams(
        max_new_tokens=config.SECTION_COMPARE_NEW_TOKENS, num_beams=3
    ).validate()
    points = strategies.compare(real_runner, ids, params).points()
    assert min(p["distinct_bigrams"] for p in points) < 1


def test_locale_keys_and_placeholders_match():
    from string import Formatter

    from playground.locales import strategies as locale

    assert locale.EN.keys() == locale.TE.keys()
    for key, english in locale.EN.items():
        names = {f for _, f, _, _ in Formatter().parse(english) if f}
        assert names == {f for _, f, _, _ in Formatter().parse(locale.TE[key]) if f}, key


def test_chart_places_each_result_by_logprob_and_variety():
    points = [
        {"strategy": "greedy", "name": "greedy", "text": "a a a a", "logprob_sum": -5.0, "logprob_mean": -1.0,
         "distinct_bigrams": 1 / 3, "tokens": 5},
        {"strategy": "beam", "name": "beam", "text": "b c", "logprob_sum": -3.0, "logprob_mean": -0.6,
         "distinct_bigrams": 1.0, "tokens": 5},
        {"strategy": "sample", "name": "s0", "text": "<b>x</b> y z", "logprob_sum": -20.0,
         "logprob_mean": -4.0, "distinct_bigrams": 1.0, "tokens": 5},
        {"strategy": "sample", "name": "s1", "text": "q r", "logprob_sum": -18.0, "logprob_mean": -3.6,
         "distinct_bigrams": 0.9, "tokens": 5},
    ]  # fmt: skip
    fig = charts.strategies_scatter(points)
    fig.__class__(fig.to_dict())  # the figure passes plotly's validation
    by_name = {trace.name: trace for trace in fig.data}
    assert list(by_name["samples"].y) == [-20.0, -18.0] and list(by_name["samples"].x) == [1.0, 0.9]
    assert by_name["beam search"].y == (-3.0,) and by_name["greedy"].x == (1 / 3,)
    assert "&lt;b&gt;" in by_name["samples"].customdata[0][0]  # the model's text is escaped
    assert fig.layout.xaxis.range[0] < 1 / 3


# --- the real model -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def prompt_ids(real_runner):
    return real_runner.tokenize(PROMPT).ids


@pytest.fixture(scope="module")
def comparison(real_runner, prompt_ids):
    return strategies.compare(real_runner, prompt_ids, PARAMS)


def reference_logprob_sum(runner, prompt_ids, token_ids) -> float:
    """Written from the definition: one forward pass, log-softmax, the chosen tokens' entries."""
    with torch.inference_mode():
        logits = runner.model(torch.tensor([list(prompt_ids) + list(token_ids)])).logits[0].double()
    log_probs = torch.log_softmax(logits, dim=-1)
    return sum(float(log_probs[len(prompt_ids) - 1 + i, token]) for i, token in enumerate(token_ids))


@pytest.mark.real
def test_greedy_equals_generate_without_sampling(real_runner, prompt_ids, comparison):
    with torch.inference_mode():
        out = real_runner.model.generate(
            torch.tensor([prompt_ids]), do_sample=False, max_new_tokens=PARAMS.max_new_tokens
        )
    assert list(comparison.greedy.token_ids) == out[0, len(prompt_ids) :].tolist()
    assert comparison.greedy.forward_passes == len(comparison.greedy.token_ids)


@pytest.mark.real
def test_beam_equals_generates_best_hypothesis_and_score(real_runner, prompt_ids, comparison):
    with torch.inference_mode():
        out = real_runner.model.generate(
            torch.tensor([prompt_ids]), do_sample=False, num_beams=PARAMS.num_beams,
            max_new_tokens=PARAMS.max_new_tokens, output_scores=True, return_dict_in_generate=True,
        )  # fmt: skip
    assert list(comparison.beam.token_ids) == out.sequences[0, len(prompt_ids) :].tolist()
    assert comparison.beam.beam_score == pytest.approx(float(out.sequences_scores[0]), abs=1e-4)
    # Length penalty 1: the score is the mean log-prob, which the scoring pass gives too.
    assert comparison.beam.logprob_mean == pytest.approx(float(out.sequences_scores[0]), abs=1e-4)
    assert comparison.beam.rows_per_pass == PARAMS.num_beams


@pytest.mark.real
def test_every_logprob_sum_is_one_forward_pass_over_prompt_and_tokens(real_runner, prompt_ids, comparison):
    for result in (comparison.greedy, comparison.beam, *comparison.samples):
        expected = reference_logprob_sum(real_runner, prompt_ids, result.token_ids)
        assert result.logprob_sum == pytest.approx(expected, abs=1e-4)
        assert result.logprob_mean == pytest.approx(expected / len(result.token_ids), abs=1e-4)
    assert comparison.beam.logprob_sum >= comparison.greedy.logprob_sum - 1e-4
    assert all(comparison.beam.logprob_sum > s.logprob_sum for s in comparison.samples)


@pytest.mark.real
def test_samples_are_reproducible_and_sample_i_uses_seed_plus_i(real_runner, prompt_ids, comparison):
    again = strategies.compare(real_runner, prompt_ids, PARAMS, earlier=comparison.memo)
    assert [s.token_ids for s in again.samples] == [s.token_ids for s in comparison.samples]
    assert again.reused == ("greedy", "beam") and again.beam == comparison.beam
    for i, sample in enumerate(comparison.samples):
        alone = generate(
            real_runner,
            prompt_ids,
            GenerationParams(sampling=PARAMS.sampling, max_new_tokens=PARAMS.max_new_tokens, seed=7 + i),
        )
        assert sample.token_ids == tuple(token.id for token in alone.tokens)
    assert len({s.token_ids for s in comparison.samples}) > 1  # different seeds, different draws
    other_seed = strategies.compare(real_runner, prompt_ids, replace(PARAMS, seed=99))
    assert [s.token_ids for s in other_seed.samples] != [s.token_ids for s in comparison.samples]


@pytest.mark.real
def test_the_tree_view_runs_are_reused_by_the_comparison(real_runner):
    beam_inputs = (PROMPT, False, 3, 6, 1.0, False)
    *_, memo = beam_ui.search_tree(real_runner, *beam_inputs, 2)
    top_p = strategies_ui.apply_preset("top_p")  # every knob, in registry order
    figure, summary, rows, memo_after = strategies_ui.compare_ui(
        real_runner, memo, *beam_inputs, 2, 0, "transformers", *top_p
    )
    assert memo_after.greedy is memo.greedy and memo_after.beam is memo.beam
    assert "Not run again" in summary and "greedy" in summary
    assert len(rows) == 4 and len(figure.data) == 3
    # Other beam settings: nothing to reuse.
    other = (PROMPT, False, 2, 6, 1.0, False)
    _, summary, _, _ = strategies_ui.compare_ui(real_runner, memo, *other, 1, 0, "vllm", *top_p)
    assert "Not run again" not in summary
