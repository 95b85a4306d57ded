"""Attention maps per layer and head, and the aggregates the tab draws.

``weights[l, h, i, j]`` is how much position i attends to position j in head h of layer l: the
softmax of ``q_i . k_j / sqrt(head_dim)`` over j <= i, exactly as the model's eager attention
returns it with ``output_attentions`` (each row sums to 1; zeros above the diagonal, because a
token never sees the future). SmolLM2 has 30 layers of 9 query heads; the 9 heads share 3
key/value heads (grouped-query attention), yet every query head has its own pattern.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from playground import config
from playground.api.params import HEAD, LAYER
from playground.errors import UserError

MEAN_HEAD = -1  # "all heads": the mean over heads


class AttentionError(UserError):
    """A request the user can fix; the message says how."""


@dataclass(frozen=True)
class AttentionMaps:
    ids: list[int]  # (T,)
    weights: torch.Tensor  # (layers, heads, T, T) float32
    next_token_id: int  # the model's most likely next token after the prompt
    next_token_prob: float

    @property
    def num_layers(self) -> int:
        return self.weights.shape[0]

    @property
    def num_heads(self) -> int:
        return self.weights.shape[1]

    def check(self, layer, head) -> tuple[int, int]:
        """The layer and head as ints, or a sentence naming the ones that exist."""
        return check_layer_head(layer, head, self.num_layers, self.num_heads)

    def head_map(self, layer: int, head: int) -> torch.Tensor:
        """(T, T) weights of one head, or their mean over heads for head -1 (rows still sum to 1)."""
        layer, head = self.check(layer, head)
        return self.weights[layer].mean(0) if head == MEAN_HEAD else self.weights[layer, head]

    def to_api(self, labels: list[str], layer: int, head: int) -> dict:
        """The /attention answer (the README's API table): one layer and head's weights."""
        return {
            "tokens": labels,
            "num_layers": self.num_layers,
            "num_heads": self.num_heads,
            "weights": self.head_map(layer, head).tolist(),
        }

    def last_row(self, layer: int, head: int) -> torch.Tensor:
        """(T,) what the last position, the one predicting the next token, attends to."""
        return self.head_map(layer, head)[-1]


def check_layer_head(layer, head, num_layers: int, num_heads: int) -> tuple[int, int]:
    """``layer`` and ``head`` as ints that exist (head -1: the mean), or a sentence with the range."""
    layer = LAYER.check(layer, error=AttentionError, high=num_layers - 1)
    head = HEAD.check(head, error=AttentionError, high=num_heads - 1)
    return layer, head


def attention_bytes(num_tokens: int, num_layers: int, num_heads: int, dtype_bytes: int = 4) -> int:
    """Memory of every attention map: layers x heads x T x T weights (quadratic in T)."""
    return num_layers * num_heads * num_tokens * num_tokens * dtype_bytes


def max_tokens(num_layers: int, num_heads: int, budget_bytes: int = config.ATTENTION_STATE_BYTES) -> int:
    """The longest prompt whose attention maps fit the session's budget (float32), at most
    ``MAX_ATTENTION_TOKENS``: T = floor(sqrt(budget / (layers x heads x 4)))."""
    fits = math.isqrt(budget_bytes // (num_layers * num_heads * 4))
    return min(config.MAX_ATTENTION_TOKENS, fits)


def check_length(runner, num_tokens: int) -> None:
    limit = max_tokens(runner.num_layers, runner.num_heads)
    if num_tokens > limit:
        need = attention_bytes(num_tokens, runner.num_layers, runner.num_heads)
        raise AttentionError(
            "error.attention.too_long",
            tokens=num_tokens,
            limit=limit,
            layers=runner.num_layers,
            heads=runner.num_heads,
            mib=need / 2**20,
        )


def attention_maps(runner, ids: list[int]) -> AttentionMaps:
    """One forward pass with eager attention; every layer's and head's weights."""
    check_length(runner, len(ids))
    result = runner.forward(ids, attentions=True)
    probs = torch.softmax(result.logits[-1], dim=-1)
    next_id = int(probs.argmax())
    return AttentionMaps(
        ids=list(ids),
        weights=torch.stack(result.attentions),
        next_token_id=next_id,
        next_token_prob=float(probs[next_id]),
    )


def head_summary(weights: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per head (layers, heads) summaries, averaged over query positions 1..T-1.

    - ``first_token``: the share of attention on position 0, the "attention sink" many heads use
      as a place to put attention they do not need;
    - ``previous_token``: the share on the position just before (i - 1);
    - ``entropy``: how spread each row is, in bits (0 = all on one token);
    - ``last_focus``: the last position's largest weight on an earlier token other than the first
      (the sink) and itself: how hard the next-token prediction looks at one particular word.
    Position 0 is left out: it can only attend to itself.
    """
    num_tokens = weights.shape[-1]
    zeros = torch.zeros(weights.shape[:2])
    if num_tokens < 2:
        return {"first_token": zeros, "previous_token": zeros, "entropy": zeros, "last_focus": zeros}
    rows = weights[..., 1:, :]  # (L, H, T-1, T)
    first = rows[..., 0].mean(-1)
    previous = torch.diagonal(weights, offset=-1, dim1=-2, dim2=-1).mean(-1)
    logs = torch.where(rows > 0, torch.log2(rows.clamp_min(1e-30)), torch.zeros_like(rows))
    entropy = -(rows * logs).sum(-1).mean(-1)
    last_focus = weights[..., -1, 1:-1].amax(-1) if num_tokens > 2 else zeros
    return {"first_token": first, "previous_token": previous, "entropy": entropy, "last_focus": last_focus}


def strongest_head(weights: torch.Tensor) -> tuple[int, int]:
    """(layer, head) whose next-token prediction puts the most weight on one earlier token
    (neither the first token nor itself)."""
    focus = head_summary(weights)["last_focus"]
    index = int(focus.argmax())
    return index // focus.shape[1], index % focus.shape[1]


def masked_rows(matrix: torch.Tensor) -> list[list[float | None]]:
    """Rows for a heatmap: None above the diagonal (a token never sees later ones)."""
    size = matrix.shape[0]
    values = matrix.tolist()
    return [[values[i][j] if j <= i else None for j in range(size)] for i in range(size)]


def max_entropy_bits(num_tokens: int) -> float:
    return math.log2(num_tokens) if num_tokens > 1 else 0.0
