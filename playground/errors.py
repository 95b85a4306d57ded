"""The one kind of error a user can cause: every compute module's user errors derive from it."""

from __future__ import annotations

from playground import i18n


class UserError(ValueError):
    """Input the user can fix. Raised with a string key and its values, e.g.
    ``PromptError("error.prompt.empty")`` or ``GenerationError("error.generation.stop_strings", limit=8)``;
    ``str()`` gives the sentence in the current language, saying what to change. An unknown key is
    a KeyError (a test checks every raise site's key exists in both languages).
    """

    def __init__(self, key: str, **values):
        super().__init__(key)
        self.key = key
        self.values = values

    def __str__(self) -> str:
        return i18n.t(self.key, **self.values)
