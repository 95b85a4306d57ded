"""What a handler does with a generation: stream it through the runner's model service, throttle
what an API client is sent, or wait for the end.

A web handler streams in the server's event loop (``astream``): no thread waits for it, and the
scheduler's thread wakes the loop only when there is something to send (every step for a page, at
most every half second and at the end for an API client). A thread per waiting learner, each woken
at every step, took the GIL from the model's thread thirty times a step in a class of thirty.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import aclosing, suppress

from playground import config, real_engines
from playground.generation import GenerationParams, GenerationState
from playground.serving.scheduler import Request, Scheduler
from playground.serving.service import ModelService


def generation_stream(
    runner, prompt_ids: list[int], params: GenerationParams, session: str = ""
) -> Iterator[GenerationState | None]:
    """Every generation of the app (``ModelService.stream``). Yields None while waiting."""
    return ModelService.of(runner).stream(prompt_ids, params, session)


def generate(runner, prompt_ids: list[int], params: GenerationParams, session: str = "") -> GenerationState:
    """Run one generation to the end through the batch (``ModelService.generate``), or on the
    generation engine when one is set (``real_engines.generation_engine``)."""
    engine = real_engines.generation_engine()
    if engine is not None:
        return real_engines.run_generation(engine, prompt_ids, params.validate(), runner.token_label).state()
    return ModelService.of(runner).generate(prompt_ids, params, session)


async def astream(
    runner, prompt_ids: list[int], params: GenerationParams, session: str = "", every_s: float = 0.0
) -> AsyncIterator[GenerationState | None]:
    """``generation_stream`` for a handler in the event loop: None at once and every heartbeat while
    nothing comes; then the newest state, at most every ``every_s`` (0: each step), and the last.
    Leaving early (the client went away, Stop) takes the request out of the batch."""
    service = ModelService.of(runner)
    params = params.validate()
    engine = real_engines.generation_engine()
    if engine is not None:  # a class larger than one machine: every generation goes there
        states = real_engines.astream_generation(engine, prompt_ids, params, runner.token_label, session)
        async with aclosing(states), aclosing(_throttled(states, every_s)) as throttled_states:
            async for state in throttled_states:
                yield state
        return
    if not params.use_cache or not service.running:  # decoded in the caller's thread: a worker's
        states = _in_thread(service.stream(prompt_ids, params, session))
        async with aclosing(states), aclosing(_throttled(states, every_s)) as throttled_states:
            async for state in throttled_states:
                yield state
        return
    request = service.submit(prompt_ids, params, session)
    async for state in request_states(request, service.scheduler, every_s):
        yield state


async def request_states(
    request: Request,
    scheduler: Scheduler,
    every_s: float = 0.0,
    heartbeat_s: float = config.SERVING_HEARTBEAT_S,
) -> AsyncIterator[GenerationState | None]:
    """A submitted request's states in the event loop (see ``astream``). The scheduler's thread calls
    ``request.notify`` after each update; it wakes the loop only for the last state, or once
    ``every_s`` has passed since the last one sent."""
    loop = asyncio.get_running_loop()
    changed = asyncio.Event()
    due = 0.0

    def notify() -> None:  # in the scheduler's thread
        if request.done or time.perf_counter() >= due:
            loop.call_soon_threadsafe(changed.set)

    request.notify = notify
    sent = None
    try:
        yield None
        while True:
            latest = None
            while not request.updates.empty():
                item = request.updates.get_nowait()
                if isinstance(item, BaseException):
                    raise item
                latest = item
            if latest is not None:
                due = time.perf_counter() + every_s
                sent = latest
                yield latest
                if latest.stop_reason:
                    return
            try:
                await asyncio.wait_for(changed.wait(), heartbeat_s)
            except TimeoutError:
                if not request.updates.empty():  # throttled tokens came meanwhile: the newest goes now
                    continue
                # Nothing for a while: a page says it is still waiting (None); an API client, throttled,
                # gets the newest state again (None only before the first), as ``_throttled`` does.
                yield sent if every_s else None
            changed.clear()
    finally:
        request.notify = None
        scheduler.cancel(request)


_END = object()


async def _in_thread(states: Iterator) -> AsyncIterator:
    """A blocking iterator's items, each taken in a worker thread; closed when left."""
    try:
        while (item := await asyncio.to_thread(next, states, _END)) is not _END:
            yield item
    finally:
        with suppress(ValueError):  # still running in its thread (a cancelled wait): it ends there
            states.close()


async def _throttled(states: AsyncIterator, every_s: float) -> AsyncIterator:
    """The newest state at once, then at most every ``every_s`` (None until there is one), and the
    last: an API client gets its answer without one message per token."""
    latest, last_sent = None, -math.inf
    async for state in states:
        latest = state or latest
        now = time.perf_counter()
        if (latest is not None and latest.stop_reason) or now - last_sent >= every_s:
            last_sent = now
            yield latest
