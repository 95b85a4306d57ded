"""The model service: the one model, its scheduler, and every way of using them.

There are three ways to use the model, and each goes through here or through the runner's lock:

- **batched generation** (``stream``, ``generate``): every decode of a token a learner asked for
  (plain generation, a fork, the strategies' samples, the lens's continuation) joins the
  scheduler's running batch;
- **exclusive use** (``alone``): timing lessons and "Simulate a class" take the model for a whole
  block; they wait for the batch's step in progress, pause the batch, and say how long they waited;
- **short forwards** (``forward``, and the runner's own calls): one forward pass each, taken between
  two of the batch's steps (the runner's ``hold`` lets waiting threads go before the next step).

The service is made once per runner (``ModelService.of(runner)``), and started and stopped with
the server (``lifespan``, which app.py gives its FastAPI app). A service that is not started has
no thread: a generation then runs the scheduler's steps in the caller's thread (building the
app's first views before the server starts, unit tests), one caller at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import replace

from playground import config
from playground.budget import check_no_cache_budget
from playground.generation import GenerationParams, GenerationState, generate_stream
from playground.serving.engine_process import EngineClient
from playground.serving.scheduler import Request, Scheduler

_MADE = threading.Lock()  # makes ModelService.of create one service per runner


class ModelService:
    """The runner and its scheduler, started and stopped together."""

    def __init__(self, runner, max_batch: int = config.MAX_BATCH):
        self.runner = runner
        self.scheduler = Scheduler(runner, max_batch)
        self._inline = threading.Lock()  # one caller at a time steps a scheduler that no thread runs
        self._thread_scheduler: Scheduler | None = None  # set aside while an engine process runs

    @classmethod
    def of(cls, runner) -> ModelService:
        """The runner's one service (made on first ask, not started)."""
        with _MADE:
            if runner.service is None:
                runner.service = cls(runner)
            return runner.service

    # --- life -----------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.scheduler.running

    def start(self, process: bool | None = None) -> bool:
        """Start the scheduler: in a process of its own (``engine_process``: the server's default, for a
        registry model the child can load by name) or in a thread of this process. False when it was
        already running (its starter stops it)."""
        process = config.engine_process() if process is None else process
        with self._inline:
            if self.running:
                return False
            if process and self.runner.spec is not None:
                engine = EngineClient(self.runner, self.runner.spec.name, self.scheduler.max_batch)
                engine.start()
                self.scheduler, self._thread_scheduler = engine, self.scheduler
                self.runner.pause_batch = engine.pause
            else:
                self.scheduler.start()
            return True

    def stop(self) -> None:
        """Stop the scheduler; waiting and running requests get an error."""
        self.scheduler.stop()
        if self._thread_scheduler is not None:  # back to the in-process scheduler (not running)
            self.runner.pause_batch = None
            self.scheduler, self._thread_scheduler = self._thread_scheduler, None

    @contextlib.asynccontextmanager
    async def lifespan(self, app=None):
        """Run the service for as long as the server runs (a FastAPI/Starlette lifespan)."""
        started = await asyncio.to_thread(self.start)  # an engine process loads the model first
        try:
            yield
        finally:
            if started:
                await asyncio.to_thread(self.stop)

    # --- batched generation ---------------------------------------------------------------------

    def submit(self, prompt_ids: list[int], params: GenerationParams, session: str = "") -> Request:
        return self.scheduler.submit(prompt_ids, params, session)

    def stream(
        self, prompt_ids: list[int], params: GenerationParams, session: str = ""
    ) -> Iterator[GenerationState | None]:
        """Every generation of the app: through the shared batch (with the KV cache), or, without the
        cache (the teaching contrast), alone in the caller's thread, one forward at a time between
        the batch's steps. Yields None while waiting (see ``Scheduler.stream``)."""
        params = params.validate()
        if not params.use_cache:
            check_no_cache_budget(len(prompt_ids), params.max_new_tokens)
            started = time.perf_counter()
            for state in generate_stream(self.runner, prompt_ids, params):
                if not state.stop_reason and self.scheduler.stopped_since(session, started):
                    yield replace(state, stop_reason="stopped")  # the page's Stop, between two tokens
                    return
                yield state
            return
        request = self.submit(prompt_ids, params, session)
        if not self.running:
            self._step_until_done(request)
        yield from self.scheduler.stream(request)

    def generate(self, prompt_ids: list[int], params: GenerationParams, session: str = "") -> GenerationState:
        """One generation to the end through the batch."""
        states = (s for s in self.stream(prompt_ids, params, session) if s is not None)
        return deque(states, maxlen=1)[0]

    def _step_until_done(self, request: Request) -> None:
        """No thread runs the scheduler: step it here until ``request`` is done (or a thread starts)."""
        while not request.done:
            with self._inline:
                if request.done or self.running:
                    return
                self.scheduler.run_step()

    # --- exclusive use and short forwards -------------------------------------------------------

    def alone(self):
        """The model to this thread alone for a block (``ModelRunner.alone``): yields the seconds it
        waited for the batch's step in progress."""
        return self.runner.alone()

    def forward(self, ids, **outputs):
        """One short forward pass, run between two of the batch's steps (``ModelRunner.forward``)."""
        return self.runner.forward(ids, **outputs)

    def traffic(self, session: str = "") -> dict:
        """The Serving view's recent requests and steps (``Scheduler.traffic``)."""
        return self.scheduler.traffic(session)


def service_of(runner) -> ModelService:
    """The runner's model service (``ModelService.of``)."""
    return ModelService.of(runner)
