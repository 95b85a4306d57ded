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

One concept per module, each importing only those above it:

- ``stages``: the stage functions (penalties, temperature, top-k, top-p, min-p and the engines'
  variants of them) and ``entropy_bits``.
- ``registry``: ``Knob``, ``Stage``, ``STAGES``, ``knobs()``, ``SamplingParams`` and its validation
  (``SamplingError``).
- ``engines``: ``Scope``, ``Engine``, the transformers, vLLM and llama.cpp presets, ``ENGINES``,
  ``DEFAULT_ENGINE``, ``get_engine``.
- ``pipeline``: ``run_pipeline``, which applies an engine's stages in order and records each
  (``StageResult``, ``PipelineResult``).
- ``draws``: one seeded draw (``draw``, ``make_generator``) and many (``sample_many``, ``Draws``,
  ``chi_square_test``).
- ``comparison``: every engine on the same input (``compare_engines``, ``total_variation``).
- ``effects``: what the penalties changed (``penalty_effect``: the token the same seed draws without them).
- ``views``: plain data for the charts (the API's answers are the results' ``to_api``)
  (``stage_view``, ``comparison_view``, ``draws_view``).

Everything is re-exported here: callers write ``from playground import sampling; sampling.run_pipeline``.
"""

from playground.sampling.comparison import EngineComparison, compare_engines, total_variation
from playground.sampling.draws import Draws, check_draws, chi_square_test, draw, make_generator, sample_many
from playground.sampling.effects import PenaltyEffect, penalty_effect
from playground.sampling.engines import (
    DEFAULT_ENGINE,
    ENGINES,
    GENERATED_ONLY,
    LLAMA_CPP_PENALTY_LAST_N,
    PROMPT_AND_GENERATED,
    Engine,
    Scope,
    get_engine,
    llama_cpp_preset,
    transformers_preset,
    vllm_preset,
)
from playground.sampling.pipeline import PipelineResult, StageResult, run_pipeline
from playground.sampling.registry import (
    PRESETS,
    STAGES,
    Knob,
    SamplingError,
    SamplingParams,
    Stage,
    knobs,
    make_sampling_params,
    preset,
)
from playground.sampling.stages import (
    apply_frequency_penalty,
    apply_presence_frequency,
    apply_presence_penalty,
    apply_repetition_penalty,
    apply_repetition_penalty_vllm,
    apply_temperature,
    apply_temperature_llama_cpp,
    entropy_bits,
    min_p_filter,
    min_p_llama_cpp,
    token_counts,
    top_k_exact,
    top_k_filter,
    top_p_filter,
    top_p_llama_cpp,
)
from playground.sampling.views import (
    COUNTED_TOKENS_SHOWN,
    comparison_view,
    draws_view,
    stage_view,
)

__all__ = [
    "COUNTED_TOKENS_SHOWN",
    "DEFAULT_ENGINE",
    "ENGINES",
    "GENERATED_ONLY",
    "LLAMA_CPP_PENALTY_LAST_N",
    "PRESETS",
    "PROMPT_AND_GENERATED",
    "STAGES",
    "Draws",
    "Engine",
    "EngineComparison",
    "Knob",
    "PenaltyEffect",
    "PipelineResult",
    "SamplingError",
    "SamplingParams",
    "Scope",
    "Stage",
    "StageResult",
    "apply_frequency_penalty",
    "apply_presence_frequency",
    "apply_presence_penalty",
    "apply_repetition_penalty",
    "apply_repetition_penalty_vllm",
    "apply_temperature",
    "apply_temperature_llama_cpp",
    "check_draws",
    "chi_square_test",
    "compare_engines",
    "comparison_view",
    "draw",
    "draws_view",
    "entropy_bits",
    "get_engine",
    "knobs",
    "llama_cpp_preset",
    "make_generator",
    "make_sampling_params",
    "min_p_filter",
    "min_p_llama_cpp",
    "penalty_effect",
    "preset",
    "run_pipeline",
    "sample_many",
    "stage_view",
    "token_counts",
    "top_k_exact",
    "top_k_filter",
    "top_p_filter",
    "top_p_llama_cpp",
    "total_variation",
    "transformers_preset",
    "vllm_preset",
]
