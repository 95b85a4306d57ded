"""Quantization on the real weights: one matrix before and after, the model's bytes, and the cost in
quality measured with the model running on the quantized weights.

Schemes (``SCHEMES``):

- ``int8`` and ``int4``: symmetric, one scale per group of ``group_size`` values along each row of a
  weight matrix (0 = one scale per row): scale = max|w| / (2^(bits-1) - 1), kept as float16;
  q = round(w / scale), clipped to ±(2^(bits-1) - 1); the weight becomes q x scale.
- ``Q8_0``, ``Q4_0``, ``Q4_1``: llama.cpp's GGUF block formats (32 values a block), through the
  ``gguf`` package's numpy implementation (gguf-py/gguf/quants.py, which follows ggml-quants.c):
  Q8_0 and Q4_0 keep one float16 scale a block, Q4_1 a scale and a minimum.

Every matrix of the model (the 2-D weights: the attention and MLP projections and the embedding,
which this model's output layer shares) is quantized; the norms' vectors stay float32, as llama.cpp
keeps them. The quantized model is the same float32 model with each matrix replaced by its
de-quantized values, so its numbers are exactly what the quantized weights compute (the arithmetic
stays float32; a real kernel multiplies the integers and scales).

Offline, the loaded weights are themselves the shipped GGUF de-quantized (``Q4_1`` layers and a
``Q8_0`` embedding): quantizing them again to those formats gives the same weights back.
"""

from __future__ import annotations

import copy
import math
import threading
import time
import warnings
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import torch

from playground import config, cost
from playground.errors import UserError
from playground.prompts import PromptError, sanitize


class QuantizeError(UserError):
    """A scheme, group size, matrix or prompt list the user can fix."""


@dataclass(frozen=True)
class Scheme:
    name: str  # the API's name ("q4_1")
    bits: int  # bits of each stored integer
    gguf_type: str | None = None  # a gguf GGMLQuantizationType name; None: symmetric per group
    embedding: str | None = None  # another scheme for the embedding matrix (the shipped GGUF's mix)

    @property
    def label(self) -> str:
        """The name a reader knows it by: llama.cpp's for the GGUF formats ("Q4_1")."""
        return self.gguf_type if self.gguf_type and not self.embedding else self.name

    @property
    def grouped(self) -> bool:
        """Whether the learner picks the group size (the GGUF formats fix it at 32)."""
        return self.gguf_type is None


SCHEMES = {
    s.name: s
    for s in (
        Scheme("int8", 8),
        Scheme("int4", 4),
        Scheme("q8_0", 8, "Q8_0"),
        Scheme("q4_0", 4, "Q4_0"),
        Scheme("q4_1", 4, "Q4_1"),
        Scheme("shipped", 4, "Q4_1", embedding="q8_0"),
    )
}
EMBEDDING = "embed_tokens"


def for_matrix(scheme: Scheme, name: str) -> Scheme:
    """The scheme a matrix gets: the shipped GGUF keeps its embedding (``token_embd``) in Q8_0."""
    is_embedding = name == EMBEDDING or name.endswith(f"{EMBEDDING}.weight")
    return SCHEMES[scheme.embedding] if scheme.embedding and is_embedding else scheme


GROUP_SIZES = (32, 64, 128, 0)  # 0: one scale per row ("per channel")
DEFAULT_GROUP_SIZE = 32  # as the GGUF formats' blocks, so that the schemes compare at one group size
DEFAULT_MATRIX = "model.layers.0.self_attn.q_proj.weight"
SCALE_BITS = 16  # every scheme here keeps its scales (and Q4_1's minimum) as float16


def _gguf_type(scheme: Scheme):
    from gguf import GGMLQuantizationType

    return GGMLQuantizationType[scheme.gguf_type]


def check(scheme: str, group_size) -> tuple[Scheme, int]:
    """The scheme (its name in any case) and group size, or a sentence naming the choices. The GGUF
    formats fix their block size: a group size given with them is checked, then not used."""
    found = SCHEMES.get(str(scheme).strip().lower())
    if found is None:
        raise QuantizeError("quantize.error.scheme", value=str(scheme)[:40], choices=", ".join(SCHEMES))
    try:
        group = None if isinstance(group_size, bool) else float(group_size)
    except (TypeError, ValueError, OverflowError):
        group = None
    if group not in GROUP_SIZES:  # 64, 64.0 and "64" are 64
        raise QuantizeError(
            "quantize.error.group", value=str(group_size)[:40], choices=", ".join(map(str, GROUP_SIZES))
        )
    return found, int(group) if found.grouped else found_block(found)


def found_block(scheme: Scheme) -> int:
    """A GGUF format's block size (values sharing one scale), from the gguf package's table."""
    from gguf import GGML_QUANT_SIZES

    return GGML_QUANT_SIZES[_gguf_type(scheme)][0]


def bits_per_weight(scheme: Scheme, group: int, row_length: int) -> float:
    """Stored bits per weight, scales included: a GGUF block's bytes x 8 / its values; for the
    symmetric schemes bits + 16 bits of scale per group (a row's last group may be shorter)."""
    if not scheme.grouped:
        from gguf import GGML_QUANT_SIZES

        block, type_size = GGML_QUANT_SIZES[_gguf_type(scheme)]
        return type_size * 8 / block
    groups = math.ceil(row_length / group) if group else 1
    return scheme.bits + SCALE_BITS * groups / row_length


def quantize_array(weights: np.ndarray, scheme: Scheme, group: int) -> np.ndarray:
    """A float32 matrix quantized and de-quantized again: the values the quantized model computes with."""
    weights = np.ascontiguousarray(weights, dtype=np.float32)
    if not scheme.grouped:
        from gguf import quants

        qtype = _gguf_type(scheme)
        return quants.dequantize(quants.quantize(weights, qtype), qtype).reshape(weights.shape)
    rows, cols = weights.shape
    group = group or cols
    groups = math.ceil(cols / group)
    padded = np.zeros((rows, groups * group), dtype=np.float32)  # zeros change no group's max|w|
    padded[:, :cols] = weights
    blocks = padded.reshape(rows, groups, group)
    qmax = 2 ** (scheme.bits - 1) - 1
    scale = (np.abs(blocks).max(axis=-1, keepdims=True) / qmax).astype(np.float16).astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(scale > 0, np.clip(np.rint(blocks / scale), -qmax, qmax), 0)
    return (q * scale).reshape(rows, groups * group)[:, :cols].astype(np.float32)


# --- one matrix ---------------------------------------------------------------------------------------


def matrices(model) -> list[str]:
    """The names of the model's weight matrices (its 2-D parameters; a tied matrix once)."""
    return [name for name, param in model.named_parameters() if param.dim() == 2]


def check_matrix(runner, name: str) -> str:
    """A weight matrix's name ("" = ``DEFAULT_MATRIX``), or a sentence with an example."""
    name = (name or "").strip() or DEFAULT_MATRIX
    if name not in matrices(runner.model):
        raise QuantizeError("quantize.error.matrix", value=name[:80], example=DEFAULT_MATRIX)
    return name


@dataclass(frozen=True)
class MatrixView:
    """One matrix before and after: the error and both histograms over the same bins."""

    scheme: str
    group_size: int
    name: str
    shape: tuple[int, int]
    bits_per_weight: float
    bytes_float32: int
    bytes_quantized: int
    max_abs_error: float
    rmse: float
    relative_error: float  # ||W - Wq|| / ||W||
    unchanged: float  # fraction of values exactly as before
    distinct_before: int
    distinct_after: int
    edges: list[float]
    before: list[int]
    after: list[int]

    def to_api(self) -> dict:
        fields = {k: v for k, v in self.__dict__.items() if k not in ("before", "after")}
        return {
            **fields,
            "shape": list(self.shape),
            "histogram_before": self.before,
            "histogram_after": self.after,
        }


def matrix_view(runner, scheme_name: str, group_size, name: str) -> MatrixView:
    """Quantize one matrix of the loaded model and compare it with what it was."""
    scheme, group = check(scheme_name, group_size)
    name = check_matrix(runner, name)
    scheme = for_matrix(scheme, name)
    with torch.inference_mode():
        weights = dict(runner.model.named_parameters())[name].detach().float().cpu().numpy()
    after = quantize_array(weights, scheme, group)
    diff = after - weights
    low, high = float(min(weights.min(), after.min())), float(max(weights.max(), after.max()))
    edges = np.linspace(low, high, config.QUANT_HISTOGRAM_BINS + 1)
    bits = bits_per_weight(scheme, group, weights.shape[1])
    return MatrixView(
        scheme=scheme.name,
        group_size=group,
        name=name,
        shape=tuple(weights.shape),
        bits_per_weight=bits,
        bytes_float32=weights.size * 4,
        bytes_quantized=math.ceil(weights.size * bits / 8),
        max_abs_error=float(np.abs(diff).max()),
        rmse=float(np.sqrt(np.mean(diff.astype(np.float64) ** 2))),
        relative_error=float(np.linalg.norm(diff) / max(np.linalg.norm(weights), 1e-30)),
        unchanged=float(np.mean(diff == 0)),
        distinct_before=int(np.unique(weights).size),
        distinct_after=int(np.unique(after).size),
        edges=edges.tolist(),
        before=np.histogram(weights, edges)[0].tolist(),
        after=np.histogram(after, edges)[0].tolist(),
    )


# --- the whole model's bytes, and an 8B model's --------------------------------------------------------


def model_bytes(model, scheme_name: str, group_size) -> dict:
    """The weights' bytes in float32, bfloat16 and this scheme (the matrices quantized, the rest float32)."""
    scheme, group = check(scheme_name, group_size)
    matrices = other = quantized = 0
    for name, param in model.named_parameters():  # a tied matrix is listed once
        if param.dim() == 2:
            bits = bits_per_weight(for_matrix(scheme, name), group, param.shape[1])
            matrices += param.numel()
            quantized += math.ceil(param.numel() * bits / 8)
        else:
            other += param.numel()
    return {
        "matrix_params": matrices,
        "other_params": other,
        "float32_bytes": 4 * (matrices + other),
        "bfloat16_bytes": 2 * (matrices + other),
        "quantized_bytes": quantized + 4 * other,
    }


def projection(bits_per_weight_now: float) -> list[dict]:
    """An 8B model's weights at 16, 8 and 4 bits and at this scheme's bits, beside its KV cache (bfloat16,
    ``QUANT_PROJECTION_CONTEXT`` tokens), the smallest listed GPU that holds both, and the least time
    a decode step takes there when reading every weight once (bytes / memory bandwidth)."""
    shape = cost.known_models()[config.QUANT_PROJECTION_MODEL]
    rows = []
    for label, bits in (("16-bit", 16.0), ("8-bit", 8.0), ("4-bit", 4.0), ("scheme", bits_per_weight_now)):
        sizes = cost.projection(shape, [config.QUANT_PROJECTION_CONTEXT], bits / 8, 2, 1)[0]
        fitting = [g for g in cost.gpus() if g["bytes"] >= sizes["total_bytes"]]
        rows.append(
            {
                "weights": label,
                "bits_per_weight": bits,
                "weight_bytes": sizes["weight_bytes"],
                "kv_cache_bytes": sizes["kv_cache_bytes"],
                "total_bytes": sizes["total_bytes"],
                "fits": [g["name"] for g in fitting],
                "ms_per_token_floor": {
                    g["name"]: 1000 * sizes["weight_bytes"] / g["bandwidth_bytes_per_s"] for g in cost.gpus()
                },
            }
        )
    return rows


# --- quantized copies, made on demand and shared --------------------------------------------------------


class QuantizedModels:
    """Quantized copies of the loaded model, made on demand, shared by every learner, at most
    ``limit`` held (the least recently used goes first). One copy is made at a time; a learner
    asking for a copy being made waits for it instead of making another."""

    def __init__(self, limit: int):
        self.limit = limit
        self._models: OrderedDict[tuple, torch.nn.Module] = OrderedDict()
        self._making = threading.Lock()  # one copy made at a time (not the model lock)
        self.made = 0  # copies made since start (a test counts them)

    def __len__(self) -> int:
        return len(self._models)

    def keys(self) -> list[tuple]:
        return list(self._models)

    def get(self, runner, key: tuple, make) -> tuple[torch.nn.Module, float]:
        """The copy for ``key`` and the seconds spent making it (0 when it was held)."""
        with self._making:
            if key in self._models:
                self._models.move_to_end(key)
                return self._models[key], 0.0
            while len(self._models) >= self.limit:
                self._models.popitem(last=False)
            start = time.perf_counter()
            model = make(runner)
            self._models[key] = model
            self.made += 1
            return model, time.perf_counter() - start


COPIES = QuantizedModels(config.MAX_QUANTIZED_MODELS)


def make_quantized(runner, scheme: Scheme, group: int) -> torch.nn.Module:
    """The loaded model with every matrix quantized and de-quantized (float32 arithmetic)."""
    with torch.inference_mode():
        model = copy.deepcopy(runner.model)
        for name, param in model.named_parameters():
            if param.dim() == 2:
                values = quantize_array(param.detach().cpu().numpy(), for_matrix(scheme, name), group)
                param.copy_(torch.from_numpy(values))
    model.eval()
    return model


def quantized_model(runner, scheme_name: str, group_size) -> tuple[torch.nn.Module, float]:
    scheme, group = check(scheme_name, group_size)
    return COPIES.get(runner, (runner.name, scheme.name, group), lambda r: make_quantized(r, scheme, group))


# --- quality: the quantized model beside the loaded one -------------------------------------------------


def parse_prompts(runner, text: str) -> list[list[int]]:
    """One prompt per line (blank lines skipped): token ids, each prompt checked."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not lines:
        raise PromptError("error.prompt.empty")
    if len(lines) > config.MAX_QUANT_PROMPTS:
        raise QuantizeError("quantize.error.prompts", count=len(lines), limit=config.MAX_QUANT_PROMPTS)
    prompts = []
    for line in lines:
        ids = runner.tokenize(sanitize(line)[0]).ids
        if len(ids) > config.MAX_QUANT_PROMPT_TOKENS:
            raise QuantizeError(
                "quantize.error.prompt_long", tokens=len(ids), limit=config.MAX_QUANT_PROMPT_TOKENS
            )
        if len(ids) < 1:
            raise PromptError("error.prompt.empty")
        prompts.append(ids)
    return prompts


def is_telugu(text: str) -> bool:
    return any("\u0c00" <= ch <= "\u0c7f" for ch in text)


@torch.inference_mode()
def _logits(runner, model, ids: list[int]) -> torch.Tensor:
    with runner.hold():
        out = model(input_ids=torch.as_tensor([ids], device=runner.device), use_cache=False)
    return out.logits[0].float()


@torch.inference_mode()
def greedy(runner, model, ids: list[int], new_tokens: int) -> tuple[list[int], list[float]]:
    """Greedy decoding with the KV cache, the same loop for either model (stops at end of text): the
    tokens and each one's probability under that model."""
    from transformers import DynamicCache

    cache, tokens, probs, feed = DynamicCache(config=model.config), [], [], list(ids)
    for _ in range(new_tokens):
        with runner.hold():
            out = model(input_ids=torch.as_tensor([feed], device=runner.device), past_key_values=cache)
        dist = torch.softmax(out.logits[0, -1].float(), dim=-1)
        token = int(dist.argmax())
        tokens.append(token)
        probs.append(float(dist[token]))
        if token in runner.eos_token_ids:
            break
        cache, feed = out.past_key_values, [token]
    return tokens, probs


def compare_prompt(runner, quantized, ids: list[int]) -> dict:
    """KL(loaded || quantized) of the next-token distribution at every position, and top-1 agreement."""
    base = torch.log_softmax(_logits(runner, runner.model, ids), dim=-1)
    quant = torch.log_softmax(_logits(runner, quantized, ids), dim=-1)
    kl = (base.exp() * (base - quant)).sum(dim=-1).clamp_min(0)
    agree = base.argmax(dim=-1) == quant.argmax(dim=-1)
    text = runner.decode(ids)
    return {
        "prompt": text,
        "language": "te" if is_telugu(text) else "en",
        "tokens": len(ids),
        "kl_mean": float(kl.mean()),
        "kl_last": float(kl[-1]),
        "top1_agreement": float(agree.float().mean()),
        "top1_last_same": bool(agree[-1]),
        "next_loaded": runner.token_label(int(base[-1].argmax())),
        "next_quantized": runner.token_label(int(quant[-1].argmax())),
    }


def first_difference(a: list[int], b: list[int]) -> int | None:
    """The first index where two token lists differ (one ending early counts); None when equal."""
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return None if len(a) == len(b) else min(len(a), len(b))


def _generation(runner, tokens: list[int], probs: list[float]) -> dict:
    return {
        "text": runner.decode(tokens),
        "tokens": [
            {"id": i, "token": runner.token_label(i), "prob": p} for i, p in zip(tokens, probs, strict=True)
        ],
    }


def quantize(runner, ids: list[int], scheme_name: str, group_size, matrix_name: str, new_tokens) -> dict:
    """Everything the lesson shows for one prompt: one matrix before and after, the model's bytes
    (and an 8B model's), the next-token KL and top-1 agreement, and greedy generations side by side."""
    from playground.api.params import Param

    new_tokens = Param(
        "max_new_tokens", int, low=1, high=config.MAX_QUANT_NEW_TOKENS, label="safety.param.max_new_tokens"
    ).check(new_tokens)
    scheme, group = check(scheme_name, group_size)
    view = matrix_view(runner, scheme.name, group, matrix_name)
    sizes = model_bytes(runner.model, scheme.name, group)
    model, made_s = quantized_model(runner, scheme.name, group)
    row = compare_prompt(runner, model, ids)
    loaded, loaded_probs = greedy(runner, runner.model, ids, new_tokens)
    quant, quant_probs = greedy(runner, model, ids, new_tokens)
    bits = 8 * (sizes["quantized_bytes"] - 4 * sizes["other_params"]) / sizes["matrix_params"]
    return {
        "scheme": scheme.name,
        "scheme_label": scheme.label,
        "group_size": group,
        "weight_bytes": sizes["quantized_bytes"],
        "weight_bytes_fp32": sizes["float32_bytes"],
        "weight_bytes_bf16": sizes["bfloat16_bytes"],
        "bits_per_weight": bits,
        "matrix": view.to_api(),
        "kl_next_token": row["kl_last"],
        "top1_agrees": row["top1_last_same"],
        "kl_mean": row["kl_mean"],
        "top1_agreement": row["top1_agreement"],
        "next_fp32": row["next_loaded"],
        "next_quantized": row["next_quantized"],
        "greedy_fp32": _generation(runner, loaded, loaded_probs),
        "greedy_quantized": _generation(runner, quant, quant_probs),
        "first_divergence": first_difference(loaded, quant),
        "projection": projection(bits),
        "made_s": made_s,
    }


def prompt_table(runner, scheme_name: str, group_size, prompts: str) -> list[dict]:
    """``compare_prompt`` for each prompt (one per line), with the same quantized copy."""
    scheme, group = check(scheme_name, group_size)
    ids = parse_prompts(runner, prompts)
    model, _ = quantized_model(runner, scheme.name, group)
    return [compare_prompt(runner, model, p) for p in ids]


# --- speed: int8 weights through PyTorch's CPU kernel, against float32 ----------------------------------

INT8_COPIES = QuantizedModels(1)


def make_int8_dynamic(runner) -> torch.nn.Module:
    """Every linear layer (the output layer too) with int8 weights, one scale per matrix, through
    PyTorch's dynamic quantization (``torch.ao.quantization.quantize_dynamic``: activations are
    quantized on the fly, the matrix products run on int8 in fbgemm's kernels)."""
    with warnings.catch_warnings():  # deprecated for torchao, whose CPU kernels follow other torch
        warnings.simplefilter("ignore", DeprecationWarning)  # versions; torch 2.13 still ships this one
        from torch.ao.quantization import quantize_dynamic

        return quantize_dynamic(copy.deepcopy(runner.model), {torch.nn.Linear}, dtype=torch.qint8).eval()


def linear_weight_bytes(model) -> dict:
    """Bytes of weight a decode step reads: every linear layer's matrix (the embedding gives one row)."""
    numel = sum(m.weight.numel() for m in model.modules() if isinstance(m, torch.nn.Linear))
    return {"float32": 4 * numel, "int8": numel}


@torch.inference_mode()
def _timed_greedy(runner, model, ids: list[int], new_tokens: int) -> tuple[list[int], float]:
    """``new_tokens`` greedy tokens (end of text does not stop it: every run does the same work)."""
    from transformers import DynamicCache

    cache, tokens, feed = DynamicCache(config=runner.model.config), [], list(ids)
    start = time.perf_counter()
    for _ in range(new_tokens):
        out = model(input_ids=torch.as_tensor([feed], device=runner.device), past_key_values=cache)
        tokens.append(int(out.logits[0, -1].argmax()))
        cache, feed = out.past_key_values, [tokens[-1]]
    return tokens, time.perf_counter() - start


def speed(runner, ids: list[int], repeats) -> dict:
    """Tokens per second of greedy decoding with float32 weights and with int8 weights, measured in
    turns in one run with the model to itself (the median of ``repeats`` runs each)."""
    from playground.api.params import Param

    repeats = Param(
        "repeats", int, low=1, high=config.MAX_QUANT_SPEED_REPEATS, label="safety.param.repeats"
    ).check(repeats)
    int8, made_s = INT8_COPIES.get(runner, (runner.name, "int8-dynamic"), make_int8_dynamic)
    n = config.QUANT_SPEED_NEW_TOKENS
    times = {"float32": [], "int8": []}
    with runner.alone() as waited_s:
        _timed_greedy(runner, runner.model, ids, 2)  # warm-up: first calls allocate and pick kernels
        _timed_greedy(runner, int8, ids, 2)
        for _ in range(repeats):
            base_tokens, seconds = _timed_greedy(runner, runner.model, ids, n)
            times["float32"].append(seconds)
            int8_tokens, seconds = _timed_greedy(runner, int8, ids, n)
            times["int8"].append(seconds)
    tps = {name: n / float(np.median(values)) for name, values in times.items()}
    return {
        "new_tokens": n,
        "repeats": repeats,
        "float32_tokens_per_s": tps["float32"],
        "int8_tokens_per_s": tps["int8"],
        "speedup": tps["int8"] / tps["float32"],
        "weight_bytes_per_token": linear_weight_bytes(runner.model),
        "first_difference": first_difference(base_tokens, int8_tokens),
        "float32_text": runner.decode(base_tokens),
        "int8_text": runner.decode(int8_tokens),
        "threads": config.num_threads(),
        "made_s": made_s,
        "waited_s": waited_s,
    }
