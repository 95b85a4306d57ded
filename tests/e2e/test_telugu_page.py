"""The Telugu page has no English left in view: every tab, its first run, an error, Gradio's own words."""

from __future__ import annotations

import json
import re

import pytest

from playground import i18n
from playground.ui import tabs
from tests.e2e.test_languages import READY, new_page

pytestmark = [pytest.mark.e2e, pytest.mark.real]

# The tabs whose first view is a button's run: (button, what the run draws).
RUNS = {
    "decode": ("#pd-run", "#pd-timeline .js-plotly-plot"),
    "beam": ("#bm-run", "#bm-tree .js-plotly-plot"),
    "quantize": ("#qz-run", "#qz-histogram .js-plotly-plot"),
    "speculative": ("#sp-run", "#sp-chart .js-plotly-plot"),
}
# Not ours to translate, so left out of the text read: token views (a model's tokens are what they
# are), code and formulas (code, pre, KaTeX's math), what the user typed or may type (inputs,
# example prompts), what the model wrote (the beams' texts), and a chart's tick labels and cell texts
# (tokens and numbers).
SKIP = (
    ".pg-tokens, .pg-tok, code, pre, .katex, textarea, input, [id$='-examples'], "
    "#bm-table [data-row][data-col='1'], .xtick, .ytick, .textpoint, .heatmaplayer, .hoverlayer, "
    ".modebar-container"
)
# The whole page in view (the open tab and what is around it), a chart's text too: [where, text] per
# block of text (a paragraph, a cell, a label: its pieces joined, so a gloss split by markup is one),
# where = the id of the nearest element that has one. Text marked as another language is left out (the
# switch names English in English); Gradio's footer too (its own links, not part of the lesson).
VISIBLE_TEXTS = """skip => {
    const blocks = new Map();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode, el = node.parentElement;
        if (!el || !node.textContent.trim() || el.closest(skip)) continue;
        if (el.closest('script, style, footer, body [lang]:not([lang=te])')) continue;
        if (!el.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
        const block = el.closest('p, li, td, th, h1, h2, h3, h4, h5, h6, label, button, text, [id]') || el;
        blocks.set(block, (blocks.get(block) || '') + ' ' + node.textContent);
    }
    return [...blocks].map(([block, text]) => [(block.closest('[id]') || {}).id || block.tagName, text]);
}"""


# English words that may stay, each with its reason; everything else in Latin letters fails.
L, R = r"(?<![A-Za-z0-9])", r"(?![A-Za-z0-9])"  # a word's edges: a Telugu suffix may follow it
ALLOWED = [
    r"␣[^\s()]*",  # a token's label (␣ marks its leading space), quoted in a sentence or a title
    r"\([^()]*\)",  # a gloss: the English term in brackets after its Telugu word, as the course teaches
    L + r"[A-Z][A-Z0-9_]+" + R,  # abbreviations the field writes in Latin: KV, TTFT, GPU, A100, UTF
    L + r"(?:Q\d_\w+|b?float\d+|int\d+|fp\d+)" + R,  # number formats, as GGUF and PyTorch name them
    L + r"(?:SmolLM|GPT|Qwen|BERT|multilingual|Llama|Mistral|Instruct|tiny)[\w.-]*",  # model names
    # software, and the device the model runs on, by their own names
    L + r"(?:transformers|vLLM|vllm|llama\.cpp|OpenAI|Hugging Face|Hub|PyTorch|RoPE|cpu|cuda)" + R,
    L + r"(?:top|min)-[kp]" + R,  # the sampling settings, as every engine's API names them
    r"(?<![A-Za-z])(?:ms|s|GB|GiB|MB|MiB|B|M|k|x|log|p\d*|n|N|T|max|min|div)" + R,  # units, variables
    r"[A-Z][a-z]+ et al\.",  # a cited paper's authors
    r"[A-Za-z_][\w-]*(?:\.\w+)+|/v1\S*",  # dotted names (config.json, a tensor's name) and API paths
]
WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


def english_left(text: str) -> list[str]:
    """The Latin-letter words in ``text`` once everything ALLOWED is taken out."""
    for pattern in ALLOWED:
        text = re.sub(pattern, " ", text)
    return WORD.findall(text)


def test_english_left_finds_words_and_keeps_names_glosses_and_units():
    assert english_left("లేయర్‌లు (layers): 12 GB, KV కాష్, SmolLM2-135M, transformers, 42 ms") == []
    assert english_left("L \\ H") == ["L", "H"]
    assert english_left("తరగతి Generate నొక్కితే, processing | 1.2s") == ["Generate", "processing"]


# Records every status line Gradio writes (its text once the page's scripts have run).
RECORD_STATUS = """() => {
    window.pgStatus = new Set();
    const note = node => {
        const text = (node.nodeValue || '').trim();
        if (/^(processing|queue:)|^(\\S+) \\|$/.test(text)) window.pgStatus.add(text);
    };
    new MutationObserver(changes => changes.forEach(change => {
        if (change.type === 'characterData') note(change.target);
        change.addedNodes.forEach(node => {
            if (node.nodeType === Node.TEXT_NODE) note(node);
            else if (node.nodeType === Node.ELEMENT_NODE) {
                const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
                while (walker.nextNode()) note(walker.currentNode);
            }
        });
    })).observe(document.body, {childList: true, subtree: true, characterData: true});
}"""


def _run_first_view(page, tab: str) -> None:
    page.get_by_role("tab", name=i18n.t(f"tab.{tab}", lang="te"), exact=True).first.click()
    page.locator(READY[tab]).first.wait_for()
    if tab in RUNS:
        button, drawn = RUNS[tab]
        page.locator(button).click()
        page.locator(drawn).first.wait_for(timeout=180_000)
    page.wait_for_function("() => !document.querySelector('.progress-text, .eta-bar')", timeout=180_000)


def _error_popup(page) -> str:
    """An empty prompt in the Logits tab: the pop-up's text, title and message."""
    page.get_by_role("tab", name=i18n.t("tab.logits", lang="te"), exact=True).first.click()
    page.locator("#lg-prompt textarea").fill("")
    page.locator("#lg-generate").click()
    toast = page.locator("[data-testid=toast-body]").first
    toast.wait_for()
    return toast.inner_text()


def test_no_english_is_left_in_view_on_the_telugu_page(browser, app_url, artifacts):
    context, page = new_page(browser, "te-IN")
    page.goto(f"{app_url}/te/")
    page.locator("#tok-tokens .pg-tok").first.wait_for()
    page.evaluate(RECORD_STATUS)
    left = {}
    for tab in tabs.IDS:
        _run_first_view(page, tab)
        texts = page.evaluate(VISIBLE_TEXTS, SKIP)
        left[tab] = sorted({f"{where}: {word}" for where, text in texts for word in english_left(text)})
        page.screenshot(path=str(artifacts / f"te-english-{tab}.png"), full_page=True)
    popup = _error_popup(page)
    page.screenshot(path=str(artifacts / "te-english-error.png"))
    texts = [*page.evaluate(VISIBLE_TEXTS, SKIP), ["toast", popup]]
    left["error"] = sorted({f"{where}: {word}" for where, text in texts for word in english_left(text)})
    (artifacts / "te-english-left.json").write_text(json.dumps(left, ensure_ascii=False, indent=1))
    assert i18n.t("page.gradio.error", lang="te") in popup
    assert i18n.t("error.prompt.empty", lang="te").split()[0] in popup
    assert page.evaluate("document.documentElement.lang") == "te"
    status = page.evaluate("[...window.pgStatus]")
    assert f"{i18n.t('page.gradio.processing', lang='te')} |" in status, status
    assert not [line for line in status if english_left(line)], status
    assert {tab: words for tab, words in left.items() if words} == {}
    context.close()
