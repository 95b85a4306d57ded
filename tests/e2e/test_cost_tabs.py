"""Prefill/decode and context-length tabs in a real browser: both charts render."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.real]


def test_prefill_decode_timeline_renders(page, artifacts):
    page.get_by_role("tab", name="Prefill and decode").click()
    number = page.locator("#pd-new-tokens input[type=number]")
    number.fill("8")
    number.press("Enter")
    page.locator("#pd-run").click()
    page.locator("#pd-timeline .js-plotly-plot").wait_for()
    page.locator("#pd-kv .js-plotly-plot").wait_for()
    metrics = page.locator("#pd-metrics").inner_text()
    assert "time to first token" in metrics and "equal" in metrics
    assert "prefill, then one forward pass per token" in page.locator("#pd-timeline .gtitle").text_content()
    page.screenshot(path=str(artifacts / "decode-tab.png"), full_page=True)


def test_context_sweep_and_projection_render(page, artifacts):
    page.get_by_role("tab", name="Context-length cost").click()
    page.locator("#cc-projection .js-plotly-plot").wait_for()
    page.locator("#cc-lengths input, #cc-lengths textarea").first.fill("16, 48")
    page.locator("#cc-run").click()
    page.locator("#cc-time .js-plotly-plot").wait_for()
    page.locator("#cc-memory .js-plotly-plot").wait_for()
    page.wait_for_function("() => document.querySelector('#cc-note').innerText.includes('equal')")
    assert "Time against context length" in page.locator("#cc-time .gtitle").text_content()
    assert "Memory against context length" in page.locator("#cc-memory .gtitle").text_content()
    assert "context-cost-" in page.locator("#cc-csv").inner_text()
    page.screenshot(path=str(artifacts / "context-tab.png"), full_page=True)


def test_a_sweep_past_its_deadline_keeps_and_draws_what_it_measured(page, monkeypatch):
    """Issue 23: the sweep past its time budget used to end in an error, every result thrown away."""
    from playground import config

    monkeypatch.setattr(config, "MODEL_DEADLINE_S", 0.0)  # this process serves the page
    page.get_by_role("tab", name="Context-length cost").click()
    page.locator("#cc-lengths input, #cc-lengths textarea").first.fill("16, 32, 48")
    page.locator("#cc-run").click()
    page.wait_for_function("() => document.querySelector('#cc-note').innerText.includes('Not measured')")
    note = page.locator("#cc-note").inner_text()
    assert "Not measured: 32, 48 tokens" in note and "equal" in note
    page.locator("#cc-time .js-plotly-plot").wait_for()
    points = page.evaluate("() => document.querySelector('#cc-time .js-plotly-plot').data[0].x")
    assert list(points) == [16]  # the measured length is drawn
    assert page.locator(".toast-body").count() == 0  # no error
