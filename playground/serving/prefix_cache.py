"""The prefix cache: finished generations' keys and values, kept so that a fork starts from them.

A fork (a request with ``prefix_ids``: the prompt, the tokens before the fork point, the token
forced there) starts from the longest of its session's kept rows that its tokens begin with, and
feeds only the rest: the same trick serving engines use for shared prefixes (vLLM's automatic
prefix caching, ``vllm/v1/core/kv_cache_manager.py``, ``get_computed_blocks``; SGLang's radix cache).
"""

from __future__ import annotations

from collections import OrderedDict

import torch

from playground import config


class PrefixCache:
    """Finished generations' KV-cache rows, so that a fork continues from one instead of
    prefilling its prompt and shared tokens again.

    An entry is one sequence's keys and values for every layer, (1, kv_heads, length, head_dim)
    each, stored under its session and the token ids they were computed for. At most
    ``per_session`` entries per session and ``max_bytes`` in all are kept, the least recently
    used going first. Only whoever steps the scheduler uses it (one at a time).
    """

    def __init__(
        self, max_bytes: int = config.PREFIX_CACHE_BYTES, per_session: int = config.PREFIX_CACHE_PER_SESSION
    ):
        self.max_bytes, self.per_session = max_bytes, per_session
        self.entries: OrderedDict[tuple[str, tuple[int, ...]], list[tuple[torch.Tensor, torch.Tensor]]]
        self.entries = OrderedDict()  # least recently used first
        self.bytes = 0

    @staticmethod
    def size(layers) -> int:
        return sum(t.numel() * t.element_size() for pair in layers for t in pair)

    def put(
        self, session: str, ids: tuple[int, ...], layers: list[tuple[torch.Tensor, torch.Tensor]]
    ) -> None:
        key, size = (session, ids), self.size(layers)
        if key in self.entries:
            self._drop(key)
        if size > self.max_bytes:
            return
        self.entries[key] = layers
        self.bytes += size
        own = [k for k in self.entries if k[0] == session]
        for old in own[: max(0, len(own) - self.per_session)]:
            self._drop(old)
        while self.bytes > self.max_bytes:
            self._drop(next(iter(self.entries)))

    def find(
        self, session: str, ids: list[int]
    ) -> tuple[int, list[tuple[torch.Tensor, torch.Tensor]] | None]:
        """The longest run of ``ids`` (all but the last, which must be fed to get logits) that an
        entry of ``session`` begins with: (its length, the entry), or (0, None)."""
        best, best_key = 0, None
        for key in self.entries:
            if key[0] != session:
                continue
            cached = key[1]
            n = min(len(cached), len(ids) - 1)
            common = next((i for i in range(n) if cached[i] != ids[i]), n)
            if common > best:
                best, best_key = common, key
        if best_key is None:
            return 0, None
        self.entries.move_to_end(best_key)
        return best, self.entries[best_key]

    def _drop(self, key) -> None:
        self.bytes -= self.size(self.entries.pop(key))
