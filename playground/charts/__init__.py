"""Pure chart builders: plain data -> plotly Figure. No torch, no gradio.

One module per tab, beside ``playground/ui/``'s, each taking the plain data its compute module
prepares:

- ``common``: the colours, ``_fast_figure`` (a Figure from plain dicts, unvalidated, for charts that
  redraw on every slider move), and the shared line trace and layout.
- ``tokenizer``: ``language_cost``.
- ``logits``: ``sampling_pipeline`` (one panel per stage), ``engines_compare``, ``draws_histogram``.
- ``attention``: ``attention_heatmap``.
- ``inside``: embeddings (``embedding_strips``, ``embedding_neighbours``), the logit lens
  (``lens_top_tokens``, ``lens_target``) and ``writing_attention``.
- ``decode``: ``decode_timeline``, ``step_times``, ``kv_growth``, ``throughput``.
- ``context``: ``sweep_time``, ``sweep_memory``, ``projection``.
- ``beam``: ``beam_tree``.
- ``strategies``: ``strategies_scatter``.
- ``lessons``: ``weight_histogram``, ``prompt_kl`` (quantization), ``speculative_rounds``.
- ``classroom``: ``class_reveal`` (the class's answers beside the model's).
- ``serving``: ``serving_timeline``, ``serving_steps``, ``serving_throughput``, ``simulated_class``.

Everything is re-exported here: callers write ``from playground import charts; charts.beam_tree(view)``.
"""

from playground.charts.attention import attention_heatmap
from playground.charts.beam import beam_tree
from playground.charts.classroom import class_reveal
from playground.charts.common import BLUE, GREEN, GREY, ORANGE, PURPLE
from playground.charts.context import PALETTE, projection, sweep_memory, sweep_time
from playground.charts.decode import decode_timeline, kv_growth, step_times, throughput
from playground.charts.inside import (
    embedding_neighbours,
    embedding_strips,
    lens_target,
    lens_top_tokens,
    writing_attention,
)
from playground.charts.lessons import prompt_kl, speculative_rounds, weight_histogram
from playground.charts.logits import ENGINE_COLOURS, draws_histogram, engines_compare, sampling_pipeline
from playground.charts.serving import (
    PHASE_COLOURS,
    serving_steps,
    serving_throughput,
    serving_timeline,
    simulated_class,
)
from playground.charts.strategies import strategies_scatter
from playground.charts.tokenizer import language_cost

__all__ = [
    "BLUE",
    "ENGINE_COLOURS",
    "GREEN",
    "GREY",
    "ORANGE",
    "PALETTE",
    "PHASE_COLOURS",
    "PURPLE",
    "attention_heatmap",
    "beam_tree",
    "class_reveal",
    "decode_timeline",
    "draws_histogram",
    "embedding_neighbours",
    "embedding_strips",
    "engines_compare",
    "kv_growth",
    "language_cost",
    "lens_target",
    "lens_top_tokens",
    "projection",
    "prompt_kl",
    "sampling_pipeline",
    "serving_steps",
    "serving_throughput",
    "serving_timeline",
    "simulated_class",
    "speculative_rounds",
    "step_times",
    "strategies_scatter",
    "sweep_memory",
    "sweep_time",
    "throughput",
    "weight_histogram",
    "writing_attention",
]
