"""The scheduler in a process of its own, as vLLM runs its engine core apart from its API server.

Why. The model's forward pass is driven from Python: hundreds of tensor operations a step, and the
thread running them takes the GIL back after each one. In the web server's process, Gradio's event
loop holds the GIL a quarter of the time while a class is connected (every request's routing, queue
and event-stream bookkeeping), and each step of the batch waited for it: measured on 2 cores, a
thread holding the GIL 25% of the time cut the in-process scheduler from 98 to 69-72 tokens/s (a
process burning the other core did not slow it). In a process of its own, the scheduler never
waits for the web server; the web server's process keeps the pages, the API and every short forward
of the other tabs. vLLM does the same (``vllm/v1/engine/core_client.py``: the API server talks to
``EngineCore`` in another process); here a pipe carries pickled messages.

``EngineClient`` is the scheduler's interface (``submit``, ``cancel``, ``stop_session``, ``stream``,
``traffic``...) in the web server's process; its work happens in ``engine_main`` in the child, which
loads the same model by name, runs a ``Scheduler`` and, after each step, sends every request's new
tokens (only what is new: a state's tokens are rebuilt here), the requests' times and the step's
record. ``pause`` takes the batch off the model for a timing lesson (``ModelRunner.alone``): the
child finishes its step, acknowledges, and waits.

The child's copy of the model only serves the batch, so its linear layers compute through oneDNN with
weights packed once, as vLLM's CPU worker's do (``onednn.pack_linears``; ``packed_layers`` says how
many); the web server's copy, which the other tabs read and rewrite, keeps ``nn.Linear``.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from playground import config
from playground.generation import GenerationParams, GenerationState, check_prefix
from playground.serving.scheduler import Request, RequestRecord, Scheduler

logger = logging.getLogger(__name__)
READY_TIMEOUT_S = 600.0  # the child loads the model (seconds; minutes on a busy machine)


@dataclass(frozen=True)
class Update:
    """What one step changed for one request: its new tokens and the state's other fields."""

    rid: int
    new_tokens: tuple
    text: str
    stop_reason: str | None
    ttft_s: float
    new_step_s: tuple[float, ...]
    cached_tokens: int


RECORD_FIELDS = ("admitted", "first_token", "finished", "new_tokens", "cached_tokens", "outcome")


# --- the child ------------------------------------------------------------------------------------


def engine_main(conn, model_name: str, max_batch: int, threads: int) -> None:
    """The engine process: load the model, then step the batch while there is work, reading commands
    between steps; exits when told, or when the parent's end of the pipe closes."""
    import torch

    from playground.runner import ModelRunner
    from playground.serving.onednn import pack_linears

    torch.set_num_threads(threads)
    runner = ModelRunner.load(model_name)
    torch.set_num_threads(threads)
    packed = pack_linears(runner.model)  # this copy only serves the batch: its products go to oneDNN
    scheduler = Scheduler(runner, max_batch)
    requests: dict[int, Request] = {}
    sent: dict[int, tuple[int, int]] = {}  # rid -> (tokens sent, step times sent)
    conn.send(("ready", runner.name, packed))
    paused, last_step = False, None
    try:
        while True:
            busy = (scheduler.waiting or scheduler.rows) and not paused
            if conn.poll(0 if busy else None):
                while conn.poll(0):
                    message = conn.recv()
                    kind = message[0]
                    if kind == "stop":
                        return
                    if kind == "pause":
                        paused = True
                        conn.send(("paused",))
                    elif kind == "resume":
                        paused = False
                    else:
                        _command(conn, scheduler, requests, sent, message)
                continue
            if busy:
                scheduler.run_step()
                step = scheduler.steps[-1] if scheduler.steps else None
                new_step, last_step = (step if step is not last_step else None), step
                conn.send(("step", _updates(scheduler, requests, sent), new_step))
    except (EOFError, OSError, KeyboardInterrupt):  # the parent went away
        return


def _command(conn, scheduler: Scheduler, requests: dict, sent: dict, message: tuple) -> None:
    kind = message[0]
    if kind == "submit":
        _, rid, prompt_ids, params, session = message
        try:
            request = scheduler.submit(prompt_ids, params, session)
        except Exception as error:  # checked in the parent already: a failure here is a bug, said
            record = {"outcome": "error", "finished": time.perf_counter()}
            conn.send(("step", [(rid, record, None, f"the engine refused the request: {error}")], None))
            return
        request.record.id = rid
        requests[rid] = request
        sent[rid] = (0, 0)
    elif kind == "cancel":
        request = requests.get(message[1])
        if request is not None:
            scheduler.cancel(request)
    elif kind == "stop_session":
        scheduler.stop_session(message[1])


def _updates(scheduler: Scheduler, requests: dict, sent: dict) -> list:
    """Each request's news since the last step: new tokens and state, its record's times."""
    out = []
    for rid, request in list(requests.items()):
        latest, error = None, None
        while not request.updates.empty():
            item = request.updates.get_nowait()
            if isinstance(item, BaseException):
                error = item
            else:
                latest = item
        record = {name: getattr(request.record, name) for name in RECORD_FIELDS}
        update = None
        if latest is not None:
            tokens_sent, steps_sent = sent[rid]
            update = Update(
                rid,
                latest.tokens[tokens_sent:],
                latest.text,
                latest.stop_reason,
                latest.ttft_s,
                latest.step_s[steps_sent:],
                latest.cached_tokens,
            )
            sent[rid] = (len(latest.tokens), len(latest.step_s))
        out.append((rid, record, update, None if error is None else str(error)))
        if request.done and request.updates.empty():
            del requests[rid], sent[rid]
    return out


# --- the web server's side ------------------------------------------------------------------------


class EngineClient(Scheduler):
    """The scheduler's interface, its batch stepped in another process (``engine_main``). ``waiting``
    and ``rows`` mirror the child's queue and batch (requests here), ``requests`` and ``steps`` its
    records, so the Serving view, fairness and queue limits read them as they read a ``Scheduler``."""

    def __init__(self, runner, model_name: str, max_batch: int = config.MAX_BATCH):
        super().__init__(runner, max_batch)
        self.model_name = model_name
        self._process = None
        self._conn = None
        self._send_lock = threading.Lock()
        self._reader: threading.Thread | None = None
        self._remote: dict[int, Request] = {}
        self._tokens: dict[int, tuple] = {}
        self._step_s: dict[int, tuple] = {}
        self._paused = threading.Event()
        self._rid = itertools.count(1)
        self.packed_layers = 0  # the engine's linear layers computing through oneDNN (serving/onednn.py)

    # --- life -----------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None and self._reader is not None

    def start(self) -> EngineClient:
        """Start the engine (``python -m playground.serving.engine_main``, the pipe's other end
        passed as a file descriptor) and wait until it has loaded the model. A fresh interpreter,
        not a fork (that would copy the server's threads) nor multiprocessing's spawn (that would
        import the caller's main script again)."""
        ours, theirs = socket.socketpair()
        command = [
            sys.executable, "-m", "playground.serving.engine_main", str(theirs.fileno()), self.model_name,
            str(self.max_batch), str(config.scheduler_threads()),
        ]  # fmt: skip
        root = str(Path(__file__).resolve().parents[2])
        env = os.environ | {"PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
        self._process = subprocess.Popen(command, pass_fds=[theirs.fileno()], env=env, cwd=root)
        theirs.close()
        self._conn = Connection(ours.detach())
        if not self._conn.poll(READY_TIMEOUT_S):
            self._process.kill()
            raise RuntimeError("the engine process did not load the model in time")
        try:
            _, _, self.packed_layers = self._conn.recv()  # ("ready", name, linear layers packed)
        except EOFError:
            raise RuntimeError(
                f"the engine process ended while loading (exit code {self._process.wait()})"
            ) from None
        self._reader = threading.Thread(target=self._read, name="engine-reader", daemon=True)
        self._reader.start()
        return self

    def stop(self) -> None:
        if self._process is None:
            return
        with contextlib.suppress(OSError):
            self._send(("stop",))
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._conn.close()
        if self._reader is not None:
            self._reader.join(timeout=10)
        self._process = self._reader = None
        self._fail_all(RuntimeError("the scheduler stopped"))

    def _send(self, message: tuple) -> None:
        with self._send_lock:
            self._conn.send(message)

    # --- the client side ------------------------------------------------------------------------

    def submit(self, prompt_ids: list[int], params: GenerationParams, session: str = "") -> Request:
        """Checked here (a bad setting is the caller's error at once), queued in the engine."""
        params = params.validate()
        check_prefix(params.prefix_ids, self.runner.vocab_size)
        rid = next(self._rid)
        now = time.perf_counter()
        record = RequestRecord(rid, session, len(prompt_ids), submitted=now)
        request = Request(record, decoder=None, last_token_at=now)
        with self._wake:
            self.requests.append(record)
            self.waiting.append(request)
            self._remote[rid] = request
            self._tokens[rid], self._step_s[rid] = (), ()
        self._send(("submit", rid, list(prompt_ids), params, session))
        return request

    def cancel(self, request: Request) -> None:
        if request.cancelled or request.done:
            request.cancelled = True
            return
        request.cancelled = True
        with contextlib.suppress(OSError, BrokenPipeError, AttributeError):
            self._send(("cancel", request.record.id))

    def stop_session(self, session: str) -> None:
        now = time.perf_counter()
        with self._wake:
            self._stops = {s: t for s, t in self._stops.items() if now - t < config.SESSION_TTL_S}
            self._stops[session] = now
        self._send(("stop_session", session))

    @contextlib.contextmanager
    def pause(self) -> Iterator[None]:
        """The batch off the model for a block (a timing lesson): the engine finishes its step first."""
        self._paused.clear()
        self._send(("pause",))
        self._paused.wait(timeout=READY_TIMEOUT_S)
        try:
            yield
        finally:
            self._send(("resume",))

    # --- what the engine says -------------------------------------------------------------------

    def _read(self) -> None:
        try:
            while True:
                try:
                    message = self._conn.recv()
                except (EOFError, OSError):
                    self._fail_all(RuntimeError("the engine process ended"))
                    return
                if message[0] == "paused":
                    self._paused.set()
                elif message[0] == "step":
                    _, updates, step = message
                    self._apply(updates, step)
        except Exception as error:  # a bug here must not leave every learner waiting
            logger.exception("the engine's messages could not be read")
            self._fail_all(RuntimeError(f"the engine's messages could not be read: {error}"))
            with contextlib.suppress(OSError):
                self._send(("stop",))

    def _apply(self, updates: list, step) -> None:
        if step is not None:
            with self._wake:
                self.steps.append(step)
        for rid, record, update, error in updates:
            request = self._remote.get(rid)
            if request is None:
                continue
            for name, value in record.items():
                setattr(request.record, name, value)
            with self._wake:
                if request.record.admitted is not None and request in self.waiting:
                    self.waiting.remove(request)
                    self.rows.append(request)
                if request.done:
                    if request in self.waiting:
                        self.waiting.remove(request)
                    if request in self.rows:
                        self.rows.remove(request)
            if update is not None:
                self._tokens[rid] += update.new_tokens
                self._step_s[rid] += update.new_step_s
                state = GenerationState(
                    self._tokens[rid], update.text, update.stop_reason, update.ttft_s, self._step_s[rid],
                    update.cached_tokens,
                )  # fmt: skip
                request.last_token_at = time.perf_counter()
                request.updates.put(state)
            if error is not None:
                request.updates.put(RuntimeError(error))
            if request.done:
                self._remote.pop(rid, None)
                self._tokens.pop(rid, None)
                self._step_s.pop(rid, None)
            if (update is not None or error is not None) and request.notify is not None:
                request.notify()

    def _fail_all(self, error: Exception) -> None:
        """Every request still held fails (each is in ``waiting`` or ``rows``: the Scheduler's own)."""
        with self._wake:
            self._remote.clear()
            self._tokens.clear()
            self._step_s.clear()
        super()._fail_all(error)

    # --- not here: the engine steps -------------------------------------------------------------

    def step(self) -> bool:
        raise RuntimeError("the engine process steps this scheduler")
