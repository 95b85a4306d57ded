"""The page on a 390 px phone, in English and Telugu: every tab in sight, charts that fit and read.

Read from the rendered page, not from pixels: the plotly SVG's text elements (their boxes, their
font size as drawn), the boxes of the page's elements and the lines of the controls' labels.
"""

from __future__ import annotations

import json

import pytest

from playground import i18n
from playground.ui import tabs
from tests.e2e.test_languages import READY, TABS

pytestmark = [pytest.mark.e2e, pytest.mark.real]

PHONE = {"width": 390, "height": 844}
MIN_FONT_PX = 10

# Every text the open tab's charts draw: its box on screen, its font size as drawn (the font size times
# the scale of the SVG transforms above it: plotly shrinks a bar's label that does not fit), and the box
# it must stay in: a bar's label in its subplot's plot area, everything else in the figure.
PLOTTED_TEXT = """tab => {
    const root = document.querySelector('#tab-' + tab);
    const texts = [];
    for (const plot of root.querySelectorAll('.js-plotly-plot')) {
        if (!plot.checkVisibility()) continue;
        const chart = plot.closest('[id]').id;
        const figure = plot.querySelector('.main-svg').getBoundingClientRect();
        for (const el of plot.querySelectorAll('svg text, svg tspan')) {
            const own = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('');
            if (!own.trim() || !el.checkVisibility() || el.closest('.hoverlayer')) continue;
            const r = el.getBoundingClientRect();
            if (!r.width) continue;
            const m = el.getScreenCTM();
            const scale = Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
            let area = figure;
            const subplot = el.closest('.subplot');
            if (el.closest('.bartext') && subplot) {
                const id = [...subplot.classList].find(c => c !== 'subplot');
                area = plot.querySelector(`.draglayer .${id} .nsewdrag`).getBoundingClientRect();
            }
            texts.push({
                chart, text: own.trim(), tag: el.tagName, title: !!el.closest('.infolayer'),
                px: parseFloat(getComputedStyle(el).fontSize) * scale,
                box: [r.left, r.top, r.right, r.bottom],
                area: [area.left, area.top, area.right, area.bottom],
            });
        }
    }
    return texts;
}"""

# Visible elements that reach past the viewport's sides and are not inside a box that scrolls sideways.
OUTSIDE_VIEWPORT = """() => {
    const width = document.documentElement.clientWidth, out = [];
    const scrolls = el => {
        for (let a = el.parentElement; a; a = a.parentElement) {
            const x = getComputedStyle(a).overflowX;
            if ((x === 'auto' || x === 'scroll') && a.getBoundingClientRect().right <= width + 1) return true;
        }
        return false;
    };
    for (const el of document.querySelectorAll('body *')) {
        if (!el.checkVisibility() || el.closest('svg')) continue;
        const r = el.getBoundingClientRect();
        if (!r.width || (r.left >= -1 && r.right <= width + 1) || scrolls(el)) continue;
        const name = (el.id || el.className || el.tagName).toString().slice(0, 60);
        out.push(name + ': ' + el.innerText?.slice(0, 40));
    }
    return {scrollWidth: document.documentElement.scrollWidth, out};
}"""

# The labels of the open tab's controls, each with its words and the lines it is drawn on.
CONTROL_LABELS = """tab => {
    const root = document.querySelector('#tab-' + tab);
    const out = [];
    for (const label of root.querySelectorAll('[data-testid=block-info]')) {
        if (!label.checkVisibility()) continue;
        const range = document.createRange();
        range.selectNodeContents(label);
        const rects = [...range.getClientRects()].filter(r => r.width > 0);
        const lines = new Set(rects.map(r => Math.round(r.top))).size;
        out.push({text: label.innerText, words: label.innerText.trim().split(/\\s+/).length, lines});
    }
    return out;
}"""


def overlaps(a: list[float], b: list[float], slack: float = 1.0) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > slack and min(a[3], b[3]) - max(a[1], b[1]) > slack


def inside(box: list[float], area: list[float], slack: float = 1.0) -> bool:
    return (
        box[0] >= area[0] - slack
        and box[1] >= area[1] - slack
        and box[2] <= area[2] + slack
        and box[3] <= area[3] + slack
    )


def chart_problems(texts: list[dict]) -> list[str]:
    """Every text drawn too small, cut by its box, or on top of another text of the same chart."""
    problems = [
        f"{x['chart']}: {x['text']!r} drawn at {x['px']:.1f} px" for x in texts if x["px"] < MIN_FONT_PX
    ]
    problems += [f"{x['chart']}: {x['text']!r} cut {x['box']} / {x['area']}" for x in texts
                 if not inside(x["box"], x["area"])]  # fmt: skip
    # A <text> holds its <tspan> lines: compare texts with texts and lines with lines.
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            if a["chart"] == b["chart"] and a["tag"] == b["tag"] and overlaps(a["box"], b["box"]):
                problems.append(f"{a['chart']}: {a['text']!r} overlaps {b['text']!r}")
    return problems


def label_problems(labels: list[dict]) -> list[str]:
    """A label on more than two lines, or on several lines with fewer than two words a line."""
    return [
        f"{x['text']!r} on {x['lines']} lines"
        for x in labels
        if x["lines"] > 2 or (x["lines"] > 1 and x["words"] / x["lines"] < 2)
    ]


def open_tab(page, tab: str, lang: str) -> None:
    button = page.get_by_role("tab", name=i18n.t(f"tab.{tab}", lang=lang), exact=True).first
    assert button.is_visible(), f"the {tab} tab's button is hidden"
    button.click()
    page.locator(READY[tab]).first.wait_for()
    # The charts of the tab's first view are drawn (plotly draws after the component mounts).
    page.wait_for_function(
        """tab => [...document.querySelectorAll('#tab-' + tab + ' .js-plotly-plot')]
            .every(p => !p.checkVisibility() || p.querySelector('.main-svg text'))""",
        arg=tab,
    )


def phone_page(browser, app_url: str, lang: str):
    context = browser.new_context(viewport=PHONE, locale="te-IN" if lang == "te" else "en-US")
    page = context.new_page()
    page.goto(app_url + ("/te/" if lang == "te" else "/"))
    page.locator("#tok-tokens .pg-tok").first.wait_for()
    return context, page


@pytest.mark.parametrize("lang", ["en", "te"])
def test_every_tab_fits_and_reads_on_a_390_px_phone(browser, app_url, artifacts, lang):
    context, page = phone_page(browser, app_url, lang)
    # No "More tabs" menu: Gradio's overflow button is not drawn.
    assert not page.locator(".overflow-menu, .overflow-dropdown").first.is_visible()
    found = {}
    for tab in TABS:
        open_tab(page, tab, lang)
        page.screenshot(path=str(artifacts / f"phone-{lang}-{tab}.png"), full_page=True)
        problems = chart_problems(page.evaluate(PLOTTED_TEXT, tab))
        problems += label_problems(page.evaluate(CONTROL_LABELS, tab))
        wide = page.evaluate(OUTSIDE_VIEWPORT)
        if wide["scrollWidth"] > PHONE["width"]:
            problems.append(f"the page is {wide['scrollWidth']} px wide")
        problems += [f"wider than the phone: {what}" for what in wide["out"]]
        if problems:
            found[tab] = problems
    (artifacts / f"phone-{lang}-problems.json").write_text(json.dumps(found, indent=1, ensure_ascii=False))
    context.close()
    assert not found, json.dumps(found, indent=1, ensure_ascii=False)[:4000]


def test_every_tab_button_is_in_sight_at_1024_px(browser, app_url):
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    for lang in i18n.LANGUAGES:
        page.goto(app_url + ("/te/" if lang == "te" else "/"))
        page.locator("#tok-tokens .pg-tok").first.wait_for()
        for tab in tabs.IDS:
            button = page.get_by_role("tab", name=i18n.t(f"tab.{tab}", lang=lang), exact=True).first
            assert button.is_visible(), (lang, tab)
            box = button.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 1024, (lang, tab, box)
    context.close()
