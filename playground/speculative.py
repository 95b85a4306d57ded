"""Speculative decoding on the loaded model: a drafter proposes k tokens, the model checks all of them
in one forward pass, and keeps the longest prefix it agrees with plus one token of its own.

Two drafters that need no second model:

- ``prompt_lookup``: transformers' ``PromptLookupCandidateGenerator.get_candidates``
  (transformers/generation/candidate_generator.py; Saxena 2023, github.com/apoorvumang/
  prompt-lookup-decoding). The last n tokens (n from ``ngram`` down to 1) are looked for in the
  sequence so far, left to right; the first match with a token after it proposes up to k of the tokens
  that follow it, cut before an end-of-text token. No match: a plain decoding step.
- ``early_exit``: the model's own first ``draft_layers`` layers, then its final norm and output layer
  (an early exit, read as the logit lens reads a layer; LayerSkip, Elhoushi et al. 2024, arXiv
  2404.16710, trains a model for it, this model was not), drafting k tokens one at a time with a KV
  cache of its own. It shares the model's weights: no copy is made.

Verification follows Leviathan et al. 2023 (arXiv 2211.17192, Algorithm 1) and Chen et al. 2023
(arXiv 2302.01318), as transformers' ``_speculative_sampling`` (transformers/generation/utils.py)
applies it. The model runs once over the last accepted token and the k drafted ones (its KV cache
holds everything before), giving its distribution p at each of the k + 1 positions. Greedy: a drafted
token is kept while it equals the model's argmax; the first one that does not is replaced by the
argmax. Sampling: drafted token x (drawn from the drafter's q) is kept with probability
min(1, p(x) / q(x)); at the first rejection a token is drawn from max(0, p - q), normalised. Each
token then follows p exactly. When all k are kept, p after them gives one more token (the bonus).
A prompt-lookup draft is certain (q(x) = 1), so x is kept with probability p(x) and a rejection
draws from p without x.

The first new token comes from the prompt's forward pass, as in plain decoding; each round after it
is one forward pass of the model. The caches of the model and of the early-exit draft are cut back to the
kept tokens after each round (``DynamicCache.crop``).
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field

import torch

from playground import config, sampling
from playground.api.params import Param, seed_param
from playground.errors import UserError

DRAFTERS = ("prompt_lookup", "early_exit")


class SpeculativeError(UserError):
    """A drafter the user can fix."""


K = Param("k", int, 4, 1, config.MAX_SPECULATIVE_K, "speculative.param.k", f"(1–{config.MAX_SPECULATIVE_K})")
NGRAM = Param(
    "ngram",
    int,
    2,
    1,
    config.MAX_SPECULATIVE_NGRAM,
    "speculative.param.ngram",
    f"(prompt lookup's longest n-gram, 1–{config.MAX_SPECULATIVE_NGRAM})",
)
DRAFT_LAYERS = Param(
    "draft_layers",
    int,
    8,
    1,
    None,
    "speculative.param.draft_layers",
    "(the early exit's layers, 1 to the model's layers - 1)",
)
NEW_TOKENS = Param(
    "max_new_tokens",
    int,
    config.DEFAULT_SPECULATIVE_NEW_TOKENS,
    1,
    config.MAX_SPECULATIVE_NEW_TOKENS,
    "safety.param.max_new_tokens",
    f"(1–{config.MAX_SPECULATIVE_NEW_TOKENS})",
)


@dataclass(frozen=True)
class SpeculativeParams:
    drafter: str = "prompt_lookup"
    k: int = 4
    ngram: int = 2
    draft_layers: int = 8
    max_new_tokens: int = config.DEFAULT_SPECULATIVE_NEW_TOKENS
    sampling: sampling.SamplingParams = field(  # greedy unless a chain is given
        default_factory=lambda: sampling.SamplingParams.from_values(temperature=0.0)
    )
    seed: int = 0

    def validate(self, num_layers: int) -> SpeculativeParams:
        if self.drafter not in DRAFTERS:
            raise SpeculativeError(
                "speculative.error.drafter", value=str(self.drafter)[:40], choices=", ".join(DRAFTERS)
            )
        return SpeculativeParams(
            drafter=self.drafter,
            k=K.check(self.k),
            ngram=NGRAM.check(self.ngram),
            draft_layers=DRAFT_LAYERS.check(self.draft_layers, high=num_layers - 1),
            max_new_tokens=NEW_TOKENS.check(self.max_new_tokens),
            sampling=self.sampling,
            seed=seed_param().check(0 if self.seed is None else self.seed),
        )


@dataclass(frozen=True)
class Round:
    """One forward pass of the model over the drafted tokens."""

    drafted: list[int]
    target: list[int]  # the model's token at each drafted position and after them (k + 1)
    accepted: int  # drafted tokens kept
    placed: int  # the model's own token after them: a correction, or the bonus when all were kept
    bonus: bool
    draft_probs: list[float]  # q(x) of each drafted token (1 for prompt lookup)
    target_probs: list[float]  # p(x) of each drafted token


@dataclass(frozen=True)
class Speculation:
    prompt_length: int
    first: int  # the token from the prompt's forward pass
    tokens: list[int]  # every new token, in order
    rounds: list[Round]
    seconds: float
    draft_passes: int  # forward passes of the drafter (0 for prompt lookup)
    stop_reason: str  # "eos" or "length"

    @property
    def target_passes(self) -> int:
        return 1 + len(self.rounds)

    @property
    def drafted(self) -> int:
        return sum(len(r.drafted) for r in self.rounds)

    @property
    def accepted(self) -> int:
        return sum(r.accepted for r in self.rounds)

    @property
    def acceptance_rate(self) -> float:
        return self.accepted / self.drafted if self.drafted else 0.0


# --- drafters -----------------------------------------------------------------------------------------


def prompt_lookup(sequence: list[int], k: int, ngram: int, eos_ids) -> list[int]:
    """Up to k tokens that followed an earlier occurrence of the sequence's last n tokens (transformers'
    ``PromptLookupCandidateGenerator.get_candidates``, its logic without tensors)."""
    length = len(sequence)
    for size in range(min(ngram, length - 1), 0, -1):
        tail = sequence[-size:]
        for start in range(length - size + 1):
            if sequence[start : start + size] != tail:
                continue
            chosen = sequence[start + size : min(start + size + k, length)]
            if not chosen:
                continue
            for i, token in enumerate(chosen):  # cut before an end-of-text token, as transformers does
                if token in eos_ids:
                    chosen = chosen[:i]
                    break
            return chosen  # the first match found decides, even when cut to nothing
    return []


def early_exit_model(model, layers: int):
    """The model's first ``layers`` layers, its final norm and its output layer, as a model of its own
    that shares every weight (nothing is copied)."""
    cfg = copy.deepcopy(model.config)
    cfg.num_hidden_layers = layers
    if getattr(cfg, "layer_types", None):
        cfg.layer_types = cfg.layer_types[:layers]
    with torch.device("meta"):
        draft = type(model)(cfg)
    draft.model.embed_tokens = model.model.embed_tokens
    draft.model.layers = torch.nn.ModuleList(list(model.model.layers[:layers]))
    draft.model.norm = model.model.norm
    draft.model.rotary_emb = model.model.rotary_emb
    draft.lm_head = model.lm_head
    return draft.eval()


# --- the loop -----------------------------------------------------------------------------------------


class _Model:
    """A model with its KV cache: ``feed`` runs new tokens and returns their logits (T, vocab)."""

    def __init__(self, runner, model):
        from transformers import DynamicCache

        self.runner, self.model = runner, model
        self.cache = DynamicCache(config=model.config)
        self.length = 0  # tokens the cache holds
        self.passes = 0

    @torch.inference_mode()
    def feed(self, ids: list[int]) -> torch.Tensor:
        with self.runner.hold():
            out = self.model(
                input_ids=torch.as_tensor([ids], device=self.runner.device),
                past_key_values=self.cache,
                use_cache=True,
            )
        self.cache, self.length, self.passes = out.past_key_values, self.length + len(ids), self.passes + 1
        return out.logits[0].float()

    def crop(self, length: int) -> None:
        if length < self.length:
            self.cache.crop(length - self.length)  # a negative count: the tokens to remove
            self.length = length


def distribution(logits: torch.Tensor, sequence: list[int], params) -> torch.Tensor:
    """The distribution the tokens are drawn from (the sampling chain, transformers' order); one-hot
    at the argmax when greedy."""
    return sampling.run_pipeline(logits, sequence, [], params, with_entropy=False).probs


def verify(
    p: torch.Tensor, q: torch.Tensor, token: int, generator: torch.Generator
) -> tuple[bool, int | None]:
    """The speculative sampling rule for one drafted token: kept with probability min(1, p/q), else a
    token drawn from max(0, p - q) normalised. Returns (kept, the drawn token or None)."""
    ratio = float(p[token]) / max(float(q[token]), 1e-30)
    if float(torch.rand((), generator=generator)) < min(1.0, ratio):
        return True, None
    residual = torch.clamp(p - q, min=0)
    total = float(residual.sum())
    residual = residual / total if total > 0 else p
    return False, int(torch.multinomial(residual, 1, generator=generator))


def _draft(params, sequence, drafter, remaining, eos_ids, generator, q_rows):
    """k drafted tokens (fewer near the end of the length), filling q_rows with the drafter's q."""
    k = min(params.k, remaining - 1)
    if k <= 0:
        return []
    if drafter is None:
        return prompt_lookup(sequence, k, params.ngram, eos_ids)
    drafted = []
    logits = drafter.feed(sequence[drafter.length :])[-1]
    for i in range(k):
        q = distribution(logits, sequence + drafted, params.sampling)
        token = (
            int(q.argmax()) if params.sampling.greedy else int(torch.multinomial(q, 1, generator=generator))
        )
        drafted.append(token)
        q_rows.append(q)
        if token in eos_ids or i == k - 1:
            break
        logits = drafter.feed([token])[-1]
    return drafted


def _check_round(params, p_rows, q_rows, drafted, generator):
    """How many drafted tokens the model keeps, and the token it places after them."""
    greedy = params.sampling.greedy
    for i, token in enumerate(drafted):
        p = p_rows[i]
        if greedy:
            if int(p.argmax()) != token:
                return i, int(p.argmax())
            continue
        q = q_rows[i] if q_rows else torch.nn.functional.one_hot(torch.tensor(token), p.numel()).float()
        kept, replacement = verify(p, q, token, generator)
        if not kept:
            return i, replacement
    last = p_rows[len(drafted)]
    return len(drafted), int(last.argmax()) if greedy else int(
        torch.multinomial(last, 1, generator=generator)
    )


def speculate(runner, prompt_ids: list[int], params: SpeculativeParams) -> Speculation:
    """Speculative decoding of up to ``max_new_tokens`` tokens after the prompt."""
    eos_ids = set(runner.eos_token_ids)
    generator = sampling.make_generator(params.seed)
    start = time.perf_counter()
    target = _Model(runner, runner.model)
    drafter = (
        _Model(runner, early_exit_model(runner.model, params.draft_layers))
        if params.drafter == "early_exit"
        else None
    )
    sequence = list(prompt_ids)
    p0 = distribution(target.feed(sequence)[-1], sequence, params.sampling)
    first = int(p0.argmax()) if params.sampling.greedy else int(torch.multinomial(p0, 1, generator=generator))
    tokens, rounds = [first], []
    while tokens[-1] not in eos_ids and len(tokens) < params.max_new_tokens:
        sequence = list(prompt_ids) + tokens
        q_rows: list[torch.Tensor] = []
        drafted = _draft(
            params, sequence, drafter, params.max_new_tokens - len(tokens), eos_ids, generator, q_rows
        )
        logits = target.feed([tokens[-1], *drafted])
        p_rows = [
            distribution(logits[i], sequence + drafted[:i], params.sampling) for i in range(len(drafted) + 1)
        ]
        accepted, placed = _check_round(params, p_rows, q_rows, drafted, generator)
        rounds.append(
            Round(
                drafted=drafted,
                target=[int(p.argmax()) for p in p_rows],
                accepted=accepted,
                placed=placed,
                bonus=accepted == len(drafted) and bool(drafted),
                draft_probs=[float(q_rows[i][t]) if q_rows else 1.0 for i, t in enumerate(drafted)],
                target_probs=[float(p_rows[i][t]) for i, t in enumerate(drafted)],
            )
        )
        kept = [*drafted[:accepted], placed]
        target.crop(len(sequence) + accepted)  # the cache holds the sequence and the kept drafts
        if drafter is not None:
            drafter.crop(min(drafter.length, len(sequence) + accepted))
        for token in kept:
            tokens.append(token)
            if token in eos_ids or len(tokens) >= params.max_new_tokens:
                break
    return Speculation(
        prompt_length=len(prompt_ids),
        first=first,
        tokens=tokens,
        rounds=rounds,
        seconds=time.perf_counter() - start,
        draft_passes=drafter.passes if drafter is not None else 0,
        stop_reason="eos" if tokens[-1] in eos_ids else "length",
    )


def plain(runner, prompt_ids: list[int], params: SpeculativeParams) -> tuple[list[int], float]:
    """Plain decoding with the same model, chain and length: one forward pass a token."""
    eos_ids = set(runner.eos_token_ids)
    generator = sampling.make_generator(params.seed)
    start = time.perf_counter()
    target = _Model(runner, runner.model)
    sequence, tokens = list(prompt_ids), []
    logits = target.feed(sequence)[-1]
    while True:
        p = distribution(logits, sequence + tokens, params.sampling)
        token = (
            int(p.argmax()) if params.sampling.greedy else int(torch.multinomial(p, 1, generator=generator))
        )
        tokens.append(token)
        if token in eos_ids or len(tokens) >= params.max_new_tokens:
            return tokens, time.perf_counter() - start
        logits = target.feed([token])[-1]


def compare(runner, prompt_ids: list[int], params: SpeculativeParams) -> dict:
    """Speculative decoding and plain decoding of the same prompt, one after the other with the model
    to themselves (a timing lesson: the batch pauses meanwhile), for the answer of /speculative.
    ``params`` come checked (``SpeculativeParams.validate``), as the endpoint checks them once."""
    with runner.alone() as waited_s:
        result = speculate(runner, prompt_ids, params)
        plain_tokens, plain_seconds = plain(runner, prompt_ids, params)
    label = runner.token_label
    passes, steps = 1, []
    for r in result.rounds:
        passes += 1
        steps.append(
            {
                "drafted": r.drafted,
                "drafted_tokens": [label(i) for i in r.drafted],
                "target": r.target,
                "target_tokens": [label(i) for i in r.target],
                "accepted": r.accepted,
                "target_token": r.placed,
                "target_token_label": label(r.placed),
                "bonus": r.bonus,
                "draft_probs": r.draft_probs,
                "target_probs": r.target_probs,
                "forward_passes": passes,
            }
        )
    return {
        "drafter": params.drafter,
        "k": params.k,
        "greedy": params.sampling.greedy,
        "prompt_tokens": result.prompt_length,
        "first_token": {"id": result.first, "token": label(result.first)},
        "tokens": [{"id": i, "token": label(i)} for i in result.tokens],
        "text": runner.decode(result.tokens),
        "steps": steps,
        "drafted": result.drafted,
        "accepted": result.accepted,
        "acceptance_rate": result.acceptance_rate,
        "target_forward_passes": result.target_passes,
        "draft_forward_passes": result.draft_passes,
        "plain_forward_passes": len(plain_tokens),
        "stop_reason": result.stop_reason,
        "seconds": result.seconds,
        "plain_seconds": plain_seconds,
        "speedup": plain_seconds / result.seconds if result.seconds > 0 else 0.0,
        "plain_text": runner.decode(plain_tokens),
        "plain_token_ids": plain_tokens,
        "same_as_plain": plain_tokens == result.tokens,
        "waited_s": waited_s,
    }
