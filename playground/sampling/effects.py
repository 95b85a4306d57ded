"""What the penalties changed: the token the same seed draws with the penalties off, and why they moved it.

A learner sees one chosen token. When a penalty is on, the token may be chosen *because of* it (a
frequently counted token pushed down, a rarer one drawn instead). ``penalty_effect`` runs the same
chain with every penalty at its "off" value and draws with the same seed: when the two tokens differ,
the penalties changed the choice, and it says how often the engine counted the token it would have
chosen and what each penalty did to that token's score.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch

from playground.sampling.draws import draw, make_generator
from playground.sampling.engines import DEFAULT_ENGINE, Engine, get_engine
from playground.sampling.pipeline import PipelineResult, run_pipeline
from playground.sampling.registry import STAGES, Stage


@dataclass(frozen=True)
class PenaltyEffect:
    """The penalties changed the drawn token: ``without`` (and its probability then) became ``chosen``."""

    chosen: int
    without: int
    without_prob: float  # the probability ``without`` had with the penalties off
    counts: tuple[int, ...]  # per penalty: how often it counted ``without`` (its engine's scope)
    score_before: float  # ``without``'s logit before the penalties
    score_after: float  # and after them
    penalties: tuple[str, ...]  # the penalties that were on (stage names), in the engine's order


def penalty_effect(
    logits: torch.Tensor,
    prompt_ids: Sequence[int],
    generated_ids: Sequence[int],
    params,
    seed,
    engine: str | Engine = DEFAULT_ENGINE,
    stages: Mapping[str, Stage] = STAGES,
    result: PipelineResult | None = None,
) -> PenaltyEffect | None:
    """None when no penalty is on or the same seed draws the same token without them. ``result``: the
    chain already run with ``params`` on the same input (the stage chart's), not run again."""
    engine = get_engine(engine)
    on = [
        name
        for name in engine.order
        if stages[name].penalty and getattr(params, stages[name].knob.name) != stages[name].knob.off
    ]
    if not on:
        return None
    off = dataclasses.replace(params, **{stages[n].knob.name: stages[n].knob.off for n in on})
    context = (logits, prompt_ids, generated_ids)
    if result is None:
        result = run_pipeline(*context, params, engine, with_entropy=False, stages=stages)
    plain = run_pipeline(*context, off, engine, with_entropy=False, stages=stages)
    chosen = draw(result.probs, make_generator(seed))
    without = draw(plain.probs, make_generator(seed))
    if chosen == without:
        return None
    counts = tuple(engine.scope[n].select(prompt_ids, generated_ids).count(without) for n in on)
    last_penalty = next(s for s in reversed(result.stages) if s.name in on)
    return PenaltyEffect(
        chosen=chosen,
        without=without,
        without_prob=float(plain.probs[without]),
        counts=counts,
        score_before=float(logits[without]),
        score_after=float(last_penalty.logits[without]),
        penalties=tuple(on),
    )
