"""Drawing tokens: one seeded draw, and many draws counted and checked with a chi-square test."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from playground import config
from playground.sampling.registry import SamplingError
from playground.sampling.stages import top_ids
from playground.validate import whole_number


def draw(probs: torch.Tensor, generator: torch.Generator | None = None) -> int:
    """One token id drawn from ``probs`` (the argmax when one token has all the mass)."""
    return int(torch.multinomial(probs, 1, generator=generator))


def make_generator(seed) -> torch.Generator:
    """A random generator for the draw; the same seed gives the same draws. An empty seed is 0."""
    seed = 0 if seed is None or seed == "" else seed
    return torch.Generator().manual_seed(
        whole_number(seed, "safety.param.seed", 0, config.MAX_SEED, error=SamplingError)
    )


@dataclass(frozen=True)
class Draws:
    """``n`` seeded draws from one distribution, beside its probabilities, and a chi-square test."""

    n: int
    counts: torch.Tensor  # (vocab,) how often each token was drawn
    probs: torch.Tensor  # (vocab,) the distribution drawn from
    chi_square: float
    dof: int  # degrees of freedom: bins - 1 (0 when one token has all the mass)
    p_value: float  # chance of a statistic at least this large if the draws follow probs

    def to_api(self, label, n_listed: int) -> dict:
        """The /sample_many answer: every token drawn, and the most probable ones, with count and
        probability, most probable first."""
        listed = dict.fromkeys(top_ids(self.probs.masked_fill(self.probs <= 0, -math.inf), n_listed))
        listed |= dict.fromkeys(int(i) for i in torch.nonzero(self.counts).flatten())
        ids = sorted(listed, key=lambda i: (-float(self.probs[i]), -int(self.counts[i]), i))
        return {
            "n": self.n,
            "counts": [
                {"id": i, "token": label(i), "count": int(self.counts[i]), "prob": float(self.probs[i])}
                for i in ids
            ],
            "chi_square": self.chi_square,
            "dof": self.dof,
            "p_value": self.p_value,
        }


def chi_square_test(counts: torch.Tensor, probs: torch.Tensor, min_expected: float = 5.0):
    """Pearson's chi-square of observed ``counts`` against ``n * probs``: (statistic, dof, p-value).

    Tokens expected fewer than ``min_expected`` times are pooled into one bin (the usual rule for
    the test to be valid). p = Q(dof / 2, statistic / 2), the regularised upper incomplete gamma
    function (``torch.special.gammaincc``).
    """
    n = int(counts.sum())
    expected = probs.double() * n
    observed = counts.double()
    big = expected >= min_expected
    e = expected[big]
    o = observed[big]
    rest_e, rest_o = float(expected[~big].sum()), float(observed[~big].sum())
    if rest_e > 0:
        e = torch.cat([e, torch.tensor([rest_e], dtype=torch.float64)])
        o = torch.cat([o, torch.tensor([rest_o], dtype=torch.float64)])
    dof = max(int(e.numel()) - 1, 0)
    statistic = float(((o - e) ** 2 / e).sum()) if e.numel() else 0.0
    if dof == 0:
        return statistic, 0, 1.0
    p_value = torch.special.gammaincc(
        torch.tensor(dof / 2, dtype=torch.float64), torch.tensor(statistic / 2, dtype=torch.float64)
    )
    return statistic, dof, float(p_value)


def check_draws(n) -> int:
    """``n`` as a number of draws, or a sentence: a whole number from 1 to the limit in config."""
    try:
        ok = float(n).is_integer() and 1 <= n <= config.MAX_SAMPLE_DRAWS
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise SamplingError("sampling.error.draws", limit=config.MAX_SAMPLE_DRAWS)
    return int(n)


def sample_many(probs: torch.Tensor, n: int, seed) -> Draws:
    """``n`` draws with replacement in one ``torch.multinomial`` call, counted per token."""
    n = check_draws(n)
    drawn = torch.multinomial(probs, n, replacement=True, generator=make_generator(seed))
    counts = torch.bincount(drawn, minlength=probs.numel())
    statistic, dof, p_value = chi_square_test(counts, probs)
    return Draws(n, counts, probs, statistic, dof, p_value)
