"""The logits tab's presets (writing text first, every stage at work in one click) and the note that says
when a penalty changed the drawn token (issue 23), on handmade logits and on the real model."""

from __future__ import annotations

import pytest
import torch

from playground import i18n, sampling


def test_every_preset_is_accepted_and_the_tab_starts_for_writing():
    for name in sampling.PRESETS:
        values = sampling.preset(name)
        assert set(values) == {k.name for k in sampling.knobs()}
        sampling.SamplingParams.from_values(**values)  # every value accepted
    every = sampling.preset("every_stage")
    assert all(every[k.name] != k.off for k in sampling.knobs())  # each stage's panel changes something
    writing = sampling.preset("writing")
    assert 0 < writing["temperature"] < 1 and writing["presence_penalty"] == writing["frequency_penalty"] == 0
    assert sampling.preset("greedy")["temperature"] == 0
    assert all(sampling.preset("off")[k.name] == k.off for k in sampling.knobs())


def _logits(vocab: int = 6) -> torch.Tensor:
    logits = torch.full((vocab,), -5.0)
    logits[0], logits[1] = 4.0, 3.5  # token 0 is the most likely; token 1 close behind
    return logits


def test_a_penalty_that_changes_the_draw_is_named_with_its_count_and_the_scores():
    params = sampling.SamplingParams(temperature=0, frequency_penalty=0.5)
    prompt = [0, 0, 0, 2]  # token 0 three times
    effect = sampling.penalty_effect(_logits(), prompt, [], params, seed=0, engine="llama.cpp")
    assert effect is not None
    assert (effect.chosen, effect.without) == (1, 0)
    assert effect.penalties == ("frequency",) and effect.counts == (3,)
    assert effect.score_before == 4.0 and effect.score_after == pytest.approx(4.0 - 0.5 * 3)
    assert effect.without_prob == 1.0  # greedy without the penalty: token 0 certainly


def test_no_note_when_no_penalty_is_on_or_the_draw_is_the_same():
    assert sampling.penalty_effect(_logits(), [0, 0], [], sampling.SamplingParams(temperature=0), 0) is None
    small = sampling.SamplingParams(temperature=0, frequency_penalty=0.1)  # 4.0 - 0.2 still beats 3.5
    assert sampling.penalty_effect(_logits(), [0, 0], [], small, 0, "llama.cpp") is None
    # vLLM's frequency penalty counts generated tokens only: the prompt's do not change its choice
    big = sampling.SamplingParams(temperature=0, frequency_penalty=2.0)
    assert sampling.penalty_effect(_logits(), [0, 0, 0], [], big, 0, "vllm") is None
    assert sampling.penalty_effect(_logits(), [0, 0, 0], [], big, 0, "llama.cpp") is not None


def test_sampled_choices_compare_the_same_seed_with_and_without_penalties():
    """Sampled: the note appears exactly when the same seed draws another token with the penalties off."""
    logits = torch.tensor([2.0, 1.9, 1.8, 0.0])
    params = sampling.SamplingParams(presence_penalty=1.5)
    found = 0
    for seed in range(40):
        effect = sampling.penalty_effect(logits, [0], [], params, seed, "llama.cpp")
        on = sampling.run_pipeline(logits, [0], [], params, "llama.cpp").probs
        off = sampling.run_pipeline(logits, [0], [], sampling.SamplingParams(), "llama.cpp").probs
        a = sampling.draw(on, sampling.make_generator(seed))
        b = sampling.draw(off, sampling.make_generator(seed))
        assert (effect is None) == (a == b)
        if effect:
            found += 1
            assert (effect.chosen, effect.without) == (a, b)
    assert found > 0


@pytest.mark.real
def test_the_telugu_prompt_says_the_penalties_chose_the_byte(real_runner):
    """The tester's case: "భారతదేశ రాజధాని" with every stage at work; the penalties, counting a byte 14
    times in the prompt, make the chain draw another token, and the summary says so in both languages."""
    from playground.ui import logits as tab
    from playground.ui.knobs import preset_values

    state = tab.prompt_logits(real_runner, "భారతదేశ రాజధాని", False)
    values = preset_values("every_stage")
    with i18n.use("en"):
        summary = tab.redraw(real_runner, state, "transformers", 0, *values)[1]
    assert "The penalties changed this choice" in summary and "counted it 14 times" in summary
    with i18n.use("te"):
        summary = tab.redraw(real_runner, state, "transformers", 0, *values)[1]
    assert "పెనాల్టీలు ఈ ఎంపికను మార్చాయి" in summary and "14 సార్లు" in summary
    with i18n.use("en"):  # the writing preset has no frequency or presence penalty: the model's own choice
        summary = tab.redraw(real_runner, state, "transformers", 0, *preset_values("writing"))[1]
    assert "penalties changed" not in summary
