"""The pipeline: one engine's stages applied in its order, each step recorded for the charts and the API."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch

from playground.sampling.engines import DEFAULT_ENGINE, Engine, Scope, get_engine
from playground.sampling.registry import STAGES, Stage
from playground.sampling.stages import entropy_bits, token_counts, top_ids


@dataclass(frozen=True)
class StageResult:
    name: str  # "raw" or a registry stage name
    logits: torch.Tensor  # (vocab,) the logits after this stage; -inf where removed
    kept: int  # tokens still possible (finite logits)
    entropy_bits: float  # of softmax(logits)
    off: bool = False  # the knob is at its "off" value: the stage changed nothing
    scope: Scope | None = None  # a penalty: which tokens it counted
    counted: int = 0  # a penalty: how many tokens it counted
    counted_ids: tuple[int, ...] = ()  # a penalty: the distinct ids it counted


@dataclass(frozen=True)
class PipelineResult:
    engine: str
    stages: tuple[StageResult, ...]  # "raw", then the engine's order
    probs: torch.Tensor  # (vocab,) the final distribution the token is drawn from

    def stage(self, name: str) -> StageResult:
        return next(s for s in self.stages if s.name == name)

    @property
    def order(self) -> list[str]:
        return [s.name for s in self.stages]

    def to_api(self, sampled_id: int, label, n_top: int, n_final: int) -> dict:
        """The /next_token answer (the README's API table); ``label(id) -> str`` names tokens."""
        stages = [
            {
                "name": stage.name,
                "kept": stage.kept,
                "entropy": stage.entropy_bits,
                "top": [
                    {"id": i, "token": label(i), "value": float(stage.logits[i])}
                    for i in top_ids(stage.logits, n_top)
                ],
            }
            | ({"counted": stage.counted} if stage.scope else {})
            for stage in self.stages
        ]
        nonzero = self.probs.masked_fill(self.probs <= 0, -math.inf)
        final = [
            {"id": i, "token": label(i), "prob": float(self.probs[i])} for i in top_ids(nonzero, n_final)
        ]
        sampled = {"id": sampled_id, "token": label(sampled_id), "prob": float(self.probs[sampled_id])}
        return {
            "engine": self.engine,
            "order": self.order,
            "stages": stages,
            "final": final,
            "sampled": sampled,
        }


def run_pipeline(
    logits: torch.Tensor,
    prompt_ids: Sequence[int],
    generated_ids: Sequence[int],
    params,
    engine: str | Engine = DEFAULT_ENGINE,
    suppress_ids=(),
    with_entropy: bool = True,
    stages: Mapping[str, Stage] = STAGES,
) -> PipelineResult:
    """Apply the engine's stages in its order and record each one. ``logits`` (vocab,) is not changed.

    Each penalty counts the tokens its engine counts (``Engine.scope``) among ``prompt_ids``
    then ``generated_ids``. ``suppress_ids`` (e.g. EOS before ``min_new_tokens``) are set to -inf
    before any stage, as transformers' ``MinNewTokensLengthLogitsProcessor`` does. The decoding
    loop skips the entropies (NaN then), which only the charts need.
    """
    engine = get_engine(engine)
    raw = logits.float().clone()
    if len(suppress_ids):
        raw[list(suppress_ids)] = -math.inf
    vocab = raw.size(-1)

    def record(name, values, **extra) -> StageResult:
        entropy = entropy_bits(values) if with_entropy else math.nan
        return StageResult(name, values, int(torch.isfinite(values).sum()), entropy, **extra)

    results = [record("raw", raw)]
    current = raw
    for name in engine.order:
        stage = stages[name]
        value = getattr(params, stage.knob.name)
        extra = {}
        if stage.penalty:
            scope = engine.scope[name]
            counted = scope.select(prompt_ids, generated_ids)
            extra = {"scope": scope, "counted": len(counted), "counted_ids": tuple(dict.fromkeys(counted))}
        if value == stage.knob.off:  # unchanged: the same tensor, kept count and entropy
            previous = results[-1]
            results.append(StageResult(name, current, previous.kept, previous.entropy_bits, True, **extra))
            continue
        args = (token_counts(counted, vocab), value) if stage.penalty else (value,)
        current = engine.function(stage)(current, *args)
        results.append(record(name, current, **extra))

    if params.greedy:
        probs = torch.zeros_like(current)
        probs[torch.argmax(current)] = 1.0
    else:
        probs = torch.softmax(current, dim=-1)
    return PipelineResult(engine=engine.name, stages=tuple(results), probs=probs)
