"""Fork from any token, in a real browser: click a generated token, pick another, see both branches."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.real]


def test_click_a_token_pick_an_alternative_and_see_both_branches(page, artifacts):
    page.get_by_role("tab", name="Logits to token").click()
    page.locator("#lg-pipeline .js-plotly-plot").wait_for()
    page.locator("#lg-temperature input[type=number]").fill("0")
    page.locator("#lg-temperature input[type=number]").press("Enter")
    page.locator("#lg-max-new input[type=number]").fill("12")
    page.locator("#lg-max-new input[type=number]").press("Enter")
    page.locator("#lg-generate").click()
    page.wait_for_function("() => document.querySelector('#lg-status').innerText.includes('Stopped')")
    assert page.locator("#lg-generated .pg-gen").count() == 12

    page.locator("#lg-generated .pg-gen[data-index='3']").click()
    page.wait_for_function("() => document.querySelector('#fk-info').innerText.includes('#4')")
    options = page.locator("#fk-choice label")
    assert options.count() >= 2 and "chosen" in page.locator("#fk-choice").inner_text()
    page.locator("#fk-run").click()
    page.wait_for_function("() => document.querySelector('#fk-summary').innerText.includes('Forked at')")
    summary = page.locator("#fk-summary").inner_text()
    assert "token #4" in summary and "They first differ at token #4" in summary
    # The fork started from the original generation's KV cache: only the forced token was fed.
    assert "started from the original generation's KV cache" in summary
    assert "fed the model only 1 token(s)" in summary
    rows = page.locator("#fk-branches .pg-fork-row")
    assert rows.count() == 2
    assert rows.nth(0).locator(".pg-fork-head").inner_text().startswith("original")
    assert rows.nth(1).locator(".pg-fork-head").inner_text().startswith("fork")
    assert page.locator("#fk-branches .pg-fork-diff").count() == 2  # outlined in both branches
    assert rows.nth(0).locator(".pg-gen").count() == 9 and rows.nth(1).locator(".pg-gen").count() <= 9
    page.locator("#fk-branches").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "fork.png"), full_page=False)
