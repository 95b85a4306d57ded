"""Memory of sessions with a real server: what a session keeps while it lives, and that memory comes
back once sessions expire (bounded, loopback only); sessions are capped across languages.

The smaller twins of benchmarks/bench_sessions.py: a fresh ``python app.py``, real gradio_client
sessions, then the server's RSS against its own baseline. Before sessions expired, each session of
mixed use kept about 20 MB for good; before sessions were kept lean, one that only called the API
(tokenize, attention, next_token) kept about 2.5 MB while it lived.
"""

from __future__ import annotations

import datetime

import gradio as gr
import pytest
from gradio.state_holder import StateHolder

from benchmarks.bench_sessions import measure, measure_live
from playground.ui import sessions

# Today's lean sessions keep about 0.1 MB each; Gradio's full ones about 2.5 MB. RSS is noisy (the
# allocator's arenas), hence a bound well above the one and well below the other.
PER_SESSION_LIMIT_MB = 1.0


@pytest.mark.real
def test_memory_returns_near_the_baseline_once_sessions_expire():
    result = measure(sessions=40, ttl_s=2.0, settle_s=10.0, workers=4)
    assert result["expired_mb"] - result["baseline_mb"] < 200, result


@pytest.mark.real
def test_a_session_that_only_calls_the_api_keeps_well_under_a_megabyte_while_it_lives():
    result = measure_live(sessions=40, workers=2)
    assert result["per_session_mb"] < PER_SESSION_LIMIT_MB, result


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
