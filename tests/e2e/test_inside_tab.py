"""The Inside the model tab in a real browser: the three views render, the lens follows the position,
and the generation steps token by token with the slider and the play button."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.real]


def open_tab(page):
    page.get_by_role("tab", name="Inside the model").click()
    for plot in ("in-strips", "in-neighbours", "in-lens-top", "in-lens-target", "in-writing"):
        page.locator(f"#{plot} .js-plotly-plot").wait_for()


def text(page, elem_id: str) -> str:
    return page.locator(f"#{elem_id}").inner_text()


def test_three_views_render_and_the_lens_follows_the_position(page, artifacts):
    open_tab(page)
    assert "RoPE" in text(page, "in-facts") and "tie_word_embeddings = true" in text(page, "in-facts")
    assert "␣Spain" in page.locator("#in-neighbours").text_content()  # the neighbours of " France"
    assert "final choice is ␣Paris" in text(page, "in-lens-summary")
    assert "only after the last layer, 30" in text(page, "in-lens-summary")
    assert "␣Paris" in page.locator("#in-lens-top").text_content()
    page.locator("#in-position input").click()
    page.get_by_role("option", name="1: ␣capital").click()
    page.wait_for_function(
        "() => document.querySelector('#in-lens-summary').innerText.includes('At position 1')"
    )
    assert "At position 1 (␣capital)" in text(page, "in-lens-summary")
    page.screenshot(path=str(artifacts / "inside-tab.png"), full_page=True)


def test_stepping_through_the_generation_never_reruns_the_model(page, artifacts):
    open_tab(page)
    assert text(page, "in-step-summary").startswith("Token 1 of 16")
    assert page.locator("#in-step-tokens .pg-attn").count() == 5  # the prompt's 5 keys
    assert "→ ␣Paris" in text(page, "in-step-tokens")
    number = page.locator("#in-step input[type=number]")
    number.fill("4")
    number.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('#in-step-summary').innerText.startsWith('Token 4 of 16')"
    )
    assert page.locator("#in-step-tokens .pg-attn").count() == 8  # 5 prompt keys + 3 written
    assert page.locator("#in-step-tokens .pg-written").count() == 3
    page.locator("#in-play").click()
    page.wait_for_function(
        "() => document.querySelector('#in-step-summary').innerText.startsWith('Token 6 of 16')"
    )
    page.locator("#in-play").click()  # pause
    page.locator("#in-writing").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "inside-writing.png"), full_page=True)
    page.locator("#in-new-tokens input[type=number]").fill("4")
    page.locator("#in-new-tokens input[type=number]").press("Enter")
    page.locator("#in-generate").click()
    page.wait_for_function("() => document.querySelector('#in-status').innerText.startsWith('4 new tokens')")
    page.wait_for_function(
        "() => document.querySelector('#in-step-summary').innerText.startsWith('Token 1 of 4')"
    )
