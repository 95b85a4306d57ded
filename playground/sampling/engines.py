"""Engine presets: the order in which an engine applies the stages, which tokens each penalty counts,
and the stage functions where its definition differs from transformers'. Each cites its source.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import torch

from playground.sampling.registry import SamplingError, Stage
from playground.sampling.stages import (
    apply_repetition_penalty_vllm,
    apply_temperature_llama_cpp,
    min_p_llama_cpp,
    top_k_exact,
    top_p_llama_cpp,
)


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
