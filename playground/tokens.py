"""Token spans, the readable text of byte-level pieces, and tokenizer comparison.

A byte-level BPE vocabulary (GPT-2, SmolLM2, Qwen) stores each token as a string in which every
byte is drawn as one printable character: a leading space is "Ġ", a newline "Ċ", and the three
bytes of the Telugu letter "త" are "à°¤". Splitting a multi-byte character across tokens is normal,
so a token may hold only part of a character. We map every piece back to its bytes and show:
whole characters as text, a space as "␣", a newline as "↵", and bytes that are only part of a
character as hex, e.g. ‹E0 B0›, never as mojibake.
"""

from __future__ import annotations

import bisect
import json
import re
import unicodedata
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

from playground import config, models
from playground.errors import UserError
from playground.i18n import t

ASSETS = Path(__file__).resolve().parent.parent / "assets"

_SURROGATES = re.compile("[\ud800-\udfff]")
_BYTE_FALLBACK = re.compile(r"^<0x([0-9A-Fa-f]{2})>$")
_VISIBLE = {" ": "␣", "\n": "↵", "\t": "⇥", "\r": "␍"}


class TokenizeError(UserError):
    """Input the user can fix; the message says how."""


class TokenizerUnavailable(TokenizeError):
    """A Hub tokenizer that is neither in the local cache nor downloadable (offline)."""


@dataclass(frozen=True)
class TokenSpan:
    id: int
    piece: str  # the vocabulary string, as the tokenizer stores it
    start: int  # character offsets into the text
    end: int
    label: str  # what to draw: readable text, with ␣ ↵ marks and ‹hex› for partial bytes
    num_bytes: int  # the token's length in UTF-8 bytes
    special: bool = False
    partial: bool = False  # holds part of a multi-byte character
    note: str = ""  # a sentence for the tooltip, e.g. which character a byte belongs to
    byte_start: int = -1  # where its bytes start in the text's UTF-8 bytes; -1: not found there


@dataclass(frozen=True)
class TokenizeResult:
    tokenizer: str
    text: str
    tokens: list[TokenSpan]

    @property
    def num_tokens(self) -> int:
        return len(self.tokens)

    @property
    def num_chars(self) -> int:
        return len(self.text)

    @property
    def num_bytes(self) -> int:
        return len(self.text.encode("utf-8"))

    def to_api(self, limit: int = config.MAX_API_TOKENS_LISTED) -> dict:
        """The /tokenize contract of the README's API section, plus readable labels.

        The first ``limit`` tokens are listed, the counts stay exact, and ``tokens_left_out`` (with a
        sentence) says how many more."""
        from playground.i18n import t as text

        listed = self.tokens[:limit]
        left_out = self.num_tokens - len(listed)
        answer = {
            "tokenizer": self.tokenizer,
            "num_tokens": self.num_tokens,
            "num_chars": self.num_chars,
            "num_bytes": self.num_bytes,
            "tokens": [
                {"id": t.id, "piece": t.piece, "start": t.start, "end": t.end, "label": t.label}
                for t in listed
            ],
            "tokens_left_out": left_out,
        }
        if left_out:
            answer["note"] = text(
                "safety.tokens_left_out", shown=len(listed), total=self.num_tokens, left_out=left_out
            )
        return answer


# --- bytes of a piece ---------------------------------------------------------------------------


@cache
def byte_level_decoder() -> dict[str, int]:
    """GPT-2's printable character -> byte table (the inverse of ``bytes_to_unicode``)."""
    printable = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    chars = printable[:]
    shift = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + shift)
            shift += 1
    return {chr(c): b for b, c in zip(printable, chars, strict=False)}


@cache
def tokenizer_scheme(tokenizer) -> str:
    """How the vocabulary spells bytes: "byte_level", "sentencepiece", "wordpiece" or "plain"."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        return "plain"
    decoder = json.loads(backend.to_str()).get("decoder") or {}
    types = {decoder.get("type")} | {d.get("type") for d in decoder.get("decoders", [])}
    if "ByteLevel" in types:
        return "byte_level"
    if "WordPiece" in types:
        return "wordpiece"
    if types & {"Metaspace", "ByteFallback", "Replace"}:
        return "sentencepiece"
    return "plain"


def piece_bytes(piece: str, scheme: str) -> bytes:
    """The UTF-8 bytes a vocabulary piece stands for."""
    if scheme == "byte_level":
        table = byte_level_decoder()
        if all(ch in table for ch in piece):
            return bytes(table[ch] for ch in piece)
        return piece.encode("utf-8")
    if scheme == "sentencepiece":
        fallback = _BYTE_FALLBACK.match(piece)
        if fallback:
            return bytes([int(fallback.group(1), 16)])
        return piece.replace("▁", " ").encode("utf-8")
    if scheme == "wordpiece":
        return (piece[2:] if piece.startswith("##") else piece).encode("utf-8")
    return piece.encode("utf-8")


def readable(data: bytes) -> tuple[str, bool]:
    """Text to draw for some bytes, and whether any byte is only part of a character.

    Whole characters are shown as themselves (whitespace as a visible mark); bytes that do not
    form a whole character are shown as hex in ‹ ›, grouped.
    """
    decoded = data.decode("utf-8", errors="surrogateescape")
    out: list[str] = []
    loose: list[str] = []
    for ch in decoded:
        if "\udc80" <= ch <= "\udcff":
            loose.append(f"{ord(ch) - 0xDC00:02X}")
            continue
        if loose:
            out.append("‹" + " ".join(loose) + "›")
            loose = []
        out.append(_VISIBLE.get(ch, ch))
    if loose:
        out.append("‹" + " ".join(loose) + "›")
    return "".join(out), any("\udc80" <= ch <= "\udcff" for ch in decoded)


def _char_byte_starts(text: str) -> list[int]:
    """The UTF-8 byte offset where each character starts, plus the total length at the end."""
    starts = [0]
    for ch in text:
        starts.append(starts[-1] + len(ch.encode("utf-8")))
    return starts


def _partial_note(byte_start: int, byte_end: int, text: str, char_starts: list[int]) -> str:
    """Which bytes of which character a split token holds, e.g. "bytes 2–3 of 3 of 'త' U+0C24"."""
    parts = []
    first = bisect.bisect_right(char_starts, byte_start) - 1
    for index in range(first, len(text)):
        c0, c1 = char_starts[index], char_starts[index + 1]
        if c0 >= byte_end:
            break
        if byte_start <= c0 and c1 <= byte_end:
            continue  # a whole character: nothing to explain
        lo, hi = max(byte_start, c0) - c0 + 1, min(byte_end, c1) - c0
        parts.append(_byte_note(lo, hi, c1 - c0, text[index]))
    return "; ".join(parts)


def _byte_note(first: int, last: int, total: int, char: str) -> str:
    """E.g. "byte 2 of 3 of 'త' U+0C24", in the current language."""
    if first == last:
        return t("tokenizer.note_byte", n=first, total=total, char=repr(char), code=ord(char))
    return t("tokenizer.note_bytes", first=first, last=last, total=total, char=repr(char), code=ord(char))


# --- tokenizers -----------------------------------------------------------------------------------


def sanitize(text: str) -> tuple[str, int]:
    """Replace lone surrogates (not encodable as UTF-8) by U+FFFD; returns the text and how many.

    One code point for one, so character offsets stay valid.
    """
    return _SURROGATES.subn("\ufffd", text)


def check_length(text: str) -> None:
    if len(text) > config.MAX_TOKENIZE_CHARS:
        raise TokenizeError("error.tokenize.too_long", chars=len(text), limit=config.MAX_TOKENIZE_CHARS)


def spans_from_ids(tokenizer, text: str, ids, offsets, special_ids) -> list[TokenSpan]:
    """TokenSpans for ids a learned tokenizer produced for ``text``."""
    scheme = tokenizer_scheme(tokenizer)
    pieces = tokenizer.convert_ids_to_tokens(list(ids))
    spans = []
    text_bytes = text.encode("utf-8")
    char_starts = _char_byte_starts(text)
    cursor = 0  # where the next token's bytes should lie in the text's UTF-8 bytes
    for token_id, piece, (start, end) in zip(ids, pieces, offsets, strict=False):
        is_special = token_id in special_ids
        data = piece.encode("utf-8") if is_special else piece_bytes(piece, scheme)
        label, partial = (piece, False) if is_special else readable(data)
        if text_bytes[cursor : cursor + len(data)] != data:
            cursor = char_starts[min(start, len(text))]  # re-align on the token's first character
        note = ""
        found = text_bytes[cursor : cursor + len(data)] == data
        byte_start = cursor if found else -1
        if partial and found:
            note = _partial_note(cursor, cursor + len(data), text, char_starts)
        if found:
            cursor += len(data)
        spans.append(
            TokenSpan(
                id=int(token_id),
                piece=piece,
                start=int(start),
                end=int(end),
                label=label,
                num_bytes=len(data),
                special=is_special,
                partial=partial,
                note=note,
                byte_start=byte_start,
            )
        )
    return spans


def learned_spans(tokenizer, text: str, parse_special: bool = False) -> list[TokenSpan]:
    """Spans of a learned tokenizer; special tokens typed in ``text`` stay text unless ``parse_special``."""
    enc = tokenizer(text, return_offsets_mapping=True, split_special_tokens=not parse_special)
    return spans_from_ids(
        tokenizer, text, enc["input_ids"], enc["offset_mapping"], set(tokenizer.all_special_ids)
    )


def byte_spans(text: str) -> list[TokenSpan]:
    """One token per UTF-8 byte; the id is the byte's value."""
    spans = []
    offset = 0
    for index, ch in enumerate(text):
        data = ch.encode("utf-8")
        for position, value in enumerate(data):
            label, partial = readable(bytes([value]))
            note = _byte_note(position + 1, position + 1, len(data), ch) if len(data) > 1 else ""
            spans.append(
                TokenSpan(
                    value,
                    f"<0x{value:02X}>",
                    index,
                    index + 1,
                    label,
                    1,
                    partial=partial,
                    note=note,
                    byte_start=offset + position,
                )
            )
        offset += len(data)
    return spans


def char_spans(text: str) -> list[TokenSpan]:
    """One token per Unicode code point; the id is the code point."""
    starts = _char_byte_starts(text)
    return [
        TokenSpan(ord(ch), ch, i, i + 1, _VISIBLE.get(ch, ch), len(ch.encode("utf-8")), byte_start=starts[i])
        for i, ch in enumerate(text)
    ]


def tokenize(runner, text: str, tokenizer: str = "", parse_special: bool = False) -> TokenizeResult:
    """Tokenize ``text`` with a registry tokenizer ("" = the loaded model's).

    Special tokens typed in the text are tokenized as their characters; ``parse_special=True``
    reads them as control tokens instead (the prompt injection the tokenizer tab shows).

    Raises TokenizeError for input the user can fix, TokenizerUnavailable (a TokenizeError) when
    a Hub tokenizer is not available offline.
    """
    name = tokenizer or models.MODEL_TOKENIZER
    spec = models.TOKENIZERS.get(name)
    if spec is None:
        known = ", ".join(repr(n) for n in models.TOKENIZERS)
        raise TokenizeError("error.unknown_tokenizer", name=name, known=known)
    check_length(text)
    text, _ = sanitize(text)
    if spec.kind == "bytes":
        spans = byte_spans(text)
    elif spec.kind == "chars":
        spans = char_spans(text)
    else:
        try:
            learned = runner.tokenizer_for(name)
        except OSError:
            offline = ", ".join(n for n, s in models.TOKENIZERS.items() if s.kind != "hub")
            raise TokenizerUnavailable("error.hub_tokenizer", name=name, offline=offline) from None
        spans = learned_spans(learned, text, parse_special)
    return TokenizeResult(tokenizer=name, text=text, tokens=spans)


def chat_view(runner, message: str, parse_special: bool = False) -> TokenizeResult:
    """The message wrapped in the model's chat template, tokenized as the model will see it
    (``parse_special``: as a server that reads typed special tokens would feed it)."""
    check_length(message)
    message, _ = sanitize(message)
    enc = runner.tokenize(message, chat=True, parse_special=parse_special)
    special_ids = {i for i, s in zip(enc.ids, enc.special, strict=False) if s}
    spans = spans_from_ids(runner.tokenizer, enc.text, enc.ids, enc.offsets, special_ids)
    return TokenizeResult(tokenizer=models.MODEL_TOKENIZER, text=enc.text, tokens=spans)


def typed_special_tokens(runner, text: str) -> int:
    """How many control tokens ``text`` would become if the special tokens typed in it were parsed."""
    special = set(runner.tokenizer.added_tokens_encoder.values())
    text, _ = sanitize(text[: config.MAX_TOKENIZE_CHARS])
    return sum(1 for i in runner.tokenize(text, parse_special=True).ids if i in special)


# --- language cost ------------------------------------------------------------------------------


@cache
def parallel_sentences() -> tuple[dict, ...]:
    """The shipped parallel sentences: the same meaning in several languages and scripts."""
    data = json.loads((ASSETS / "parallel_sentences.json").read_text(encoding="utf-8"))
    return tuple(data["languages"])


def language_cost(runner, tokenizer: str = "") -> list[dict]:
    """Tokens, characters and bytes for the same sentences in each language.

    ``tokens_vs_english`` is how many times more tokens a language needs than English for the
    same meaning: the cost a learner pays in context length, latency and money.
    """
    rows = []
    for language in parallel_sentences():
        text = "\n".join(language["sentences"])
        result = tokenize(runner, text, tokenizer)
        rows.append(
            {
                "code": language["code"],
                "language": language["name"],
                "tokens": result.num_tokens,
                "chars": result.num_chars,
                "bytes": result.num_bytes,
                "tokens_per_char": result.num_tokens / result.num_chars,
                "bytes_per_token": result.num_bytes / result.num_tokens,
            }
        )
    english = next((r["tokens"] for r in rows if r["code"] == "en"), None)
    for row in rows:
        row["tokens_vs_english"] = row["tokens"] / english if english else None
    return rows


def span_dicts(result: TokenizeResult) -> list[dict]:
    """Plain dicts for the HTML builders, which never see our dataclasses' module."""
    return [asdict(t) for t in result.tokens]


# --- characters split across tokens ---------------------------------------------------------------


def character_groups(text: str, spans: list[TokenSpan]) -> list[tuple[str, list[TokenSpan]]]:
    """The tokens in order, grouped so that bytes of one character stay together.

    Each group is (characters, tokens). A token holding whole characters only is a group of its
    own with characters "". A token holding part of a character opens a group that takes the
    following tokens until the bytes end on a character boundary; its characters are those whose
    bytes lie in more than one token of the group (e.g. ("త", [‹E0 B0›, ‹A4›])). Every token is in
    exactly one group, in order, so counts stay exact.
    """
    starts = _char_byte_starts(text)
    boundaries = set(starts)
    groups: list[tuple[str, list[TokenSpan]]] = []
    index = 0
    while index < len(spans):
        span = spans[index]
        if not span.partial or span.byte_start < 0:
            groups.append(("", [span]))
            index += 1
            continue
        run = [span]
        end = span.byte_start + span.num_bytes
        while end not in boundaries and index + len(run) < len(spans):
            following = spans[index + len(run)]
            if following.byte_start != end:
                break
            run.append(following)
            end += following.num_bytes
        groups.append((_split_characters(text, starts, run), run))
        index += len(run)
    return groups


def _split_characters(text: str, starts: list[int], run: list[TokenSpan]) -> str:
    """The characters of ``text`` whose bytes the tokens of ``run`` share (none holds one whole)."""
    lo, hi = run[0].byte_start, run[-1].byte_start + run[-1].num_bytes
    first = bisect.bisect_right(starts, lo) - 1
    split = []
    for index in range(max(first, 0), len(text)):
        c0, c1 = starts[index], starts[index + 1]
        if c0 >= hi:
            break
        whole_in_one = any(s.byte_start <= c0 and c1 <= s.byte_start + s.num_bytes for s in run)
        if not whole_in_one:
            split.append(text[index])
    return "".join(split)


def drawable(chars: str) -> str:
    """Characters as a label can draw them: a combining mark on a dotted circle (ె -> ◌ె), an
    invisible format character by its code point (a zero-width joiner -> U+200D)."""
    out = []
    for ch in chars:
        category = unicodedata.category(ch)
        if category in ("Mn", "Mc", "Me"):
            out.append("◌" + ch)
        elif category in ("Cf", "Cc", "Co", "Cn"):
            out.append(f"U+{ord(ch):04X}")
        else:
            out.append(ch)
    return "".join(out)


def token_view(result: TokenizeResult) -> list[dict]:
    """Plain data for the token view: groups of {"chars", "label", "tokens": [token dicts]}.

    ``chars`` are the characters split across the group's tokens ("" for a token on its own),
    ``label`` the same made drawable (see ``drawable``).
    """
    return [
        {"chars": chars, "label": drawable(chars), "tokens": [asdict(t) for t in run]}
        for chars, run in character_groups(result.text, result.tokens)
    ]


def prompt_brackets(runner, prompt: str, chat: bool = False) -> list[dict]:
    """The character groups of the prompt's tokens as the model sees them (``chat``: in the chat
    template), without the tokens: [{"chars", "label", "size": tokens in the group}], in order, one
    token per size unit. A view that draws its own chips (attention weights) brackets them with it."""
    prompt, _ = sanitize(prompt)
    enc = runner.tokenize(prompt, chat=chat)
    special_ids = {i for i, s in zip(enc.ids, enc.special, strict=False) if s}
    spans = spans_from_ids(runner.tokenizer, enc.text, enc.ids, enc.offsets, special_ids)
    return [
        {"chars": chars, "label": drawable(chars), "size": len(run)}
        for chars, run in character_groups(enc.text, spans)
    ]


def token_label(tokenizer, token_id: int) -> str:
    """A single token's readable text (␣ for a space, ‹hex› for part of a character)."""
    piece = tokenizer.convert_ids_to_tokens(int(token_id))
    if int(token_id) in set(tokenizer.all_special_ids):
        return piece
    return readable(piece_bytes(piece, tokenizer_scheme(tokenizer)))[0]
