"""Token spans, readable pieces and the comparison tokenizers."""

from __future__ import annotations

import pytest

from playground import config, tokens

TEXTS = {
    "english": "The capital of France is Paris.",
    "telugu": "తెలుగు ఒక అందమైన భాష.",
    "emoji": "I ❤️ tokens 🙂👍🏽 👨‍👩‍👧",
    "whitespace": "  two  spaces\n\ttab\r\nwindows line\n\n",
}


def test_byte_level_table_covers_every_byte_once():
    table = tokens.byte_level_decoder()
    assert sorted(table.values()) == list(range(256))
    assert table["Ġ"] == ord(" ") and table["Ċ"] == ord("\n")


def test_piece_bytes_reads_each_vocabulary_spelling():
    assert tokens.piece_bytes("Ġcapital", "byte_level") == b" capital"
    assert tokens.piece_bytes("à°¤", "byte_level") == "త".encode()
    assert tokens.piece_bytes("▁Paris", "sentencepiece") == b" Paris"
    assert tokens.piece_bytes("<0xE0>", "sentencepiece") == b"\xe0"
    assert tokens.piece_bytes("##ing", "wordpiece") == b"ing"


def test_readable_marks_spaces_and_shows_partial_bytes_as_hex():
    assert tokens.readable(b" a\n") == ("␣a↵", False)
    assert tokens.readable("త".encode()[:2]) == ("‹E0 B0›", True)
    assert tokens.readable(b" " + "😀".encode()[:3]) == ("␣‹F0 9F 98›", True)
    assert tokens.readable("తె".encode()) == ("తె", False)


def test_sanitize_replaces_lone_surrogates_keeping_offsets():
    text, count = tokens.sanitize("a\ud800b\udfffc")
    assert (text, count) == ("a\ufffdb\ufffdc", 2)
    assert len(text) == 5


def test_byte_tokenizer_gives_one_token_per_utf8_byte():
    result = tokens.tokenize(None, "తa", "utf-8 bytes")
    assert [t.id for t in result.tokens] == list("తa".encode())
    assert result.num_tokens == result.num_bytes == 4
    assert [t.start for t in result.tokens] == [0, 0, 0, 1]
    assert result.tokens[1].note == "byte 2 of 3 of 'త' U+0C24"


def test_char_tokenizer_gives_one_token_per_code_point():
    result = tokens.tokenize(None, "a 🙂", "characters")
    assert [t.id for t in result.tokens] == [ord("a"), 32, 0x1F642]
    assert [t.label for t in result.tokens] == ["a", "␣", "🙂"]


def test_unknown_tokenizer_and_long_text_are_refused_with_a_sentence():
    with pytest.raises(tokens.TokenizeError, match=r"Unknown tokenizer 'nope'\. Choose one of"):
        tokens.tokenize(None, "hi", "nope")
    with pytest.raises(tokens.TokenizeError, match="at most"):
        tokens.tokenize(None, "x" * (config.MAX_TOKENIZE_CHARS + 1), "characters")


def test_empty_text_gives_an_empty_result(tiny_runner):
    result = tokens.tokenize(tiny_runner, "")
    assert result.to_api() == {
        "tokenizer": "model",
        "num_tokens": 0,
        "num_chars": 0,
        "num_bytes": 0,
        "tokens": [],
        "tokens_left_out": 0,
    }


@pytest.mark.real
@pytest.mark.parametrize("name", TEXTS)
def test_model_tokenizer_ids_and_offsets_match_the_tokenizer(real_runner, tokenizer, name):
    text = TEXTS[name]
    result = tokens.tokenize(real_runner, text)
    encoding = tokenizer(text, return_offsets_mapping=True)
    assert [t.id for t in result.tokens] == encoding["input_ids"]
    assert [(t.start, t.end) for t in result.tokens] == [tuple(o) for o in encoding["offset_mapping"]]
    assert [t.piece for t in result.tokens] == tokenizer.convert_ids_to_tokens(encoding["input_ids"])
    # The pieces' bytes, put back together, are exactly the text: nothing lost, nothing invented.
    joined = b"".join(tokens.piece_bytes(t.piece, "byte_level") for t in result.tokens)
    assert joined == text.encode("utf-8")
    assert sum(t.num_bytes for t in result.tokens) == result.num_bytes


@pytest.mark.real
def test_telugu_letters_split_into_bytes_are_explained(real_runner):
    result = tokens.tokenize(real_runner, "తె")
    assert [t.label for t in result.tokens] == ["‹E0›", "‹B0›", "‹A4›", "‹E0›", "‹B1›", "‹86›"]
    assert all(t.partial for t in result.tokens)
    assert result.tokens[1].note == "byte 2 of 3 of 'త' U+0C24"
    assert result.tokens[5].note == "byte 3 of 3 of 'ె' U+0C46"


@pytest.mark.real
def test_emoji_split_across_a_space_token_names_its_bytes(real_runner):
    result = tokens.tokenize(real_runner, "a 😀")
    labels = [t.label for t in result.tokens]
    assert labels == ["a", "␣‹F0 9F 98›", "‹80›"]
    assert result.tokens[1].note == "bytes 1–3 of 4 of '😀' U+1F600"
    assert result.tokens[2].note == "byte 4 of 4 of '😀' U+1F600"


@pytest.mark.real
def test_chat_view_marks_the_template_special_tokens(real_runner):
    result = tokens.chat_view(real_runner, "Hello")
    specials = [t.piece for t in result.tokens if t.special]
    assert specials == ["<|im_start|>", "<|im_end|>", "<|im_start|>", "<|im_end|>", "<|im_start|>"]
    assert result.text.endswith("<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n")
    assert [t.id for t in result.tokens] == real_runner.tokenize("Hello", chat=True).ids


@pytest.mark.real
def test_telugu_costs_several_times_the_tokens_of_english(real_runner):
    rows = {row["code"]: row for row in tokens.language_cost(real_runner)}
    assert rows["en"]["tokens_vs_english"] == 1
    assert rows["te"]["tokens_vs_english"] > 5
    assert rows["te"]["tokens_per_char"] > 2 > rows["en"]["tokens_per_char"] * 5
    assert {"en", "te", "hi", "zh", "ar", "ru", "fr"} <= rows.keys()


def test_hub_tokenizers_offline_say_which_tokenizers_work_offline(tiny_runner):
    with pytest.raises(
        tokens.TokenizerUnavailable, match=r"not available offline.*\(model, utf-8 bytes, characters\)"
    ):
        tokens.tokenize(tiny_runner, "hi", "GPT-2")
