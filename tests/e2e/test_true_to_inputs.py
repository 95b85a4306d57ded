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


def _fresh(browser, url: str, tab: str, ready: str):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(url)
    with i18n.use("en"):
        page.get_by_role("tab", name=t(f"tab.{tab}")).click()
    page.locator(ready).first.wait_for()
    return page


def _wait_text(page, selector: str, text: str, timeout: float = 120_000) -> None:
    page.wait_for_function(
        "([s, x]) => (document.querySelector(s)?.textContent || '').includes(x)",
        arg=[selector, text],
        timeout=timeout,
    )


def test_inside_after_expiry_shows_the_prompt_on_screen_and_says_a_writing_is_gone(browser, short_ttl_url):
    """The inside tab keeps the prompt's hidden states and a generation per session: after expiry a
    slider recomputes the states for the prompt on screen, and the writing's views say it must be run
    again instead of drawing the first view's writing."""
    page = _fresh(browser, short_ttl_url, "inside", "#in-neighbours .js-plotly-plot")
    page.locator("#in-prompt textarea").fill("Hyderabad is a big city")
    _wait_text(page, "#in-neighbours", "city")
    page.locator("#in-generate").click()
    page.wait_for_function(
        "() => !document.querySelector('#in-step-summary').innerText.includes('The capital of France')"
        " && document.querySelector('#in-step-summary').innerText.includes('city')"
    )
    page.wait_for_timeout((TTL_S + 3) * 1000)
    page.locator("#in-k input[type=range]").press("ArrowRight")  # the embeddings' views redraw
    page.wait_for_timeout(3000)
    _wait_text(page, "#in-neighbours", "city")
    assert "␣is" not in page.locator("#in-neighbours .gtitle").first.text_content()
    page.locator("#in-step input[type=range]").press("ArrowRight")
    _wait_text(page, "#in-step-summary", "no longer kept")
    page.context.close()


def test_context_after_expiry_says_no_measurement_is_kept(browser, short_ttl_url):
    page = _fresh(browser, short_ttl_url, "context", "#cc-run")
    page.locator("#cc-lengths textarea, #cc-lengths input").first.fill("16, 32")
    page.locator("#cc-run").click()
    page.locator("#cc-time .js-plotly-plot").wait_for(timeout=120_000)
    page.wait_for_timeout((TTL_S + 3) * 1000)
    page.locator("#cc-log input").check()
    _wait_text(page, "#cc-note", "No measurement is kept")
    assert page.locator("#cc-time .js-plotly-plot").count() == 0
    page.context.close()
