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
for a while (``PrefixCache``, bounded in bytes, per session). A fork (a request with
``prefix_ids``: the prompt, the tokens before the fork point, the token forced there) starts
from the longest of its session's kept rows that its tokens begin with, and feeds only the rest:
the same trick serving engines use for shared prefixes (vLLM's automatic prefix caching,
``vllm/v1/core/kv_cache_manager.py``, ``get_computed_blocks``; SGLang's radix cache).

The model lock is taken one step at a time and in the background (``ModelRunner.hold``), so other
tabs' short forwards run between steps, and a timing lesson (``ModelRunner.alone``) pauses the
batch while it measures.
"""

from __future__ import annotations

import itertools
import math
import queue
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field, replace

import torch
import torch.nn.functional as F

from playground import config
from playground.errors import UserError
from playground.generation import Decoder, GenerationParams, GenerationState, generate_stream
from playground.sampling import SamplingParams


class ServingError(UserError):
    """A request the user can fix; the message says how."""


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


class PrefixCache:
    """Finished generations' KV-cache rows, so that a fork continues from one instead of
    prefilling its prompt and shared tokens again.

    An entry is one sequence's keys and values for every layer, (1, kv_heads, length, head_dim)
    each, stored under its session and the token ids they were computed for. At most
    ``per_session`` entries per session and ``max_bytes`` in all are kept, the least recently
    used going first. Only the scheduler's thread uses it.
    """

    def __init__(
        self, max_bytes: int = config.PREFIX_CACHE_BYTES, per_session: int = config.PREFIX_CACHE_PER_SESSION
    ):
        self.max_bytes, self.per_session = max_bytes, per_session
        self.entries: OrderedDict[tuple[str, tuple[int, ...]], list[tuple[torch.Tensor, torch.Tensor]]]
        self.entries = OrderedDict()  # least recently used first
        self.bytes = 0

    @staticmethod
    def size(layers) -> int:
        return sum(t.numel() * t.element_size() for pair in layers for t in pair)

    def put(
        self, session: str, ids: tuple[int, ...], layers: list[tuple[torch.Tensor, torch.Tensor]]
    ) -> None:
        key, size = (session, ids), self.size(layers)
        if key in self.entries:
            self._drop(key)
        if size > self.max_bytes:
            return
        self.entries[key] = layers
        self.bytes += size
        own = [k for k in self.entries if k[0] == session]
        for old in own[: max(0, len(own) - self.per_session)]:
            self._drop(old)
        while self.bytes > self.max_bytes:
            self._drop(next(iter(self.entries)))

    def find(
        self, session: str, ids: list[int]
    ) -> tuple[int, list[tuple[torch.Tensor, torch.Tensor]] | None]:
        """The longest run of ``ids`` (all but the last, which must be fed to get logits) that an
        entry of ``session`` begins with: (its length, the entry), or (0, None)."""
        best, best_key = 0, None
        for key in self.entries:
            if key[0] != session:
                continue
            cached = key[1]
            n = min(len(cached), len(ids) - 1)
            common = next((i for i in range(n) if cached[i] != ids[i]), n)
            if common > best:
                best, best_key = common, key
        if best_key is None:
            return 0, None
        self.entries.move_to_end(best_key)
        return best, self.entries[best_key]

    def _drop(self, key) -> None:
        self.bytes -= self.size(self.entries.pop(key))


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

    def _finish(self, request: Request, outcome: str) -> None:
        request.record.outcome = outcome
        request.record.finished = time.perf_counter()

    # --- the thread -----------------------------------------------------------------------------

    def start(self) -> Scheduler:
        self._thread = threading.Thread(target=self._run, name="serving-scheduler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Finish the thread (tests, shutdown); requests still queued or running get an error."""
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join()
        self._fail_all(RuntimeError("the scheduler stopped"))

    def _run(self) -> None:
        # Thread-local (an OpenMP setting of this thread): the web server keeps the other cores.
        torch.set_num_threads(config.scheduler_threads())
        while True:
            with self._wake:
                while not (self._stopping or self.waiting or self.rows):
                    self._wake.wait()
                if self._stopping:
                    return
            try:
                self.step()
            except Exception as error:  # a failed step fails its requests, not the server
                self._fail_all(error)

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


def scheduler_for(runner) -> Scheduler:
    """The runner's one scheduler, started on first use."""
    with runner.lock:
        if runner.scheduler is None:
            runner.scheduler = Scheduler(runner).start()
        return runner.scheduler


def check_no_cache_budget(prompt_ids: list[int], params: GenerationParams) -> None:
    """Without the KV cache every step re-runs the whole sequence: its cost grows as prompt x new
    tokens, so that product is capped (the cache exists exactly to avoid this)."""
    cost = len(prompt_ids) * params.max_new_tokens
    if cost > config.MAX_NO_CACHE_COST:
        raise ServingError(
            "serving.error.no_cache_budget",
            prompt=len(prompt_ids),
            new=params.max_new_tokens,
            cost=cost,
            limit=config.MAX_NO_CACHE_COST,
        )


def generation_stream(
    runner, prompt_ids: list[int], params: GenerationParams, session: str = ""
) -> Iterator[GenerationState | None]:
    """Every generation of the app: through the shared batch (with the KV cache), or, without the
    cache (the teaching contrast), alone in the caller's thread, one forward at a time between
    the batch's steps. Yields None while waiting (see ``Scheduler.stream``)."""
    params.validate()
    if not params.use_cache:
        check_no_cache_budget(prompt_ids, params)
        started, scheduler = time.perf_counter(), scheduler_for(runner)
        for state in generate_stream(runner, prompt_ids, params):
            if not state.stop_reason and scheduler.stopped_since(session, started):
                yield replace(state, stop_reason="stopped")
                return
            yield state
        return
    scheduler = scheduler_for(runner)
    yield from scheduler.stream(scheduler.submit(prompt_ids, params, session))


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
    """Run one generation to the end through the scheduler."""
    states = (s for s in generation_stream(runner, prompt_ids, params, session) if s is not None)
    return deque(states, maxlen=1)[0]


class Deadline:
    """A budget for one long request (beam search, the context sweep): ``check()`` between steps
    raises a sentence once ``limit_s`` has passed."""

    def __init__(self, key: str, limit_s: float | None = None):
        self.key = key
        self.limit_s = config.MODEL_DEADLINE_S if limit_s is None else limit_s
        self.start = time.perf_counter()

    def check(self) -> None:
        if time.perf_counter() - self.start > self.limit_s:
            raise ServingError(self.key, limit=self.limit_s)


# --- simulate a class ---------------------------------------------------------------------------


def synthetic_prompts(runner, n: int, prompt_tokens: int) -> list[list[int]]:
    """``n`` different natural-text prompts of ``prompt_tokens`` tokens (the filler shifted)."""
    from playground.cost import prompt_of_length

    base = prompt_of_length(runner, prompt_tokens + n)
    return [base[i : i + prompt_tokens] for i in range(n)]


def check_simulation(n: int, prompt_tokens: int, new_tokens: int) -> tuple[int, int, int]:
    if not 1 <= int(n) <= config.MAX_SIMULATED_REQUESTS:
        raise ServingError("serving.error.simulate_requests", limit=config.MAX_SIMULATED_REQUESTS)
    if not 1 <= int(prompt_tokens) <= config.MAX_SIMULATED_PROMPT_TOKENS:
        raise ServingError("serving.error.simulate_prompt_tokens", limit=config.MAX_SIMULATED_PROMPT_TOKENS)
    if not 1 <= int(new_tokens) <= config.MAX_SIMULATED_NEW_TOKENS:
        raise ServingError("serving.error.simulate_new_tokens", limit=config.MAX_SIMULATED_NEW_TOKENS)
    return int(n), int(prompt_tokens), int(new_tokens)


def _run_simulation(runner, prompts: list[list[int]], params: GenerationParams, batched: bool) -> dict:
    """Every prompt arrives at t = 0; a private scheduler serves them one at a time, or all
    continuously batched. Its steps take the model one at a time like the live one's."""
    scheduler = Scheduler(runner, max_batch=len(prompts) if batched else 1)
    start = time.perf_counter()
    requests = [scheduler.submit(p, params) for p in prompts]
    for request in requests:
        request.record.submitted = start
    while scheduler.step():
        pass
    total_s = time.perf_counter() - start
    records = [r.record for r in requests]
    tokens = sum(r.new_tokens for r in records)
    ttft = [r.first_token - r.submitted for r in records]
    tpot = [(r.finished - r.first_token) / (r.new_tokens - 1) for r in records if r.new_tokens > 1]
    return {
        "batched": batched,
        "requests": [
            {
                "id": i + 1,
                "submitted": 0.0,
                "admitted": r.admitted - start,
                "first_token": r.first_token - start,
                "finished": r.finished - start,
                "new_tokens": r.new_tokens,
            }
            for i, r in enumerate(records)
        ],
        "steps": [
            {"start": s.start - start, "batch": s.batch, "decode_ms": s.decode_s * 1000}
            for s in scheduler.steps
        ],
        "ttft_s": sum(ttft) / len(ttft),
        "tpot_s": sum(tpot) / len(tpot) if tpot else 0.0,
        "total_s": total_s,
        "tokens": tokens,
        "tokens_per_s": tokens / total_s if total_s else 0.0,
    }


def simulate_class(runner, n: int, prompt_tokens: int, new_tokens: int) -> dict:
    """N synthetic greedy requests of ``new_tokens`` each (EOS suppressed, so every one is the same
    work), served one at a time and then continuously batched. TTFT and TPOT are means over the
    requests (TPOT: time per output token after the first); throughput = all tokens / total time."""
    n, prompt_tokens, new_tokens = check_simulation(n, prompt_tokens, new_tokens)
    params = GenerationParams(
        sampling=SamplingParams(temperature=0.0), max_new_tokens=new_tokens, min_new_tokens=new_tokens
    )
    prompts = synthetic_prompts(runner, n, prompt_tokens)
    alone = _run_simulation(runner, prompts, params, batched=False)
    batched = _run_simulation(runner, prompts, params, batched=True)
    return {"n": n, "prompt_tokens": prompt_tokens, "new_tokens": new_tokens, "runs": [alone, batched]}


# --- series for the Serving view (plain data; playground/charts.py draws them) ------------------


def timeline_rows(requests: list[dict], now: float = 0.0) -> list[dict]:
    """Each request's phases as (phase, start, end): waiting (queued), prefill (until its first
    token), decoding (until it finished, or ``now`` while it runs). Unfinished phases end at now."""
    rows = []
    for r in requests:
        marks = [r["submitted"], r["admitted"], r["first_token"], r["finished"]]
        phases = []
        for phase, start, end in zip(("waiting", "prefill", "decoding"), marks, marks[1:], strict=False):
            if start is None:
                break
            phases.append({"phase": phase, "start": start, "end": now if end is None else end})
        rows.append(
            {"id": r["id"], "own": r.get("own", False), "outcome": r.get("outcome"), "phases": phases}
        )
    return rows


def throughput_bins(steps: list[dict], bin_s: float = 2.0) -> list[dict]:
    """Tokens/s in bins of ``bin_s``: the server's total (every row's token, first tokens included),
    and one request's (each running request gets one token per decode step)."""
    bins: dict[int, dict] = {}
    for s in steps:
        b = bins.setdefault(int(s["start"] // bin_s), {"tokens": 0, "steps": 0})
        b["tokens"] += s["batch"] + s.get("prefill_rows", 0)
        b["steps"] += 1 if s["batch"] else 0
    return [
        {
            "time": (index + 0.5) * bin_s,
            "total_tokens_per_s": b["tokens"] / bin_s,
            "request_tokens_per_s": b["steps"] / bin_s,
        }
        for index, b in sorted(bins.items())
    ]
