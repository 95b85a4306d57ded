"""Comparing engines: the same logits and knobs through several presets, and how far apart they end."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from playground.sampling.engines import ENGINES
from playground.sampling.pipeline import PipelineResult, run_pipeline


def total_variation(p: torch.Tensor, q: torch.Tensor) -> float:
    """Total variation distance, ``sum |p - q| / 2``: 0 for the same distribution, 1 for disjoint ones."""
    return float((p.double() - q.double()).abs().sum() / 2)


@dataclass(frozen=True)
class EngineComparison:
    """The same logits and knobs through several engines: each final distribution, and their distances."""

    results: dict[str, PipelineResult]
    distances: list[tuple[str, str, float]]  # (engine a, engine b, total variation distance)
    only_in: list[tuple[str, str, list[int]]]  # (a, b, ids a keeps and b cuts), most probable first


def compare_engines(logits, prompt_ids, generated_ids, params, engines: Sequence[str] = tuple(ENGINES)):
    """Run every engine on the same input; pairwise total variation and the tokens one keeps, another cuts."""
    results = {
        e: run_pipeline(logits, prompt_ids, generated_ids, params, e, with_entropy=False) for e in engines
    }
    distances, only_in = [], []
    for i, a in enumerate(engines):
        for b in engines[i + 1 :]:
            distances.append((a, b, total_variation(results[a].probs, results[b].probs)))
        for b in engines:
            if a != b:
                pa, pb = results[a].probs, results[b].probs
                ids = torch.nonzero((pa > 0) & (pb == 0)).flatten()
                ids = ids[torch.argsort(pa[ids], descending=True, stable=True)]
                only_in.append((a, b, [int(i) for i in ids]))
    return EngineComparison(results, distances, only_in)
