"""The lessons' pure builders: the quantization and speculative charts (valid plotly, in the page's
language) and the rounds' HTML (user text escaped, each kind of token marked)."""

from __future__ import annotations

import plotly.graph_objects as go

from playground import charts, html, i18n

STEP = {
    "drafted": [1, 2, 3],
    "drafted_tokens": ["<b>a", "b", "c"],
    "target": [1, 9, 4, 5],
    "target_tokens": ["<b>a", "z", "d", "e"],
    "accepted": 1,
    "target_token": 9,
    "target_token_label": "z",
    "bonus": False,
    "draft_probs": [1.0, 1.0, 1.0],
    "target_probs": [0.9, 0.01, 0.2],
    "forward_passes": 2,
}
BONUS = STEP | {"accepted": 3, "target_token": 5, "target_token_label": "e", "bonus": True}
MATRIX = {
    "name": "model.layers.0.self_attn.q_proj.weight",
    "edges": [-1.0, 0.0, 1.0],
    "histogram_before": [3, 5],
    "histogram_after": [4, 4],
    "distinct_after": 16,
}


def test_the_rounds_mark_kept_rejected_unchecked_and_placed_tokens():
    out = html.speculative_rounds("<i>first", [STEP, BONUS], limit=10)
    assert "<b>a" not in out and "&lt;b&gt;a" in out and "&lt;i&gt;first" in out
    assert (
        out.count("pg-spec-ok") == 1 + 3 and out.count("pg-spec-no") == 1 and out.count("pg-spec-unseen") == 1
    )
    assert out.count("pg-spec-bonus") == 1 and out.count("pg-spec-row") == 3
    assert "the model&#x27;s first choice: z" in out
    assert "1 more passes" in html.speculative_rounds("x", [STEP, STEP], limit=1)


def test_the_lesson_charts_are_valid_plotly_in_both_languages():
    rows = [
        {"prompt": "The capital", "language": "en", "kl_mean": 0.1, "top1_agreement": 1.0, "tokens": 3},
        {"prompt": "రాజధాని", "language": "te", "kl_mean": 0.05, "top1_agreement": 0.9, "tokens": 20},
    ]
    for lang in i18n.LANGUAGES:
        with i18n.use(lang):
            figures = [
                charts.weight_histogram(MATRIX),
                charts.prompt_kl(rows),
                charts.speculative_rounds([STEP, BONUS]),
            ]
            for figure in figures:
                go.Figure(figure.to_dict())  # validated this time: a wrong property fails here
            assert figures[2].layout.title.text.replace("<br>", "") == i18n.t("chart.spec.title")  # wrapped
            assert [trace.name for trace in figures[1].data] == [
                i18n.t("quantize.lang.en"),
                i18n.t("quantize.lang.te"),
            ]
    stacked = charts.speculative_rounds([STEP, BONUS])
    assert [list(trace.y) for trace in stacked.data] == [[1, 3], [1, 1], [2, 0]]
    assert list(charts.weight_histogram(MATRIX).data[0].x) == [-0.5, 0.5]
