"""Plain data for the charts: the stage chart, the engines compared, the draws (the API's answers are
the results' own ``to_api``)."""

from __future__ import annotations

import math

import torch

from playground.i18n import t
from playground.sampling.comparison import EngineComparison
from playground.sampling.draws import Draws
from playground.sampling.pipeline import PipelineResult
from playground.sampling.stages import entropy_bits, top_ids

COUNTED_TOKENS_SHOWN = 3  # tokens a penalty counted, added to the chart's rows


def _penalised(result: PipelineResult) -> torch.Tensor:
    """The logits after the last penalty in the engine's order (the raw logits if it has none)."""
    last = result.stages[0]
    for stage in result.stages:
        if stage.scope is not None:
            last = stage
    return last.logits


def stage_view(result: PipelineResult, sampled_id: int, label, n: int) -> dict:
    """Plain data for the pipeline chart: the same tokens followed through every stage.

    The tokens are the top ``n`` before and after the penalties (a penalty can push a token out
    of the top), the most likely few that a penalty counted (so the learner sees what it does to
    them), plus the sampled one, ordered by their score after the penalties: the order
    that temperature keeps and the filters cut from the bottom of. A token a stage removes keeps
    the value it had before, flagged ``removed``, so the chart can grey it out.
    """
    penalised = _penalised(result)
    raw = result.stage("raw").logits
    counted = sorted({i for s in result.stages for i in s.counted_ids}, key=lambda i: -float(raw[i]))
    shown = top_ids(penalised, n) + top_ids(raw, n) + counted[:COUNTED_TOKENS_SHOWN] + [sampled_id]
    chosen = dict.fromkeys(shown)
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
                "off": stage.off,
                "scope": stage.scope.key if stage.scope else None,
                "window": stage.scope.last_n if stage.scope else None,
                "counted": stage.counted,
            }
        )
        previous = values
    return {
        "engine": result.engine,
        "ids": ids,
        "labels": [label(i) for i in ids],
        "stages": stages,
        "final": [float(result.probs[i]) for i in ids],
        "final_kept": int((result.probs > 0).sum()),
        "final_entropy": entropy_bits(torch.log(result.probs)),
        "sampled": ids.index(sampled_id),
        "sampled_prob": float(result.probs[sampled_id]),
    }


def comparison_view(comparison: EngineComparison, label, n: int, real=()) -> dict:
    """Plain data for the three-engine chart: the union of every engine's top ``n`` tokens. ``real``:
    real engines' answers (``real_engines.RealTop``), each a series of its own; a token past what one
    reported has no bar there (None: it said nothing of it)."""
    names = list(comparison.results)
    probs = {e: r.probs for e, r in comparison.results.items()}
    chosen = dict.fromkeys(
        i for e in names for i in top_ids(probs[e].masked_fill(probs[e] <= 0, -math.inf), n)
    )
    answered = [r for r in real if not r.error]
    for r in answered:
        chosen.update(dict.fromkeys(i for i, _ in r.top[:n]))
    ids = sorted(chosen, key=lambda i: -sum(float(probs[e][i]) for e in names))
    series = {e: [float(probs[e][i]) for i in ids] for e in names}
    for r in answered:
        reported = dict(r.top)
        series[t("real.series", name=r.engine.name)] = [reported.get(i) for i in ids]
    return {
        "engines": list(series),
        "ids": ids,
        "labels": [label(i) for i in ids],
        "probs": series,
        "kept": {e: int((probs[e] > 0).sum()) for e in names},
        "distances": [{"a": a, "b": b, "tv": tv} for a, b, tv in comparison.distances],
        "only_in": [{"a": a, "b": b, "tokens": [label(i) for i in ids]} for a, b, ids in comparison.only_in],
        "real": [
            {
                "engine": r.engine.label,
                "name": r.engine.name,
                "tv": r.tv,
                "reported": len(r.top),
                "error": r.error,
            }
            for r in real
        ],
    }


def draws_view(draws: Draws, label, n: int) -> dict:
    """Plain data for the draws chart: the ``n`` most probable tokens, their probability and drawn share."""
    ids = top_ids(draws.probs.masked_fill(draws.probs <= 0, -math.inf), n)
    shown = sum(int(draws.counts[i]) for i in ids)
    return {
        "n": draws.n,
        "labels": [label(i) for i in ids],
        "probs": [float(draws.probs[i]) for i in ids],
        "shares": [int(draws.counts[i]) / draws.n for i in ids],
        "counts": [int(draws.counts[i]) for i in ids],
        "others": draws.n - shown,
        "distinct": int((draws.counts > 0).sum()),
        "chi_square": draws.chi_square,
        "dof": draws.dof,
        "p_value": draws.p_value,
    }
