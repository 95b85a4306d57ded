"""Telugu and English in a real browser: the browser's locale, the switch and the ?lang= link."""

from __future__ import annotations

import json
import re

import pytest

from playground import i18n
from playground.ui import tabs

pytestmark = [pytest.mark.e2e, pytest.mark.real]

TABS = list(tabs.IDS)
# What each tab draws once it is ready (the first view is computed at start-up).
READY = {
    "tokenizer": "#tok-cost .js-plotly-plot",
    "logits": "#lg-pipeline .js-plotly-plot",
    "attention": "#at-heatmap .js-plotly-plot",
    "inside": "#in-strips .js-plotly-plot",
    "decode": "#tab-decode button",
    "serving": "#sv-refresh",
    "beam": "#bm-beams input",
    "context": "#cc-projection .js-plotly-plot",
    "quantize": "#qz-run",
    "speculative": "#sp-run",
    "classroom": "#cl-start",
}
# The visible text of the open tab and the page around it, without what is not ours to translate:
# token views, code, example prompts, the text the user typed, and Gradio's footer.
VISIBLE_TEXT = """tab => {
    const root = document.querySelector('#tab-' + tab);
    const skip = '.pg-tokens, .pg-cmp, code, pre, textarea, input, [id$="-examples"], footer, '
        + '.js-plotly-plot';
    const texts = [document.querySelector('#lang-switch').innerText,
                   ...[...document.querySelectorAll('[role=tab]')].map(b => b.innerText)];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode, el = node.parentElement;
        if (!el || el.closest(skip) || !el.checkVisibility()) continue;
        texts.push(node.textContent);
    }
    return texts.join(' ');
}"""


def telugu_share(text: str) -> float:
    """Telugu letters among all letters (Telugu or Latin); digits, symbols and spaces do not count."""
    telugu = len(re.findall(r"[\u0C00-\u0C7F]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return telugu / max(1, telugu + latin)


def new_page(browser, locale: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
    return context, context.new_page()


def open_tab(page, tab: str, lang: str) -> str:
    page.get_by_role("tab", name=i18n.t(f"tab.{tab}", lang=lang), exact=True).first.click()
    page.locator(READY[tab]).first.wait_for()
    return page.evaluate(VISIBLE_TEXT, tab)


def test_a_telugu_browser_gets_the_telugu_page_on_every_tab(browser, app_url, artifacts):
    context, page = new_page(browser, "te-IN")
    page.goto(app_url)
    page.wait_for_url(re.compile(r"/te/$"))
    page.locator("#tok-tokens .pg-tok").first.wait_for()
    tab_names = [i18n.t(f"tab.{tab}", lang="te") for tab in TABS]
    assert page.locator("[role=tab]").all_inner_texts()[: len(TABS)] == tab_names
    shares = {}
    for tab in TABS:
        text = open_tab(page, tab, "te")
        shares[tab] = telugu_share(text)
        page.screenshot(path=str(artifacts / f"te-{tab}.png"), full_page=True)
    (artifacts / "te-telugu-share.json").write_text(json.dumps(shares, indent=1))
    assert all(share > 0.6 for share in shares.values()), shares
    context.close()


def test_the_generate_status_line_is_telugu_after_a_generation(browser, app_url):
    context, page = new_page(browser, "te-IN")
    page.goto(f"{app_url}/te/")
    open_tab(page, "logits", "te")
    page.locator("#lg-max-new input[type=number]").fill("4")
    page.locator("#lg-max-new input[type=number]").press("Enter")
    page.locator("#lg-generate").click()
    page.wait_for_function("() => document.querySelectorAll('#lg-generated .pg-gen').length === 4")
    page.wait_for_function("() => document.querySelector('#lg-status').innerText.trim().length > 0")
    status = page.locator("#lg-status").inner_text()
    assert telugu_share(status) > 0.6, status
    context.close()


def test_an_english_browser_sees_the_english_page_unchanged(browser, app_url, artifacts):
    context, page = new_page(browser, "en-US")
    page.goto(app_url)
    page.locator("#tok-tokens .pg-tok").first.wait_for()
    assert page.url.rstrip("/") == app_url
    assert page.locator("[role=tab]").all_inner_texts()[: len(TABS)] == [
        i18n.t(f"tab.{tab}", lang="en") for tab in TABS
    ]
    assert telugu_share(open_tab(page, "logits", "en")) < 0.05
    context.close()


def test_the_switch_and_the_link_change_the_language_and_the_choice_is_kept(browser, app_url, artifacts):
    context, page = new_page(browser, "en-US")
    page.goto(app_url)
    page.locator("#tok-tokens .pg-tok").first.wait_for()
    page.locator("#lang-switch").get_by_role("link", name="తెలుగు").click()
    page.wait_for_url(re.compile(r"/te/$"))
    page.get_by_role("tab", name=i18n.t("tab.tokenizer", lang="te")).first.wait_for()
    # The tokenizer view: a Telugu letter drawn once over the byte tokens it is made of.
    page.locator("#tok-text textarea").fill("తెలుగు 👍🏽")
    page.wait_for_function("() => document.querySelectorAll('#tok-tokens .pg-char').length === 8")
    assert page.locator("#tok-tokens .pg-char-label").first.inner_text() == "త"
    page.screenshot(path=str(artifacts / "te-switch.png"), full_page=True)
    page.goto(app_url)  # the choice is kept for the plain link
    page.wait_for_url(re.compile(r"/te/$"))
    page.locator("#lang-switch").get_by_role("link", name="English").click()
    page.wait_for_url(app_url + "/")
    page.get_by_role("tab", name=i18n.t("tab.tokenizer", lang="en")).first.wait_for()
    context.close()

    context, page = new_page(browser, "en-US")  # a shared link works in a fresh browser
    page.goto(f"{app_url}/?lang=te")
    page.wait_for_url(re.compile(r"/te/$"))
    page.get_by_role("tab", name=i18n.t("tab.logits", lang="te")).first.wait_for()
    context.close()
