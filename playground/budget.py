"""Budgets: how much of the model one request may take, and the sentence when it asks for more.

``Deadline`` bounds a long request in time (beam search, the context sweep check it between
steps); ``check_no_cache_budget`` bounds a generation without the KV cache in work.
"""

from __future__ import annotations

import time

from playground import config
from playground.errors import UserError


class ServingError(UserError):
    """A request the user can fix; the message says how."""


class Deadline:
    """A budget for one long request (beam search, the context sweep): ``check()`` between steps
    raises a sentence once ``limit_s`` has passed."""

    def __init__(self, key: str, limit_s: float | None = None):
        self.key = key
        self.limit_s = config.MODEL_DEADLINE_S if limit_s is None else limit_s
        self.start = time.perf_counter()

    def passed(self) -> bool:
        return time.perf_counter() - self.start > self.limit_s

    def check(self) -> None:
        if self.passed():
            raise ServingError(self.key, limit=self.limit_s)


def check_no_cache_budget(prompt_tokens: int, max_new_tokens: int) -> None:
    """Without the KV cache every step re-runs the whole sequence: its cost grows as prompt x new
    tokens, so that product is capped (the cache exists exactly to avoid this)."""
    cost = prompt_tokens * max_new_tokens
    if cost > config.MAX_NO_CACHE_COST:
        raise ServingError(
            "serving.error.no_cache_budget",
            prompt=prompt_tokens,
            new=max_new_tokens,
            cost=cost,
            limit=config.MAX_NO_CACHE_COST,
        )
