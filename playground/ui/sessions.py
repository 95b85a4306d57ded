"""Sessions that expire, downloads that are removed, no uploads: a server left open for weeks stays small.

Gradio keeps a ``SessionState`` per session (a copy of the page's configuration, every ``gr.State``
value, the last value of every updated component) until 10,000 sessions exist
(gradio/state_holder.py); ``gr.State(time_to_live=...)`` drops a state's value but not the session,
and a closed browser tab's state is kept an hour. ``lifespan`` runs beside the server and, every
``SESSION_SWEEP_S``, drops the sessions unused for ``SESSION_TTL_S`` (their ``gr.State`` delete
callbacks run), keeps at most ``MAX_SESSIONS``, and removes downloads older than
``DOWNLOAD_MAX_AGE_S``. It also refuses every upload: Gradio's ``max_file_size=0`` refuses any
file with a byte in it, but still stores empty ones (gradio/route_utils.py, ``GradioMultiPartParser``),
so the upload routes answer 413 before Gradio's. Give it to
``demo.launch(app_kwargs={"lifespan": lifespan})`` or ``gr.mount_gradio_app(..., app_kwargs=...)``:
Gradio runs it inside its own lifespan.
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

logger = logging.getLogger(__name__)


def download_dir() -> Path:
    """Where the app writes files for download (the context sweep's CSV); swept by ``lifespan``."""
    folder = Path(tempfile.gettempdir()) / "llm-playground-downloads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def drop_idle_sessions(holder, ttl_s: float, max_sessions: int) -> int:
    """Remove sessions unused for ``ttl_s`` seconds, then the least recently used beyond
    ``max_sessions``, from a Gradio StateHolder; returns how many went."""
    now = datetime.datetime.now()
    with holder.lock:
        used = dict(holder.time_last_used)
        held = list(holder.session_data)  # least recently used first
    idle = [s for s in held if (now - used.get(s, now)).total_seconds() > ttl_s]
    excess = len(held) - len(idle) - max_sessions
    if excess > 0:
        gone = set(idle)
        idle += [s for s in held if s not in gone][:excess]
    for session_hash in idle:
        holder.delete_state(session_hash)  # runs each gr.State's delete_callback
        with holder.lock:
            holder.session_data.pop(session_hash, None)
            holder.time_last_used.pop(session_hash, None)
    return len(idle)


def release_memory() -> None:
    """Give the memory of dropped sessions back to the system: collect the reference cycles they
    sit in, then ask glibc to return freed heap pages (``malloc_trim``); without it, the process
    keeps its peak size even when almost all of it is free."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing more to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


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


async def _sweep(app) -> None:
    while True:
        await asyncio.sleep(config.SESSION_SWEEP_S)
        try:
            if drop_idle_sessions(app.state_holder, config.SESSION_TTL_S, config.MAX_SESSIONS):
                release_memory()
            remove_old_files(download_dir(), config.DOWNLOAD_MAX_AGE_S)
        except Exception:  # a failed sweep must not end the sweeping; the next one tries again
            logger.exception("session sweep failed")


UPLOAD_ROUTES = ("/gradio_api/upload", "/gradio_api/process_recording")


async def _refuse_upload(request) -> PlainTextResponse:
    return PlainTextResponse("This app accepts no uploads.", status_code=413)


def refuse_uploads(app) -> None:
    """Put a route that refuses with 413 before each of Gradio's upload routes (the first match wins)."""
    for path in UPLOAD_ROUTES:
        app.router.routes.insert(0, Route(path, _refuse_upload, methods=["POST"]))


@contextlib.asynccontextmanager
async def lifespan(app):
    """No uploads; sweep sessions and downloads for as long as the server runs."""
    refuse_uploads(app)
    task = asyncio.create_task(_sweep(app))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
