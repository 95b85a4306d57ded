"""Step-by-step decoding over the runner, sampling through the same pipeline, with stop rules.

One step: take the logits for the next position, run the chosen engine's sampling chain (each
penalty counting the tokens that engine counts: prompt and generated, generated only, or a window
of the last n), pick a token, feed it back. With the KV cache, each step feeds only
the new token; without it (the teaching contrast) each step re-runs the whole sequence.

Generation stops for the first of these reasons:
- ``eos``: the model chose its end-of-sequence token (suppressed until ``min_new_tokens``);
- ``stop``: the decoded text now contains a stop string (also one that spans tokens); the text
  returned ends before it;
- ``length``: ``max_new_tokens`` were generated.

A fork: ``prefix_ids`` are tokens taken as given after the prompt before generation starts (e.g.
the tokens a generation chose up to some point, then another token in place of its next one).
Prompt and prefix go through one prefill pass, so decoding continues from the KV cache of the
whole shared prefix instead of recomputing it token by token. The prefix counts as generated text
for the penalties; ``max_new_tokens``, ``min_new_tokens``, the text and the tokens returned cover
only what comes after it. The seeded generator skips one draw per prefix token, so the draws after
the prefix are the ones the original generation made there: a fork whose prefix is the first k
tokens of a generation reproduces the rest of it exactly, sampled or greedy.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import torch

from playground import config
from playground.errors import UserError
from playground.sampling import DEFAULT_ENGINE, SamplingParams, draw, get_engine, make_generator, run_pipeline
from playground.validate import whole_number


class GenerationError(UserError):
    """A setting the user can fix; the message says how."""


@dataclass(frozen=True)
class GenerationParams:
    sampling: SamplingParams = field(default_factory=SamplingParams)
    max_new_tokens: int = 32
    min_new_tokens: int = 0
    stop: tuple[str, ...] = ()
    use_cache: bool = True
    seed: int = 0
    engine: str = DEFAULT_ENGINE  # whose chain samples each token: order of stages and penalty scope
    prefix_ids: tuple[int, ...] = ()  # forced after the prompt before generation starts (a fork)
    # The model's own log-probabilities (log-softmax of the raw logits, as vLLM's default
    # ``raw_logprobs``) of each chosen token and of this many most likely ones; None: not asked.
    logprobs: int | None = None

    def validate(self) -> GenerationParams:
        """These settings as numbers of the right kind; a sentence for any the user must change."""
        get_engine(self.engine)
        seed = 0 if self.seed is None or self.seed == "" else self.seed  # an empty seed is 0
        params = replace(
            self,
            sampling=self.sampling.validate(),
            max_new_tokens=whole_number(
                self.max_new_tokens,
                "safety.param.max_new_tokens",
                1,
                config.MAX_NEW_TOKENS,
                error=GenerationError,
            ),
            seed=whole_number(seed, "safety.param.seed", 0, config.MAX_SEED, error=GenerationError),
        )
        min_new = whole_number(
            self.min_new_tokens,
            "safety.param.min_new_tokens",
            0,
            config.MAX_NEW_TOKENS,
            error=GenerationError,
        )
        if min_new > params.max_new_tokens:
            raise GenerationError(
                "error.generation.min_new_tokens", min_new=min_new, max_new=params.max_new_tokens
            )
        if len(self.stop) > config.MAX_STOP_STRINGS:
            raise GenerationError("error.generation.stop_strings", limit=config.MAX_STOP_STRINGS)
        if len(self.prefix_ids) > config.MAX_PREFIX_TOKENS:
            raise GenerationError(
                "fork.error.prefix_too_long", count=len(self.prefix_ids), limit=config.MAX_PREFIX_TOKENS
            )
        return replace(params, min_new_tokens=min_new)


def check_prefix(prefix_ids, vocab_size: int) -> list[int]:
    """``prefix_ids`` as vocabulary ids, or a sentence saying which entry is not one."""
    ids = []
    for position, value in enumerate(prefix_ids):
        whole = isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer()
        if not (whole and 0 <= value < vocab_size):
            raise GenerationError(
                "fork.error.prefix_not_ids", position=position, value=str(value)[:20], high=vocab_size - 1
            )
        ids.append(int(value))
    return ids


def skip_draws(generator: torch.Generator, vocab_size: int, count: int) -> None:
    """Advance ``generator`` past ``count`` draws. One draw over a vocabulary consumes the same
    random numbers whatever the probabilities (torch.multinomial, one sample: an exponential
    variate per entry), so the draws after this are those the generation made after ``count``
    tokens."""
    uniform = torch.ones(vocab_size)
    for _ in range(count):
        torch.multinomial(uniform, 1, generator=generator)


def parse_stop(text: str) -> tuple[str, ...]:
    """Stop strings, one per line; empty lines are ignored. Escapes ``\\n`` and ``\\t`` are read."""
    lines = (line.replace("\\n", "\n").replace("\\t", "\t") for line in (text or "").splitlines())
    return tuple(line for line in lines if line)


@dataclass(frozen=True)
class GeneratedToken:
    id: int
    token: str  # the token's text on its own
    prob: float  # the probability it was chosen with (after every stage)
    top: tuple[tuple[int, float], ...]  # (id, probability) of the most likely tokens at this step
    logprob: float | None = None  # the model's own log-probability of it (when asked: ``logprobs``)
    top_logprobs: tuple[tuple[int, float], ...] = ()  # (id, the model's log-probability), most likely first


@dataclass(frozen=True)
class GenerationState:
    """What has happened so far; yielded after every token, the last one with ``stop_reason`` set."""

    tokens: tuple[GeneratedToken, ...]
    text: str
    stop_reason: str | None  # "eos" | "stop" | "length" once finished; "stopped": the page's Stop
    ttft_s: float  # prompt in -> first token chosen
    step_s: tuple[float, ...]  # each later token's time
    cached_tokens: int = 0  # tokens whose keys and values came from an earlier generation (a fork)

    @property
    def elapsed_s(self) -> float:
        """Model time only: time spent by the consumer between steps (drawing the UI) is left out."""
        return self.ttft_s + sum(self.step_s)

    @property
    def tpot_s(self) -> float:
        """Mean time per output token after the first."""
        return sum(self.step_s) / len(self.step_s) if self.step_s else 0.0

    @property
    def tokens_per_s(self) -> float:
        return len(self.tokens) / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def to_api(self) -> dict:
        return {
            "text": self.text,
            "stop_reason": self.stop_reason,
            "tokens": [{"id": t.id, "token": t.token, "prob": t.prob} for t in self.tokens],
            "ttft_s": self.ttft_s,
            "tpot_s": self.tpot_s,
            "tokens_per_s": self.tokens_per_s,
            "cached_tokens": self.cached_tokens,
        }


def find_stop(text: str, stops: tuple[str, ...], search_from: int = 0) -> int | None:
    """Index of the earliest stop string in ``text`` starting at or after ``search_from``."""
    hits = [i for s in stops if (i := text.find(s, search_from)) >= 0]
    return min(hits) if hits else None


def _alternatives(probs: torch.Tensor, n: int) -> tuple[tuple[int, float], ...]:
    values, ids = torch.topk(probs, n)
    return tuple((int(i), float(v)) for v, i in zip(values, ids, strict=True) if v > 0)


def _raw_logprobs(logits: torch.Tensor, token_id: int, n: int | None):
    """The model's own log-probability of ``token_id`` and the ``n`` most likely tokens' (None, ()
    when not asked): log-softmax of the raw logits, before any sampling stage."""
    if n is None:
        return None, ()
    logprobs = torch.log_softmax(logits.float(), dim=-1)
    top = ()
    if n:
        values, ids = torch.topk(logprobs, n)
        top = tuple((int(i), float(v)) for v, i in zip(values, ids, strict=True))
    return float(logprobs[token_id]), top


class Decoder:
    """One request's decoding, fed the model's logits one step at a time: its own sampling chain,
    seeded generator and stop rules. The loop below and the serving scheduler both use it, so a
    request decodes the same way alone or in a batch."""

    def __init__(self, runner, prompt_ids: list[int], params: GenerationParams):
        self.params = params = params.validate()
        self.tokenizer = runner.tokenizer
        self.eos_ids = runner.eos_token_ids
        self.prefix = check_prefix(params.prefix_ids, runner.vocab_size)  # forced tokens: a fork
        self.generator = make_generator(params.seed)
        skip_draws(self.generator, runner.vocab_size, len(self.prefix))
        self.prompt_ids = list(prompt_ids)
        self.ids = self.prompt_ids + self.prefix  # what the model reads: prompt, prefix, every token chosen
        self.new_ids: list[int] = []
        self.tokens: list[GeneratedToken] = []
        self.step_s: list[float] = []
        self.ttft_s = 0.0
        self.text = ""
        self.stop_reason: str | None = None
        self.cached_tokens = 0  # set by whoever prefills from a cache (the serving scheduler)

    def choose(self, logits: torch.Tensor, started: float) -> GenerationState:
        """Pick the next token from ``logits`` (vocab,) and apply the stop rules; ``started`` is the
        perf_counter time this token's wait began (its model call, or the request's arrival)."""
        params = self.params
        suppress = self.eos_ids if len(self.new_ids) < params.min_new_tokens else ()
        result = run_pipeline(
            logits,
            self.prompt_ids,
            self.prefix + self.new_ids,  # the prefix counts as generated
            params.sampling,
            params.engine,
            suppress_ids=suppress,
            with_entropy=False,
        )
        # Greedy is the argmax, as in transformers (no draw, nothing random: 1 ms less per token).
        token_id = (
            int(torch.argmax(result.probs)) if params.sampling.greedy else draw(result.probs, self.generator)
        )
        spent = time.perf_counter() - started
        if self.new_ids:
            self.step_s.append(spent)
        else:
            self.ttft_s = spent

        self.ids.append(token_id)
        self.new_ids.append(token_id)
        logprob, top_logprobs = _raw_logprobs(logits, token_id, params.logprobs)
        self.tokens.append(
            GeneratedToken(
                id=token_id,
                token=self.tokenizer.decode([token_id]),
                prob=float(result.probs[token_id]),
                top=_alternatives(result.probs, config.ALTERNATIVES_SHOWN),
                logprob=logprob,
                top_logprobs=top_logprobs,
            )
        )
        previous_len = len(self.text)
        if token_id in self.eos_ids:
            self.text = self.tokenizer.decode(self.new_ids[:-1], skip_special_tokens=True)
            self.stop_reason = "eos"
        else:
            self.text = self.tokenizer.decode(self.new_ids, skip_special_tokens=True)
            longest = max((len(s) for s in params.stop), default=0)
            # A character completed by this token can change the text's tail: look back a little.
            cut = find_stop(self.text, params.stop, max(0, previous_len - longest - 2))
            if cut is not None:
                self.text, self.stop_reason = self.text[:cut], "stop"
            elif len(self.new_ids) >= params.max_new_tokens:
                self.stop_reason = "length"
        return self.state()

    def state(self) -> GenerationState:
        return GenerationState(
            tuple(self.tokens),
            self.text,
            self.stop_reason,
            self.ttft_s,
            tuple(self.step_s),
            self.cached_tokens,
        )


def generate_stream(runner, prompt_ids: list[int], params: GenerationParams) -> Iterator[GenerationState]:
    """Decode token by token alone (no batch), yielding the state after each one."""
    decoder = Decoder(runner, prompt_ids, params)
    step_start = time.perf_counter()  # each step is timed from its model call to its chosen token
    if params.use_cache:
        step = runner.prefill(decoder.ids)
        logits, cache = step.logits, step.cache
    else:
        logits, cache = runner.forward(decoder.ids).logits[-1], None

    while True:
        state = decoder.choose(logits, step_start)
        yield state
        if state.stop_reason:
            return
        step_start = time.perf_counter()
        if params.use_cache:
            step = runner.decode_step(decoder.new_ids[-1], cache)
            logits, cache = step.logits, step.cache
        else:
            logits = runner.forward(decoder.ids).logits[-1]


def generate(runner, prompt_ids: list[int], params: GenerationParams) -> GenerationState:
    """Run to the end and return the final state."""
    return deque(generate_stream(runner, prompt_ids, params), maxlen=1)[0]
