"""Every use of Gradio's private API, in one module, written against one Gradio version.

The playground needs four things Gradio does not offer publicly: a door at its queue (to refuse a
request with a sentence before it joins, counting the events already there), its sessions (to
expire and cap them, and to keep them small), the end of its open streams on shutdown, and the
data a custom ``trigger`` sent with a click. Each is a small public function here; nothing else
under ``playground/`` or in ``app.py`` reads a private attribute of a Gradio object.

``GRADIO_VERSION`` is the version this was written against (requirements.txt pins it);
tests/test_gradio_contract.py fails, naming the attribute that moved, when the installed Gradio
differs or lacks one of them.
"""

from __future__ import annotations

import copy
import datetime
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gradio.components.api_component import Api
from gradio.state_holder import SessionState, StateHolder

GRADIO_VERSION = "6.31.0"

# --- the queue's door -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueuedEvent:
    """An event in a Blocks' queue: its pool (the concurrency id) and its session ("" for none)."""

    pool: str
    session: str


def queued_events(demo) -> tuple[list[QueuedEvent], list[QueuedEvent]]:
    """The events of ``demo``'s queue: (waiting, running)."""
    queue = demo._queue
    waiting = [
        QueuedEvent(pool, event.session_hash or "")
        for pool, pending in list(queue.event_queue_per_concurrency_id.items())
        for event in list(pending.queue)
    ]
    running = [
        QueuedEvent(event.concurrency_id, event.session_hash or "")
        for job in list(queue.active_jobs)
        if job
        for event in job
    ]
    return waiting, running


def refusal(sentence: str) -> list[dict]:
    """A refusal in the shape of Gradio's validation errors (HTTP 422): gradio_client raises it
    with the sentence, and the page shows it, where a plain "queue full" (503) loses the sentence."""
    return [{"__type__": "validate", "is_valid": False, "message": sentence, "parameter_name": "request"}]


def guard_queue(demo, refuse: Callable[[str, str], str | None]) -> None:
    """Ask ``refuse(pool, session)`` before each request joins ``demo``'s queue; a sentence
    returned refuses it with that sentence, None lets it in.

    Gradio's ``Queue.push`` is where a request joins (gradio/queueing.py); its own ``max_size``
    counts every waiting event together. Call after ``demo.queue(...)``.
    """
    queue = demo._queue
    push = queue.push

    async def guarded_push(body, request, username):
        fn = demo.fns.get(body.fn_index) if body.fn_index is not None else None
        if fn is not None and fn.queue:
            sentence = refuse(fn.concurrency_id, body.session_hash or "")
            if sentence is not None:
                return False, refusal(sentence), "validator_error"
        return await push(body, request, username)

    queue.push = guarded_push


# --- sessions -------------------------------------------------------------------------------------


def calm_queue(demo, poll_s: float, progress_s: float) -> None:
    """How often ``demo``'s queue looks for work. Gradio's ``Queue.start_processing`` polls every
    1 ms on Linux (``sleep_when_free``), even with nothing to do or no free worker, and
    ``start_progress_updates`` every 10 ms (gradio/queueing.py): thousands of event-loop wake-ups a
    second per mounted page, each taking the GIL from the model's thread between two of its
    tensor operations."""
    demo._queue.sleep_when_free = poll_s
    demo._queue.progress_update_sleep_when_free = progress_s


def session_holder(app):
    """The StateHolder (every session's state) of a Gradio App: what ``mount_gradio_app`` and
    ``launch`` put on the ASGI app they serve."""
    return app.state_holder


def sessions_last_used(holder) -> list[tuple[str, datetime.datetime]]:
    """A holder's sessions with when each was last used, the least recently used first."""
    with holder.lock:
        used = dict(holder.time_last_used)
        held = list(holder.session_data)
    now = datetime.datetime.now()
    return [(session, used.get(session, now)) for session in held]


def drop_session(holder, session: str) -> None:
    """Forget a session: each ``gr.State``'s delete callback runs, then the session goes."""
    holder.delete_state(session)
    with holder.lock:
        holder.session_data.pop(session, None)
        holder.time_last_used.pop(session, None)


class LeanSessionState(SessionState):
    """Gradio's per-session state without its copy of the page's configuration and without the
    last answer of every API call.

    Gradio's ``SessionState`` builds, for every new session, the configuration of every component
    of the page (``config_for_block``: props, first values, API info), so that a deep link can
    replay the page as that session saw it, and then stores in it the last value of every
    component an event read or wrote, the hidden ``Api`` components of ``gr.api`` endpoints
    included: a session that tokenized a long text keeps that text and its whole answer. Here a
    component's configuration is built only when the session changes that component
    (``__setitem__``, ``_update_config`` and ``_update_value_in_config`` add it), and an ``Api``
    component's values are not kept (nothing replays them). ``components`` (what a deep link
    replays) lists the components the session changed.
    """

    def __init__(self, blocks):
        self.blocks_config = copy.copy(blocks.default_config)  # two dicts of references
        self.config_values = {}
        self.state_data: dict[int, Any] = {}
        self._state_ttl = {}
        self.is_closed = False
        self.STATE_TTL_WHEN_CLOSED = 1 if os.getenv("GRADIO_IS_E2E_TEST", None) else 3600

    def __setitem__(self, key: int, value: Any):
        if isinstance(value, Api) and self.blocks_config.blocks.get(key) is value:
            return  # the page's own endpoint component, unchanged: nothing to keep
        super().__setitem__(key, value)

    def _update_value_in_config(self, key: int, value: Any):
        if isinstance(self.blocks_config.blocks.get(key), Api):
            return
        super()._update_value_in_config(key, value)


class LeanStateHolder(StateHolder):
    """A StateHolder whose new sessions are ``LeanSessionState``s."""

    def __getitem__(self, session_id: str) -> SessionState:
        if session_id not in self.session_data:
            self.session_data[session_id] = LeanSessionState(self.blocks)
        return super().__getitem__(session_id)


def keep_sessions_lean(holder) -> None:
    """Make a Gradio App's StateHolder create ``LeanSessionState``s from now on."""
    if type(holder) is StateHolder:
        holder.__class__ = LeanStateHolder


# --- shutdown -------------------------------------------------------------------------------------


def mounted_apps(asgi_app) -> list:
    """The Gradio Apps mounted in an ASGI app (one per language)."""
    apps = [getattr(route, "app", None) for route in getattr(asgi_app, "routes", [])]
    return [app for app in apps if hasattr(app, "get_blocks") and hasattr(app, "stop_event")]


def mounted_blocks(asgi_app) -> list:
    """The Blocks served by each Gradio App mounted in an ASGI app."""
    return [app.get_blocks() for app in mounted_apps(asgi_app)]


def end_streams(asgi_app) -> None:
    """Tell every Gradio App mounted in ``asgi_app`` to end its open streams: the heartbeat
    streams end at once, the event streams tell their clients "Server stopped"
    (gradio/routes.py, ``heartbeat`` and ``queue_data_helper``)."""
    for gradio_app in mounted_apps(asgi_app):
        gradio_app.get_blocks()._queue.close()
        gradio_app.stop_event.set()


# --- events ---------------------------------------------------------------------------------------


def event_payload(evt) -> dict:
    """What a custom ``trigger(name, data)`` in a component's ``js_on_load`` sent with the event:
    Gradio keeps it in ``EventData._data`` and has no public name for it."""
    return evt._data
