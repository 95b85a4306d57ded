"""Every slider's ↺ reset, on every tab, in a real browser: a reset sends a few requests, not an endless
stream (issue 23: on Logits to token a reset started ~15 requests a second until the page reloaded)."""

from __future__ import annotations

import time

import pytest

from playground import i18n
from playground.i18n import t

pytestmark = [pytest.mark.e2e, pytest.mark.real]

TABS = ["logits", "attention", "inside", "decode", "serving", "beam", "context"]  # every tab with a slider
WATCH_S = 3.0  # a loop sends several requests a second; a reset's own requests end within this
MOST_AFTER_RESET = 4  # one reset: its "change" (fired twice by Gradio), each view once or twice


def count_joins(page) -> list[float]:
    """The times at which the page asks the queue to run something (one per event sent)."""
    joins: list[float] = []
    page.on(
        "request", lambda request: joins.append(time.monotonic()) if "queue/join" in request.url else None
    )
    return joins


def watch(page, seconds: float) -> None:
    """Let the page run: a headless page draws, and so runs its pending effects, only when asked to."""
    end, step = time.monotonic() + seconds, 0
    while time.monotonic() < end:
        step += 1
        page.mouse.move(5 + step % 7, 5)
        page.wait_for_timeout(100)


@pytest.mark.parametrize("tab", TABS)
def test_every_reset_sends_a_bounded_number_of_requests(page, tab):
    joins = count_joins(page)
    with i18n.use("en"):
        name = t(f"tab.{tab}")
    page.get_by_role("tab", name=name).click()
    resets = page.locator(f"#tab-{tab} [data-testid=reset-button]")
    resets.first.wait_for()
    checked = 0
    for i in range(resets.count()):
        reset = resets.nth(i)
        if not reset.is_visible():  # inside a closed accordion
            continue
        slider = reset.locator("xpath=ancestor::div[contains(@class,'wrap')][1]").locator("input[type=range]")
        at_max = slider.evaluate("el => Number(el.value) >= Number(el.max)")
        slider.press("ArrowLeft" if at_max else "ArrowRight")
        watch(page, 1.0)
        before = len(joins)
        reset.click()
        watch(page, WATCH_S)
        label = slider.get_attribute("aria-label")
        assert len(joins) - before <= MOST_AFTER_RESET, f"{label}: {len(joins) - before} requests after reset"
        checked += 1
    assert checked > 0
