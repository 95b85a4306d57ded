"""Telugu strings render with their values, and the model's numbers in the prose come from its config."""

from __future__ import annotations

import gradio as gr
import pytest

from playground import charts, i18n, tokens

TELUGU = range(0x0C00, 0x0C80)


def _has_telugu(text: str) -> bool:
    return any(ord(ch) in TELUGU for ch in text)


def test_telugu_summaries_fill_every_placeholder_with_western_digits():
    summary = i18n.t(
        "logits.summary", lang="te", token="␣Paris", prob=0.125, kept=1234, vocab=49152, entropy=2.5
    )
    assert summary.startswith("**ఎంపికైనది:** `␣Paris`")
    assert "12.5%" in summary and "1,234" in summary and "49,152" in summary and "2.50" in summary
    timing = i18n.t(
        "logits.timing", lang="te", count=8, ttft_ms=41.6, tpot_ms=12.34, later=7, tps=60.0, cache="ఆన్"
    )
    assert "42 ms" in timing and "12.3 ms" in timing and "60.0" in timing and "{" not in timing
    assert i18n.t("logits.stop_reason.length", lang="te", max_new_tokens=32).count("32") == 1
    stats = i18n.t(
        "tokenizer.stats", lang="te", tokens=3, chars=9, bytes=27, chars_per_token=3.0, bytes_per_token=9.0
    )
    assert "**27** UTF-8 బైట్‌లు" in stats and "**3.00**" in stats


def test_explanations_with_latex_keep_single_braces_after_formatting():
    for lang in i18n.LANGUAGES:
        text = i18n.t("logits.explain", lang=lang, vocab=49152)
        assert "e^{z_i}" in text and "\\text{frequency}" in text and "{{" not in text
        text = i18n.t("attention.explain", lang=lang, model="M", heads=9, kv_heads=3)
        assert "\\sqrt{d}" in text and "9" in text and "3" in text


def test_partial_byte_notes_follow_the_language():
    spans = tokens.byte_spans("త")
    assert spans[1].note == "byte 2 of 3 of 'త' U+0C24"
    with i18n.use("te"):
        spans = tokens.byte_spans("త")
    assert spans[1].note == "'త' U+0C24 లోని 3 బైట్‌లలో 2వ బైట్"


def test_chart_legends_and_hover_text_are_telugu_on_a_telugu_page():
    view = {
        "nodes": [
            {"id": 0, "parent": None, "x": 1, "y": 0, "label": "a", "logprob": -0.1, "score": -0.1,
             "status": "kept", "best": True},
            {"id": 1, "parent": None, "x": 1, "y": 1, "label": "b", "logprob": -2.0, "score": -2.0,
             "status": "pruned", "best": False},
        ],
        "root_y": 0,
        "greedy": [],
        "greedy_lane": 2,
    }  # fmt: skip
    with i18n.use("te"):
        fig = charts.beam_tree(view)
        cost = charts.language_cost(
            [{"code": "te", "language": "Telugu", "tokens": 9, "chars": 3, "bytes": 9,
              "tokens_per_char": 3.0, "tokens_vs_english": 4.5}]
        )  # fmt: skip
    names = {trace.name for trace in fig.data}
    assert {"కత్తిరించినవి", "బీమ్‌లు", "ఉత్తమమైనది", "పూర్తయినవి", "ప్రాంప్ట్"} <= names
    beams = next(trace for trace in fig.data if trace.name == "బీమ్‌లు" and trace.mode == "markers+text")
    assert beams.customdata[0][2] == "బీమ్‌గా ఉంచినది"
    assert "%{customdata[1]:.3f}" in beams.hovertemplate and _has_telugu(beams.hovertemplate)
    assert list(cost.data[0].y) == ["తెలుగు"]
    assert "%{x:.2f}" in cost.data[0].hovertemplate and _has_telugu(cost.data[0].hovertemplate)


def _markdown(demo: gr.Blocks) -> str:
    return "\n".join(
        block.value for block in demo.blocks.values() if isinstance(block, gr.Markdown) and block.value
    )


@pytest.mark.parametrize("lang", ["en", "te"])
def test_model_numbers_in_the_prose_come_from_the_loaded_config(tiny_runner, lang):
    """The tiny model has 2 layers and 3 query heads sharing 1 KV head: the prose must say so."""
    import app

    demo = app.build_demo(tiny_runner, lang)
    text = _markdown(demo)
    vocab = f"{len(tiny_runner.tokenizer):,}"
    with i18n.use(lang):
        expected = [
            i18n.t("tokenizer.explain", model="tiny", vocab=len(tiny_runner.tokenizer)),
            i18n.t("attention.explain", model="tiny", heads=3, kv_heads=1),
            i18n.t("attention.grid_explain", last_layer=1, last_head=2),
            i18n.t("context.explain", model="tiny", heads=3, kv_heads=1),
        ]
    for sentence in expected:
        assert sentence in text
    assert vocab in text and "0–1" in text and "0–2" in text
    assert _has_telugu(text) == (lang == "te")


def test_a_streaming_handler_answers_in_its_language_at_every_step():
    """Gradio calls next() on a streaming handler in a fresh copy of the context each time."""
    import contextvars

    from playground.ui.common import handler

    def stream():
        yield i18n.t("logits.cache_on")
        yield i18n.t("logits.stop_reason.length", max_new_tokens=2)

    with i18n.use("te"):
        bound = handler(stream)
    steps = bound()
    first = contextvars.copy_context().run(next, steps)
    last = contextvars.copy_context().run(next, steps)
    assert (first, last) == (
        i18n.t("logits.cache_on", lang="te"),
        i18n.t("logits.stop_reason.length", lang="te", max_new_tokens=2),
    )
    with pytest.raises(StopIteration):
        contextvars.copy_context().run(next, steps)
