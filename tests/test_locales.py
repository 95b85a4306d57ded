"""Every string in both languages, and every user error raised with a key that exists."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import string
from pathlib import Path

import pytest

from playground import errors, i18n, locales

PACKAGE = Path(__file__).resolve().parent.parent / "playground"
MODULES = [info.name for info in pkgutil.iter_modules(locales.__path__)]


def placeholders(text: str) -> set[str]:
    """The names of a format string's fields: "{count:,} of {name!r}" -> {"count", "name"}."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


@pytest.mark.parametrize("module_name", MODULES)
def test_every_key_exists_in_both_languages(module_name):
    module = importlib.import_module(f"playground.locales.{module_name}")
    tables = {lang: getattr(module, lang.upper()) for lang in i18n.LANGUAGES}
    english = set(tables[i18n.DEFAULT_LANGUAGE])
    for lang, table in tables.items():
        assert sorted(english - set(table)) == [], f"{module_name}: missing in {lang}"
        assert sorted(set(table) - english) == [], f"{module_name}: only in {lang}"


@pytest.mark.parametrize("module_name", MODULES)
def test_every_translation_has_the_same_placeholders(module_name):
    module = importlib.import_module(f"playground.locales.{module_name}")
    english = getattr(module, i18n.DEFAULT_LANGUAGE.upper())
    for lang in i18n.LANGUAGES:
        table = getattr(module, lang.upper())
        differ = {
            key: (sorted(placeholders(english[key])), sorted(placeholders(text)))
            for key, text in table.items()
            if key in english and placeholders(text) != placeholders(english[key])
        }
        assert differ == {}, f"{module_name} ({lang}): placeholders differ"


def _raise_sites():
    """(file:line, exception name, first argument node) of every `raise SomeError(...)` in playground/."""
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                func = node.exc.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                first = node.exc.args[0] if node.exc.args else None
                yield f"{path.relative_to(PACKAGE.parent)}:{node.lineno}", name, first


def _user_error_names() -> set[str]:
    """Names of every UserError subclass defined in the package."""
    found, stack = set(), [errors.UserError]
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if "ui" not in module.split("."):
            importlib.import_module(module)
    while stack:
        cls = stack.pop()
        found.add(cls.__name__)
        stack.extend(cls.__subclasses__())
    return found


def test_every_user_error_is_raised_with_a_key_in_both_languages():
    names = _user_error_names()
    sites = [(where, first) for where, name, first in _raise_sites() if name in names]
    assert len(sites) >= 20  # prompts, tokens, sampling, generation, attention, beam, cost
    bad = []
    for where, first in sites:
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            if not all(first.value in i18n.strings()[lang] for lang in i18n.LANGUAGES):
                bad.append(f"{where}: unknown key {first.value!r}")
        elif not isinstance(first, ast.Name | ast.Attribute):  # a variable holding a key: see below
            bad.append(f"{where}: not a key")
    assert bad == []


def test_every_error_key_written_in_the_code_exists_in_both_languages():
    """Keys kept as data (a registry's ``error="sampling.error.top_k"``) are checked where written."""
    pattern = re.compile(r"^(error\.[a-z_.]+|[a-z_]+\.error\.[a-z_.]+)$")
    written = {
        f"{path.relative_to(PACKAGE.parent)}: {node.value}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if "locales" not in path.parts
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and pattern.match(node.value)
    }
    assert len(written) >= 20
    missing = [
        w for w in written if not all(w.split(": ")[1] in i18n.strings()[lang] for lang in i18n.LANGUAGES)
    ]
    assert missing == []


def test_user_errors_speak_the_current_language_and_unknown_keys_fail():
    error = errors.UserError("error.generation.stop_strings", limit=8)
    assert str(error) == "Give at most 8 stop strings."
    with i18n.use("te"):
        assert str(error) == i18n.t("error.generation.stop_strings", lang="te", limit=8)
        assert "8" in str(error) and str(error) != i18n.t("error.generation.stop_strings", lang="en", limit=8)
    with pytest.raises(KeyError):
        str(errors.UserError("An English sentence is not a key."))
