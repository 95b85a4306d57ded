"""Fork a generation at any token: force another token there and let the generation go on.

A generation chose tokens t_0 ... t_{N-1}. Forking at position i with token x asks the same
decoding (same sampling settings, engine, stop rules and seed) to continue after

    prompt + t_0 ... t_{i-1} + x

given as ``prefix_ids``; its seeded generator skips one draw per prefix token, so forking with
x = t_i gives back t_{i+1} ... exactly. Through the serving scheduler, the fork starts from the
original generation's KV cache (kept when it finished, ``serving.PrefixCache``) and feeds the model
only x; without a kept cache, prompt and prefix are prefilled in one pass. Both continuations
from the fork point on, t_i ... and x ..., are then scored by the model's own log-probabilities
(one forward pass each over prompt + shared tokens + continuation, as
``strategies.token_logprobs``), so their totals compare like for like whatever sampling chose
them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch

from playground.errors import UserError
from playground.generation import GenerationParams, check_prefix
from playground.strategies import token_logprobs


class ForkError(UserError):
    """A fork the user can fix; the sentence says how."""


@dataclass(frozen=True)
class Branch:
    token_ids: tuple[int, ...]  # from the fork point on
    logprobs: tuple[float, ...]  # the model's log p of each, given everything before it
    text: str
    stop_reason: str | None

    @property
    def logprob_sum(self) -> float:
        return sum(self.logprobs)

    def to_api(self) -> dict:
        return {
            "token_ids": list(self.token_ids),
            "text": self.text,
            "logprob_sum": self.logprob_sum,
            "stop_reason": self.stop_reason,
        }


@dataclass(frozen=True)
class ForkResult:
    position: int  # index of the forced token among the generated ones
    shared_ids: tuple[int, ...]  # the generated tokens before it, common to both branches
    original: Branch
    forked: Branch
    first_difference: int | None  # index (from the fork point) where the branches first differ
    cached_tokens: int = 0  # tokens before the fork whose KV cache came from the original generation

    def to_api(self) -> dict:
        return {
            "position": self.position,
            "shared_ids": list(self.shared_ids),
            "original": self.original.to_api(),
            "forked": self.forked.to_api(),
            "first_difference": self.first_difference,
            "cached_tokens": self.cached_tokens,
        }


def fork_params(params: GenerationParams, prefix_ids: list[int]) -> GenerationParams:
    """The original settings, continuing after ``prefix_ids`` (the shared tokens and the forced
    one): the new tokens are what the original allowed after that many."""
    done = len(prefix_ids)
    return replace(
        params,
        prefix_ids=tuple(prefix_ids),
        max_new_tokens=params.max_new_tokens - done,
        min_new_tokens=max(0, params.min_new_tokens - done),
    )


def first_difference(a, b) -> int | None:
    """The first index where the sequences differ (a length counts: one may end earlier)."""
    for index, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return index
    return None if len(a) == len(b) else min(len(a), len(b))


def continuation_params(
    runner, params: GenerationParams, original_ids, position: int, token_id: int
) -> GenerationParams | None:
    """The settings of the generation after the forced token, or None when nothing follows it (it
    ends the sequence, or it uses up the original's token budget)."""
    if not 0 <= position < len(original_ids):
        raise ForkError("fork.error.position", position=position, count=len(original_ids))
    prefix = check_prefix([*original_ids[:position], token_id], runner.vocab_size)
    if prefix[-1] in runner.eos_token_ids or params.max_new_tokens <= len(prefix):
        return None
    return fork_params(params, prefix)


def fork(
    runner,
    prompt_ids: list[int],
    original_ids: list[int],
    original_stop: str | None,
    params: GenerationParams,
    position: int,
    token_id: int,
    generate,
) -> ForkResult:
    """Force ``token_id`` at ``position`` of a generation and continue it; ``generate(runner,
    prompt_ids, params) -> GenerationState`` is the decoding path (alone or the serving batch)."""
    shared = list(original_ids[:position])
    following = continuation_params(runner, params, original_ids, position, token_id)
    continuation: list[int] = []
    cached = 0
    if token_id in runner.eos_token_ids:
        stop_reason = "eos"  # nothing follows the end of the sequence
    elif following is not None:
        state = generate(runner, prompt_ids, following)
        continuation = [token.id for token in state.tokens]
        stop_reason, cached = state.stop_reason, state.cached_tokens
    else:
        stop_reason = "length"

    def branch(ids: list[int], stop: str | None) -> Branch:
        text = runner.tokenizer.decode(ids, skip_special_tokens=True)
        return Branch(tuple(ids), token_logprobs(runner, prompt_ids + shared, ids), text, stop)

    original = branch(list(original_ids[position:]), original_stop)
    forked = branch([int(token_id), *continuation], stop_reason)
    return ForkResult(
        position=position,
        shared_ids=tuple(shared),
        original=original,
        forked=forked,
        first_difference=first_difference(original.token_ids, forked.token_ids),
        cached_tokens=cached,
    )


@dataclass(frozen=True)
class Finished:
    """What a fork needs of a finished generation (the logits tab keeps one per session): its
    prompt, settings, and each token with its probability and the alternatives at that step."""

    prompt_ids: tuple[int, ...]
    params: GenerationParams
    token_ids: tuple[int, ...]
    probs: tuple[float, ...]
    tops: tuple[tuple[tuple[int, float], ...], ...]  # per step: (id, probability after the chain)
    stop_reason: str | None


def record(prompt_ids: list[int], params: GenerationParams, state) -> Finished:
    """A finished stream's last state, kept for a fork."""
    return Finished(
        prompt_ids=tuple(prompt_ids),
        params=params,
        token_ids=tuple(token.id for token in state.tokens),
        probs=tuple(token.prob for token in state.tokens),
        tops=tuple(tuple(token.top) for token in state.tokens),
        stop_reason=state.stop_reason,
    )


Alternative = tuple[int, float, float | None]  # (id, model probability, probability after the chain)


def alternatives(runner, generation: Finished, position: int, n: int) -> list[Alternative]:
    """The tokens one can force at ``position``: the model's own ``n`` most likely there (softmax
    of its logits, one forward pass over prompt + the tokens before), and the token that was chosen
    if it is not among them; each as (id, model probability, probability after the sampling chain,
    None where the generation did not record it). A greedy chain gives every other token 0."""
    if not 0 <= position < len(generation.token_ids):
        raise ForkError("fork.error.position", position=position, count=len(generation.token_ids))
    ids = [*generation.prompt_ids, *generation.token_ids[:position]]
    model_probs = torch.softmax(runner.prefill(ids).logits.double(), dim=-1)
    chosen = generation.token_ids[position]
    candidates = torch.topk(model_probs, n).indices.tolist()
    if chosen not in candidates:
        candidates.append(chosen)
    chain = dict(generation.tops[position])
    chain[chosen] = generation.probs[position]
    greedy = generation.params.sampling.greedy
    return [(i, float(model_probs[i]), chain.get(i, 0.0 if greedy else None)) for i in candidates]
