"""The logits tab starts from settings for writing, presets come back in one click without a request
storm, and "A seed of my own" gives a learner a seed of their own that a link keeps (issue 23)."""

from __future__ import annotations

import re

import pytest

from playground import config, sampling
from tests.e2e.test_reset_loop import MOST_AFTER_RESET, WATCH_S, count_joins, watch

pytestmark = [pytest.mark.e2e, pytest.mark.real]


def open_logits(page):
    page.get_by_role("tab", name="Logits to token").click()
    page.locator("#lg-pipeline .js-plotly-plot").wait_for()


def number(page, elem_id: str) -> float:
    return float(page.locator(f"#{elem_id} input[type=number]").input_value())


def test_the_tab_starts_for_writing_and_presets_set_every_slider_once(page):
    open_logits(page)
    writing = sampling.preset("writing")
    assert number(page, "lg-temperature") == writing["temperature"]
    assert number(page, "lg-min-p") == writing["min_p"]
    joins = count_joins(page)
    before = page.locator("#lg-summary").inner_text()
    page.locator("#lg-preset-every-stage").click()
    page.wait_for_function("old => document.querySelector('#lg-summary').innerText !== old", arg=before)
    watch(page, WATCH_S)
    every = sampling.preset("every_stage")
    for knob in sampling.knobs():
        elem_id = "lg-" + knob.name.replace("_", "-")
        assert number(page, elem_id) == pytest.approx(every[knob.name]), elem_id
    assert len(joins) <= MOST_AFTER_RESET  # seven sliders set at once redraw a few times, not forever
    assert "After presence" in page.locator("#lg-pipeline .js-plotly-plot").text_content()
    page.locator("#lg-preset-writing").click()
    page.wait_for_function(
        "t => Number(document.querySelector('#lg-temperature input[type=number]').value) === t",
        arg=writing["temperature"],
    )
    assert "temperature 0.7 · top-k 40" in page.locator("#lg-preset-explain").inner_text()


def test_a_seed_of_ones_own_goes_into_the_link_and_the_link_gives_it_back(browser, page, app_url):
    open_logits(page)
    assert "same seed" in page.locator("#lg-seed").inner_text()
    page.locator("#lg-seed-mine").click()
    page.wait_for_function("() => location.search.includes('logits.seed=')")
    seed = int(number(page, "lg-seed"))
    assert 0 <= seed < config.OWN_SEEDS
    assert re.search(rf"logits\.seed={seed}\b", page.evaluate("location.search"))
    page.wait_for_timeout(1500)  # the views redraw for the new seed
    link = page.evaluate("location.href")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    other = context.new_page()
    try:
        other.goto(link)
        other.locator("#lg-pipeline .js-plotly-plot").wait_for()
        other.wait_for_function(
            "s => Number(document.querySelector('#lg-seed input[type=number]').value) === s", arg=seed
        )
    finally:
        context.close()
