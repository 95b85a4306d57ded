"""What generation costs: formulas, measurements on the running model, and projections.

Two phases. **Prefill** runs the whole prompt through the model at once (fast per token: one big
batch of matrix products) and fills the KV cache; its time is the time to first token (TTFT).
**Decode** then produces one token per forward pass (time per output token, TPOT). With the KV
cache, a decode step only computes the new token's keys and values and reads the rest; without
it, every step re-runs the whole sequence, so each step gets slower as the text grows.

Memory: the KV cache grows *linearly* with context, ``2 x layers x kv_heads x head_dim x
dtype_bytes`` per token (x batch). Only eager attention's score matrix, ``heads x T²`` per layer,
is quadratic. Grouped-query attention (SmolLM2: 9 query heads share 3 KV heads) divides the cache
by heads / kv_heads; a calculator that uses ``heads`` overcounts it.

The measurements keep their own decoding loops (``timeline``, ``throughput``, the context sweep)
instead of the serving batch: what they time is one forward pass of a known batch size and
length, which a shared batch (other learners' rows joining and leaving) would change under them.
Their callers hold the model alone (``ModelRunner.alone``) while they measure.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from playground import config
from playground.api.params import REPEATS
from playground.budget import Deadline
from playground.errors import UserError
from playground.i18n import t
from playground.validate import whole_number

ASSETS = Path(__file__).resolve().parent.parent / "assets"
FILLER = (
    "Language models read text as tokens. Each new token attends to every token before it, "
    "so the keys and values of earlier tokens are kept in a cache and reused. "
)


class CostError(UserError):
    """A request the user can fix; the message says how."""


# --- formulas -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelShape:
    name: str
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    params: int
    max_context: int
    source: str = ""

    @classmethod
    def of_runner(cls, runner) -> ModelShape:
        """The shape of the runner's model."""
        return cls(
            name=runner.name,
            layers=runner.num_layers,
            heads=runner.num_heads,
            kv_heads=runner.num_kv_heads,
            head_dim=runner.head_dim,
            params=runner.num_parameters,
            max_context=runner.max_context,
        )

    @classmethod
    def of(cls, model, name: str) -> ModelShape:
        """The shape of a loaded transformers model."""
        cfg = model.config
        head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
        return cls(
            name=name,
            layers=cfg.num_hidden_layers,
            heads=cfg.num_attention_heads,
            kv_heads=getattr(cfg, "num_key_value_heads", None) or cfg.num_attention_heads,
            head_dim=head_dim,
            params=sum(p.numel() for p in model.parameters()),
            max_context=cfg.max_position_embeddings,
        )


def kv_cache_bytes(shape: ModelShape, tokens: int, dtype_bytes: int, batch: int = 1) -> int:
    """KV cache = 2 (keys and values) x layers x kv_heads x head_dim x dtype_bytes x tokens x batch.

    E.g. SmolLM2-135M in float32: 2 x 30 x 3 x 64 x 4 = 46,080 bytes per token.
    """
    return 2 * shape.layers * shape.kv_heads * shape.head_dim * dtype_bytes * tokens * batch


def attention_score_bytes(shape: ModelShape, tokens: int, dtype_bytes: int, batch: int = 1) -> int:
    """Eager attention's score matrix for one layer: heads x T x T x dtype_bytes (x batch).

    The only quadratic memory in a forward pass; fused kernels (SDPA, FlashAttention) never
    hold it whole.
    """
    return shape.heads * tokens * tokens * dtype_bytes * batch


def weight_bytes(shape: ModelShape, dtype_bytes: float) -> int:
    """Parameters x bytes per parameter (4 float32, 2 bfloat16, 1 int8/fp8, 0.5 4-bit)."""
    return int(shape.params * dtype_bytes)


@cache
def _assets() -> dict:
    return json.loads((ASSETS / "model_configs.json").read_text(encoding="utf-8"))


def known_models() -> dict[str, ModelShape]:
    """Well-known models' shapes, from assets/model_configs.json (each with its source)."""
    fields = ("name", "layers", "heads", "kv_heads", "head_dim", "params", "max_context", "source")
    return {m["name"]: ModelShape(**{f: m[f] for f in fields}) for m in _assets()["models"]}


def gpus() -> list[dict]:
    return list(_assets()["gpus"])


def projection(
    shape: ModelShape, contexts: list[int], weight_dtype_bytes: float, kv_dtype_bytes: int, batch: int
) -> list[dict]:
    """Weights + KV cache at each context length, for ``batch`` sequences at once."""
    weights = weight_bytes(shape, weight_dtype_bytes)
    rows = []
    for tokens in contexts:
        kv = kv_cache_bytes(shape, tokens, kv_dtype_bytes, batch)
        rows.append(
            {
                "model": shape.name,
                "context_tokens": tokens,
                "batch": batch,
                "weight_bytes": weights,
                "kv_cache_bytes": kv,
                "total_bytes": weights + kv,
                "beyond_max_context": tokens > shape.max_context,
            }
        )
    return rows


# --- measurements -------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def prompt_of_length(runner, tokens: int) -> list[int]:
    """A natural-text prompt of exactly ``tokens`` tokens (the filler repeated and cut)."""
    ids = runner.tokenize(FILLER).ids
    return (ids * (tokens // len(ids) + 1))[:tokens]


@dataclass(frozen=True)
class Timeline:
    """One greedy generation, step by step, with its timing and the cache after each step."""

    use_cache: bool
    token_ids: list[int]
    prefill_s: float  # the first forward pass over the prompt (TTFT, without sampling)
    step_s: list[float]  # each later token's forward pass
    cache_bytes: list[int]  # after prefill and after each step (empty without the cache)

    @property
    def tpot_s(self) -> float:
        """Time per output token: the mean of the steps after the first token, as every tab and
        serving benchmark (vLLM's among them) defines it."""
        return sum(self.step_s) / len(self.step_s) if self.step_s else 0.0

    @property
    def tokens_per_s(self) -> float:
        total = self.prefill_s + sum(self.step_s)
        return len(self.token_ids) / total if total else 0.0


def timeline(runner, prompt_ids: list[int], new_tokens: int, use_cache: bool, on_token=None) -> Timeline:
    """Greedy generation of ``new_tokens`` tokens, timing each forward pass (argmax only, so the
    model's time is what is measured). Without the cache, step n runs all prompt + n tokens.
    ``on_token(n)``, when given, is called as the n-th token is chosen (a page shows how far)."""
    ids = list(prompt_ids)
    steps, sizes, generated = [], [], []
    if use_cache:
        first = runner.prefill(ids)
        prefill_s, logits, kv = first.seconds, first.logits, first.cache
        sizes.append(runner.cache_bytes(kv))
    else:
        start = time.perf_counter()
        logits = runner.forward(ids).logits[-1]
        prefill_s = time.perf_counter() - start
    for _ in range(new_tokens):
        token = int(logits.argmax())
        generated.append(token)
        ids.append(token)
        if on_token is not None:
            on_token(len(generated))
        if len(generated) == new_tokens:
            break
        if use_cache:
            step = runner.decode_step(token, kv)
            logits, kv = step.logits, step.cache
            steps.append(step.seconds)
            sizes.append(runner.cache_bytes(kv))
        else:
            start = time.perf_counter()
            logits = runner.forward(ids).logits[-1]
            steps.append(time.perf_counter() - start)
    return Timeline(use_cache, generated, prefill_s, steps, sizes)


def throughput(runner, prompt_ids: list[int], batch_sizes: list[int], new_tokens: int) -> list[dict]:
    """Decode throughput with several sequences in one batch (prefill excluded): total tokens/s
    and tokens/s per request. A batch shares each weight read, so the total rises with batch size
    until compute, not memory bandwidth, is the limit."""
    rows = []
    for batch in batch_sizes:
        first = runner.prefill(prompt_ids)
        kv = first.cache
        if batch > 1:
            kv.batch_repeat_interleave(batch)
        tokens = [int(first.logits.argmax())] * batch
        seconds = 0.0
        for _ in range(new_tokens):
            step = runner.decode_batch(tokens, kv)
            kv, seconds = step.cache, seconds + step.seconds
            tokens = step.logits.argmax(-1).tolist()
        total = batch * new_tokens / seconds
        rows.append({"batch": batch, "tokens_per_s": total, "tokens_per_s_per_request": total / batch})
    return rows


def parse_lengths(text: str, limit: int = config.MAX_CONTEXT_SWEEP_TOKENS) -> list[int]:
    """Context lengths from "64, 128 256": whole numbers from 1 to ``limit``, at most a dozen."""
    parts = [p for p in text.replace(",", " ").split() if p]
    if not parts:
        raise CostError("error.cost.no_lengths")
    lengths = []
    for part in parts:
        try:
            value = int(part)
        except ValueError:
            raise CostError("error.cost.not_a_number", value=part) from None
        if not 1 <= value <= limit:
            raise CostError("error.cost.length_range", value=value, limit=limit)
        lengths.append(value)
    if len(lengths) > config.MAX_CONTEXT_SWEEP_POINTS:
        raise CostError("error.cost.too_many_lengths", limit=config.MAX_CONTEXT_SWEEP_POINTS)
    return sorted(set(lengths))


def check_timeline_tokens(new_tokens) -> int:
    return whole_number(new_tokens, "safety.param.new_tokens", 2, config.MAX_TIMELINE_TOKENS, error=CostError)


def check_repeats(repeats) -> int:
    return REPEATS.check(repeats, error=CostError)


def sweep_row(runner, shape: ModelShape, tokens: int, repeats: int) -> dict:
    """Measured at one context length (median of ``repeats`` runs each): prefill, one decode step
    with the cache, one without it (a forward over all tokens + 1), and the cache's real bytes."""
    ids = prompt_of_length(runner, tokens)
    prefill, cached, uncached, held = [], [], [], 0
    for _ in range(repeats):
        first = runner.prefill(ids)
        prefill.append(first.seconds)
        held = runner.cache_bytes(first.cache)  # before the decode step adds one token to it
        token = int(first.logits.argmax())
        cached.append(runner.decode_step(token, first.cache).seconds)
        start = time.perf_counter()
        runner.forward([*ids, token])
        uncached.append(time.perf_counter() - start)
    dtype_bytes = runner.dtype_bytes
    return {
        "context_tokens": tokens,
        "prefill_s": median(prefill),
        "decode_s_per_token": median(cached),
        "decode_s_per_token_no_cache": median(uncached),
        "kv_cache_bytes": held,
        "kv_cache_bytes_formula": kv_cache_bytes(shape, tokens, dtype_bytes),
        "attention_score_bytes_per_layer": attention_score_bytes(shape, tokens, dtype_bytes),
        "repeats": repeats,
    }


@dataclass(frozen=True)
class ContextSweep:
    """A measured sweep (kept per session by the tab, to redraw its charts): the model's shape,
    how it was measured, one row per context length, and how long the request waited for the model."""

    model: dict
    method: str
    rows: tuple[dict, ...]
    waited_s: float | None = None  # set by the caller that took the model alone
    not_reached: tuple[int, ...] = ()  # lengths asked for but not measured before the deadline

    def to_api(self) -> dict:
        """The /context_cost contract (the README's API section)."""
        answer = {"model": dict(self.model), "method": self.method, "rows": [dict(r) for r in self.rows]}
        answer["not_reached"] = list(self.not_reached)
        if self.waited_s is not None:
            answer["waited_s"] = self.waited_s
        return answer


def context_sweep(runner, lengths: list[int], repeats: int, progress=None) -> ContextSweep:
    """Each length measured in turn, shortest first; ``progress(fraction, text)`` is told after each,
    the fraction of the work done (a length costs about its square: the forward without the cache
    attends over every token pair). No request holds the model past its budget: the shortest length
    is always measured, and once the deadline has passed the lengths left are not (``not_reached``);
    what was measured stays."""
    shape = ModelShape.of_runner(runner)
    rows = []
    deadline = Deadline("serving.error.sweep_deadline")
    work = [tokens * tokens for tokens in lengths]
    not_reached: tuple[int, ...] = ()
    for index, tokens in enumerate(lengths):
        if rows and deadline.passed():
            not_reached = tuple(lengths[index:])
            break
        rows.append(sweep_row(runner, shape, tokens, repeats))
        if progress is not None:
            progress(sum(work[: index + 1]) / sum(work), t("context.progress", tokens=tokens))
    return ContextSweep(
        model={
            "name": shape.name,
            "num_layers": shape.layers,
            "num_heads": shape.heads,
            "num_kv_heads": shape.kv_heads,
            "head_dim": shape.head_dim,
            "dtype_bytes": runner.dtype_bytes,
        },
        method=t("context.method_line", repeats=repeats, threads=config.num_threads()),
        rows=tuple(rows),
        not_reached=not_reached,
    )


def warm_up(runner) -> None:
    """One small forward pass, so the first measurement does not pay one-time start-up costs."""
    runner.forward(prompt_of_length(runner, 8))
