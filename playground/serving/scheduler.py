"""Continuous batching: one scheduler runs the model's decode loop for every learner at once.

A server that runs one request at a time leaves the machine mostly idle: a decode step for one
sequence reads every weight of the model to produce one token, and a step for 30 sequences reads
the same weights once to produce 30. So the scheduler keeps one *running batch* and, at every
step (iteration-level scheduling, "continuous batching", as TGI and vLLM do):

1. drops the rows that finished or were cancelled (their KV-cache rows go with them);
2. admits waiting requests: their prompts are prefilled together (padded on the left, with an
   attention mask), and their rows join the batch;
3. runs ONE forward pass that feeds every row its last token;
4. lets each request choose its next token with its own settings (``generation.Decoder``: its
   sampling chain, its seeded generator, its stop rules and limits).

New requests never wait for the batch to finish, and a finished row never waits for the others.

Padding. Rows have different lengths, so shorter ones are padded on the left: the attention mask
(0 on padding) keeps every row from attending to another row's padding, and position ids count
each row's real tokens only, so a row computes what it would alone (up to float rounding; the
tests compare greedy answers with ``model.generate``). transformers' own continuous-batching
manager (``transformers/generation/continuous_batching``) packs rows into one sequence with a
paged cache instead; it was tried here and does not fit (see the README).

Prefix caching. A finished generation's keys and values (one row of the batch's cache) are kept
for a while (``PrefixCache``, ``playground/serving/prefix_cache.py``), and a fork starts from them.

The model lock is taken one step at a time and in the background (``ModelRunner.hold``), so other
tabs' short forwards run between steps, and a timing lesson (``ModelRunner.alone``) pauses the
batch while it measures. The scheduler is owned and started by the ``ModelService``
(``playground/serving/service.py``).
"""

from __future__ import annotations

import itertools
import math
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from playground import config
from playground.generation import Decoder, GenerationParams, GenerationState
from playground.serving.prefix_cache import PrefixCache


@dataclass
class RequestRecord:
    """What the Serving view shows of one request: its times (perf_counter seconds), no content."""

    id: int
    session: str  # who asked (Gradio's session hash); compared, never shown
    prompt_tokens: int
    submitted: float
    admitted: float | None = None  # its prefill started
    first_token: float | None = None
    finished: float | None = None
    new_tokens: int = 0
    cached_tokens: int = 0  # prompt tokens whose keys and values were reused (a fork), not prefilled
    outcome: str | None = None  # "eos" | "stop" | "length" | "stopped" | "cancelled" | "error"


@dataclass(frozen=True)
class StepRecord:
    start: float
    batch: int  # rows decoded in this step's forward pass
    decode_s: float
    prefill_rows: int  # requests admitted in this step
    prefill_tokens: int  # padded prompt tokens prefilled (rows x longest prompt)
    prefill_s: float


@dataclass
class Request:
    """One generation in the scheduler: its decoder, and the states it sends its handler."""

    record: RequestRecord
    decoder: Decoder
    updates: queue.Queue = field(default_factory=queue.Queue)  # GenerationState or an exception
    cancelled: bool = False
    stopping: bool = False  # the page's Stop: it ends at the next step with what it has, "stopped"
    last_token_at: float = 0.0
    # Called from the scheduler's thread after each update (an asyncio server wakes its handler
    # with it instead of a thread polling ``updates``).
    notify: Callable[[], None] | None = None

    @property
    def done(self) -> bool:
        return self.record.outcome is not None


class Scheduler:
    """The running batch and the queue in front of it; ``step()`` is one iteration."""

    def __init__(self, runner, max_batch: int = config.MAX_BATCH):
        self.runner = runner
        self.max_batch = max_batch
        self.waiting: deque[Request] = deque()
        self.rows: list[Request] = []  # the running batch: row i of the cache is rows[i]
        self.cache = None  # DynamicCache, keys and values (rows, kv_heads, length, head_dim) per layer
        self.mask: torch.Tensor | None = None  # (rows, length): 1 for a real token, 0 for padding
        self.requests: deque[RequestRecord] = deque(maxlen=config.SERVING_REQUESTS_KEPT)
        self.steps: deque[StepRecord] = deque(maxlen=config.SERVING_STEPS_KEPT)
        self.prefix_cache = PrefixCache()
        self._ids = itertools.count(1)
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._stops: dict[str, float] = {}  # session -> when its page last pressed Stop

    # --- the client side ------------------------------------------------------------------------

    def submit(self, prompt_ids: list[int], params: GenerationParams, session: str = "") -> Request:
        """Queue a generation; it joins the batch at the next step. Settings are checked here."""
        decoder = Decoder(self.runner, prompt_ids, params)
        now = time.perf_counter()
        record = RequestRecord(next(self._ids), session, len(prompt_ids), submitted=now)
        request = Request(record, decoder, last_token_at=now)
        with self._wake:
            self.requests.append(record)
            self.waiting.append(request)
            self._wake.notify_all()
        return request

    def cancel(self, request: Request) -> None:
        """The client went away: the row leaves the batch at the next step (a no-op once done)."""
        request.cancelled = True
        with self._wake:
            self._wake.notify_all()

    def stop_session(self, session: str) -> None:
        """The page's Stop: the session's generations end at the next step with the tokens made so
        far and stop reason "stopped"; their streams end normally (a cancel ends them unseen)."""
        now = time.perf_counter()
        with self._wake:
            self._stops = {s: t for s, t in self._stops.items() if now - t < config.SESSION_TTL_S}
            self._stops[session] = now
            for request in [*self.waiting, *self.rows]:
                if request.record.session == session:
                    request.stopping = True
            self._wake.notify_all()

    def stopped_since(self, session: str, since: float) -> bool:
        """Whether the session's page pressed Stop after ``since`` (a generation outside the batch)."""
        return bool(session) and self._stops.get(session, -math.inf) > since

    def stream(self, request: Request) -> Iterator[GenerationState | None]:
        """The request's states as they come (only the newest when several are waiting: each holds
        every token so far). Yields None at once, and every heartbeat while nothing comes: Gradio
        can only close a handler (Stop, a closed tab, a cancelled job) between two yields, and
        only once it has yielded once. Closing cancels."""
        try:
            yield None
            while True:
                try:
                    item = request.updates.get(timeout=config.SERVING_HEARTBEAT_S)
                except queue.Empty:
                    yield None
                    continue
                while not isinstance(item, BaseException) and not request.updates.empty():
                    item = request.updates.get_nowait()
                if isinstance(item, BaseException):
                    raise item
                yield item
                if item.stop_reason:
                    return
        finally:
            self.cancel(request)

    # --- one step -------------------------------------------------------------------------------

    def step(self) -> bool:
        """Leave, admit, one forward pass for every row, each row chooses. False when idle."""
        start = time.perf_counter()
        self._drop_done()
        admitted = self._admit()
        hits = {
            id(r): hit
            for r in admitted
            if r.decoder.prefix and (hit := self.prefix_cache.find(r.record.session, r.decoder.ids))[1]
        }
        group = [r for r in admitted if id(r) not in hits]
        lengths = [len(r.decoder.ids) for r in group]  # before prefill adds each first token
        fed = sum(len(r.decoder.ids) - hits[id(r)][0] for r in admitted if id(r) in hits)
        chunks = prefill_chunks(lengths)
        prefill_s = sum(self._prefill([group[i] for i in chunk]) for chunk in chunks)
        for request in admitted:
            if id(request) in hits:
                prefill_s += self._prefill_from_cache(request, *hits[id(request)])
        self._drop_done()
        decode_s = self._decode() if self.rows else 0.0
        if admitted or decode_s:
            self.steps.append(
                StepRecord(
                    start=start,
                    batch=len(self.rows) if decode_s else 0,
                    decode_s=decode_s,
                    prefill_rows=len(admitted),
                    prefill_tokens=sum(len(chunk) * max(lengths[i] for i in chunk) for chunk in chunks) + fed,
                    prefill_s=prefill_s,
                )
            )
        return bool(admitted or self.rows)

    def _admit(self) -> list[Request]:
        """Waiting requests, first come first served, while the batch and the prefill budget allow
        (at least one: a long prompt is never starved)."""
        group: list[Request] = []
        with self._wake:
            for request in [r for r in self.waiting if r.cancelled]:  # gone before their turn
                self.waiting.remove(request)
                self._finish(request, "cancelled")
            for request in [r for r in self.waiting if r.stopping]:  # stopped before their turn
                self.waiting.remove(request)
                self._stop(request)
            while self.waiting and len(self.rows) + len(group) < self.max_batch:
                request = self.waiting[0]
                longest = max(r.record.prompt_tokens for r in [*group, request])
                if group and longest * (len(group) + 1) > config.PREFILL_TOKENS_PER_STEP:
                    break
                group.append(self.waiting.popleft())
        return group

    def _prefill(self, group: list[Request]) -> float:
        """Prompts of similar length in one forward pass, padded on the left; each chooses its
        first token; their cache rows join the batch."""
        length = max(len(r.decoder.ids) for r in group)
        input_ids = torch.zeros((len(group), length), dtype=torch.long)
        mask = torch.zeros((len(group), length), dtype=torch.long)
        for i, request in enumerate(group):
            ids = request.decoder.ids
            input_ids[i, length - len(ids) :] = torch.as_tensor(ids)
            mask[i, length - len(ids) :] = 1
            request.record.admitted = time.perf_counter()
        positions = (mask.cumsum(-1) - 1).clamp(min=0)  # each row counts its own tokens from 0
        step = self.runner.batch_step(input_ids, mask, positions, self.runner.new_cache())
        self._merge(group, step.cache, mask)
        for i, request in enumerate(group):
            self._publish(request, request.decoder.choose(step.logits[i], request.record.submitted))
        return step.seconds

    def _prefill_from_cache(self, request: Request, length: int, layers) -> float:
        """A fork: the first ``length`` tokens' keys and values are an earlier generation's; only
        the rest (at least the forced token) goes through the model, then the row joins the batch."""
        ids = request.decoder.ids
        request.record.admitted = time.perf_counter()
        request.record.cached_tokens = request.decoder.cached_tokens = length
        cache = self.runner.new_cache()
        for index, (keys, values) in enumerate(layers):
            cache.update(keys[:, :, :length], values[:, :, :length], index)
        mask = torch.ones((1, len(ids)), dtype=torch.long)
        positions = torch.arange(length, len(ids)).unsqueeze(0)
        step = self.runner.batch_step(torch.tensor([ids[length:]]), mask, positions, cache)
        self._merge([request], step.cache, mask)
        self._publish(request, request.decoder.choose(step.logits[0], request.record.submitted))
        return step.seconds

    def _keep_prefix(self, index: int) -> None:
        """Keep row ``index``'s keys and values (its real columns) for a later fork."""
        request = self.rows[index]
        if not request.record.session:
            return
        fed = len(request.decoder.ids) - 1  # the last chosen token was never fed
        real = int(self.mask[index].sum())  # a row's real columns are its last ones (left padding)
        if real != fed:
            return
        layers = [
            (
                layer.keys[index : index + 1, :, -real:].clone(),
                layer.values[index : index + 1, :, -real:].clone(),
            )
            for layer in self.cache.layers
        ]
        self.prefix_cache.put(request.record.session, tuple(request.decoder.ids[:fed]), layers)

    def _merge(self, group: list[Request], cache, mask: torch.Tensor) -> None:
        """Append the group's cache rows to the batch's, padding the shorter side on the left."""
        if not self.rows:
            self.rows, self.cache, self.mask = list(group), cache, mask
            return
        length = max(self.mask.shape[1], mask.shape[1])

        def pad(t: torch.Tensor, dim: int) -> torch.Tensor:
            missing = length - t.shape[dim]
            if not missing:
                return t
            widths = [0, 0] * (t.dim() - 1 - dim) + [missing, 0]  # F.pad lists the last dim first
            return F.pad(t, widths)

        for old, new in zip(self.cache.layers, cache.layers, strict=True):
            old.keys = torch.cat([pad(old.keys, 2), pad(new.keys, 2)])
            old.values = torch.cat([pad(old.values, 2), pad(new.values, 2)])
        self.mask = torch.cat([pad(self.mask, 1), pad(mask, 1)])
        self.rows += group

    def _decode(self) -> float:
        """One forward pass feeding every row its last token; each row chooses its next."""
        tokens = torch.as_tensor([[r.decoder.new_ids[-1]] for r in self.rows], dtype=torch.long)
        positions = self.mask.sum(-1, keepdim=True)  # the new token's position: real tokens before it
        self.mask = torch.cat([self.mask, self.mask.new_ones((len(self.rows), 1))], dim=1)
        step = self.runner.batch_step(tokens, self.mask, positions, self.cache)
        for i, request in enumerate(self.rows):
            self._publish(request, request.decoder.choose(step.logits[i], request.last_token_at))
        return step.seconds

    def _drop_done(self) -> None:
        """Finished and cancelled rows leave the batch; columns that are padding in every remaining
        row go too, so the cache never outgrows the longest live sequence."""
        for request in self.rows:
            if request.cancelled and not request.done:
                self._finish(request, "cancelled")
            elif request.stopping and not request.done:
                self._stop(request)
        keep = [i for i, r in enumerate(self.rows) if not r.done]
        if len(keep) == len(self.rows):
            return
        for index, request in enumerate(self.rows):
            if request.done and request.record.outcome in ("eos", "stop", "length", "stopped"):
                self._keep_prefix(index)
        if not keep:
            self.rows, self.cache, self.mask = [], None, None
            return
        index = torch.as_tensor(keep)
        self.rows = [self.rows[i] for i in keep]
        self.cache.batch_select_indices(index)
        self.mask = self.mask[index]
        first = int((self.mask.sum(0) > 0).int().argmax())  # first column any row still reads
        if first:
            self.mask = self.mask[:, first:]
            for layer in self.cache.layers:
                layer.keys, layer.values = layer.keys[:, :, first:], layer.values[:, :, first:]

    def _publish(self, request: Request, state: GenerationState) -> None:
        now = time.perf_counter()
        request.last_token_at = now
        request.record.new_tokens = len(state.tokens)
        if request.record.first_token is None:
            request.record.first_token = now
        request.updates.put(state)
        if state.stop_reason:
            self._finish(request, state.stop_reason)
        if request.notify is not None:
            request.notify()

    def _stop(self, request: Request) -> None:
        """End the request where it is: its last state says "stopped", with the tokens and timings so far."""
        request.decoder.stop_reason = "stopped"
        request.updates.put(request.decoder.state())
        self._finish(request, "stopped")
        if request.notify is not None:
            request.notify()

    def _finish(self, request: Request, outcome: str) -> None:
        request.record.outcome = outcome
        request.record.finished = time.perf_counter()

    # --- the thread -----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether its thread is stepping it (see ``ModelService``)."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> Scheduler:
        with self._wake:
            self._stopping = False
        self._thread = threading.Thread(target=self._run, name="serving-scheduler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Finish the thread (shutdown, tests); requests still queued or running get an error."""
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._fail_all(RuntimeError("the scheduler stopped"))

    def run_step(self) -> bool:
        """``step()``, where a failed step fails its requests, not the caller: the thread's loop, or
        a caller stepping a scheduler that no thread runs."""
        try:
            return self.step()
        except Exception as error:
            self._fail_all(error)
            return False

    def _run(self) -> None:
        # Thread-local (an OpenMP setting of this thread): the web server keeps the other cores.
        torch.set_num_threads(config.scheduler_threads())
        while True:
            with self._wake:
                while not (self._stopping or self.waiting or self.rows):
                    self._wake.wait()
                if self._stopping:
                    return
            self.run_step()

    def _fail_all(self, error: Exception) -> None:
        with self._wake:
            failed = [*self.rows, *self.waiting]
            self.rows, self.cache, self.mask = [], None, None
            self.waiting.clear()
        for request in failed:
            if not request.done:
                self._finish(request, "error")
                request.updates.put(error)
                if request.notify is not None:
                    request.notify()

    # --- what the Serving view shows ------------------------------------------------------------

    def traffic(self, session: str = "", window_s: float = config.SERVING_WINDOW_S) -> dict:
        """Recent requests and steps, times in seconds relative to now (negative: in the past).
        Requests are anonymised: a number, and whether it is the asking session's own."""
        now = time.perf_counter()
        since = now - window_s

        def ago(t: float | None) -> float | None:
            return None if t is None else round(t - now, 4)

        requests = [
            {
                "id": r.id,
                "own": bool(session) and r.session == session,
                "prompt_tokens": r.prompt_tokens,
                "new_tokens": r.new_tokens,
                "submitted": ago(r.submitted),
                "admitted": ago(r.admitted),
                "first_token": ago(r.first_token),
                "finished": ago(r.finished),
                "cached_tokens": r.cached_tokens,
                "outcome": r.outcome,
            }
            for r in list(self.requests)
            if r.finished is None or r.finished >= since
        ]
        steps = [
            {
                "start": ago(s.start),
                "batch": s.batch,
                "decode_ms": s.decode_s * 1000,
                "prefill_rows": s.prefill_rows,
                "prefill_ms": s.prefill_s * 1000,
            }
            for s in list(self.steps)
            if s.start >= since
        ]
        with self._wake:
            running, waiting = len(self.rows), len(self.waiting)
        return {"requests": requests, "steps": steps, "running": running, "waiting": waiting}


def prefill_chunks(lengths: list[int], overhead: int = config.PREFILL_PASS_TOKENS) -> list[list[int]]:
    """Split prompts admitted together into forward passes of similar lengths: the indices of
    ``lengths``, one list per pass.

    One pass pads every prompt to the longest, and padding costs as much as real tokens: thirty
    prompts of 7 to 39 tokens padded to 39 spend 40% of the pass on padding. Each extra pass costs
    about ``overhead`` tokens' worth (the weights are read once more). Sorted by length, the split
    that minimises (rows x longest + overhead) summed over passes is found exactly (dynamic
    programming over the cut points: a best split of sorted lengths cuts them into runs).
    """
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    n = len(order)
    best = [0.0] + [math.inf] * n  # best[j]: cheapest way to prefill the j shortest
    cut = [0] * (n + 1)
    for j in range(1, n + 1):
        longest = lengths[order[j - 1]]  # sorted: the j-th shortest is the longest of any run ending at j
        for i in range(j):
            cost = best[i] + (j - i) * longest + overhead
            if cost < best[j]:
                best[j], cut[j] = cost, i
    chunks = []
    while n:
        chunks.append(order[cut[n] : n])
        n = cut[n]
    return chunks[::-1]
