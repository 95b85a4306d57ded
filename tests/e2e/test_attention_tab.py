"""The attention tab in a real browser: the heatmap renders and follows the layer; the grid opens heads."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.real]


def title(page) -> str:
    return page.locator("#at-heatmap .gtitle").text_content()


def test_heatmap_renders_and_changes_with_the_layer(page, artifacts):
    page.get_by_role("tab", name="Attention heatmaps").click()
    page.locator("#at-heatmap .js-plotly-plot").wait_for()
    assert title(page).startswith("Layer 23, head 4")  # the head that looks hardest at "France"
    assert "predicts ␣Paris" in page.locator("#at-next").inner_text()
    before = page.locator("#at-heatmap .js-plotly-plot").inner_html()
    number = page.locator("#at-layer input[type=number]")
    number.fill("2")
    number.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('#at-heatmap .gtitle').textContent.startsWith('Layer 2,')"
    )
    assert page.locator("#at-heatmap .js-plotly-plot").inner_html() != before
    page.locator('#at-grid [data-layer="13"][data-head="2"]').click()
    page.wait_for_function(
        "() => document.querySelector('#at-heatmap .gtitle').textContent.startsWith('Layer 13, head 2')"
    )
    assert page.locator("#at-grid .pg-cell-selected").get_attribute("data-layer") == "13"
    page.screenshot(path=str(artifacts / "attention-tab.png"), full_page=True)
