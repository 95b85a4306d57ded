"""The logits tab in a real browser: sliders redraw the stages, generation streams and stops."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.real]


def open_tab(page):
    page.get_by_role("tab", name="Logits to token").click()
    page.locator("#lg-pipeline .js-plotly-plot").wait_for()


def chart_text(page) -> str:
    return page.locator("#lg-pipeline .js-plotly-plot").text_content()


def test_moving_the_temperature_slider_changes_the_charts(page, artifacts):
    open_tab(page)
    before = chart_text(page)
    assert "After top-p" in before and "Final probabilities" in before
    page.locator("#lg-top-k input[type=number]").fill("3")
    page.locator("#lg-top-k input[type=number]").press("Enter")
    page.wait_for_function("() => document.querySelector('#lg-pipeline').textContent.includes('3 kept')")
    summary_before = page.locator("#lg-summary").inner_text()
    slider = page.locator("#lg-temperature input[type=range]")
    for _ in range(10):
        slider.press("ArrowLeft")  # 1.0 -> 0.5 in steps of 0.05
    page.wait_for_function(
        "old => document.querySelector('#lg-summary').innerText !== old", arg=summary_before
    )
    after = chart_text(page)
    assert after != before
    page.screenshot(path=str(artifacts / "logits-tab.png"), full_page=True)


def test_generate_streams_tokens_and_says_why_it_stopped(page):
    open_tab(page)
    page.locator("#lg-temperature input[type=number]").fill("0")
    page.locator("#lg-temperature input[type=number]").press("Enter")
    page.locator("#lg-stop textarea").fill("ris.")
    page.locator("#lg-generate").click()
    page.wait_for_function("() => document.querySelector('#lg-status').innerText.includes('Stopped')")
    assert "a stop string appeared" in page.locator("#lg-status").inner_text()
    assert page.locator("#lg-generated .pg-gen").count() == 2
    assert "time to first token" in page.locator("#lg-status").inner_text()


def test_the_engine_switch_reorders_the_stages_and_three_engines_are_compared(page, artifacts):
    open_tab(page)
    summary = page.locator("#lg-summary").inner_text()
    page.locator("#lg-preset-every-stage").click()  # for writing, the engines keep one or two tokens
    page.wait_for_function("old => document.querySelector('#lg-summary').innerText !== old", arg=summary)
    page.wait_for_function(
        "() => document.querySelector('#lg-engines-text').innerText.includes('llama.cpp cuts')"
    )
    before = chart_text(page)
    assert before.index("After temperature") < before.index("After min-p")
    assert "transformers applies" in page.locator("#lg-order").inner_text()
    engines = page.locator("#lg-engines .js-plotly-plot").text_content()
    assert all(name in engines for name in ("transformers", "vllm", "llama.cpp"))
    comparison = page.locator("#lg-engines-text").inner_text()
    assert "transformers vs llama.cpp: total variation distance" in comparison
    assert "llama.cpp cuts" in comparison or "transformers keeps, llama.cpp cuts" in comparison
    assert "p =" in page.locator("#lg-draws-text").inner_text()
    assert "1,000 draws beside the probabilities" in page.locator("#lg-draws .js-plotly-plot").text_content()

    page.get_by_label("llama.cpp").check()
    page.wait_for_function(
        "() => document.querySelector('#lg-order').innerText.includes('llama.cpp applies')"
    )
    page.wait_for_function(
        "() => { const t = document.querySelector('#lg-pipeline').textContent;"
        " return t.indexOf('After temperature') > t.indexOf('After min-p'); }"
    )
    after = chart_text(page)
    assert "last 64 tokens, prompt included" in after
    page.screenshot(path=str(artifacts / "logits-engines.png"), full_page=True)


def test_stop_ends_the_generation_with_its_reason_timings_and_tokens_to_fork(page):
    open_tab(page)
    for slider, value in (("#lg-max-new", "256"), ("#lg-min-new", "256")):
        page.locator(f"{slider} input[type=number]").fill(value)
        page.locator(f"{slider} input[type=number]").press("Enter")
    page.locator("#lg-generate").click()
    page.locator("#lg-generated .pg-gen").nth(2).wait_for(timeout=60_000)
    page.locator("#lg-stop-generation").click()
    # Within a step (well under a second): a final state, not "Generating… n token(s) so far."
    page.wait_for_function(
        "() => document.querySelector('#lg-status').innerText.includes('you pressed Stop')", timeout=15_000
    )
    status = page.locator("#lg-status").inner_text()
    assert "Generating" not in status and "time to first token" in status
    made = page.locator("#lg-generated .pg-gen").count()
    assert 3 <= made < 256
    assert f"{made} tokens" in status
    page.wait_for_timeout(1_000)
    assert page.locator("#lg-generated .pg-gen").count() == made  # nothing more arrives
    page.locator("#lg-generated .pg-gen[data-index='1']").click()
    page.wait_for_function("() => document.querySelector('#fk-info').innerText.includes('#2')")
    assert "still running" not in page.locator("#fk-info").inner_text()
    assert page.locator("#fk-choice label").count() >= 2
