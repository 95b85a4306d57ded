"""Every string a person reads, by key and language (English and Telugu), and the language in use.

The strings live in ``playground/locales/<area>.py``: one module per tab or area, each with an
``EN`` and a ``TE`` dict of the same keys. ``t("tokenizer.show_ids")`` returns the string in the
current language, formatted with the values given. An unknown key is a programming error
(KeyError), so a typo fails the tests instead of showing a blank label.

The current language is a context variable: ``with use("te"):`` makes every ``t()`` inside it
(however deep in the compute modules) answer in Telugu. The UI binds each event handler to the
language of the page it was built for, so no function passes the language by hand.
"""

from __future__ import annotations

import contextvars
import importlib
import os
import pkgutil
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

LANGUAGES = {"en": "English", "te": "తెలుగు"}
DEFAULT_LANGUAGE = "en"

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("playground_language", default=None)


@cache
def strings() -> dict[str, dict[str, str]]:
    """All locale modules merged: {"en": {key: text}, "te": {...}}. A key defined twice is an error."""
    from playground import locales

    merged: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
    for info in pkgutil.iter_modules(locales.__path__):
        module = importlib.import_module(f"playground.locales.{info.name}")
        for lang in LANGUAGES:
            table = getattr(module, lang.upper())
            clash = merged[lang].keys() & table.keys()
            if clash:
                raise ValueError(f"keys defined twice ({info.name}): {sorted(clash)}")
            merged[lang].update(table)
    return merged


def normalise(lang: str | None) -> str:
    """A supported language code for ``lang`` ("te-IN" -> "te"); English for anything else."""
    code = (lang or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def current() -> str:
    """The language ``t()`` answers in: the one set by ``use()``, else PLAYGROUND_LANG, else English."""
    return _current.get() or normalise(os.environ.get("PLAYGROUND_LANG"))


@contextmanager
def use(lang: str) -> Iterator[str]:
    """Make ``lang`` the current language inside the block."""
    token = _current.set(normalise(lang))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def has(key: str) -> bool:
    return key in strings()[DEFAULT_LANGUAGE]


def t(key: str, lang: str | None = None, **values) -> str:
    """The string for ``key`` in ``lang`` (default: the current language), formatted with ``values``."""
    table = strings()[normalise(lang) if lang else current()]
    text = table.get(key)
    if text is None:
        text = strings()[DEFAULT_LANGUAGE][key]  # KeyError for an unknown key
    return text.format(**values) if values else text
