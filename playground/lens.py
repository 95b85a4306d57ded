"""Inside one forward pass: token vectors, the prediction forming layer by layer, attention while writing.

1. **Embeddings.** The model's first step turns each token id into a row of its input embedding
   matrix (``embed_tokens`` in transformers/models/llama/modeling_llama.py). Llama models add no
   position vector to it: position enters inside attention, where RoPE rotates queries and keys.
2. **The logit lens.** The model's last step is ``logits = lm_head(norm(h))`` on the hidden state
   after the last layer. Applying that same head to the hidden state after the embedding and after
   every layer shows what the model "would say" at each depth. Earlier layers were never trained to
   be read this way: it is a clue, not a reading of the model's mind. transformers'
   ``output_hidden_states`` gives layers + 1 states, the last already normalised
   (transformers/utils/output_capturing.py replaces it with ``last_hidden_state``).
3. **Attention while writing.** Causal attention makes row i of one forward pass over the final
   sequence exactly what token i's query saw when it was decoded with a KV cache: the keys of
   positions 0..i. So one eager forward pass over prompt + generated tokens gives every step's row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from playground import config
from playground.api.params import HEAD, LAYER
from playground.errors import UserError
from playground.generation import GenerationParams
from playground.sampling import SamplingParams
from playground.serving import generate
from playground.tokens import token_label
from playground.validate import whole_number

MEAN_HEAD = -1  # "all heads": the mean over heads
LAST = -1  # the last position, the one that predicts the next token


class InsideError(UserError):
    """A request the user can fix; the sentence says how."""


def max_tokens(
    num_layers: int, hidden_size: int, dtype_bytes: int = 4, budget_bytes: int | None = None
) -> int:
    """The longest prompt whose every hidden state (after the embedding and after each layer) fits
    ``LENS_STATE_BYTES``: T = floor(budget / ((layers + 1) x hidden x dtype bytes)), at most
    ``MAX_LENS_TOKENS``."""
    budget = config.LENS_STATE_BYTES if budget_bytes is None else budget_bytes
    return min(config.MAX_LENS_TOKENS, budget // ((num_layers + 1) * hidden_size * dtype_bytes))


def max_writing_tokens(
    num_layers: int, num_heads: int, prompt_tokens: int, dtype_bytes: int = 4, budget_bytes: int | None = None
) -> int:
    """The most new tokens whose attention rows fit ``WRITING_STATE_BYTES`` after a prompt of
    ``prompt_tokens``: the largest n with layers x heads x n x (prompt + n) x dtype bytes within the
    budget (at least 1), at most ``MAX_WRITING_NEW_TOKENS``."""
    budget = config.WRITING_STATE_BYTES if budget_bytes is None else budget_bytes
    area = budget // (num_layers * num_heads * dtype_bytes)  # n x (prompt + n) may reach this
    n = (math.isqrt(prompt_tokens * prompt_tokens + 4 * area) - prompt_tokens) // 2
    return max(1, min(config.MAX_WRITING_NEW_TOKENS, n))


def token_limit(runner) -> int:
    """This model's prompt limit for the inside-the-model views."""
    return max_tokens(runner.num_layers, runner.hidden_size, runner.dtype_bytes)


def writing_limit(runner) -> int:
    """This model's limit of new tokens for attention while writing (after the longest prompt)."""
    return max_writing_tokens(runner.num_layers, runner.num_heads, token_limit(runner), runner.dtype_bytes)


def check_length(runner, num_tokens: int) -> None:
    limit = token_limit(runner)
    if num_tokens > limit:
        raise InsideError("inside.error.too_long", count=num_tokens, limit=limit)


def resolve_position(
    position, num_tokens: int, key: str = "inside.error.position", name_key: str = "inside.param.position"
) -> int:
    """A 0-based position in the prompt; -1 is the last. Anything else outside the prompt is refused."""
    position = whole_number(position, name_key, LAST, config.MAX_LENS_TOKENS - 1, error=InsideError)
    if position == LAST:
        return num_tokens - 1
    if not 0 <= position < num_tokens:
        raise InsideError(key, position=position, last=num_tokens - 1)
    return position


def labels_for(runner, ids: list[int]) -> list[str]:
    return [token_label(runner.tokenizer, i) for i in ids]


# --- 1. embeddings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PromptStates:
    """One forward pass of the prompt, kept per session: every view of sections 1 and 2 reads it."""

    ids: list[int]  # (T,)
    labels: list[str]  # (T,)
    vectors: torch.Tensor  # (T, hidden): each token's row of the input embedding matrix
    hidden: torch.Tensor  # (layers + 1, T, hidden): after the embedding, then after each layer

    @property
    def num_layers(self) -> int:
        return self.hidden.shape[0] - 1


def prompt_states(runner, ids: list[int]) -> PromptStates:
    """Run the prompt once with hidden states; read its tokens' embedding rows."""
    check_length(runner, len(ids))
    result = runner.forward(ids, hidden_states=True)
    return PromptStates(
        ids=list(ids),
        labels=labels_for(runner, ids),
        vectors=runner.embedding_matrix[ids].clone(),
        hidden=result.hidden_states,
    )


@dataclass(frozen=True)
class Neighbour:
    id: int
    token: str
    cosine: float


@dataclass(frozen=True)
class EmbeddingView:
    tokens: list[str]
    index: int
    vector: list[float]  # (hidden,)
    neighbours: tuple[Neighbour, ...]  # most similar first, the token itself left out

    def to_api(self) -> dict:
        return {
            "tokens": self.tokens,
            "index": self.index,
            "dim": len(self.vector),
            "vector": self.vector,
            "neighbours": [{"id": n.id, "token": n.token, "cosine": n.cosine} for n in self.neighbours],
        }


def nearest_neighbours(runner, token_id: int, k: int) -> tuple[Neighbour, ...]:
    """The k rows of the embedding matrix most similar to token_id's, by cosine similarity
    ``e_i . e_j / (|e_i| |e_j|)``; the token itself (cosine 1) is left out."""
    k = whole_number(k, "inside.param.k", 1, config.MAX_NEIGHBOURS, error=InsideError)
    matrix = runner.embedding_matrix
    vector = matrix[token_id]
    cosines = (matrix @ vector) / (matrix.norm(dim=1) * vector.norm()).clamp_min(1e-12)
    cosines[token_id] = -float("inf")
    values, ids = torch.topk(cosines, k)
    return tuple(
        Neighbour(int(i), token_label(runner.tokenizer, int(i)), float(v))
        for v, i in zip(values, ids, strict=True)
    )


def embedding_view(runner, ids: list[int], token_index: int, k: int) -> EmbeddingView:
    """One prompt token's row of the embedding matrix and its k nearest rows (no forward pass)."""
    check_length(runner, len(ids))
    index = resolve_position(token_index, len(ids), "inside.error.token_index", "inside.param.token_index")
    return EmbeddingView(
        tokens=labels_for(runner, ids),
        index=index,
        vector=runner.embedding_matrix[ids[index]].tolist(),
        neighbours=nearest_neighbours(runner, ids[index], k),
    )


def strip_scale(vectors: torch.Tensor) -> float:
    """Colour range for the strips: the 99th percentile of |value|, so a few outlier dimensions
    do not wash every other number out to white."""
    return float(torch.quantile(vectors.abs().flatten(), 0.99)) or 1.0


# --- 2. the logit lens ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LensLayer:
    layer: int  # 0 = the embedding output, L = the last layer (the model's own output)
    top: tuple[tuple[int, str, float], ...]  # (id, token, prob), most likely first
    target_prob: float
    target_rank: int  # 1 = the most likely token at this layer


@dataclass(frozen=True)
class LensResult:
    tokens: list[str]
    position: int
    target_id: int  # the model's final most likely token at this position
    target: str
    layers: tuple[LensLayer, ...]

    @property
    def first_top_layer(self) -> int:
        """The first layer at which the final choice is already the most likely token."""
        return next(layer.layer for layer in self.layers if layer.target_rank == 1)

    @property
    def settled_layer(self) -> int:
        """The layer from which the final choice stays the most likely token to the end."""
        settled = self.layers[-1].layer
        for layer in reversed(self.layers):
            if layer.target_rank != 1:
                break
            settled = layer.layer
        return settled

    def to_api(self) -> dict:
        return {
            "tokens": self.tokens,
            "position": self.position,
            "layers": [
                {
                    "layer": layer.layer,
                    "top": [{"id": i, "token": s, "prob": p} for i, s, p in layer.top],
                    "target": {
                        "id": self.target_id,
                        "token": self.target,
                        "prob": layer.target_prob,
                        "rank": layer.target_rank,
                    },
                }
                for layer in self.layers
            ],
        }


def lens_probs(runner, states: PromptStates, position: int) -> torch.Tensor:
    """(layers + 1, vocab): softmax(lm_head(norm(h_l))) at one position; the model is not run again."""
    return torch.softmax(runner.lens_logits(states.hidden[:, position]), dim=-1)


def logit_lens(runner, states: PromptStates, position: int = LAST) -> LensResult:
    """The model's output head applied after the embedding and after every layer, at one position."""
    position = resolve_position(position, len(states.ids))
    probs = lens_probs(runner, states, position)
    target_id = int(probs[-1].argmax())
    target_probs = probs[:, target_id]
    ranks = (probs > target_probs[:, None]).sum(-1) + 1
    top_values, top_ids = torch.topk(probs, config.LENS_TOP_TOKENS, dim=-1)
    names: dict[int, str] = {}

    def name(token_id: int) -> str:
        if token_id not in names:
            names[token_id] = token_label(runner.tokenizer, token_id)
        return names[token_id]

    layers = tuple(
        LensLayer(
            layer=layer,
            top=tuple(
                (int(i), name(int(i)), float(v))
                for v, i in zip(top_values[layer], top_ids[layer], strict=True)
            ),
            target_prob=float(target_probs[layer]),
            target_rank=int(ranks[layer]),
        )
        for layer in range(probs.shape[0])
    )
    return LensResult(states.labels, position, target_id, name(target_id), layers)


# --- 3. attention while writing ------------------------------------------------------------------


@dataclass(frozen=True)
class WritingRows:
    """One layer and head (or the mean) of attention while writing: the /generation_attention answer."""

    tokens: list[str]  # prompt + generated
    prompt_length: int
    rows: list[list[float]]  # row k: the query at prompt_length - 1 + k over positions 0..prompt_length-1+k

    def to_api(self) -> dict:
        return {"tokens": self.tokens, "prompt_length": self.prompt_length, "rows": self.rows}


@dataclass(frozen=True)
class WritingAttention:
    """A generation and the attention of every step, from one eager forward over the final sequence."""

    ids: list[int]  # prompt + generated, (T,)
    labels: list[str]  # (T,)
    prompt_length: int
    probs: list[float]  # (n,): the probability each generated token was chosen with (the sampling chain's)
    model_probs: list[float]  # (n,): the model's own probability for it: softmax of the raw logits
    stop_reason: str
    rows: torch.Tensor  # (layers, heads, n, T): row k is the query at prompt_length - 1 + k

    @property
    def num_generated(self) -> int:
        return self.rows.shape[2]

    @property
    def num_layers(self) -> int:
        return self.rows.shape[0]

    @property
    def num_heads(self) -> int:
        return self.rows.shape[1]

    def matrix(self, layer: int, head: int) -> torch.Tensor:
        """(n, T) rows of one head, or their mean over heads (rows still sum to 1)."""
        layer, head = check_layer_head(layer, head, self.num_layers, self.num_heads)
        rows = self.rows[layer]
        return rows.mean(0) if head == MEAN_HEAD else rows[head]

    def step_row(self, layer: int, head: int, step: int) -> list[float]:
        """What the query that produced generated token ``step`` (0-based) read: the keys of
        positions 0..prompt_length-1+step, i.e. the KV cache at that step plus its own key."""
        step = max(0, min(int(step), self.num_generated - 1))
        return self.matrix(layer, head)[step, : self.prompt_length + step].tolist()

    def view(self, layer: int, head: int) -> WritingRows:
        matrix = self.matrix(layer, head)
        rows = [matrix[k, : self.prompt_length + k].tolist() for k in range(self.num_generated)]
        return WritingRows(self.labels, self.prompt_length, rows)


def check_layer_head(layer, head, num_layers: int, num_heads: int) -> tuple[int, int]:
    """(layer, head) as ints inside the model; head -1 is the mean over heads."""
    layer = LAYER.check(layer, error=InsideError, high=num_layers - 1)
    head = HEAD.check(head, error=InsideError, high=num_heads - 1)
    return layer, head


def writing_params(
    max_new_tokens: int, temperature: float = 0.0, seed: int = 0, limit: int = config.MAX_WRITING_NEW_TOKENS
) -> GenerationParams:
    """Greedy by default (temperature 0); a temperature samples with that seed. ``limit``: the
    model's own (``writing_limit``)."""
    max_new_tokens = whole_number(max_new_tokens, "safety.param.max_new_tokens", 1, limit, error=InsideError)
    sampling = SamplingParams.from_values(temperature=temperature)
    return GenerationParams(sampling=sampling, max_new_tokens=max_new_tokens, seed=seed).validate()


def attention_while_writing(runner, prompt_ids: list[int], params: GenerationParams) -> WritingAttention:
    """Generate through the shared batch (the model service), then one eager forward over prompt +
    generated tokens."""
    check_length(runner, len(prompt_ids))
    state = generate(runner, prompt_ids, params)
    new_ids = [token.id for token in state.tokens]
    ids = list(prompt_ids) + new_ids
    forward = runner.forward(ids, attentions=True)  # attentions: layers x (heads, T, T)
    start = len(prompt_ids) - 1
    rows = torch.stack([a[:, start : start + len(new_ids)] for a in forward.attentions])
    scores = torch.softmax(forward.logits[start : start + len(new_ids)], dim=-1)  # (n, vocab)
    return WritingAttention(
        ids=ids,
        labels=labels_for(runner, ids),
        prompt_length=len(prompt_ids),
        probs=[token.prob for token in state.tokens],
        model_probs=[float(scores[k, i]) for k, i in enumerate(new_ids)],
        stop_reason=state.stop_reason,
        rows=rows,
    )


def generation_attention(runner, prompt_ids: list[int], params: GenerationParams, layer: int, head: int):
    """The /generation_attention answer: the layer and head are checked before the model runs."""
    layer, head = check_layer_head(layer, head, runner.num_layers, runner.num_heads)
    return attention_while_writing(runner, prompt_ids, params).view(layer, head)
