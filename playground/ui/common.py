"""What every tab shares: the event pools, handlers bound to their page's language, fair queues,
example prompts.

Every event handler and API function a tab registers goes through ``handler``: it runs the
function in the language of the page it was built for (so every ``t()`` inside, however deep,
answers in that language), and shows a compute module's UserError as a gr.Error with its sentence.

``Admission`` gives the two pools separate limits at the door of every language's queue (see there).

``long_action`` wires every long button (a measurement, a search, a fork): the button is disabled
while it runs and its status line says what is being done, streamed from the work (``reporting``).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import typing
from functools import cache, partial, wraps

import gradio as gr

from playground import config, i18n, tokens
from playground.errors import UserError
from playground.i18n import t
from playground.ui import gradio_internals

ASSETS = tokens.ASSETS

# Heavy model calls share one pool; light re-renders run beside it and never wait on the model.
MODEL_EVENT = {"concurrency_id": "model", "concurrency_limit": config.MODEL_CONCURRENCY}
LIGHT_EVENT = {"concurrency_limit": config.LIGHT_CONCURRENCY}
# Generation handlers only wait on the serving scheduler, which serialises the model itself: as
# many run at once as the batch has rows.
GENERATION_EVENT = {"concurrency_id": "generation", "concurrency_limit": config.MAX_BATCH}
# Every concurrency id whose events run the model (a pool added for model work goes here too).
MODEL_POOLS = frozenset({MODEL_EVENT["concurrency_id"], GENERATION_EVENT["concurrency_id"]})


def session_of(request) -> str:
    """The Gradio session a request came from ("" for none): the Serving view highlights its own."""
    return getattr(request, "session_hash", None) or ""


def handler(fn):
    """Bind ``fn`` to the current language (the page being built) and turn UserError into gr.Error.

    Works for plain functions, generators and async generators (streaming handlers) alike. The
    signature is kept, which gr.api reads for an endpoint's parameters.
    """
    lang = i18n.current()
    if inspect.isgeneratorfunction(fn):
        return _named(_generator_handler(fn, lang), fn)
    if inspect.isasyncgenfunction(fn):
        return _named(_async_generator_handler(fn, lang), fn)

    @wraps(fn)
    def wrapped(*args, **kwargs):
        with i18n.use(lang):
            try:
                return fn(*args, **kwargs)
            except UserError as error:
                raise gr.Error(str(error), print_exception=False) from None

    return _named(wrapped, fn)


def _generator_handler(fn, lang: str):
    @wraps(fn)
    def wrapped_generator(*args, **kwargs):
        # Gradio runs each step of a generator in a fresh copy of the context (one worker-thread
        # call per next()), so the language is set around every step, not once around them all.
        # Closing this (Stop, a cancelled job) closes the inner generator, so its ``finally``
        # runs (a generation leaves the batch).
        steps = fn(*args, **kwargs)
        try:
            while True:
                with i18n.use(lang):
                    try:
                        value = next(steps)
                    except StopIteration:
                        return
                    except UserError as error:
                        raise gr.Error(str(error), print_exception=False) from None
                yield value
        finally:
            steps.close()

    return wrapped_generator


def _async_generator_handler(fn, lang: str):
    @wraps(fn)
    async def wrapped_async_generator(*args, **kwargs):
        # Streamed in the event loop (no worker thread waits for it); Gradio cancels it when the
        # client goes away, and closing the inner generator takes its request out of the batch.
        steps = fn(*args, **kwargs)
        try:
            while True:
                with i18n.use(lang):
                    try:
                        value = await anext(steps)
                    except StopAsyncIteration:
                        return
                    except UserError as error:
                        raise gr.Error(str(error), print_exception=False) from None
                yield value
        finally:
            await steps.aclose()

    return wrapped_async_generator


def reporting(fn, outputs: int):
    """``fn(*args, report=...)`` as a streaming handler whose first output is a status line.

    ``fn`` runs in a worker thread and calls ``report(text, *values)`` as it goes: each call is sent
    at once as the status (and the first outputs, when ``values`` are given; the rest unchanged);
    then "" and ``fn``'s ``outputs`` results. The handler's signature is ``fn``'s without ``report``,
    so Gradio still passes a ``gr.Request`` where ``fn`` asks for one.
    """
    signature = inspect.signature(fn)
    takes_report = "report" in signature.parameters

    async def reported(*args):
        loop = asyncio.get_running_loop()
        reports: asyncio.Queue = asyncio.Queue()

        def report(text: str, *values) -> None:  # in the worker thread
            loop.call_soon_threadsafe(reports.put_nowait, (text, *values))

        work = asyncio.ensure_future(
            asyncio.to_thread(partial(fn, report=report) if takes_report else fn, *args)
        )
        while not work.done() or not reports.empty():
            next_report = asyncio.ensure_future(reports.get())
            await asyncio.wait({work, next_report}, return_when=asyncio.FIRST_COMPLETED)
            if not next_report.done():
                next_report.cancel()
                continue
            sent = next_report.result()
            yield (*sent, *[gr.skip()] * (outputs + 1 - len(sent)))
        results = work.result()  # a UserError raised in the work is raised here
        yield ("", *(results if isinstance(results, tuple) else (results,)))

    reported.__signature__ = signature.replace(
        parameters=[p for name, p in signature.parameters.items() if name != "report"]
    )
    return _named(reported, fn)


def long_action(button: gr.Button, fn, *, inputs, outputs, status, doing: str, **event):
    """Run ``fn`` when ``button`` is clicked, without letting a second click queue a duplicate.

    The button is disabled at once and ``status`` says ``doing`` (a sentence already in the page's
    language); ``fn`` then runs with ``event``'s pool. A ``fn`` that streams (a generator) fills
    ``outputs`` itself, ``status`` among them; any other is run by ``reporting`` (it may take a
    ``report`` argument) and its results fill ``outputs`` after the status. The button comes back
    when ``fn`` ends, after an error too (an error also clears the status). Returns the run's event.
    """
    streams = inspect.isgeneratorfunction(fn) or inspect.isasyncgenfunction(fn)
    if not streams:
        fn = handler(reporting(fn, len(outputs)))
        outputs = [status, *outputs]
    # Instant events: no "Loading..." over the button and the status line.
    private = {"api_visibility": "private", "queue": False, "show_progress": "hidden"}
    start = button.click(partial(_busy, doing), outputs=[button, status], **private)
    run = start.then(fn, inputs=inputs, outputs=outputs, api_visibility="private", **event)
    # After an error the button stayed disabled with ``then`` (seen in Chromium): each end brings it back.
    run.success(_ready, outputs=[button], **private)
    run.failure(_failed, outputs=[button, status], **private)
    return run


def presses(box: gr.Textbox, button: gr.Button) -> None:
    """Enter in ``box`` presses ``button``: a disabled button (its action running) ignores it."""
    click = f"() => {{ document.getElementById({button.elem_id!r})?.click(); }}"
    box.submit(None, js=click, api_visibility="private", queue=False)


def progress_line(elem_id: str) -> gr.Markdown:
    """The status line of a long action: what is being done and how far, empty when done."""
    return gr.Markdown(elem_id=elem_id, elem_classes=["pg-progress"])


def _busy(doing: str):
    return gr.update(interactive=False), doing


def _ready():
    return gr.update(interactive=True)


def _failed():
    return gr.update(interactive=True), ""


def endpoint(fn, *bound):
    """``handler(partial(fn, *bound))`` for ``gr.api``, which reads the parameters' type hints:
    a partial has none, so the hints of the parameters left are carried over."""
    api = handler(partial(fn, *bound))
    names = list(inspect.signature(fn).parameters)[len(bound) :]
    # Resolved here, in fn's module: a string annotation cannot be resolved through the partial.
    hints = typing.get_type_hints(fn)
    api.__annotations__ = {k: v for k, v in hints.items() if k in names or k == "return"}
    return api


class Admission:
    """Separate limits for model work and light work, counted across every language's queue.

    Each language is its own Blocks with its own Gradio queue; one Admission is the door of them
    all (``watch`` each), so its limits are the server's. Gradio's own ``max_size`` counts every
    waiting event together, so 75 queued generations made the tokenizer answer "Queue is full".
    Here, before a request joins, the events already in every watched queue are counted (nothing
    is counted by hand, so a cancelled or finished request frees its place at once):

    - a model request (its pool in ``MODEL_POOLS``) is refused with a sentence when its session
      already has ``MODEL_REQUESTS_PER_SESSION`` model requests waiting or running, or when
      ``MODEL_QUEUE_MAX_SIZE`` model requests wait, in all languages together;
    - a light request only when ``LIGHT_QUEUE_MAX_SIZE`` light requests wait, in all languages.

    The sentences are in the language of the page the request came to.
    """

    def __init__(self):
        self.demos: list[gr.Blocks] = []

    def watch(self, demo: gr.Blocks, lang: str) -> gr.Blocks:
        """Guard ``demo``'s queue (call after ``demo.queue(...)``); its requests count with the others'."""
        self.demos.append(demo)
        gradio_internals.guard_queue(demo, partial(self.refusal, lang))
        return demo

    def events(self) -> tuple[list, list]:
        """Every watched queue's events: (waiting, running)."""
        waiting, running = [], []
        for demo in self.demos:
            demo_waiting, demo_running = gradio_internals.queued_events(demo)
            waiting += demo_waiting
            running += demo_running
        return waiting, running

    def refusal(self, lang: str, pool: str, session: str) -> str | None:
        """The sentence refusing a request to ``pool`` from ``session`` now; None admits it."""
        waiting, running = self.events()
        with i18n.use(lang):
            if pool in MODEL_POOLS:
                model_waiting = [e for e in waiting if e.pool in MODEL_POOLS]
                model_running = [e for e in running if e.pool in MODEL_POOLS]
                mine = sum(e.session == session for e in model_waiting + model_running)
                if session and mine >= config.MODEL_REQUESTS_PER_SESSION:
                    return t("safety.queue.session_busy", limit=config.MODEL_REQUESTS_PER_SESSION)
                if len(model_waiting) >= config.MODEL_QUEUE_MAX_SIZE:
                    return t("safety.queue.model_full", waiting=len(model_waiting))
                return None
            light_waiting = sum(e.pool not in MODEL_POOLS for e in waiting)
            if light_waiting >= config.LIGHT_QUEUE_MAX_SIZE:
                return t("safety.queue.light_full", waiting=light_waiting)
            return None


def admit_fairly(demo: gr.Blocks, lang: str, admission: Admission | None = None) -> gr.Blocks:
    """Put ``demo``'s queue behind ``admission`` (a new one of its own when None): see ``Admission``."""
    return (admission or Admission()).watch(demo, lang)


def _named(wrapper, fn):
    """A handler made from ``partial(module_function, runner)`` keeps the function's name and
    docstring (gr.api shows them in the API page), besides the partial's signature."""
    if isinstance(fn, partial):
        wrapper.__name__ = wrapper.__qualname__ = fn.func.__name__
        wrapper.__doc__ = fn.func.__doc__
    return wrapper


@cache
def _examples() -> dict[str, list[dict]]:
    return json.loads((ASSETS / "examples.json").read_text(encoding="utf-8"))


def examples_for(tab: str) -> list[str]:
    """A tab's example texts (assets/examples.json), those in the page's language first."""
    lang = i18n.current()
    return [e["text"] for e in sorted(_examples()[tab], key=lambda e: e["lang"] != lang)]


def prompt_examples(tab: str, prompt: gr.Textbox, runner) -> None:
    """The tab's example prompts under its prompt box, and what a Telugu prompt costs this model."""
    gr.Examples(
        [[text] for text in examples_for(tab)],
        inputs=[prompt],
        label=t("page.examples"),
        elem_id=f"{tab}-examples",
        api_visibility="private",
    )
    note = t(
        "page.examples_note",
        ratio=telugu_token_ratio(runner),
        chart=t("tokenizer.cost_heading"),
        tab=t("tab.tokenizer"),
    )
    gr.Markdown(note, elem_classes=["pg-note"])


def telugu_token_ratio(runner) -> float:
    """How many times the tokens of English the same sentences take in Telugu (the language-cost chart)."""
    rows = {row["code"]: row for row in tokens.language_cost(runner)}
    return rows["te"]["tokens_vs_english"]
