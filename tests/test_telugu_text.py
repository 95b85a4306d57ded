"""Telugu text is written one way throughout: every Telugu locale string and the lessons' Telugu text."""

from __future__ import annotations

import json
import re
from pathlib import Path

from playground import i18n

COURSE = Path(__file__).resolve().parent.parent / "assets" / "lessons" / "course.json"
ZWNJ = "\u200c"
VIRAMA = "\u0c4d"
WORD = re.compile(r"[\u0c00-\u0c7f\u200c]+")
# A case suffix or the plural (with its oblique ల) after a noun, and the emphatic ే / ూ: లు, ల, ను, కు,
# లో, లోని, తో, పై, గా, లను, లకు, లలో, లతోనే, ...
SUFFIX = re.compile("(లు|ల)?(ను|నూ|నే|ని|కు|కూ|కే|కి|లో|లోనూ|లోనే|లోని|లోకి|తో|తోనూ|తోనే|పై|పైన|పైనే|గా|గానూ|గానే|లా)?[ూే]?")
# English-derived words ending in a virama that the text also uses with a suffix (besides every stem
# the text itself writes with U+200C somewhere: those are found, not listed).
LOANWORDS = {
    "అటెన్షన్", "ఆఫ్లైన్", "ఇంగ్లీష్", "ఇన్పుట్", "కాంటెక్స్ట్", "గ్రూప్", "చైన్", "టెన్సర్", "టోకనైజర్",
    "డ్రాఫ్టర్", "ప్రీఫిల్", "ప్రీసెట్", "ప్రెసిషన్", "ఫార్మాట్", "బాక్స్", "బార్", "బిట్", "బైండింగ్",
    "బ్లాక్", "మోడల్స్", "యాక్టివేషన్", "రన్", "రౌండ్", "లైన్", "శాంపిల్స్", "షెడ్యూలర్", "సెకన్", "స్కేల్",
    "స్కోర్", "స్పేస్", "స్లైడర్", "హెక్స్", "హైపోథిసిస్", "న్యూక్లియస్", "పాయింట్",
}  # fmt: skip


def telugu_texts() -> list[str]:
    """Every Telugu string a person reads: the Telugu locale strings and the lessons' Telugu text."""
    texts = list(i18n.strings()["te"].values())

    def walk(node, telugu: bool) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, telugu or key == "te")
        elif isinstance(node, list):
            for value in node:
                walk(value, telugu)
        elif isinstance(node, str) and telugu:
            texts.append(node)

    walk(json.loads(COURSE.read_text(encoding="utf-8")), False)
    return texts


def loanword_stems(texts: list[str]) -> set[str]:
    """LOANWORDS and every stem ending in a virama that some text writes before a U+200C."""
    found = {word.split(ZWNJ)[0] for text in texts for word in WORD.findall(text) if ZWNJ in word}
    return LOANWORDS | {stem for stem in found if stem.endswith(VIRAMA)}


def stacked_suffix(word: str, stems: set[str]) -> tuple[str, str] | None:
    """(stem, suffix) when ``word`` is a loanword stem and a suffix written without U+200C, else None."""
    for end in range(len(word) - 1, 0, -1):
        stem, rest = word[:end], word[end:]
        if stem in stems and SUFFIX.fullmatch(rest):
            return stem, rest
    return None


def stacked_suffixes(text: str, stems: set[str]) -> list[str]:
    return [word for word in WORD.findall(text) if stacked_suffix(word, stems)]


def test_loanwords_keep_their_virama_before_a_telugu_suffix():
    """An English-derived word ending in a virama (్) takes a Telugu suffix after a zero-width
    non-joiner (U+200C): టెక్స్ట్‌ను, టోకెన్‌లు, మోడల్‌కు, not టెక్స్ట్ను, టోకెన్లు, మోడల్కు, where the
    stem's last consonant would stack under the suffix's and the word the learner knows disappears.

    The rule checks a word that is a loanword stem (LOANWORDS, or any stem the text itself writes with
    U+200C) followed directly by a suffix (SUFFIX: the plural లు / ల and the case suffixes ను, కు, లో,
    తో, పై, గా and their combinations). A conjunct inside one word is correct and not checked: native
    words (ఎక్కువ, దాన్ని, సరిగ్గా, రెట్లు) and the loanword's own spelling (టెక్స్ట్, సెట్టింగ్).
    """
    texts = telugu_texts()
    stems = loanword_stems(texts)
    found = sorted({word for text in texts for word in stacked_suffixes(text, stems)})
    assert found == [], f"{len(found)} words without U+200C: {found}"


def test_the_rule_finds_a_stacked_suffix_and_passes_native_conjuncts():
    stems = {"టోకెన్", "టెక్స్ట్"}
    assert stacked_suffixes("టోకెన్లు టెక్స్ట్ను", stems) == ["టోకెన్లు", "టెక్స్ట్ను"]
    assert stacked_suffixes("టోకెన్‌లు టెక్స్ట్‌ను టోకెనైజర్", stems) == []
    assert stacked_suffixes("ఎక్కువ దాన్ని సరిగ్గా రెట్లు", stems) == []
    assert loanword_stems(["మోడల్‌కు కీ‌లు"]) >= {"మోడల్"} and "కీ" not in loanword_stems(["కీ‌లు"])
