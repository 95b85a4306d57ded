"""Numbers from a form or an API call: NaN, infinities, huge numbers, text and None get a sentence."""

from __future__ import annotations

import math

import pytest

from playground import i18n
from playground.errors import UserError
from playground.validate import ValidationError, real_number, whole_number

BAD = [math.nan, math.inf, -math.inf, 1e308, -1e308, "abc", None, "", True, [1], 10**400]


@pytest.mark.parametrize("value", BAD, ids=repr)
@pytest.mark.parametrize("lang", ["en", "te"])
def test_bad_numbers_get_a_short_sentence_in_each_language(value, lang):
    for check in (whole_number, real_number):
        with i18n.use(lang), pytest.raises(UserError) as caught:
            check(value, "safety.param.top_k", 0, 100)
        sentence = str(caught.value)
        assert i18n.t("safety.param.top_k", lang=lang) in sentence
        assert "0" in sentence and "100" in sentence  # says what to change
        assert len(sentence) < 200 and "None" not in sentence
        assert not any(len(run) > 25 for run in "".join(c if c.isdigit() else " " for c in sentence).split())


def test_good_numbers_come_back_as_int_or_float():
    assert whole_number(3, "safety.param.layer", 0, 29) == 3
    assert whole_number(3.0, "safety.param.layer", 0, 29) == 3
    assert whole_number("7", "safety.param.layer", 0, 29) == 7
    assert isinstance(whole_number(3.0, "safety.param.layer", 0, 29), int)
    assert real_number("0.5", "safety.param.top_p", 0, 1) == 0.5
    assert real_number(1, "safety.param.top_p", 0, 1) == 1.0


def test_out_of_range_and_fractions_name_the_range():
    with pytest.raises(ValidationError, match=r"from 0 to 29; 1e\+308 is out of range"):
        whole_number(1e308, "safety.param.layer", 0, 29)
    with pytest.raises(ValidationError, match="whole number from 0 to 29"):
        whole_number(2.5, "safety.param.layer", 0, 29)
    with pytest.raises(ValidationError, match="cannot be infinite"):
        real_number(-math.inf, "safety.param.length_penalty", -10, 10)


def test_a_modules_own_error_class_is_raised():
    class MyError(UserError):
        pass

    with pytest.raises(MyError):
        whole_number(math.nan, "safety.param.head", -1, 8, error=MyError)
