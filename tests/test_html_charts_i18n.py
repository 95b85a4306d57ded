"""The pure builders (HTML and charts) and the UI strings."""

from __future__ import annotations

import pytest

from playground import charts, html, i18n


def _token(label, **extra):
    base = {"id": 1, "piece": label, "start": 0, "end": 1, "label": label, "num_bytes": 1}
    return base | extra


def test_token_spans_escape_user_text():
    out = html.token_spans([_token("<script>alert(1)</script>")], show_ids=True)
    assert "<script>" not in out and "&lt;script&gt;" in out


def test_token_spans_show_ids_only_when_asked_and_break_after_newlines():
    tokens = [_token("a", id=64), _token("↵", id=198), _token("b", id=65)]
    with_ids = html.token_spans(tokens, show_ids=True)
    assert with_ids.count('class="pg-id"') == 3 and "<br>" in with_ids
    assert 'class="pg-id"' not in html.token_spans(tokens, show_ids=False)


def test_token_spans_cut_at_the_limit_and_say_how_many_more():
    out = html.token_spans([_token("x")] * 5, show_ids=False, limit=2)
    assert out.count('class="pg-tok pg-c') == 2 and "3 more tokens" in out


def test_special_and_partial_tokens_are_marked():
    out = html.token_spans(
        [_token("<|im_start|>", special=True), _token("‹E0›", partial=True, note="byte 1")], False
    )
    assert "pg-special" in out and "pg-partial" in out and "byte 1" in out


def test_language_cost_chart_draws_both_measures_per_language():
    rows = [
        {
            "code": "en",
            "language": "English",
            "tokens": 10,
            "chars": 40,
            "bytes": 40,
            "tokens_per_char": 0.25,
            "tokens_vs_english": 1.0,
        },
        {
            "code": "te",
            "language": "Telugu",
            "tokens": 120,
            "chars": 45,
            "bytes": 120,
            "tokens_per_char": 120 / 45,
            "tokens_vs_english": 12.0,
        },
    ]
    fig = charts.language_cost(rows)
    assert [list(trace.y) for trace in fig.data] == [["English", "Telugu"]] * 2
    assert list(fig.data[1].x) == [1.0, 12.0]
    assert list(fig.data[1].text) == ["×1.0", "×12.0"]


def test_the_current_language_follows_use_and_unknown_keys_fail():
    assert i18n.t("tab.tokenizer", lang="te") != i18n.t("tab.tokenizer", lang="en")
    with i18n.use("te-IN"):
        assert i18n.current() == "te"
        assert i18n.t("tab.tokenizer") == i18n.t("tab.tokenizer", lang="te")
    assert i18n.current() == "en"
    assert i18n.t("tokenizer.more_tokens", count=3) == "… and 3 more tokens (all are counted above)."
    with pytest.raises(KeyError):
        i18n.t("no.such.key")


def _pipeline_view():
    stage = {"kept": 2, "entropy": 1.0, "values": [3.0, 2.0, 1.5], "removed": [False, False, True]}
    stages = [
        dict(stage, name=name) for name in ("raw", "penalties", "temperature", "top_k", "top_p", "min_p")
    ]
    return {
        "ids": [5, 6, 7],
        "labels": ["␣Paris", "␣the", "␣London"],
        "stages": stages,
        "final": [0.7, 0.3, 0.0],
        "final_kept": 2,
        "final_entropy": 0.88,
        "sampled": 1,
        "sampled_prob": 0.3,
    }


def test_pipeline_chart_has_a_panel_per_stage_greys_cuts_and_marks_the_sample():
    import plotly.graph_objects as go

    fig = charts.sampling_pipeline(_pipeline_view())
    go.Figure(fig.to_dict())  # the unvalidated fast figure must pass plotly's validation
    assert len(fig.data) == 7
    assert list(fig.data[3].marker.color) == [charts.BLUE, charts.BLUE, charts.GREY]
    assert fig.data[3].text[2] == "cut"
    assert list(fig.data[6].marker.color) == [charts.BLUE, charts.ORANGE, charts.BLUE]
    titles = [a.text.replace("<br>", "") for a in fig.layout.annotations]  # lines wrapped to a panel
    assert titles[0].startswith("Raw logits") and titles[-1].startswith("Final probabilities")
    assert "2 kept 0.88 bits" in titles[-1] and "<sup>" not in titles[-1]
    assert list(fig.layout.yaxis.ticktext) == ["␣Paris", "␣the", "␣London"]
