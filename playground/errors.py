"""The one kind of error a user can cause: every compute module's user errors derive from it."""

from __future__ import annotations

from playground import i18n


class UserError(ValueError):
    """Input the user can fix. Raised with a string key and its values, e.g.
    ``UserError("error.prompt_empty")`` or ``UserError("error.top_k", limit=200)``; ``str()`` gives
    the sentence in the current language, saying what to change.

    Transitional: a message that is not a key is shown as it is (older raise sites pass English
    sentences until they are given keys).
    """

    def __init__(self, key: str, **values):
        super().__init__(key)
        self.key = key
        self.values = values

    def __str__(self) -> str:
        if i18n.has(self.key):
            return i18n.t(self.key, **self.values)
        return self.key
