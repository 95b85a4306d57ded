"""Serving: one model for every learner at once.

- ``service``: ``ModelService``, the one model and every way of using it (batched generation,
  exclusive use, short forwards), started and stopped with the server;
- ``scheduler``: continuous batching (``Scheduler``, ``Request``, ``RequestRecord``,
  ``StepRecord``, ``prefill_chunks``);
- ``prefix_cache``: ``PrefixCache``, finished generations' keys and values that forks start from;
- ``streaming``: what handlers use (``astream``, ``generation_stream``, ``generate``);
- ``simulation``: "Simulate a class" (``simulate_class``, ``check_simulation``, ``synthetic_prompts``);
- ``views``: plain series for the Serving view (``timeline_rows``, ``throughput_bins``).

Budgets and their error (``Deadline``, ``ServingError``, ``check_no_cache_budget``) live in
``playground/budget.py``, which the compute modules import without importing serving.
"""

from playground.budget import Deadline, ServingError, check_no_cache_budget
from playground.serving.prefix_cache import PrefixCache
from playground.serving.scheduler import Request, RequestRecord, Scheduler, StepRecord, prefill_chunks
from playground.serving.service import ModelService, service_of
from playground.serving.simulation import check_simulation, simulate_class, synthetic_prompts
from playground.serving.streaming import astream, generate, generation_stream, request_states
from playground.serving.views import throughput_bins, timeline_rows

__all__ = [
    "Deadline",
    "ModelService",
    "PrefixCache",
    "Request",
    "RequestRecord",
    "Scheduler",
    "ServingError",
    "StepRecord",
    "astream",
    "check_no_cache_budget",
    "check_simulation",
    "generate",
    "generation_stream",
    "prefill_chunks",
    "request_states",
    "service_of",
    "simulate_class",
    "synthetic_prompts",
    "throughput_bins",
    "timeline_rows",
]
