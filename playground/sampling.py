"""From logits to one token: each stage a small pure function, and the pipeline that records them.

Logits are scores, not probabilities: any real number, one per vocabulary entry. Softmax turns
them into probabilities. Between the two, these stages reshape the distribution, in this order
(the order transformers' ``generate`` applies them; vLLM's penalties likewise come first):

1. penalties: repetition (CTRL, as transformers), then presence and frequency (OpenAI / vLLM);
2. temperature;
3. top-k;
4. top-p (nucleus);
5. min-p;
then softmax, and one token is drawn (or, at temperature 0, the most likely one is taken).

Every function returns a new tensor and leaves its input alone. Filters set removed tokens to
``-inf``, so softmax gives them probability exactly 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from playground import config
from playground.errors import UserError

STAGE_ORDER = ("raw", "penalties", "temperature", "top_k", "top_p", "min_p")


class SamplingError(UserError):
    """A setting the user can fix; the message says how."""


# --- the stages ---------------------------------------------------------------------------------


def token_counts(context_ids, vocab_size: int) -> torch.Tensor:
    """How many times each vocabulary id occurs in the context. Shape (vocab,)."""
    ids = torch.as_tensor(list(context_ids), dtype=torch.long)
    return torch.bincount(ids, minlength=vocab_size)[:vocab_size]


def apply_repetition_penalty(logits: torch.Tensor, counts: torch.Tensor, penalty: float) -> torch.Tensor:
    """CTRL's repetition penalty, as transformers' ``RepetitionPenaltyLogitsProcessor``.

    For every token already in the context (once, however often it occurs):
    ``logit / penalty`` if the logit is positive, ``logit * penalty`` if negative.
    penalty > 1 discourages repeats, 1 is off. E.g. penalty 2: logit 4 -> 2, logit -1 -> -2.
    """
    if penalty == 1.0:
        return logits.clone()
    penalised = torch.where(logits < 0, logits * penalty, logits / penalty)
    return torch.where(counts > 0, penalised, logits)


def apply_presence_frequency(
    logits: torch.Tensor, counts: torch.Tensor, presence: float, frequency: float
) -> torch.Tensor:
    """OpenAI / vLLM presence and frequency penalties (transformers has no such processor).

    ``logit - frequency * count - presence * (count > 0)``: frequency grows with every repeat,
    presence is paid once by any token already seen. E.g. a token seen 3 times with
    frequency 0.5 and presence 1 loses 0.5 * 3 + 1 = 2.5.
    """
    return logits - frequency * counts.to(logits.dtype) - presence * (counts > 0).to(logits.dtype)


def apply_temperature(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """``logits / temperature``, as transformers' ``TemperatureLogitsWarper``.

    Below 1 the distribution sharpens (0 would be argmax: greedy, handled by the pipeline),
    above 1 it flattens. The order of tokens never changes.
    """
    if temperature == 0:
        return logits.clone()
    return logits / temperature


def top_k_filter(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Keep the k highest logits, as transformers' ``TopKLogitsWarper`` (0 = off).

    Tokens tied with the k-th value are kept too, so a tie can keep more than k.
    """
    if k <= 0:
        return logits.clone()
    k = min(k, logits.size(-1))
    kth = torch.topk(logits, k)[0][..., -1, None]
    return logits.masked_fill(logits < kth, -math.inf)


def top_p_filter(logits: torch.Tensor, p: float) -> torch.Tensor:
    """Nucleus: keep the smallest set of most likely tokens whose probability reaches p.

    As transformers' ``TopPLogitsWarper``: sort ascending, drop tokens while the cumulative
    probability of what is dropped stays <= 1 - p; the most likely token always stays. 1 = off.
    """
    if p >= 1.0:
        return logits.clone()
    sorted_logits, sorted_indices = torch.sort(logits, descending=False)
    cumulative = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
    sorted_remove = cumulative <= (1 - p)
    sorted_remove[..., -1:] = False
    remove = sorted_remove.scatter(-1, sorted_indices, sorted_remove)
    return logits.masked_fill(remove, -math.inf)


def min_p_filter(logits: torch.Tensor, min_p: float) -> torch.Tensor:
    """Keep tokens whose probability is at least ``min_p`` times the top token's, as
    transformers' ``MinPLogitsWarper`` (0 = off). E.g. top 0.6, min_p 0.1: keep p >= 0.06.
    """
    if min_p <= 0.0:
        return logits.clone()
    probs = torch.softmax(logits, dim=-1)
    remove = probs < min_p * probs.amax(dim=-1, keepdim=True)
    remove[..., torch.argmax(probs, dim=-1)] = False
    return logits.masked_fill(remove, -math.inf)


def entropy_bits(logits: torch.Tensor) -> float:
    """Shannon entropy of softmax(logits), in bits: 0 for a certain choice, log2(n) for n equal ones."""
    logp = torch.log_softmax(logits.double(), dim=-1)
    p = logp.exp()
    return float(-(p * torch.where(p > 0, logp, torch.zeros_like(logp))).sum() / math.log(2))


# --- the pipeline -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SamplingParams:
    temperature: float = 1.0
    top_k: int = 0
    top_p: float = 1.0
    min_p: float = 0.0
    presence_penalty: float = 0.0
    frequency_penalty: float = 0.0
    repetition_penalty: float = 1.0

    @property
    def greedy(self) -> bool:
        return self.temperature == 0

    def validate(self) -> SamplingParams:
        """Raise SamplingError with a sentence that says what to change."""
        low, high = config.REPETITION_PENALTY_RANGE
        limit = config.MAX_ABS_PENALTY
        coldest, hottest = config.MIN_TEMPERATURE, config.MAX_TEMPERATURE
        checks = [
            (
                self.temperature == 0 or coldest <= self.temperature <= hottest,
                f"Temperature must be 0 (greedy) or between {coldest} and {hottest:g}.",
            ),
            (
                self.top_k >= 0 and float(self.top_k).is_integer(),
                "Top-k must be a whole number, 0 (off) or more.",
            ),
            (0 < self.top_p <= 1, "Top-p must be above 0 and at most 1 (1 = off)."),
            (0 <= self.min_p <= 1, "Min-p must be between 0 (off) and 1."),
            (
                low <= self.repetition_penalty <= high,
                f"Repetition penalty must be between {low} and {high:g} (1 = off).",
            ),
            (
                all(-limit <= v <= limit for v in (self.presence_penalty, self.frequency_penalty)),
                f"Presence and frequency penalties must be between -{limit:g} and {limit:g} (0 = off).",
            ),
        ]
        for ok, message in checks:
            if not ok:
                raise SamplingError(message)
        return self


@dataclass(frozen=True)
class Stage:
    name: str  # one of STAGE_ORDER
    logits: torch.Tensor  # (vocab,) the logits after this stage; -inf where removed
    kept: int  # tokens still possible (finite logits)
    entropy_bits: float  # of softmax(logits)


@dataclass(frozen=True)
class PipelineResult:
    stages: tuple[Stage, ...]  # in STAGE_ORDER
    probs: torch.Tensor  # (vocab,) the final distribution the token is drawn from

    def stage(self, name: str) -> Stage:
        return next(s for s in self.stages if s.name == name)


def run_pipeline(
    logits: torch.Tensor, context_ids, params: SamplingParams, suppress_ids=(), with_entropy: bool = True
) -> PipelineResult:
    """Apply every stage in order and record each one. ``logits`` (vocab,) is not changed.

    ``suppress_ids`` (e.g. EOS before ``min_new_tokens``) are set to -inf before any stage,
    as transformers' ``MinNewTokensLengthLogitsProcessor`` does. The decoding loop skips the
    entropies (NaN then), which only the charts need.
    """
    raw = logits.float().clone()
    if len(suppress_ids):
        raw[list(suppress_ids)] = -math.inf
    counts = token_counts(context_ids, raw.size(-1))
    penalised = apply_repetition_penalty(raw, counts, params.repetition_penalty)
    penalised = apply_presence_frequency(penalised, counts, params.presence_penalty, params.frequency_penalty)
    tempered = apply_temperature(penalised, params.temperature)
    after_k = top_k_filter(tempered, params.top_k)
    after_p = top_p_filter(after_k, params.top_p)
    after_min_p = min_p_filter(after_p, params.min_p)

    values = (raw, penalised, tempered, after_k, after_p, after_min_p)
    stages = tuple(
        Stage(name, v, int(torch.isfinite(v).sum()), entropy_bits(v) if with_entropy else math.nan)
        for name, v in zip(STAGE_ORDER, values, strict=True)
    )
    if params.greedy:
        probs = torch.zeros_like(after_min_p)
        probs[torch.argmax(after_min_p)] = 1.0
    else:
        probs = torch.softmax(after_min_p, dim=-1)
    return PipelineResult(stages=stages, probs=probs)


def draw(probs: torch.Tensor, generator: torch.Generator | None = None) -> int:
    """One token id drawn from ``probs`` (the argmax when one token has all the mass)."""
    return int(torch.multinomial(probs, 1, generator=generator))


def make_generator(seed) -> torch.Generator:
    """A random generator for the draw; the same seed gives the same draws. An empty seed is 0."""
    seed = 0 if seed is None else seed
    if not (float(seed).is_integer() and 0 <= seed < 2**63):
        raise SamplingError("The seed must be a whole number from 0 to 2^63 - 1.")
    return torch.Generator().manual_seed(int(seed))


# --- what the UI and the API show ----------------------------------------------------------------


def _top(values: torch.Tensor, n: int) -> list[int]:
    finite = torch.isfinite(values)
    n = min(n, int(finite.sum()))
    return [int(i) for i in torch.topk(values.masked_fill(~finite, -math.inf), n).indices] if n else []


def report(result: PipelineResult, sampled_id: int, label, n_top: int, n_final: int) -> dict:
    """The /next_token contract of API.md; ``label(id) -> str`` names tokens."""
    stages = [
        {
            "name": stage.name,
            "kept": stage.kept,
            "entropy": stage.entropy_bits,
            "top": [
                {"id": i, "token": label(i), "value": float(stage.logits[i])}
                for i in _top(stage.logits, n_top)
            ],
        }
        for stage in result.stages
    ]
    nonzero = result.probs.masked_fill(result.probs <= 0, -math.inf)
    final = [{"id": i, "token": label(i), "prob": float(result.probs[i])} for i in _top(nonzero, n_final)]
    sampled = {"id": sampled_id, "token": label(sampled_id), "prob": float(result.probs[sampled_id])}
    return {"stages": stages, "final": final, "sampled": sampled}


def stage_view(result: PipelineResult, sampled_id: int, label, n: int) -> dict:
    """Plain data for the pipeline chart: the same tokens followed through every stage.

    The tokens are the top ``n`` before and after the penalties (a penalty can push a token out
    of the top), plus the sampled one, ordered by their score after the penalties: the order
    that temperature keeps and the filters cut from the bottom of. A token a stage removes keeps
    the value it had before, flagged ``removed``, so the chart can grey it out.
    """
    penalised = result.stage("penalties").logits
    chosen = dict.fromkeys(_top(penalised, n) + _top(result.stage("raw").logits, n) + [sampled_id])
    ids = sorted(chosen, key=lambda i: -float(penalised[i]) if math.isfinite(penalised[i]) else math.inf)
    stages = []
    previous = None
    for stage in result.stages:
        values, removed = [], []
        for pos, i in enumerate(ids):
            v = float(stage.logits[i])
            gone = not math.isfinite(v)
            removed.append(gone)
            values.append(previous[pos] if gone and previous else (v if not gone else None))
        stages.append(
            {
                "name": stage.name,
                "kept": stage.kept,
                "entropy": stage.entropy_bits,
                "values": values,
                "removed": removed,
            }
        )
        previous = values
    return {
        "ids": ids,
        "labels": [label(i) for i in ids],
        "stages": stages,
        "final": [float(result.probs[i]) for i in ids],
        "final_kept": int((result.probs > 0).sum()),
        "final_entropy": entropy_bits(torch.log(result.probs)),
        "sampled": ids.index(sampled_id),
        "sampled_prob": float(result.probs[sampled_id]),
    }
