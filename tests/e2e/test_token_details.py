"""A token's details on a phone: tap a generated token, read its alternatives in a box in sight, fork."""

from __future__ import annotations

import pytest

from playground import i18n

pytestmark = [pytest.mark.e2e, pytest.mark.real]

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}


def generate_on_a_phone(browser, url: str, lang: str, count: int):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(url)
    page.get_by_role("tab", name=i18n.t("tab.logits", lang=lang), exact=True).first.click()
    page.locator("#lg-pipeline .js-plotly-plot").wait_for()
    page.locator("#lg-max-new input[type=number]").fill(str(count))
    page.locator("#lg-max-new input[type=number]").press("Enter")
    page.locator("#lg-generate").tap()
    stopped = i18n.t("logits.stop_reason.length", lang=lang, max_new_tokens=count)
    page.wait_for_function(
        "([n, stopped]) => document.querySelectorAll('#lg-generated .pg-gen').length === n"
        " && document.querySelector('#lg-status').innerText.includes(stopped)",
        arg=[count, stopped],
    )
    return context, page


@pytest.mark.parametrize("lang, path", [("en", "/"), ("te", "/te/")])
def test_tapping_a_token_shows_its_alternatives_in_sight_and_picks_it_for_a_fork(
    browser, app_url, artifacts, lang, path
):
    context, page = generate_on_a_phone(browser, app_url.rstrip("/") + path, lang, 8)
    legend = page.locator("#lg-generated .pg-legend")
    assert legend.is_visible()
    assert legend.locator(".pg-legend-step").all_inner_texts() == ["0%", "25%", "50%", "75%", "100%"]
    assert i18n.t("logits.legend", lang=lang) in legend.inner_text()

    chip = page.locator("#lg-generated .pg-gen[data-index='3']")
    box = chip.locator(".pg-tip")
    assert not box.is_visible()  # nothing shows before the tap
    chip.scroll_into_view_if_needed()
    chip.tap()
    box.wait_for(state="visible")
    lines = box.inner_text().strip().splitlines()
    assert lines[0].startswith("#4 · p = ") and lines[0].endswith("%")  # the chosen token's probability
    assert len(lines) >= 3 and all(line.endswith("%") for line in lines[1:])  # its alternatives
    assert lines == chip.get_attribute("title").splitlines()  # what the mouse's tooltip shows
    where = box.bounding_box()
    assert where["x"] >= 0 and where["x"] + where["width"] <= 390
    assert where["y"] >= 0 and where["y"] + where["height"] <= 844
    page.screenshot(path=str(artifacts / f"token-details-phone-{lang}.png"))

    # The same tap picked the token for a fork, and the fork still runs.
    page.wait_for_function("() => document.querySelector('#fk-info').innerText.includes('#4')")
    assert page.locator("#fk-choice label").count() >= 2
    page.locator("#fk-run").tap()
    page.locator("#fk-branches .pg-fork-row").nth(1).wait_for()
    assert page.locator("#fk-branches .pg-fork-row").count() == 2
    assert page.locator("#fk-branches .pg-legend").is_visible()
    assert box.is_hidden()  # the box goes when the token loses focus

    # From the keyboard: a token reached by focus shows its box, and Enter picks it.
    other = page.locator("#lg-generated .pg-gen[data-index='5']")
    other.focus()
    assert other.locator(".pg-tip").is_visible()
    other.press("Enter")
    page.wait_for_function("() => document.querySelector('#fk-info').innerText.includes('#6')")
    context.close()


def test_tapping_a_head_opens_it_and_its_value_stays_in_sight_after_the_grid_redraws(browser, app_url):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(app_url)
    page.get_by_role("tab", name="Attention heatmaps").first.click()
    page.locator("#at-heatmap .js-plotly-plot").wait_for()
    cell = page.locator('#at-grid [data-layer="13"][data-head="2"]')
    cell.scroll_into_view_if_needed()
    cell.tap()
    page.wait_for_function(
        "() => document.querySelector('#at-heatmap .gtitle').textContent.startsWith('Layer 13, head 2')"
    )
    page.wait_for_function(  # drawn again with the opened head outlined
        "() => document.querySelector('#at-grid .pg-cell-selected')?.dataset.layer === '13'"
    )
    box = page.locator("#at-grid .pg-cell-selected .pg-tip")
    box.wait_for(state="visible")
    assert box.inner_text().startswith("layer 13, head 2: ")
    where = box.bounding_box()
    assert where["x"] >= 0 and where["x"] + where["width"] <= 390 and where["y"] + where["height"] <= 844
    page.locator("#at-next").tap()
    box.wait_for(state="hidden")  # a tap elsewhere puts it away
    context.close()
