"""Bytes that are only part of a character are grouped under the character they form."""

from __future__ import annotations

import pytest

from playground import html, tokens


def _groups(text, spans):
    return [(chars, [s.label for s in run]) for chars, run in tokens.character_groups(text, spans)]


def test_a_telugu_letter_split_into_bytes_is_one_group_labelled_with_the_letter():
    assert _groups("తa", tokens.byte_spans("తa")) == [("త", ["‹E0›", "‹B0›", "‹A4›"]), ("", ["a"])]


def test_whole_characters_stay_tokens_of_their_own():
    text = "Hi తె"
    assert _groups(text, tokens.char_spans(text)) == [("", [c]) for c in ["H", "i", "␣", "త", "ె"]]


@pytest.mark.real
def test_model_tokens_of_telugu_emoji_and_mixed_text_group_exactly(tokenizer):
    text = "తెలుగు ok 👍🏽 日本"
    spans = tokens.learned_spans(tokenizer, text)
    groups = tokens.character_groups(text, spans)
    assert [s for _, run in groups for s in run] == spans  # every token once, in order: counts stay exact
    split = [chars for chars, _ in groups if chars]
    # A group's bytes decode to whole characters (no byte left over), among them the split ones.
    for chars, run in groups:
        decoded = b"".join(tokens.piece_bytes(s.piece, "byte_level") for s in run).decode("utf-8")
        assert chars in decoded
    assert split[:6] == list("తెలుగు")  # SmolLM2 cuts every Telugu letter into bytes
    assert {"👍", "🏽"} <= set(split)
    assert not {"o", "k", " "} & set("".join(split))


@pytest.mark.real
def test_a_token_with_whole_characters_and_part_of_the_next_shares_a_group(tokenizer):
    text = " ❤"  # " " + 3 bytes; SmolLM2 cuts it as "␣‹E2›" + "‹9D›" + "‹A4›"
    spans = tokens.learned_spans(tokenizer, text)
    assert [s.label for s in spans] == ["␣‹E2›", "‹9D›", "‹A4›"]
    assert _groups(text, spans) == [("❤", ["␣‹E2›", "‹9D›", "‹A4›"])]


def test_the_token_view_draws_the_character_once_over_its_tokens_and_counts_tokens():
    result = tokens.TokenizeResult("utf-8 bytes", "తa", tokens.byte_spans("తa"))
    view = tokens.token_view(result)
    out = html.token_groups(view, show_ids=True)
    assert out.count('class="pg-char"') == 1
    assert '<span class="pg-char-label">త</span>' in out
    assert out.count('class="pg-tok pg-c') == 4
    cut = html.token_groups(view, show_ids=False, limit=2)
    assert cut.count('class="pg-tok pg-c') == 2
    assert "… and 2 more tokens" in cut


def test_invisible_and_combining_characters_get_drawable_labels():
    assert tokens.drawable("ె") == "◌ె"
    assert tokens.drawable("\u200d") == "U+200D"
    assert tokens.drawable("త") == "త"


@pytest.mark.parametrize("chat", [False, True])
def test_the_attention_view_brackets_a_telugu_letter_as_the_tokenizer_view_does(tiny_runner, chat):
    import re

    from playground.ui import attention as attention_ui

    text = "తెలుగు 👍🏽"
    state = attention_ui.maps_for(tiny_runner, text, chat)
    _, attended, _ = attention_ui.draw(tiny_runner, state, 0, 0, True, "last_focus")
    result = tokens.chat_view(tiny_runner, text) if chat else tokens.tokenize(tiny_runner, text)
    tokenizer_view = html.token_groups(tokens.token_view(result), show_ids=False)
    label = re.compile(r'class="pg-char-label">([^<]*)<')
    assert label.findall(attended) == label.findall(tokenizer_view)
    assert label.findall(attended)[:2] == ["త", "◌ె"]
    assert attended.count('class="pg-tok pg-attn"') == len(state.labels)  # every token still drawn once
