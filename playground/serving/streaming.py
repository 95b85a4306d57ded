"""What a handler does with a generation: stream it through the runner's model service, throttle
what an API client is sent, or wait for the end."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import closing

from playground import config
from playground.generation import GenerationParams, GenerationState
from playground.serving.service import ModelService


def generation_stream(
    runner, prompt_ids: list[int], params: GenerationParams, session: str = ""
) -> Iterator[GenerationState | None]:
    """Every generation of the app (``ModelService.stream``). Yields None while waiting."""
    return ModelService.of(runner).stream(prompt_ids, params, session)


def throttled(states: Iterator[GenerationState | None], every_s: float = config.SERVING_HEARTBEAT_S):
    """The newest state at once, then at most every ``every_s`` (None until there is one), and the last:
    an API client gets its answer without one message per token, and its handler still returns
    to Gradio often enough to be closed when the client goes away."""
    latest, last_sent = None, -math.inf
    with closing(states):  # closing this closes the stream: its request leaves the batch
        for state in states:
            latest = state or latest
            now = time.perf_counter()
            if (latest is not None and latest.stop_reason) or now - last_sent >= every_s:
                last_sent = now
                yield latest


def generate(runner, prompt_ids: list[int], params: GenerationParams, session: str = "") -> GenerationState:
    """Run one generation to the end through the batch (``ModelService.generate``)."""
    return ModelService.of(runner).generate(prompt_ids, params, session)
