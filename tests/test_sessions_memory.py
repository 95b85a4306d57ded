"""Memory of sessions with a real server: what a session keeps while it lives, and that memory comes
back once sessions expire (bounded, loopback only); sessions are capped across languages.

The smaller twins of benchmarks/bench_sessions.py: real gradio_client sessions against a real
server, then the server's RSS against its own baseline (a fresh ``python app.py``: expiry) or the
Python memory it still holds (the test's own server: a live session). Before sessions expired, each
session of mixed use kept about 20 MB for good; before sessions were kept lean, one that only called
the API (tokenize, attention, next_token) kept about 2.5 MB of RSS while it lived.
"""

from __future__ import annotations

import datetime
import gc
import os
import subprocess
import sys
import tracemalloc
import weakref
from pathlib import Path

import gradio as gr
import pytest
from gradio.state_holder import StateHolder

from benchmarks.bench_sessions import measure
from playground import config
from playground.ui import sessions

ROOT = Path(__file__).resolve().parent.parent
SESSIONS = 30
# Lean sessions keep about 0.03 MB each (a copy of two dicts of references, a message queue);
# Gradio's own kept a copy of the page's configuration and every API answer.
PER_SESSION_LIMIT_MB = 0.25


@pytest.mark.real
def test_memory_returns_near_the_baseline_once_sessions_expire():
    result = measure(sessions=40, ttl_s=2.0, settle_s=10.0, workers=4)
    assert result["expired_mb"] - result["baseline_mb"] < 200, result


@pytest.mark.real
def test_a_session_that_only_calls_the_api_keeps_little_in_the_server_while_it_lives(app_url):
    """What the server (this process) still holds after N sessions that called /tokenize (2,000
    Telugu characters), /attention and /next_token, on both pages, through real clients in another
    process; traced by Python's allocator, so the allocator's reuse of freed pages is not counted."""
    run_api_sessions_elsewhere(app_url, 4)  # lazy allocations belong to the baseline
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        run_api_sessions_elsewhere(app_url, SESSIONS)
        gc.collect()
        per_session_mb = (tracemalloc.get_traced_memory()[0] - before) / SESSIONS / 2**20
    finally:
        tracemalloc.stop()
    assert per_session_mb < PER_SESSION_LIMIT_MB, f"{per_session_mb:.3f} MB a session"


def run_api_sessions_elsewhere(url: str, sessions: int) -> None:
    code = f"from benchmarks.bench_sessions import run_api_sessions; run_api_sessions({url!r}, {sessions})"
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=900)


def test_sessions_are_capped_across_every_languages_holder():
    with gr.Blocks() as demo:
        gr.State(None)
    english, telugu = StateHolder(), StateHolder()
    english.set_blocks(demo)
    telugu.set_blocks(demo)
    for holder, session in (
        (english, "e1"),
        (telugu, "t1"),
        (english, "e2"),
        (telugu, "t2"),
        (english, "e0"),
    ):
        holder[session]  # used in this order: e1 is the least recently used, e0 ...
    english.time_last_used["e0"] = datetime.datetime.now() - datetime.timedelta(seconds=120)  # ... idle
    assert sessions.drop_idle_sessions(english, telugu, ttl_s=60, max_sessions=2) == 3
    assert (list(english.session_data), list(telugu.session_data)) == (["e2"], ["t2"])


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


@pytest.mark.skipif(sessions._glibc() is None, reason="glibc's malloc_trim")
def test_trimming_the_heap_gives_freed_memory_back_to_the_system():
    """What the sweeper does every HEAP_TRIM_S: 200 MB of freed small blocks (a session's short-lived
    buffers) stay in the process until the heap is trimmed."""
    released = []
    for _ in range(3):  # an app server of this test session trims every HEAP_TRIM_S too: it may trim first
        blocks = [bytes(1_000) + bytes([i % 256]) for i in range(200_000)]  # malloc'd, not pymalloc'd
        keep = blocks[::1000]  # a few survivors, spread over the heap, so it cannot just shrink from the top
        del blocks
        gc.collect()
        before = _rss_mb()
        sessions.trim_heap()
        released.append(before - _rss_mb())
        assert len(keep) == 200
        if released[-1] > 50:
            break
    assert max(released) > 50, f"MB given back by each trim: {released}"


def test_the_start_up_heap_is_frozen_and_later_garbage_is_still_collected(monkeypatch):
    """What the server does before it serves (``sessions.freeze_heap``): the objects alive then leave
    the collector's sight, so the full collection run when sessions expire scans few; a session's
    reference cycle made afterwards is still collected. ``PLAYGROUND_FREEZE_HEAP=0`` freezes nothing."""
    try:
        scanned_before = len(gc.get_objects())
        sessions.freeze_heap()
        assert gc.get_freeze_count() > scanned_before // 2
        assert len(gc.get_objects()) < scanned_before // 10

        class Node:
            pass

        cycle = Node()
        cycle.itself = cycle
        alive = weakref.ref(cycle)
        del cycle
        sessions.release_memory()
        assert alive() is None
    finally:
        gc.unfreeze()
    monkeypatch.setattr(config, "FREEZE_HEAP", False)
    sessions.freeze_heap()
    assert gc.get_freeze_count() == 0
