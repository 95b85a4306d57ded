"""Every number on screen belongs to the inputs on screen (issue 23): after a session expires, and
under a refused prompt's error."""

from __future__ import annotations

import pytest

from playground import i18n
from playground.i18n import t
from tests.helpers import launched_app

pytestmark = [pytest.mark.e2e, pytest.mark.real]

TTL_S = 4


@pytest.fixture(scope="module")
def short_ttl_url():
    """The app in its own process, with sessions that expire after TTL_S seconds unused."""
    with launched_app(PLAYGROUND_SESSION_TTL_S=str(TTL_S)) as url:
        yield url


SUMMARY = "#lg-summary [data-testid=markdown]"  # the text, without Gradio's progress timer beside it


def summary(page) -> str:
    return page.locator(SUMMARY).inner_text()


def changed(page, old: str) -> str:
    """The summary once it differs from ``old``."""
    page.wait_for_function(
        "([selector, old]) => document.querySelector(selector).innerText !== old", arg=[SUMMARY, old]
    )
    return summary(page)


def test_after_the_session_expires_the_views_belong_to_the_prompt_on_screen(browser, short_ttl_url):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(short_ttl_url + "te/")
    with i18n.use("te"):
        page.get_by_role("tab", name=t("tab.logits")).click()
    page.locator("#lg-pipeline .js-plotly-plot").wait_for()
    default = summary(page)
    page.locator("#lg-prompt textarea").fill("భారతదేశ రాజధాని")
    own = changed(page, default)
    page.wait_for_timeout((TTL_S + 3) * 1000)  # unused past the TTL: the server drops the session
    slider = page.locator("#lg-temperature input[type=range]")
    slider.press("ArrowLeft")
    moved = changed(page, own)
    slider.press("ArrowRight")  # back to the settings of `own`: the same prompt must give the same numbers
    assert changed(page, moved) == own
    assert page.locator("#lg-prompt textarea").input_value() == "భారతదేశ రాజధాని"
    page.context.close()


def test_a_refused_prompt_leaves_no_other_prompts_results_under_its_error(page):
    page.get_by_role("tab", name="Logits to token").click()
    page.locator("#lg-pipeline .js-plotly-plot").wait_for()
    assert "Sampled" in summary(page)
    page.locator("#lg-prompt textarea").fill("the" + " the" * 3000)
    page.get_by_text("Shorten").first.wait_for(timeout=60_000)  # the refusal's sentence
    page.wait_for_function("() => document.querySelector('#lg-summary').innerText.includes('refused')")
    assert "Sampled" not in summary(page)
    for view in ("#lg-pipeline", "#lg-engines", "#lg-draws"):
        assert page.locator(f"{view} .js-plotly-plot").count() == 0, view
