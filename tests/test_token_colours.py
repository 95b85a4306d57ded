"""Token views a colour-blind learner can read, with details reachable without a mouse: the probability
scale grows lighter with p, its text keeps contrast, a legend gives the numbers, and every tooltip of a
token view is also a box that focus (a tap, or Tab) shows."""

from __future__ import annotations

import re
from html import unescape
from itertools import pairwise

import pytest

from playground import html, i18n, tokens
from tests.test_lessons_views import BONUS, STEP

GRID = [p / 100 for p in range(101)]


def lightness(colour: str) -> float:
    """CIELAB L* (0 black, 100 white) from WCAG's relative luminance Y."""
    y = html.relative_luminance(colour)
    return 116 * y ** (1 / 3) - 16 if y > (6 / 29) ** 3 else y * (29 / 3) ** 3


def contrast(a: str, b: str) -> float:
    light, dark = sorted((html.relative_luminance(a), html.relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_probability_scale_grows_lighter_at_every_step():
    shades = [lightness(html.prob_colour(p)) for p in GRID]
    assert all(a < b for a, b in pairwise(shades))
    assert shades[-1] - shades[0] > 70  # dark blue to yellow: told apart by lightness alone


def test_the_scale_ends_on_cividis_and_clamps_outside_zero_to_one():
    assert html.prob_colour(0.0) == html.prob_colour(-1.0) == "#00224e"
    assert html.prob_colour(1.0) == html.prob_colour(2.0) == "#fee838"


def test_token_text_on_the_scale_keeps_wcag_aa_contrast():
    worst = min(contrast(html.prob_colour(p), html.ink(html.prob_colour(p))) for p in GRID)
    assert worst >= 4.5
    assert html.ink(html.prob_colour(0.0)) == "#ffffff" and html.ink(html.prob_colour(1.0)) == "#000000"


@pytest.mark.parametrize("lang", ["en", "te"])
def test_the_legend_shows_low_to_high_with_the_numbers_and_their_colours(lang):
    with i18n.use(lang):
        legend = html.prob_legend()
    steps = re.findall(r'style="background:(#\w{6});color:(#\w{6})">(\d+)%</span>', legend)
    assert [int(number) for _, _, number in steps] == [0, 25, 50, 75, 100]
    assert [bg for bg, _, _ in steps] == [html.prob_colour(p) for p in html.LEGEND_STEPS]
    assert [ink for _, ink, _ in steps] == [html.ink(bg) for bg, _, _ in steps]
    for key in ("logits.legend", "logits.legend_low", "logits.legend_high", "logits.legend_tap"):
        assert i18n.t(key, lang=lang) in unescape(legend)
    assert legend.index(i18n.t("logits.legend_low", lang=lang)) < legend.index("0%")
    assert legend.index("100%") < legend.index(i18n.t("logits.legend_high", lang=lang))


def test_generated_tokens_carry_their_alternatives_in_a_box_focus_shows():
    chips = [
        {"label": "␣Paris", "prob": 0.9, "top": [("␣Paris", 0.9), ("<b>", 0.05)]},
        {"label": ".", "prob": 0.2, "top": [(".", 0.2)]},
    ]
    out = html.generated_tokens(chips)
    assert out.index('class="pg-legend"') < out.index('class="pg-tokens pg-generated"')
    assert out.count('tabindex="0"') == 2 and out.count('class="pg-tip"') == 2
    first = out[out.index('data-index="0"') : out.index('data-index="1"')]
    title = unescape(re.search(r'title="([^"]*)"', first).group(1))
    box = unescape(re.search(r'class="pg-tip" role="tooltip">([^<]*)</span>', first).group(1))
    assert box == title == "#1 · p = 90.0%\n␣Paris  90.0%\n<b>  5.0%"
    assert "<b>" not in out  # a token's text never becomes markup
    assert f"background:{html.prob_colour(0.9)};color:{html.ink(html.prob_colour(0.9))}" in first


def _views() -> dict[str, str]:
    """Every token view that carries tooltips, drawn from small handmade data."""
    view = tokens.token_view(tokens.TokenizeResult("utf-8 bytes", "తa", tokens.byte_spans("తa")))
    branches = [{"name": n, "labels": ["a", "b"], "probs": [0.5, 0.1], "total": -3.0} for n in "xy"]
    return {
        "tokenizer": html.token_groups(view, show_ids=True),
        "head grid": html.head_grid([[0.1, 0.2], [0.3, 0.4]], 0.4, (1, 0), ".0%"),
        "attended": html.attended_tokens(["a", "b", "c"], [0.7, 0.2, 0.1], True, "d", 0.5),
        "fork": html.fork_branches(["s"], branches, 1),
        "writing": html.writing_step(["a", "b", "c"], [0.6, 0.3, 0.1], 2, "d"),
        "speculative": html.speculative_rounds("first", [STEP, BONUS], limit=10),
    }


@pytest.mark.parametrize("name", list(_views()))
def test_every_tooltip_of_a_token_view_is_also_a_box_a_tap_or_tab_reaches(name):
    out = _views()[name]
    titles = re.findall(r'title="([^"]*)" tabindex="0"', out)
    boxes = re.findall(r'class="pg-tip" role="tooltip">([^<]*)</span>', out)
    assert titles and out.count("title=") == len(titles)  # every element with a tooltip is focusable
    assert sorted(titles) == sorted(boxes)  # ... and holds the same text in its box


def test_probability_views_have_the_legend_and_shading_views_do_not():
    views = _views()
    assert views["fork"].count('class="pg-legend"') == 1
    assert all('class="pg-legend"' not in out for name, out in views.items() if name != "fork")
