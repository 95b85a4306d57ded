"""The quantization and speculative-decoding tabs in a real browser, in English and in Telugu."""

from __future__ import annotations

import pytest

from playground import config, i18n

pytestmark = [pytest.mark.e2e, pytest.mark.real]


def _open(browser, app_url, lang: str, tab: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.goto(app_url + ("/te/" if lang == "te" else "/"))
    page.get_by_role("tab", name=i18n.t(f"tab.{tab}", lang=lang), exact=True).first.click()
    return context, page


def _summary_has(page, selector: str, text: str) -> None:
    page.wait_for_function(
        "([sel, text]) => document.querySelector(sel).innerText.includes(text)",
        arg=[selector, text],
        timeout=180_000,
    )


def test_quantize_shows_the_matrix_the_bytes_and_both_answers(browser, app_url, artifacts):
    context, page = _open(browser, app_url, "en", "quantize")
    page.locator("#qz-run").click()
    _summary_has(page, "#qz-summary", "bits per weight")
    summary = page.locator("#qz-summary").inner_text()
    assert "Q4_0 (GGUF)" in summary and "KL(original ‖ quantized)" in summary
    page.locator("#qz-histogram .js-plotly-plot").wait_for()
    assert page.locator("#qz-histogram .trace").count() == 2
    assert page.locator("#qz-generations .pg-fork-row").count() == 2
    projection = page.locator("#qz-projection").inner_text()
    assert "RTX 4090 24 GB" in projection and "T4 16 GB" in projection  # 16-bit needs the 4090, 4-bit a T4
    page.screenshot(path=str(artifacts / "quantize-tab.png"), full_page=True)

    page.locator("#qz-scheme input").click()  # the shipped formats give the same weights back
    page.get_by_role("option", name=i18n.t("quantize.scheme.shipped", lang="en")).click()
    page.locator("#qz-run").click()
    _summary_has(page, "#qz-summary", "values unchanged 100.0%")
    assert "identical" in page.locator("#qz-summary").inner_text()

    page.locator("#qz-prompts-run").click()
    _summary_has(page, "#qz-prompts-note", "KL 0")  # still the shipped scheme: nothing moved
    assert page.locator("#qz-prompts-note").inner_text().strip() == i18n.t(
        "quantize.prompts_unchanged", lang="en"
    )
    _summary_has(page, "#qz-prompts-table", "నీరు మరిగే ఉష్ణోగ్రత")  # the last of the four prompts
    table = page.locator("#qz-prompts-table").inner_text()
    assert all(prompt in table for prompt in config.DEFAULT_QUANT_PROMPTS) and table.count("Telugu") == 2

    page.locator("#qz-scheme input").click()  # 4 bits: the note compares the two languages
    page.get_by_role("option", name=i18n.t("quantize.scheme.q4_0", lang="en")).click()
    page.locator("#qz-prompts-run").click()
    _summary_has(page, "#qz-prompts-note", "Mean KL per position")
    assert page.locator("#qz-prompts-chart .trace").count() == 2  # English and Telugu bars
    context.close()


def test_speculative_draws_each_round_in_telugu(browser, app_url, artifacts):
    context, page = _open(browser, app_url, "te", "speculative")
    assert i18n.t("speculative.drafter.prompt_lookup", lang="te") in page.locator("#sp-drafter").inner_text()
    page.locator("#sp-max-new input[type=number]").fill("24")
    page.locator("#sp-max-new input[type=number]").press("Enter")
    page.locator("#sp-run").click()
    page.locator("#sp-rounds .pg-spec-row").first.wait_for(timeout=180_000)
    _summary_has(page, "#sp-summary", "ఫార్వర్డ్ పాస్")
    summary = page.locator("#sp-summary").inner_text()
    assert i18n.t("speculative.same_plain", lang="te") in summary
    assert page.locator("#sp-rounds .pg-spec-row").count() >= 2
    assert page.locator("#sp-rounds .pg-spec-ok").count() >= 1  # the list repeats: drafts were kept
    page.locator("#sp-chart .js-plotly-plot").wait_for()
    assert i18n.t("chart.spec.title", lang="te") in page.locator("#sp-chart .gtitle").text_content()
    page.screenshot(path=str(artifacts / "te-speculative-tab.png"), full_page=True)
    context.close()
