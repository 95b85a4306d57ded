"""From logits to one token: each stage a small pure function, the chain as data, and engine presets.

Logits are scores, not probabilities: any real number, one per vocabulary entry. Softmax turns
them into probabilities. Between the two, stages reshape the distribution: penalties (repetition,
frequency, presence), temperature, top-k, top-p (nucleus), min-p. Then softmax, and one token is
drawn (or, at temperature 0, the most likely one is taken).

The chain is data:

- ``STAGES`` is the registry: each stage's name, its pure function and its knob (the API
  parameter, its default, accepted range, "off" value, slider range and label). ``SamplingParams``,
  its validation, the tab's sliders and the endpoints' signatures all derive from it.
- ``ENGINES`` are presets: the order in which an engine applies the stages, which tokens each
  penalty counts (prompt + generated, generated only, or a window of the last n), and the stage
  functions where the engine's definition differs from transformers'. Each cites its source.

Every function returns a new tensor and leaves its input alone. Filters set removed tokens to
``-inf``, so softmax gives them probability exactly 0.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import torch

from playground import config, i18n
from playground.errors import UserError
from playground.validate import real_number, whole_number


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


def apply_repetition_penalty_vllm(logits: torch.Tensor, counts: torch.Tensor, penalty: float) -> torch.Tensor:
    """The repetition penalty as vLLM computes it: multiply by ``1 / penalty`` or by ``penalty``.

    vLLM's ``apply_repetition_penalties_torch`` (``vllm/_custom_ops.py``) builds a per-token
    factor, ``1 / penalty`` where the logit is positive and ``penalty`` elsewhere, and multiplies.
    The same rule as CTRL's; the reciprocal can differ from a division in the last bit.
    """
    if penalty == 1.0:
        return logits.clone()
    penalties = torch.where(counts > 0, torch.tensor(penalty, dtype=logits.dtype), 1.0)
    return logits * torch.where(logits > 0, 1.0 / penalties, penalties)


def apply_frequency_penalty(logits: torch.Tensor, counts: torch.Tensor, frequency: float) -> torch.Tensor:
    """``logit - frequency * count``: grows with every repeat (the OpenAI API's formula; transformers
    has no such processor). E.g. a token seen 3 times with frequency 0.5 loses 1.5.
    """
    return logits - frequency * counts.to(logits.dtype)


def apply_presence_penalty(logits: torch.Tensor, counts: torch.Tensor, presence: float) -> torch.Tensor:
    """``logit - presence * (count > 0)``: paid once by any token already counted, however often."""
    return logits - presence * (counts > 0).to(logits.dtype)


def apply_presence_frequency(
    logits: torch.Tensor, counts: torch.Tensor, presence: float, frequency: float
) -> torch.Tensor:
    """Both penalties, frequency first: ``logit - frequency * count - presence * (count > 0)``.

    E.g. a token seen 3 times with frequency 0.5 and presence 1 loses 0.5 * 3 + 1 = 2.5.
    """
    return apply_presence_penalty(apply_frequency_penalty(logits, counts, frequency), counts, presence)


def apply_temperature(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """``logits / temperature``, as transformers' ``TemperatureLogitsWarper``.

    Below 1 the distribution sharpens (0 would be argmax: greedy, handled by the pipeline),
    above 1 it flattens. The order of tokens never changes.
    """
    if temperature == 0:
        return logits.clone()
    return logits / temperature


def apply_temperature_llama_cpp(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """llama.cpp's ``llama_sampler_temp_impl``: ``logits / temperature``; at 0, only the first
    highest logit survives (every other token is set to -inf), which is greedy decoding.
    """
    if temperature > 0:
        return logits / temperature
    kept = torch.full_like(logits, -math.inf)
    best = int(torch.argmax(logits))  # the first maximum, as llama.cpp's strict ">" scan finds
    kept[best] = logits[best]
    return kept


def top_k_filter(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Keep the k highest logits, as transformers' ``TopKLogitsWarper`` (0 = off).

    Tokens tied with the k-th value are kept too, so a tie can keep more than k.
    """
    if k <= 0:
        return logits.clone()
    k = min(k, logits.size(-1))
    kth = torch.topk(logits, k)[0][..., -1, None]
    return logits.masked_fill(logits < kth, -math.inf)


def top_k_exact(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Keep exactly k tokens, as llama.cpp's ``llama_sampler_top_k_impl`` (0 = off).

    llama.cpp sorts the candidates and cuts the list at k, so of tokens tied with the k-th
    value only as many as fit are kept. Its partial sort leaves the order of ties unspecified;
    here the lower token id comes first.
    """
    if k <= 0 or k >= logits.size(-1):
        return logits.clone()
    kth = torch.topk(logits, k).values[-1]
    keep = logits > kth
    tied = torch.nonzero(logits == kth).flatten()  # ascending ids: the lower id is kept first
    keep[tied[: k - int(keep.sum())]] = True
    return logits.masked_fill(~keep, -math.inf)


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


def top_p_llama_cpp(logits: torch.Tensor, p: float) -> torch.Tensor:
    """Nucleus as llama.cpp's ``llama_sampler_top_p_apply`` computes it (1 = off).

    Softmax over the candidates left, most likely first, and add probabilities until the running
    sum is at least p; the token that reaches p is kept. In exact arithmetic this is the same set
    as transformers' rule (a token stays when the mass above it is below p); only rounding differs.
    Ties are ordered lower id first.
    """
    if p >= 1.0:
        return logits.clone()
    probs = torch.softmax(logits, dim=-1)
    order = torch.sort(logits, descending=True, stable=True).indices
    running = torch.cumsum(probs[order], dim=-1)
    before = torch.cat([running.new_zeros(1), running[:-1]])  # the running sum before each token
    remove_sorted = before >= p
    remove = torch.zeros_like(remove_sorted).scatter(-1, order, remove_sorted)
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


def min_p_llama_cpp(logits: torch.Tensor, min_p: float) -> torch.Tensor:
    """Min-p on logits, as llama.cpp's ``llama_sampler_min_p_apply``: keep ``logit >= max + log(min_p)``.

    The same threshold as ``p >= min_p * p_max`` without a softmax; in llama.cpp's default order
    it runs before temperature, on unscaled logits.
    """
    if min_p <= 0.0:
        return logits.clone()
    threshold = logits.max() + torch.tensor(math.log(min_p), dtype=logits.dtype)
    return logits.masked_fill(logits < threshold, -math.inf)


def entropy_bits(logits: torch.Tensor) -> float:
    """Shannon entropy of softmax(logits), in bits: 0 for a certain choice, log2(n) for n equal ones."""
    logits = logits[torch.isfinite(logits)]  # removed tokens add nothing; skipping them is faster
    if logits.numel() == 0:
        return 0.0
    logp = torch.log_softmax(logits.double(), dim=-1)
    p = logp.exp()
    return float(-(p * torch.where(p > 0, logp, torch.zeros_like(logp))).sum() / math.log(2))


# --- the registry: one entry per stage ----------------------------------------------------------


@dataclass(frozen=True)
class Knob:
    """One setting: its API parameter, default, accepted range, "off" value, slider and label."""

    name: str  # the API parameter and SamplingParams field, e.g. "top_k"
    default: float  # the API's default: today's behaviour (the stage does nothing)
    off: float  # the value at which the stage changes nothing
    low: float
    high: float
    slider: tuple[float, float, float]  # (min, max, step) of the tab's slider, inside [low, high]
    start: float  # the slider's first value: chosen so that the stage visibly does something
    label: str  # i18n key of the slider's label
    error: str  # i18n key of the sentence for a value outside the range
    integer: bool = False
    low_open: bool = False  # the range excludes ``low`` itself
    also: tuple[float, ...] = ()  # values accepted outside the range (temperature 0: greedy)

    def accepts(self, value) -> bool:
        try:
            value = float(value)
        except (TypeError, ValueError):
            return False
        if value in self.also:
            return True
        if self.integer and not value.is_integer():
            return False
        above = value > self.low if self.low_open else value >= self.low
        return above and value <= self.high

    def coerce(self, value):
        return int(value) if self.integer else float(value)


@dataclass(frozen=True)
class Stage:
    """A stage of the chain: ``apply(logits, value)``, or ``apply(logits, counts, value)`` for a penalty."""

    name: str
    knob: Knob
    apply: Callable[..., torch.Tensor]
    penalty: bool = False  # a penalty needs the counts of the tokens its engine counts


# Keys are in the API's parameter order (the order of the sliders, and of positional API calls).
_PENALTY = {"low": -config.MAX_ABS_PENALTY, "high": config.MAX_ABS_PENALTY, "slider": (-2, 2, 0.1)}
STAGES: dict[str, Stage] = {
    "temperature": Stage(
        "temperature",
        Knob(
            name="temperature", default=1.0, off=1.0, low=config.MIN_TEMPERATURE, high=config.MAX_TEMPERATURE,
            also=(0.0,), slider=(0, 2, 0.05), start=1.5,
            label="logits.temperature", error="sampling.error.temperature",
        ),
        apply_temperature,
    ),
    "top_k": Stage(
        "top_k",
        Knob(
            name="top_k", default=0, off=0, low=0, high=config.MAX_TOP_K, integer=True,
            slider=(0, 200, 1), start=40,
            label="logits.top_k", error="sampling.error.top_k",
        ),
        top_k_filter,
    ),
    "top_p": Stage(
        "top_p",
        Knob(
            name="top_p", default=1.0, off=1.0, low=0.0, low_open=True, high=1.0,
            slider=(0.01, 1, 0.01), start=0.9,
            label="logits.top_p", error="sampling.error.top_p",
        ),
        top_p_filter,
    ),
    "min_p": Stage(
        "min_p",
        Knob(
            name="min_p", default=0.0, off=0.0, low=0.0, high=1.0, slider=(0, 1, 0.01), start=0.02,
            label="logits.min_p", error="sampling.error.min_p",
        ),
        min_p_filter,
    ),
    "presence": Stage(
        "presence",
        Knob(
            name="presence_penalty", default=0.0, off=0.0, **_PENALTY, start=0.5,
            label="logits.presence", error="sampling.error.presence",
        ),
        apply_presence_penalty,
        penalty=True,
    ),
    "frequency": Stage(
        "frequency",
        Knob(
            name="frequency_penalty", default=0.0, off=0.0, **_PENALTY, start=0.5,
            label="logits.frequency", error="sampling.error.frequency",
        ),
        apply_frequency_penalty,
        penalty=True,
    ),
    "repetition": Stage(
        "repetition",
        Knob(
            name="repetition_penalty", default=1.0, off=1.0, low=config.REPETITION_PENALTY_RANGE[0],
            high=config.REPETITION_PENALTY_RANGE[1], slider=(0.5, 2, 0.05), start=1.3,
            label="logits.repetition", error="sampling.error.repetition",
        ),
        apply_repetition_penalty,
        penalty=True,
    ),
}  # fmt: skip


def knobs(stages: Mapping[str, Stage] = STAGES) -> list[Knob]:
    return [s.knob for s in stages.values()]


def _check(knobs_: Sequence[Knob], values: Mapping[str, object]) -> None:
    """Raise SamplingError with a sentence saying what to change: validate.py's for a value that is
    not a number (NaN, an infinity, text, None), the knob's own for a number out of its range."""
    for knob in knobs_:
        as_number = whole_number if knob.integer else real_number
        low = min((knob.low, *knob.also))
        name_key = f"safety.param.{knob.name}" if i18n.has(f"safety.param.{knob.name}") else knob.label
        try:
            number = as_number(values[knob.name], name_key, low, knob.high, error=SamplingError)
        except SamplingError as refused:
            if "out_of_range" not in refused.key:
                raise
            number = math.nan
        if not knob.accepts(number):
            raise SamplingError(knob.error, low=knob.low, high=knob.high)


def _validate(self):
    """Raise SamplingError with a sentence that says what to change; return self."""
    _check(self._knobs, {k.name: getattr(self, k.name) for k in self._knobs})
    return self


def make_sampling_params(stages: Mapping[str, Stage] = STAGES) -> type:
    """A frozen dataclass with one field per knob of ``stages`` (default: the knob's), and ``validate()``."""
    fields = [(k.name, int if k.integer else float, field(default=k.default)) for k in knobs(stages)]

    def from_values(cls, **values):
        """Build from loose values (sliders give floats, the API may omit some): checked, then coerced."""
        merged = {k.name: values.get(k.name, k.default) for k in cls._knobs}
        _check(cls._knobs, merged)
        return cls(**{k.name: k.coerce(merged[k.name]) for k in cls._knobs})

    namespace = {
        "_knobs": tuple(knobs(stages)),
        "validate": _validate,
        "greedy": property(lambda self: self.temperature == 0),
        "from_values": classmethod(from_values),
        "__doc__": "The sampling knobs, one field per stage of the registry (see ``STAGES``).",
    }
    return dataclasses.make_dataclass("SamplingParams", fields, namespace=namespace, frozen=True)


SamplingParams = make_sampling_params()


# --- engine presets -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Which tokens a penalty counts: the prompt's or not, and perhaps only the last n of all."""

    key: str  # i18n key that names it
    prompt: bool = True
    last_n: int | None = None  # None: every token

    def select(self, prompt_ids: Sequence[int], generated_ids: Sequence[int]) -> list[int]:
        tokens = list(prompt_ids) + list(generated_ids) if self.prompt else list(generated_ids)
        return tokens[-self.last_n :] if self.last_n else tokens


PROMPT_AND_GENERATED = Scope("engines.scope.all")
GENERATED_ONLY = Scope("engines.scope.generated", prompt=False)
LLAMA_CPP_PENALTY_LAST_N = 64  # common/common.h: penalty_last_n = 64


@dataclass(frozen=True)
class Engine:
    """An engine preset: the order of the stages, what each penalty counts, and its own stage functions."""

    name: str
    order: tuple[str, ...]  # stage names, in the order applied
    scope: Mapping[str, Scope]  # penalty stage -> the tokens it counts
    variants: Mapping[str, Callable[..., torch.Tensor]] = field(default_factory=dict)
    source: str = ""  # the files this preset was read from

    def function(self, stage: Stage) -> Callable[..., torch.Tensor]:
        return self.variants.get(stage.name, stage.apply)


def transformers_preset() -> Engine:
    """transformers' ``generate``: repetition, temperature, top-k, top-p, min-p.

    Source: transformers ``generation/utils.py``, ``GenerationMixin._get_logits_processor``, which
    appends ``RepetitionPenaltyLogitsProcessor`` (counting every id in ``input_ids``: prompt and
    generated) before the warpers ``TemperatureLogitsWarper``, ``TopKLogitsWarper``,
    ``TopPLogitsWarper``, ``MinPLogitsWarper``. transformers has no presence or frequency penalty:
    this preset adds them right after the repetition penalty and, like llama.cpp (not like vLLM
    or the OpenAI API), counts the prompt's tokens too, as the playground always has.
    """
    return Engine(
        "transformers",
        ("repetition", "frequency", "presence", "temperature", "top_k", "top_p", "min_p"),
        {
            "repetition": PROMPT_AND_GENERATED,
            "frequency": PROMPT_AND_GENERATED,
            "presence": PROMPT_AND_GENERATED,
        },
        source="transformers/generation/utils.py (_get_logits_processor)",
    )


def vllm_preset() -> Engine:
    """vLLM's V1 sampler: repetition, frequency, presence, temperature, min-p, top-k, top-p.

    Sources: ``vllm/v1/sample/sampler.py`` (``Sampler``: penalties in ``apply_logits_processors``,
    then ``sample``: temperature, the argmax-invariant logits processors, by default min-p
    (``vllm/v1/sample/logits_processor/builtin.py``, ``MinPLogitsProcessor``), then
    ``apply_top_k_top_p`` in ``vllm/v1/sample/ops/topk_topp_sampler.py``); and
    ``vllm/model_executor/layers/utils.py`` (``apply_penalties``): the repetition penalty counts
    ``prompt_mask | output_mask``, while ``logits -= frequency_penalties * output_bin_counts`` and
    ``logits -= presence_penalties * output_mask`` count generated tokens only ("We follow the
    definition in OpenAI API"). Top-k keeps ties, top-p and min-p as transformers'; the repetition
    penalty multiplies by a reciprocal (``vllm/_custom_ops.py``).
    """
    return Engine(
        "vllm",
        ("repetition", "frequency", "presence", "temperature", "min_p", "top_k", "top_p"),
        {"repetition": PROMPT_AND_GENERATED, "frequency": GENERATED_ONLY, "presence": GENERATED_ONLY},
        {"repetition": apply_repetition_penalty_vllm},
        source="vllm/v1/sample/sampler.py, vllm/model_executor/layers/utils.py (apply_penalties)",
    )


def llama_cpp_preset() -> Engine:
    """llama.cpp's default chain: penalties, top-k, top-p, min-p, then temperature last.

    Sources: ``common/common.h`` (``common_params_sampling::samplers``: penalties, dry,
    top-n-sigma, top-k, typical-p, top-p, min-p, xtc, temperature, the ones we do not have being
    off by default; ``penalty_last_n = 64``); ``src/llama-sampling.cpp``: the penalties sampler
    keeps a ring buffer of the last ``penalty_last_n`` accepted tokens and, per token in it,
    divides a positive logit by ``penalty_repeat`` (multiplies one <= 0), then subtracts
    ``count * penalty_freq + (count > 0) * penalty_present``; top-k keeps exactly k; top-p keeps
    tokens until the running sum reaches p; min-p compares logits with ``max + log(p)``; temperature
    divides. llama-server accepts every prompt token into the sampler first
    (``tools/server/server-context.cpp``), so the window includes the prompt.
    """
    window = Scope("engines.scope.window", last_n=LLAMA_CPP_PENALTY_LAST_N)
    return Engine(
        "llama.cpp",
        ("repetition", "frequency", "presence", "top_k", "top_p", "min_p", "temperature"),
        {"repetition": window, "frequency": window, "presence": window},
        {
            "top_k": top_k_exact,
            "top_p": top_p_llama_cpp,
            "min_p": min_p_llama_cpp,
            "temperature": apply_temperature_llama_cpp,
        },
        source="src/llama-sampling.cpp, common/common.h, tools/server/server-context.cpp",
    )


ENGINES: dict[str, Engine] = {e.name: e for e in (transformers_preset(), vllm_preset(), llama_cpp_preset())}
DEFAULT_ENGINE = "transformers"


def get_engine(engine: str | Engine) -> Engine:
    """The preset named ``engine``; a sentence naming the choices for an unknown one."""
    if isinstance(engine, Engine):
        return engine
    if engine not in ENGINES:
        raise SamplingError("sampling.error.engine", name=str(engine), known=", ".join(ENGINES))
    return ENGINES[engine]


# --- the pipeline -------------------------------------------------------------------------------


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


def draw(probs: torch.Tensor, generator: torch.Generator | None = None) -> int:
    """One token id drawn from ``probs`` (the argmax when one token has all the mass)."""
    return int(torch.multinomial(probs, 1, generator=generator))


def make_generator(seed) -> torch.Generator:
    """A random generator for the draw; the same seed gives the same draws. An empty seed is 0."""
    seed = 0 if seed is None or seed == "" else seed
    return torch.Generator().manual_seed(
        whole_number(seed, "safety.param.seed", 0, config.MAX_SEED, error=SamplingError)
    )


# --- many draws, and comparing engines ----------------------------------------------------------


@dataclass(frozen=True)
class Draws:
    """``n`` seeded draws from one distribution, beside its probabilities, and a chi-square test."""

    n: int
    counts: torch.Tensor  # (vocab,) how often each token was drawn
    probs: torch.Tensor  # (vocab,) the distribution drawn from
    chi_square: float
    dof: int  # degrees of freedom: bins - 1 (0 when one token has all the mass)
    p_value: float  # chance of a statistic at least this large if the draws follow probs


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


# --- what the UI and the API show ----------------------------------------------------------------


def _top(values: torch.Tensor, n: int) -> list[int]:
    finite = torch.isfinite(values)
    n = min(n, int(finite.sum()))
    return [int(i) for i in torch.topk(values.masked_fill(~finite, -math.inf), n).indices] if n else []


def report(result: PipelineResult, sampled_id: int, label, n_top: int, n_final: int) -> dict:
    """The /next_token contract of the README; ``label(id) -> str`` names tokens."""
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
        | ({"counted": stage.counted} if stage.scope else {})
        for stage in result.stages
    ]
    nonzero = result.probs.masked_fill(result.probs <= 0, -math.inf)
    final = [{"id": i, "token": label(i), "prob": float(result.probs[i])} for i in _top(nonzero, n_final)]
    sampled = {"id": sampled_id, "token": label(sampled_id), "prob": float(result.probs[sampled_id])}
    return {
        "engine": result.engine,
        "order": result.order,
        "stages": stages,
        "final": final,
        "sampled": sampled,
    }


def draws_report(draws: Draws, label, n_listed: int) -> dict:
    """The /sample_many answer: every token drawn, and the most probable ones, with count and probability."""
    listed = dict.fromkeys(_top(draws.probs.masked_fill(draws.probs <= 0, -math.inf), n_listed))
    listed |= dict.fromkeys(int(i) for i in torch.nonzero(draws.counts).flatten())
    ids = sorted(listed, key=lambda i: (-float(draws.probs[i]), -int(draws.counts[i]), i))
    return {
        "n": draws.n,
        "counts": [
            {"id": i, "token": label(i), "count": int(draws.counts[i]), "prob": float(draws.probs[i])}
            for i in ids
        ],
        "chi_square": draws.chi_square,
        "dof": draws.dof,
        "p_value": draws.p_value,
    }


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
    shown = _top(penalised, n) + _top(raw, n) + counted[:COUNTED_TOKENS_SHOWN] + [sampled_id]
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


def comparison_view(comparison: EngineComparison, label, n: int) -> dict:
    """Plain data for the three-engine chart: the union of every engine's top ``n`` tokens."""
    names = list(comparison.results)
    probs = {e: r.probs for e, r in comparison.results.items()}
    chosen = dict.fromkeys(i for e in names for i in _top(probs[e].masked_fill(probs[e] <= 0, -math.inf), n))
    ids = sorted(chosen, key=lambda i: -sum(float(probs[e][i]) for e in names))
    return {
        "engines": names,
        "ids": ids,
        "labels": [label(i) for i in ids],
        "probs": {e: [float(probs[e][i]) for i in ids] for e in names},
        "kept": {e: int((probs[e] > 0).sum()) for e in names},
        "distances": [{"a": a, "b": b, "tv": tv} for a, b, tv in comparison.distances],
        "only_in": [{"a": a, "b": b, "tokens": [label(i) for i in ids]} for a, b, ids in comparison.only_in],
    }


def draws_view(draws: Draws, label, n: int) -> dict:
    """Plain data for the draws chart: the ``n`` most probable tokens, their probability and drawn share."""
    ids = _top(draws.probs.masked_fill(draws.probs <= 0, -math.inf), n)
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
