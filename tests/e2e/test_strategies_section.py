"""Greedy, beam search and sampling side by side, in a real browser: the tree's runs are reused."""

from __future__ import annotations

import pytest

from playground import config

pytestmark = [pytest.mark.e2e, pytest.mark.real]


def test_compare_after_the_tree_reuses_it_and_draws_every_result(page, artifacts):
    page.get_by_role("tab", name="Beam search tree").click()
    page.locator("#bm-run").click()
    page.locator("#bm-tree .js-plotly-plot").wait_for()
    penalty = page.locator("#st-repetition-penalty input[type=number]")  # every registry knob has a slider
    penalty.fill("1.3")
    penalty.press("Enter")
    page.wait_for_function("() => document.querySelector('#st-repetition-penalty input').value === '1.3'")
    page.locator("#st-preset-top_p").click()  # sets top-p, and every other knob back to its default
    page.wait_for_function("() => document.querySelector('#st-top-p input').value === '0.9'")
    page.wait_for_function("() => document.querySelector('#st-repetition-penalty input').value === '1'")
    max_new = page.locator("#st-length input[type=number]")  # its own length: 30, where texts differ
    assert int(max_new.input_value()) == config.SECTION_COMPARE_NEW_TOKENS
    max_new.fill(page.locator("#bm-max-new input[type=number]").input_value())  # the tree's: reused
    max_new.press("Enter")
    page.locator("#st-run").click()
    page.locator("#st-chart .js-plotly-plot").wait_for(timeout=120_000)
    page.wait_for_function("() => document.querySelector('#st-summary').innerText.includes('Not run again')")
    summary = page.locator("#st-summary").inner_text()
    assert "Total log-probability" in summary and "greedy, beam search" in summary
    assert "Probability against variety" in page.locator("#st-chart .gtitle").text_content()
    assert page.locator("#st-chart .scatterlayer .trace").count() == 3
    table = page.locator("#st-table").inner_text()
    assert "beam search" in table and "sample 4" in table
    page.locator("#st-chart").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "strategies-section.png"), full_page=True)
