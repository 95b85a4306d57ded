"""Decoding strategies side by side: greedy, beam search and sampling on one prompt, one measure.

Each strategy picks tokens its own way: greedy takes the most likely token at every step, beam
search keeps the k most probable partial sequences (``playground/beam.py``, transformers'
semantics), sampling draws from the distribution the sampling stages leave. To compare them
fairly, every result is judged by the same measure, the model's own log-probability of the tokens
it chose, from one scoring forward pass over prompt + tokens:

    log p(tokens | prompt) = sum_i log softmax(logits[P - 1 + i])[token_i]

(P the prompt length): raw model scores, not the probabilities after temperature, top-p or
penalties, which differ per strategy. Beam search maximises this sum, so it should win on it;
what it often loses is variety. ``distinct_bigrams`` measures that: the share of word bigrams
that are distinct (1 = no bigram repeats; low = the loops Holtzman et al. 2019 call degeneration).

Sample ``i`` is drawn with seed ``seed + i``, so sample 0 is exactly what /generate gives with the
same settings and seed, and every sample can be reproduced alone.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field, replace
from itertools import pairwise

import torch

from playground import beam, config
from playground.api.params import NUM_BEAMS
from playground.errors import UserError
from playground.generation import GenerationParams
from playground.i18n import t
from playground.sampling import ENGINES, SamplingParams, make_generator
from playground.serving import generate
from playground.validate import whole_number


class StrategiesError(UserError):
    """A comparison setting the user can fix; the sentence says how."""


def _whole(value, low: int, high: int, key: str) -> int:
    """``value`` as an int within [low, high], else a sentence naming the limits."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise StrategiesError(key, low=low, high=high) from None
    if not (number.is_integer() and low <= number <= high):
        raise StrategiesError(key, low=low, high=high)
    return int(number)


@dataclass(frozen=True)
class CompareParams:
    max_new_tokens: int = config.DEFAULT_COMPARE_NEW_TOKENS
    num_beams: int = NUM_BEAMS.default
    num_samples: int = config.DEFAULT_COMPARE_SAMPLES
    sampling: SamplingParams = field(default_factory=SamplingParams)
    seed: int = 0  # sample i uses seed + i
    length_penalty: float = 1.0  # beam search's, as transformers' default
    early_stopping: bool = False
    engine: str = "transformers"

    def validate(self) -> CompareParams:
        """Check every limit once, before any model call; integers arrive as whole numbers."""
        checked = replace(
            self,
            max_new_tokens=_whole(
                self.max_new_tokens, 1, config.MAX_COMPARE_NEW_TOKENS, "strategies.error.new_tokens"
            ),
            num_beams=_whole(self.num_beams, 1, config.MAX_BEAMS, "strategies.error.beams"),
            num_samples=_whole(self.num_samples, 1, config.MAX_COMPARE_SAMPLES, "strategies.error.samples"),
            seed=whole_number(
                0 if self.seed is None or self.seed == "" else self.seed,
                "safety.param.seed",
                0,
                config.MAX_SEED,
                error=StrategiesError,
            ),
        )
        if checked.engine not in ENGINES:
            raise StrategiesError("strategies.error.engine", engine=checked.engine, known=", ".join(ENGINES))
        sampling = checked.sampling.validate()
        checked = replace(checked, sampling=replace(sampling, top_k=int(sampling.top_k)))
        make_generator(checked.seed)
        make_generator(checked.seed + checked.num_samples - 1)  # the last sample's seed must fit too
        return checked

    def beam_params(self) -> beam.BeamParams:
        """Beam search as the comparison runs it: no extra candidates recorded (no tree to draw)."""
        return beam.BeamParams(
            num_beams=self.num_beams,
            max_new_tokens=self.max_new_tokens,
            length_penalty=self.length_penalty,
            early_stopping=self.early_stopping,
            candidates_per_beam=0,
        ).validate()

    def sample_params(self, index: int) -> GenerationParams:
        return GenerationParams(
            sampling=self.sampling,
            max_new_tokens=self.max_new_tokens,
            seed=self.seed + index,
            engine=self.engine,
        ).validate()


@dataclass(frozen=True)
class Run:
    """What one strategy produced, before it is scored."""

    token_ids: tuple[int, ...]  # the new tokens, EOS included when the strategy chose it
    stop_reason: str  # "eos" | "length"
    seconds: float  # wall time of the strategy's own model calls and choices
    forward_passes: int  # forward passes it needed (prefill included)
    rows_per_pass: int = 1  # sequences in each decode pass: k for beam search
    beam_score: float | None = None  # beam search's own score: sum log p / length ** length_penalty


def _stop_reason(token_ids, eos_ids) -> str:
    return "eos" if token_ids and token_ids[-1] in set(eos_ids) else "length"


def run_greedy(runner, prompt_ids: list[int], max_new_tokens: int) -> tuple[beam.GreedyPath, Run]:
    """The most likely token at every step (``model.generate(do_sample=False)``), timed; the
    path (for the tree) and the same as a Run."""
    start = time.perf_counter()
    path = beam.greedy_path(runner, prompt_ids, max_new_tokens)
    seconds = time.perf_counter() - start
    ids = path.token_ids
    return path, Run(ids, _stop_reason(ids, runner.eos_token_ids), seconds, forward_passes=len(ids))


def beam_run(runner, result: beam.BeamResult, seconds: float, num_beams: int) -> Run:
    """The best hypothesis of a finished beam search, as a Run."""
    best = result.hypotheses[0]
    return Run(
        best.token_ids,
        _stop_reason(best.token_ids, runner.eos_token_ids),
        seconds,
        forward_passes=len(result.forward_s),
        rows_per_pass=num_beams,
        beam_score=best.score,
    )


def run_beam(runner, prompt_ids: list[int], params: beam.BeamParams) -> tuple[beam.BeamResult, Run]:
    """Beam search, timed; the whole result (for a tree) and its best hypothesis as a Run."""
    start = time.perf_counter()
    result = beam.beam_search(runner, prompt_ids, params)
    return result, beam_run(runner, result, time.perf_counter() - start, params.num_beams)


def run_sample(runner, prompt_ids: list[int], params: GenerationParams) -> Run:
    """One seeded generation through the shared batch (the model service, KV cache on), as /generate
    runs it; ``seconds`` is its wall time there."""
    start = time.perf_counter()
    state = generate(runner, prompt_ids, params)
    seconds = time.perf_counter() - start
    ids = tuple(token.id for token in state.tokens)
    # The loop's stop reasons are eos / stop / length; the comparison sets no stop strings.
    return Run(ids, state.stop_reason, seconds, forward_passes=len(ids))


def token_logprobs(runner, prompt_ids: list[int], token_ids) -> tuple[float, ...]:
    """The model's log-probability of each token given everything before it, from one forward
    pass over prompt + tokens: ``log_softmax(logits[P - 1 + i])[token_i]``."""
    ids = list(prompt_ids) + list(token_ids)
    logits = runner.forward(ids).logits  # (P + N, vocab)
    start = len(prompt_ids) - 1
    log_probs = torch.log_softmax(logits[start : start + len(token_ids)].double(), dim=-1)
    chosen = log_probs.gather(1, torch.as_tensor(list(token_ids), dtype=torch.long)[:, None])
    return tuple(float(v) for v in chosen[:, 0])


def distinct_bigrams(text: str) -> float:
    """Share of distinct word bigrams: |set(bigrams)| / |bigrams| over the lower-cased words.

    1 when nothing repeats (also when the text has fewer than two words); 0.5 when every bigram
    occurs twice. E.g. "the cat the cat" -> bigrams (the cat), (cat the), (the cat): 2 / 3.
    """
    words = text.lower().split()
    bigrams = list(pairwise(words))
    return len(set(bigrams)) / len(bigrams) if bigrams else 1.0


@dataclass(frozen=True)
class StrategyResult:
    strategy: str  # "greedy" | "beam" | "sample"
    text: str
    token_ids: tuple[int, ...]
    logprobs: tuple[float, ...]  # (N,) the model's log p of each token, from the scoring pass
    stop_reason: str
    seconds: float
    forward_passes: int
    rows_per_pass: int
    distinct_bigrams: float
    beam_score: float | None = None

    @property
    def logprob_sum(self) -> float:
        return sum(self.logprobs)

    @property
    def logprob_mean(self) -> float:
        return self.logprob_sum / len(self.logprobs) if self.logprobs else 0.0

    def to_api(self) -> dict:
        answer = {
            "text": self.text,
            "token_ids": list(self.token_ids),
            "logprob_sum": self.logprob_sum,
            "logprob_mean": self.logprob_mean,
            "stop_reason": self.stop_reason,
            "seconds": self.seconds,
            "forward_passes": self.forward_passes,
            "rows_per_pass": self.rows_per_pass,
            "distinct_bigrams": self.distinct_bigrams,
        }
        if self.beam_score is not None:
            answer["score"] = self.beam_score
        return answer


def score(runner, prompt_ids: list[int], strategy: str, run: Run) -> StrategyResult:
    """Judge a run by the model's own log-probabilities and its variety."""
    text = runner.tokenizer.decode(list(run.token_ids), skip_special_tokens=True)
    return StrategyResult(
        strategy=strategy,
        text=text,
        token_ids=run.token_ids,
        logprobs=token_logprobs(runner, prompt_ids, run.token_ids),
        stop_reason=run.stop_reason,
        seconds=run.seconds,
        forward_passes=run.forward_passes,
        rows_per_pass=run.rows_per_pass,
        distinct_bigrams=distinct_bigrams(text),
        beam_score=run.beam_score,
    )


@dataclass(frozen=True)
class Runs:
    """Greedy's and beam search's runs with the inputs they came from (``runs_key``), kept per
    session so the comparison reuses what the beam tree view already ran."""

    key: tuple
    greedy: Run | None = None  # None when not run yet
    beam: Run | None = None


@dataclass(frozen=True)
class Comparison:
    greedy: StrategyResult
    beam: StrategyResult
    samples: tuple[StrategyResult, ...]
    reused: tuple[str, ...] = ()  # strategies taken from an earlier run with the same inputs
    memo: Runs | None = field(default=None, compare=False)  # greedy's and beam's runs, for a later reuse

    def to_api(self) -> dict:
        return {
            "greedy": self.greedy.to_api(),
            "beam": self.beam.to_api(),
            "samples": [s.to_api() for s in self.samples],
        }

    def points(self) -> list[dict]:
        """Plain data for the chart and the table: one row per result."""
        results = [self.greedy, self.beam, *self.samples]
        return [
            {
                "strategy": r.strategy,
                "name": t(f"strategies.name.{r.strategy}", index=i - 1),
                "text": r.text,
                "logprob_sum": r.logprob_sum,
                "logprob_mean": r.logprob_mean,
                "distinct_bigrams": r.distinct_bigrams,
                "tokens": len(r.token_ids),
                "seconds": r.seconds,
                "forward_passes": r.forward_passes,
                "rows_per_pass": r.rows_per_pass,
                "stop_reason": r.stop_reason,
            }
            for i, r in enumerate(results)
        ]

    def summary_values(self) -> dict:
        """The figures the summary sentence states: log-probs, variety and cost per strategy."""
        sums = sorted(s.logprob_sum for s in self.samples)
        distinct = [s.distinct_bigrams for s in self.samples]
        return {
            "samples": len(self.samples),
            "beam_sum": self.beam.logprob_sum,
            "greedy_sum": self.greedy.logprob_sum,
            "sample_low": sums[0],
            "sample_high": sums[-1],
            "sample_median": statistics.median(sums),
            "beam_distinct": self.beam.distinct_bigrams,
            "greedy_distinct": self.greedy.distinct_bigrams,
            "sample_distinct_low": min(distinct),
            "sample_distinct_high": max(distinct),
            "greedy_s": self.greedy.seconds,
            "greedy_passes": self.greedy.forward_passes,
            "beam_s": self.beam.seconds,
            "beam_passes": self.beam.forward_passes,
            "beams": self.beam.rows_per_pass,
            "sample_s": statistics.mean(s.seconds for s in self.samples),
            "sample_passes": round(statistics.mean(s.forward_passes for s in self.samples), 1),
        }


def runs_key(prompt_ids, params: CompareParams) -> tuple:
    """What greedy and beam search depend on: equal keys give equal runs (the sampling knobs and
    the seed do not matter to them)."""
    return (
        tuple(prompt_ids),
        params.max_new_tokens,
        params.num_beams,
        params.length_penalty,
        params.early_stopping,
    )


def compare(runner, prompt_ids: list[int], params: CompareParams, earlier: Runs | None = None) -> Comparison:
    """Greedy, beam search and ``num_samples`` seeded samples on one prompt, each scored.

    ``earlier`` may hold runs already made for the same prompt and settings (e.g. by the beam tree
    view): those are reused, not run again.
    """
    params = params.validate()
    key = runs_key(prompt_ids, params)
    reuse = earlier if earlier is not None and earlier.key == key else Runs(key)
    reused = tuple(name for name in ("greedy", "beam") if getattr(reuse, name) is not None)
    greedy_run = reuse.greedy or run_greedy(runner, prompt_ids, params.max_new_tokens)[1]
    beam_run_ = reuse.beam or run_beam(runner, prompt_ids, params.beam_params())[1]
    samples = tuple(
        score(runner, prompt_ids, "sample", run_sample(runner, prompt_ids, params.sample_params(i)))
        for i in range(params.num_samples)
    )
    return Comparison(
        greedy=score(runner, prompt_ids, "greedy", greedy_run),
        beam=score(runner, prompt_ids, "beam", beam_run_),
        samples=samples,
        reused=reused,
        memo=Runs(key, greedy_run, beam_run_),
    )
