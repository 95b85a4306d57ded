"""The OpenAI-compatible API at ``/v1``, served by the same scheduler as the pages.

``GET /v1/models``, ``POST /v1/completions`` (``prompt``: text or token ids) and
``POST /v1/chat/completions`` (``messages``, through the model's chat template), streamed with
``stream: true`` as server-sent events (``data: {...}`` chunks, then ``data: [DONE]``).

Requests are pydantic models with OpenAI's fields, vLLM's extra sampling fields (``top_k``,
``min_p``, ``repetition_penalty``, ``min_tokens``, ``ignore_eos``) and ours (``engine``: whose chain
samples, as in /generate). Answers are built with the ``openai`` package's own types, so their shape
is OpenAI's. Every request becomes scheduler requests (one per choice, ``n``): they share the batch
with the pages' generations, appear in the Serving view, and are admitted by the same limits
(per client address here, as per session for a page). A bad request gets OpenAI's error shape,
``{"error": {"message", "type", "param", "code"}}``, with a sentence that says what to change.

Seeds: choice i uses ``seed + i``; without a seed each choice gets a random one (OpenAI's default),
so the same knobs and seed give the same tokens as /generate. ``logprobs`` are the model's own
(log-softmax of its raw logits: vLLM's default ``raw_logprobs``), whatever the sampling chain.
``ignore_eos`` keeps the end-of-sequence token from ending a choice (it is never chosen, as with
``min_tokens``).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Literal

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from openai.types import Completion, CompletionChoice, CompletionUsage
from openai.types.chat import ChatCompletion, ChatCompletionChunk, ChatCompletionMessage
from openai.types.chat.chat_completion import Choice as ChatChoice
from openai.types.chat.chat_completion import ChoiceLogprobs
from openai.types.chat.chat_completion_chunk import Choice as ChunkChoice
from openai.types.chat.chat_completion_chunk import ChoiceDelta
from openai.types.chat.chat_completion_token_logprob import ChatCompletionTokenLogprob, TopLogprob
from openai.types.completion_choice import Logprobs
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from playground import config, sampling, serving
from playground.errors import UserError
from playground.generation import GenerationParams, GenerationState
from playground.sampling import SamplingParams

FINISH = {"eos": "stop", "stop": "stop", "length": "length"}


class OpenAIError(Exception):
    """A request refused in OpenAI's shape: HTTP ``status``, ``message``, ``type``, ``param``, ``code``."""

    def __init__(self, status: int, message: str, param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.param, self.code = status, message, param, code

    @property
    def type(self) -> str:
        return {404: "not_found_error", 413: "invalid_request_error", 429: "rate_limit_error"}.get(
            self.status, "invalid_request_error"
        )

    def response(self) -> JSONResponse:
        body = {"message": self.message, "type": self.type, "param": self.param, "code": self.code}
        return JSONResponse({"error": body}, status_code=self.status)


# --- requests --------------------------------------------------------------------------------------


class StreamOptions(BaseModel):
    include_usage: bool = False


class SamplingFields(BaseModel):
    """The fields every generation request shares (OpenAI's, vLLM's extra ones, ours)."""

    model_config = ConfigDict(extra="ignore")

    model: str
    max_tokens: int | None = Field(None, ge=1)
    temperature: float = 1.0
    top_p: float = 1.0
    seed: int | None = Field(None, ge=0, le=config.MAX_SEED)
    stop: str | list[str] | None = None
    n: int = Field(1, ge=1, le=config.OPENAI_MAX_N)
    presence_penalty: float = 0.0
    frequency_penalty: float = 0.0
    stream: bool = False
    stream_options: StreamOptions | None = None
    # vLLM's extra sampling fields
    top_k: int = -1  # -1 or 0: off
    min_p: float = 0.0
    repetition_penalty: float = 1.0
    min_tokens: int = Field(0, ge=0)
    ignore_eos: bool = False
    # ours: whose chain samples (the order of the stages, which tokens a penalty counts)
    engine: str = sampling.DEFAULT_ENGINE


class CompletionRequest(SamplingFields):
    prompt: str | list[int]
    logprobs: int | None = Field(None, ge=0, le=config.OPENAI_MAX_LOGPROBS)
    echo: bool = False


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "user", "assistant"]
    content: str


class ChatRequest(SamplingFields):
    messages: list[Message] = Field(min_length=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    logprobs: bool = False
    top_logprobs: int | None = Field(None, ge=0, le=config.OPENAI_MAX_LOGPROBS)


def generation_params(
    body: SamplingFields, max_tokens: int, logprobs: int | None, seed: int
) -> GenerationParams:
    """The request's settings as /generate's (checked there: a sentence for any out of range)."""
    values = {
        "temperature": body.temperature,
        "top_k": 0 if body.top_k in (-1, 0) else body.top_k,
        "top_p": body.top_p,
        "min_p": body.min_p,
        "presence_penalty": body.presence_penalty,
        "frequency_penalty": body.frequency_penalty,
        "repetition_penalty": body.repetition_penalty,
    }
    stops = _stops(body)
    return GenerationParams(
        sampling=SamplingParams.from_values(**values),
        max_new_tokens=max_tokens,
        min_new_tokens=max_tokens if body.ignore_eos else min(body.min_tokens, max_tokens),
        stop=tuple(s for s in stops if s),
        seed=seed,
        engine=body.engine,
        logprobs=logprobs,
    ).validate()


# --- the service -----------------------------------------------------------------------------------


class OpenAIService:
    """Turns OpenAI requests into scheduler requests and their states into OpenAI answers."""

    def __init__(self, runner, scheduler_of: Callable[[], serving.Scheduler]):
        self.runner = runner
        self.scheduler_of = scheduler_of
        self.model_id = runner.name
        self.created = int(time.time())
        self._active: dict[str, int] = {}  # client address -> choices waiting or running

    # --- admission

    def admit(self, client: str, count: int) -> None:
        """Refuse (429) when the client already has its share, or too many wait in all."""
        scheduler = self.scheduler_of()
        if self._active.get(client, 0) + count > config.OPENAI_REQUESTS_PER_CLIENT:
            raise OpenAIError(
                429,
                f"This client already has {self._active.get(client, 0)} generation(s) waiting or running "
                f"(at most {config.OPENAI_REQUESTS_PER_CLIENT} at once): wait for one to finish.",
                code="too_many_requests",
            )
        if len(scheduler.waiting) + count > config.MODEL_QUEUE_MAX_SIZE:
            raise OpenAIError(
                429,
                f"{len(scheduler.waiting)} generations are waiting for the model: try again in a moment.",
                code="queue_full",
            )

    def _hold(self, client: str, count: int) -> None:
        self._active[client] = self._active.get(client, 0) + count

    def _release(self, client: str, count: int) -> None:
        left = self._active.get(client, 0) - count
        if left > 0:
            self._active[client] = left
        else:
            self._active.pop(client, None)

    # --- prompts

    def check_model(self, name: str) -> None:
        if name != self.model_id:
            raise OpenAIError(
                404,
                f"The model {name!r} does not exist here: this server serves {self.model_id!r} "
                "(GET /v1/models lists it).",
                param="model",
                code="model_not_found",
            )

    def prompt_ids(self, body) -> list[int]:
        if isinstance(body, ChatRequest):
            messages = [m.model_dump() for m in body.messages]
            ids = self.runner.tokenize_messages(messages).ids
        elif isinstance(body.prompt, str):
            if not body.prompt:
                raise OpenAIError(400, "The prompt is empty: give it some text or token ids.", "prompt")
            ids = self.runner.tokenize(body.prompt).ids
        else:
            ids = list(body.prompt)
            bad = next((i for i in ids if not 0 <= i < self.runner.vocab_size), None)
            if not ids or bad is not None:
                raise OpenAIError(
                    400,
                    f"The prompt's token ids must be 0 to {self.runner.vocab_size - 1}, at least one"
                    + (f" ({bad} is not)." if bad is not None else "."),
                    "prompt",
                )
        limit = min(config.MAX_PROMPT_TOKENS, self.runner.max_context)
        if len(ids) > limit:
            raise OpenAIError(
                400,
                f"The prompt is {len(ids):,} tokens; at most {limit:,} are accepted.",
                "messages" if isinstance(body, ChatRequest) else "prompt",
            )
        return ids

    def max_tokens(self, body) -> int:
        asked = getattr(body, "max_completion_tokens", None) or body.max_tokens
        value = config.OPENAI_DEFAULT_MAX_TOKENS if asked is None else asked
        if value > config.MAX_NEW_TOKENS:
            name = "max_completion_tokens" if getattr(body, "max_completion_tokens", None) else "max_tokens"
            raise OpenAIError(400, f"{name} is {value}; at most {config.MAX_NEW_TOKENS} are generated.", name)
        return value

    # --- running

    def submit(self, body, ids: list[int], client: str, logprobs: int | None) -> list[serving.Request]:
        """One scheduler request per choice, each with its seed; every one notifies ``wake``."""
        first_seed = body.seed if body.seed is not None else secrets.randbelow(2**62)
        max_tokens = self.max_tokens(body)
        params = []
        for i in range(body.n):
            try:
                params.append(generation_params(body, max_tokens, logprobs, first_seed + i))
            except UserError as error:
                raise OpenAIError(400, str(error), _param_of(error)) from None
        self.admit(client, body.n)
        scheduler = self.scheduler_of()
        requests = [scheduler.submit(ids, p, session=f"v1:{client}") for p in params]
        self._hold(client, len(requests))
        return requests

    async def states(self, requests: list[serving.Request], client: str) -> AsyncIterator[list]:
        """The newest state of every choice, each time one changes, until all are finished.
        Leaving early (the client went away) cancels the choices still running."""
        loop = asyncio.get_running_loop()
        changed = asyncio.Event()
        for request in requests:
            request.notify = lambda: loop.call_soon_threadsafe(changed.set)
        latest: list[GenerationState | None] = [None] * len(requests)
        try:
            while True:
                for i, request in enumerate(requests):
                    while not request.updates.empty():
                        item = request.updates.get_nowait()
                        if isinstance(item, BaseException):
                            raise OpenAIError(500, f"The generation failed: {item}", code="server_error")
                        latest[i] = item
                yield latest
                if all(s is not None and s.stop_reason for s in latest):
                    return
                await changed.wait()
                changed.clear()
        finally:
            scheduler = self.scheduler_of()
            for request in requests:
                request.notify = None
                scheduler.cancel(request)
            self._release(client, len(requests))


def _param_of(error: UserError) -> str | None:
    """The request field a UserError is about, from its key (best effort): a stage's error names
    its knob, the field the request sets; the generation's own limits have OpenAI's names."""
    for stage in sampling.STAGES.values():
        if stage.name in error.key:
            return stage.knob.name
    fields = {"stop": "stop", "engine": "engine", "seed": "seed", "min_new_tokens": "min_tokens",
              "max_new_tokens": "max_tokens"}  # fmt: skip
    return next((name for part, name in fields.items() if part in error.key), None)


# --- answers ---------------------------------------------------------------------------------------


def usage(prompt_tokens: int, states: list[GenerationState]) -> CompletionUsage:
    completion = sum(len(s.tokens) for s in states)
    return CompletionUsage(
        prompt_tokens=prompt_tokens, completion_tokens=completion, total_tokens=prompt_tokens + completion
    )


def completion_logprobs(state: GenerationState, piece: Callable[[int], str], start: int = 0) -> Logprobs:
    """The legacy completions shape: tokens, their log-probabilities and the top ones (``piece(id)``
    names a token), from token ``start`` on."""
    tokens = state.tokens[start:]
    offsets, offset = [], sum(len(t.token) for t in state.tokens[:start])
    for token in tokens:
        offsets.append(offset)
        offset += len(token.token)
    return Logprobs(
        tokens=[t.token for t in tokens],
        token_logprobs=[t.logprob for t in tokens],
        top_logprobs=[{piece(i): lp for i, lp in t.top_logprobs} for t in tokens],
        text_offset=offsets,
    )


def chat_logprobs(state: GenerationState, piece: Callable[[int], str], start: int = 0) -> ChoiceLogprobs:
    """The chat shape: each token with its log-probability, its bytes and the top ones."""
    return ChoiceLogprobs(
        content=[
            ChatCompletionTokenLogprob(
                token=t.token,
                logprob=t.logprob,
                bytes=list(t.token.encode()),
                top_logprobs=[
                    TopLogprob(token=(text := piece(i)), logprob=lp, bytes=list(text.encode()))
                    for i, lp in t.top_logprobs
                ],
            )
            for t in state.tokens[start:]
        ]
    )


def _sse(payload: BaseModel | str) -> bytes:
    data = payload if isinstance(payload, str) else payload.model_dump_json(exclude_unset=True)
    return f"data: {data}\n\n".encode()


class Answer:
    """Builds a request's answers, whole or as stream chunks, in the completions or the chat shape."""

    def __init__(self, service: OpenAIService, body, prompt_tokens: int):
        self.service, self.body, self.prompt_tokens = service, body, prompt_tokens
        self.chat = isinstance(body, ChatRequest)
        self.id = ("chatcmpl-" if self.chat else "cmpl-") + uuid.uuid4().hex
        self.created = int(time.time())
        self.logprobs = bool(body.logprobs) if self.chat else body.logprobs is not None
        self.piece = service.runner.token_text
        self.holdback = max((len(s) for s in _stops(body)), default=0)

    def whole(self, states: list[GenerationState]):
        model = self.service.model_id
        if self.chat:
            choices = [
                ChatChoice(
                    index=i,
                    message=ChatCompletionMessage(role="assistant", content=s.text),
                    finish_reason=FINISH[s.stop_reason],
                    logprobs=chat_logprobs(s, self.piece) if self.logprobs else None,
                )
                for i, s in enumerate(states)
            ]
            return ChatCompletion(
                id=self.id, object="chat.completion", created=self.created, model=model, choices=choices,
                usage=usage(self.prompt_tokens, states),
            )  # fmt: skip
        choices = [
            CompletionChoice(
                index=i,
                text=s.text,
                finish_reason=FINISH[s.stop_reason],
                logprobs=completion_logprobs(s, self.piece) if self.logprobs else None,
            )
            for i, s in enumerate(states)
        ]
        return Completion(
            id=self.id, object="text_completion", created=self.created, model=model, choices=choices,
            usage=usage(self.prompt_tokens, states),
        )  # fmt: skip

    def sendable(self, state: GenerationState) -> str:
        """The text that can be sent: all of it once finished; before that, not the tail that could
        still turn out to be a stop string, nor a character still missing its last bytes."""
        if state.stop_reason:
            return state.text
        text = state.text[: max(0, len(state.text) - max(0, self.holdback - 1))]
        return text.rstrip("\ufffd")

    def chunk(self, index: int, delta_text: str, state: GenerationState, first: bool, token_start: int):
        model, finish = self.service.model_id, FINISH.get(state.stop_reason) if state.stop_reason else None
        if self.chat:
            delta = (
                ChoiceDelta(role="assistant", content=delta_text)
                if first
                else ChoiceDelta(content=delta_text)
            )
            logprobs = chat_logprobs(state, self.piece, token_start) if self.logprobs else None
            choice = ChunkChoice(index=index, delta=delta, finish_reason=finish, logprobs=logprobs)
            return ChatCompletionChunk(
                id=self.id,
                object="chat.completion.chunk",
                created=self.created,
                model=model,
                choices=[choice],
            )
        logprobs = completion_logprobs(state, self.piece, token_start) if self.logprobs else None
        # OpenAI's type requires a finish reason; a streamed chunk has none until the last (null).
        choice = CompletionChoice.model_construct(
            index=index, text=delta_text, finish_reason=finish, logprobs=logprobs
        )
        return Completion(
            id=self.id, object="text_completion", created=self.created, model=model, choices=[choice]
        )

    def usage_chunk(self, states: list[GenerationState]):
        model, used = self.service.model_id, usage(self.prompt_tokens, states)
        if self.chat:
            return ChatCompletionChunk(
                id=self.id, object="chat.completion.chunk", created=self.created, model=model, choices=[],
                usage=used,
            )  # fmt: skip
        return Completion(
            id=self.id, object="text_completion", created=self.created, model=model, choices=[], usage=used
        )


def _stops(body) -> list[str]:
    return [body.stop] if isinstance(body.stop, str) else list(body.stop or [])


async def stream_answer(answer: Answer, states: AsyncIterator[list]) -> AsyncIterator[bytes]:
    """Server-sent events: a chunk per choice whose text or tokens grew, then usage (when asked), then
    [DONE]. Closing this (the client went away) closes ``states``, which cancels the choices."""
    sent_text: dict[int, str] = {}
    sent_tokens: dict[int, int] = {}
    finished: set[int] = set()
    last: list = []
    try:
        async for latest in states:
            last = latest
            for i, state in enumerate(latest):
                if state is None or i in finished:
                    continue
                text, before = answer.sendable(state), sent_text.get(i)
                grew = text != before or (answer.logprobs and len(state.tokens) > sent_tokens.get(i, 0))
                if before is not None and not grew and not state.stop_reason:
                    continue
                delta = text[len(before or "") :]  # what was sent is never taken back (see sendable)
                yield _sse(answer.chunk(i, delta, state, before is None, sent_tokens.get(i, 0)))
                sent_text[i], sent_tokens[i] = text, len(state.tokens)
                if state.stop_reason:
                    finished.add(i)
        options = answer.body.stream_options
        if options is not None and options.include_usage:
            yield _sse(answer.usage_chunk([s for s in last if s is not None]))
        yield _sse("[DONE]")
    finally:
        await states.aclose()


# --- the routes ------------------------------------------------------------------------------------


def _client(request: Request) -> str:
    """Who asks, for fairness: the address and the API key (clients behind one address, such as a
    classroom's, are told apart by their keys)."""
    address = request.client.host if request.client else ""
    key = request.headers.get("authorization", "")
    return f"{address} {hashlib.sha256(key.encode()).hexdigest()[:12]}" if key else address


async def _parse(request: Request, model: type[BaseModel]):
    size = int(request.headers.get("content-length") or 0)
    if size > config.OPENAI_MAX_BODY_BYTES:
        raise OpenAIError(413, f"The request is {size:,} bytes; at most {config.OPENAI_MAX_BODY_BYTES:,}.")
    raw = await request.body()
    if len(raw) > config.OPENAI_MAX_BODY_BYTES:
        raise OpenAIError(
            413, f"The request is {len(raw):,} bytes; at most {config.OPENAI_MAX_BODY_BYTES:,}."
        )
    try:
        data = json.loads(raw or b"null")
    except ValueError:
        raise OpenAIError(400, "The request body is not JSON: send a JSON object.") from None
    if not isinstance(data, dict):
        raise OpenAIError(400, "The request body must be a JSON object.")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        param = ".".join(str(part) for part in first["loc"]) or None
        raise OpenAIError(
            400, f"{param}: {first['msg']}. Change it and send the request again.", param
        ) from None


async def _generate(service: OpenAIService, request: Request, kind: type[BaseModel]):
    body = await _parse(request, kind)
    service.check_model(body.model)
    ids = service.prompt_ids(body)
    chat = isinstance(body, ChatRequest)
    asked = body.logprobs if not chat else ((body.top_logprobs or 0) if body.logprobs else None)
    requests = service.submit(body, ids, _client(request), asked)
    answer = Answer(service, body, len(ids))
    states = service.states(requests, _client(request))
    if body.stream:
        return StreamingResponse(stream_answer(answer, states), media_type="text/event-stream")
    last = []
    async for latest in states:
        last = latest
    return JSONResponse(answer.whole(last).model_dump(exclude_unset=True))


def router(service: OpenAIService) -> APIRouter:
    routes = APIRouter(prefix="/v1")

    @routes.get("/models")
    async def models():
        return {
            "object": "list",
            "data": [
                {
                    "id": service.model_id,
                    "object": "model",
                    "created": service.created,
                    "owned_by": "llm-inference-playground",
                    "max_model_len": min(config.MAX_PROMPT_TOKENS, service.runner.max_context),
                }
            ],
        }

    @routes.post("/completions")
    async def completions(request: Request):
        return await _answer(service, request, CompletionRequest)

    @routes.post("/chat/completions")
    async def chat_completions(request: Request):
        return await _answer(service, request, ChatRequest)

    return routes


async def _answer(service, request, kind):
    try:
        return await _generate(service, request, kind)
    except OpenAIError as error:
        return error.response()
    except UserError as error:
        return OpenAIError(400, str(error), _param_of(error)).response()


def mount(app: FastAPI, runner, scheduler_of: Callable[[], serving.Scheduler]) -> OpenAIService:
    """Serve ``/v1`` on ``app`` (before the pages are mounted at "/", which would catch every path)."""
    service = OpenAIService(runner, scheduler_of)
    app.include_router(router(service))
    return service
