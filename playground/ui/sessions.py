"""Sessions that expire, downloads that are removed, no uploads: a server left open for weeks stays small.

Gradio keeps a ``SessionState`` per session (every ``gr.State`` value, the last value of every
updated component and, unless kept lean, a copy of the page's configuration: see
``gradio_internals.LeanSessionState``) until 10,000 sessions exist (gradio/state_holder.py);
``gr.State(time_to_live=...)`` drops a state's value but not the session, and a closed browser
tab's state is kept an hour. A ``SessionKeeper`` runs beside the server and, every
``SESSION_SWEEP_S``, drops the sessions unused for ``SESSION_TTL_S`` (their ``gr.State`` delete
callbacks run), keeps at most ``MAX_SESSIONS`` in all languages together, and removes downloads
older than ``DOWNLOAD_MAX_AGE_S``. It also refuses every upload: Gradio's ``max_file_size=0``
refuses any file with a byte in it, but still stores empty ones (gradio/route_utils.py,
``GradioMultiPartParser``), so the upload routes answer 413 before Gradio's. Give
``keeper.lifespan`` to each language's ``gr.mount_gradio_app(..., app_kwargs=...)`` (or
``lifespan`` to one ``demo.launch``): Gradio runs it inside its own lifespan.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import datetime
import gc
import logging
import tempfile
import time
from pathlib import Path

from starlette.responses import PlainTextResponse
from starlette.routing import Route

from playground import config
from playground.ui import gradio_internals

logger = logging.getLogger(__name__)


def download_dir() -> Path:
    """Where the app writes files for download (the context sweep's CSV); swept by ``lifespan``."""
    folder = Path(tempfile.gettempdir()) / "llm-playground-downloads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def drop_idle_sessions(*holders, ttl_s: float, max_sessions: int) -> int:
    """Remove sessions unused for ``ttl_s`` seconds, then the least recently used beyond
    ``max_sessions`` in all ``holders`` together (one per language), from Gradio StateHolders;
    returns how many went."""
    now = datetime.datetime.now()
    held = sorted(
        (
            (used, holder, session)
            for holder in holders
            for session, used in gradio_internals.sessions_last_used(holder)
        ),
        key=lambda entry: entry[0],
    )  # least recently used first
    idle = [(holder, session) for used, holder, session in held if (now - used).total_seconds() > ttl_s]
    excess = len(held) - len(idle) - max_sessions
    if excess > 0:
        gone = set(idle)
        idle += [(holder, session) for _, holder, session in held if (holder, session) not in gone][:excess]
    for holder, session in idle:
        gradio_internals.drop_session(holder, session)  # runs each gr.State's delete_callback
    return len(idle)


def _glibc():
    """The C library when it is glibc (Linux), else None: the calls below then do nothing."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


M_ARENA_MAX = -8  # glibc's malloc.h


def limit_heap_arenas(arenas: int = config.HEAP_ARENAS) -> None:
    """Call before the server's threads start. glibc gives each thread that meets contention a heap
    of its own (up to 8 per core); a server with dozens of worker threads then keeps dozens of
    half-empty heaps, and each session's short-lived buffers land in another one. Fewer heaps: the
    freed memory is reused instead of held (as ``MALLOC_ARENA_MAX`` would, set inside the app)."""
    libc = _glibc()
    if libc is not None and arenas > 0:
        libc.mallopt(M_ARENA_MAX, arenas)


def trim_heap() -> None:
    """Ask glibc to return freed heap pages to the system (``malloc_trim``; ctypes releases the GIL
    during the call); without it, the process keeps its peak size even when most of it is free."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def freeze_heap() -> None:
    """Call once the server is built, before it serves. Every object alive then (the model, the
    libraries, the pages, the first views: 636,000 of them) goes where the garbage collector no longer
    looks (``gc.freeze``), so a full collection, run when sessions expire (``release_memory``) or when
    Python decides, scans only what came since. Before, each one held the GIL for 365 ms on 2 cores:
    every stream and light request of the class stood still. Start-up's own garbage is collected first.
    ``PLAYGROUND_FREEZE_HEAP=0``: nothing is frozen (Python's default)."""
    if config.FREEZE_HEAP:
        gc.collect()
        gc.freeze()


def release_memory() -> None:
    """Give the memory of dropped sessions back to the system: collect the reference cycles they
    sit in, then trim the heap."""
    gc.collect()
    trim_heap()


def remove_old_files(folder: Path, max_age_s: float) -> int:
    """Delete the files in ``folder`` older than ``max_age_s`` seconds; returns how many."""
    cutoff = time.time() - max_age_s
    removed = 0
    for path in folder.glob("*"):
        with contextlib.suppress(OSError):  # already gone, or still being written
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
    return removed


class SessionKeeper:
    """Sessions of every mounted language, swept together: give ``lifespan`` to each Gradio App
    (``app_kwargs={"lifespan": keeper.lifespan}``). Each App's StateHolder joins when its server
    starts (its new sessions kept lean: ``gradio_internals.LeanSessionState``); one sweep, every
    ``SESSION_SWEEP_S``, drops the sessions of all of them unused for ``SESSION_TTL_S`` and keeps
    at most ``MAX_SESSIONS`` in all, and removes old downloads. Every App refuses uploads."""

    def __init__(self):
        self.holders: list = []
        self._task: asyncio.Task | None = None

    async def sweep_forever(self) -> None:
        trimmed = time.monotonic()
        while True:
            await asyncio.sleep(config.SESSION_SWEEP_S)
            try:
                if drop_idle_sessions(
                    *self.holders, ttl_s=config.SESSION_TTL_S, max_sessions=config.MAX_SESSIONS
                ):
                    release_memory()
                    trimmed = time.monotonic()
                elif time.monotonic() - trimmed > config.HEAP_TRIM_S:  # what live requests freed
                    await asyncio.to_thread(trim_heap)
                    trimmed = time.monotonic()
                remove_old_files(download_dir(), config.DOWNLOAD_MAX_AGE_S)
            except Exception:  # a failed sweep must not end the sweeping; the next one tries again
                logger.exception("session sweep failed")

    @contextlib.asynccontextmanager
    async def lifespan(self, app):
        """No uploads; ``app``'s sessions swept with the others' for as long as it runs."""
        refuse_uploads(app)
        holder = gradio_internals.session_holder(app)
        gradio_internals.keep_sessions_lean(holder)
        self.holders.append(holder)
        if self._task is None:
            self._task = asyncio.create_task(self.sweep_forever())
        try:
            yield
        finally:
            self.holders.remove(holder)
            if not self.holders and self._task is not None:
                task, self._task = self._task, None
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


UPLOAD_ROUTES = ("/gradio_api/upload", "/gradio_api/process_recording")


async def _refuse_upload(request) -> PlainTextResponse:
    return PlainTextResponse("This app accepts no uploads.", status_code=413)


def refuse_uploads(app) -> None:
    """Put a route that refuses with 413 before each of Gradio's upload routes (the first match wins)."""
    for path in UPLOAD_ROUTES:
        app.router.routes.insert(0, Route(path, _refuse_upload, methods=["POST"]))


def lifespan(app):
    """One Gradio App's lifespan on its own (``demo.launch(app_kwargs={"lifespan": lifespan})``):
    no uploads, its sessions swept. Several languages share one ``SessionKeeper`` instead."""
    return SessionKeeper().lifespan(app)
