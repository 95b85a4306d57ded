"""The tokenizer tab in a real browser: type, see the count change, see the chart."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.real]


def test_typing_text_updates_the_token_count(page, tokenizer, artifacts):
    stats = page.locator("#tok-stats")
    stats.get_by_text("tokens").first.wait_for()
    page.locator("#tok-cost .js-plotly-plot").wait_for()

    text = "Tokenization in తెలుగు costs more 🙂"
    box = page.locator("#tok-text textarea")
    box.fill(text)
    expected = len(tokenizer(text).input_ids)
    page.wait_for_function(
        "n => document.querySelector('#tok-stats').innerText.startsWith(n + ' tokens')", arg=str(expected)
    )
    assert re.match(rf"{expected} tokens · {len(text)} characters", stats.inner_text())
    chips = page.locator("#tok-tokens .pg-tok")
    assert chips.count() == expected
    assert page.locator("#tok-tokens .pg-partial").count() > 0  # Telugu bytes shown as split characters
    assert page.locator("#tok-chat .pg-special").count() == 5
    assert "Tokens relative to English" in page.locator("#tok-cost").text_content()
    page.screenshot(path=str(artifacts / "tokenizer-tab.png"), full_page=True)


def test_comparison_lists_each_chosen_tokenizer(page):
    page.locator("#tok-compare .pg-cmp-row").first.wait_for()
    page.locator("#tok-text textarea").fill("abc")
    count = "#tok-compare [data-tokenizer='characters'] .pg-cmp-count"
    page.wait_for_function("sel => document.querySelector(sel)?.innerText === '3'", arg=count)
    page.get_by_label("GPT-2").check()
    page.wait_for_function("() => document.querySelector('#tok-compare [data-tokenizer=\"GPT-2\"]') !== null")
    assert "not available offline" in page.locator('#tok-compare [data-tokenizer="GPT-2"]').inner_text()
