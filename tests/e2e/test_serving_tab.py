"""The Serving tab in a real browser: a simulated class drawn both ways, the live view, Stop."""

from __future__ import annotations

import pytest

from playground import serving
from tests.helpers import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.real]


def test_simulating_a_class_draws_both_timelines_and_the_live_view(page, artifacts):
    page.get_by_role("tab", name="Serving a class").click()
    for slider, value in (("#sv-n", "3"), ("#sv-new-tokens", "4"), ("#sv-prompt-tokens", "8")):
        page.locator(f"{slider} input[type=number]").fill(value)
        page.locator(f"{slider} input[type=number]").press("Enter")
    page.locator("#sv-simulate").click()
    page.locator("#sv-simulated .js-plotly-plot").wait_for(timeout=120_000)
    table = page.locator("#sv-simulate-table").inner_text()
    assert "continuously batched" in table and "faster" in table and "3 requests x 4 new tokens" in table
    assert "PLAYGROUND_ENGINES" in table  # no real engine configured: it says what one would add
    assert "The same class served two ways" in page.locator("#sv-simulated").text_content()
    page.locator("#sv-refresh").click()
    page.locator("#sv-timeline .js-plotly-plot").wait_for(timeout=60_000)
    assert "waiting, prefill, decoding" in page.locator("#sv-timeline").text_content()
    page.screenshot(path=str(artifacts / "serving-tab.png"), full_page=True)


def test_stop_takes_the_generation_out_of_the_batch(page, real_runner):
    scheduler = serving.service_of(real_runner).scheduler
    page.get_by_role("tab", name="Logits to token").click()
    page.locator("#lg-max-new input[type=number]").fill("256")
    page.locator("#lg-max-new input[type=number]").press("Enter")
    page.locator("#lg-min-new input[type=number]").fill("256")
    page.locator("#lg-min-new input[type=number]").press("Enter")
    page.locator("#lg-generate").click()
    page.locator("#lg-generated .pg-gen").first.wait_for(timeout=60_000)
    request = scheduler.rows[0]
    page.locator("#lg-stop-generation").click()
    assert wait_until(lambda: request.done, limit_s=30)  # the handler is closed: it leaves at the next step
    assert request.record.outcome == "stopped"  # the page's Stop (a closed tab: "cancelled")
    assert len(request.decoder.tokens) < 256
    # The Serving view shows this page's own request as its own.
    page.get_by_role("tab", name="Serving a class").click()
    page.locator("#sv-refresh").click()
    page.wait_for_function(
        "() => (document.querySelector('#sv-timeline')?.textContent || '').includes('(you)')", timeout=60_000
    )


def test_the_live_views_empty_message_is_true_about_simulations(page, real_runner):
    """Issue 23: the empty live view said "simulate a class below, then refresh", but simulated requests
    never appear there. Now it says so, and a simulation indeed leaves the live traffic as it was."""
    from playground.i18n import t

    scheduler = serving.service_of(real_runner).scheduler
    empty = t("serving.live_empty", window=120)
    assert "not served here" in empty and "Simulate" not in empty
    page.get_by_role("tab", name="Serving a class").click()
    summary = page.locator("#sv-summary").inner_text()
    assert "No generation in the last" in summary and "not served here" in summary
    before = len(scheduler.requests)
    for slider, value in (("#sv-n", "2"), ("#sv-new-tokens", "2"), ("#sv-prompt-tokens", "4")):
        page.locator(f"{slider} input[type=number]").fill(value)
        page.locator(f"{slider} input[type=number]").press("Enter")
    page.locator("#sv-simulate").click()
    page.locator("#sv-simulated .js-plotly-plot").wait_for(timeout=120_000)
    assert len(scheduler.requests) == before  # the simulation ran apart from the live traffic
