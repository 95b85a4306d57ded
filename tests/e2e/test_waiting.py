"""Waiting on a long action in a real browser: its button is disabled while it runs and comes back
after (an error too), words say what is being done, the fork streams, and a refused prompt gives
one error pop-up."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.real]

DISABLED = "id => document.getElementById(id).disabled"
ENABLED = "id => !document.getElementById(id).disabled"


def text_includes(page, elem_id: str, words: str, timeout: float = 120_000) -> None:
    page.wait_for_function(
        "([id, words]) => (document.getElementById(id)?.innerText || '').includes(words)",
        arg=[elem_id, words],
        polling="raf",
        timeout=timeout,
    )


def test_measure_both_says_which_run_and_token_and_its_button_waits(page):
    page.get_by_role("tab", name="Prefill and decode").click()
    page.locator("#pd-new-tokens input[type=number]").fill("64")
    page.locator("#pd-new-tokens input[type=number]").press("Enter")
    page.locator("#pd-run").click()
    page.wait_for_function(DISABLED, arg="pd-run", polling="raf")
    text_includes(page, "pd-progress", "Measuring the second run (KV cache off): token")
    assert "of 64" in page.locator("#pd-progress").inner_text()
    assert page.locator("#pd-run").is_disabled()
    text_includes(page, "pd-metrics", "KV cache")
    page.wait_for_function(ENABLED, arg="pd-run", timeout=60_000)
    assert page.locator("#pd-progress").inner_text().strip() == ""


def test_a_refused_prompt_brings_the_button_back_with_one_error(page):
    page.get_by_role("tab", name="Prefill and decode").click()
    page.locator("#pd-prompt textarea").fill("")
    page.locator("#pd-run").click()
    page.locator(".toast-body").first.wait_for()
    page.wait_for_function(ENABLED, arg="pd-run", timeout=30_000)
    page.wait_for_timeout(1500)  # a second pop-up, if any, has come by now
    assert page.locator(".toast-body").count() == 1
    assert page.locator("#pd-progress").inner_text().strip() == ""


@pytest.mark.parametrize(
    "tab, prompt, button",
    [
        ("Logits to token", "lg-prompt", "lg-generate"),
        ("Inside the model", "in-prompt", "in-generate"),
        ("Prefill and decode", "pd-prompt", "pd-run"),
        ("Beam search tree", "bm-prompt", "bm-run"),
        ("Beam search tree", "bm-prompt", "st-run"),
        ("Quantization", "qz-prompt", "qz-run"),
        ("Quantization", "qz-prompt", "qz-speed-run"),
        ("Speculative decoding", "sp-prompt", "sp-run"),
    ],
)
def test_an_empty_prompt_gives_exactly_one_error_popup(page, tab, prompt, button):
    page.get_by_role("tab", name=tab).click()
    page.locator(f"#{prompt} textarea").fill("")
    page.wait_for_timeout(1000)  # the prompt's own redraws have run
    assert page.locator(".toast-body").count() == 0
    page.locator(f"#{button}").click()
    page.locator(".toast-body").first.wait_for(timeout=60_000)
    page.wait_for_function(ENABLED, arg=button, timeout=30_000)
    page.wait_for_timeout(1500)
    assert page.locator(".toast-body").count() == 1
    assert "prompt is empty" in page.locator(".toast-body").inner_text()


@pytest.mark.parametrize(
    "tab, button, progress, words",
    [
        ("Prefill and decode", "pd-throughput-run", "pd-throughput-progress", "Measuring throughput"),
        ("Beam search tree", "bm-run", "bm-progress", "Searching with the beams"),
        ("Beam search tree", "st-run", "st-progress", "Generating with each strategy"),
        ("Quantization", "qz-run", "qz-progress", "Quantizing every matrix"),
        ("Speculative decoding", "sp-run", "sp-progress", "drafter proposing"),
        ("Serving a class", "sv-simulate", "sv-simulate-progress", "Simulating the class"),
        ("Inside the model", "in-generate", "in-progress", "recording the attention"),
        ("Context-length cost", "cc-run", "cc-progress", ""),
    ],
)
def test_a_long_button_is_disabled_and_says_what_it_does_until_it_ends(page, tab, button, progress, words):
    page.get_by_role("tab", name=tab).click()
    page.locator(f"#{button}").click()
    page.wait_for_function(DISABLED, arg=button, polling="raf")
    page.wait_for_function(
        "([id, words]) => { const text = document.getElementById(id).innerText.trim();"
        " return text !== '' && text.includes(words); }",
        arg=[progress, words],
        polling="raf",
    )
    page.wait_for_function(ENABLED, arg=button, timeout=300_000)
    assert page.locator(f"#{progress}").inner_text().strip() == ""
    assert page.locator(".toast-body").count() == 0


def test_the_fork_streams_its_tokens_before_it_ends(page):
    page.get_by_role("tab", name="Logits to token").click()
    page.locator("#lg-temperature input[type=number]").fill("0")
    page.locator("#lg-temperature input[type=number]").press("Enter")
    page.locator("#lg-max-new input[type=number]").fill("64")
    page.locator("#lg-max-new input[type=number]").press("Enter")
    page.locator("#lg-generate").click()
    page.wait_for_function(DISABLED, arg="lg-generate", polling="raf")
    text_includes(page, "lg-status", "time to first token")
    page.wait_for_function(ENABLED, arg="lg-generate")
    page.locator("#lg-generated .pg-gen[data-index='1']").click()
    text_includes(page, "fk-info", "#2")
    page.locator("#fk-run").click()
    # Tokens of the new branch while the summary still says it is generating: streamed, not at the end.
    page.wait_for_function(
        "() => document.querySelectorAll('#fk-branches .pg-gen').length > 0"
        " && document.getElementById('fk-summary').innerText.includes('Generating the fork')"
        " && document.getElementById('fk-run').disabled",
        polling="raf",
        timeout=120_000,
    )
    text_includes(page, "fk-summary", "Forked at")
    page.wait_for_function(ENABLED, arg="fk-run")
    assert page.locator("#fk-branches .pg-fork-row").count() == 2
