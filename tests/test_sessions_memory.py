"""Memory of many sessions with a real server: it comes back once they expire (bounded, loopback only).

The smaller twin of benchmarks/bench_sessions.py: a fresh ``python app.py`` with a 2-second session
time limit, 40 real gradio_client sessions of mixed use, then the server's RSS against its own
baseline. Before sessions expired, each such session kept about 20 MB for good.
"""

from __future__ import annotations

import pytest

from benchmarks.bench_sessions import measure

pytestmark = pytest.mark.real


def test_memory_returns_near_the_baseline_once_sessions_expire():
    result = measure(sessions=40, ttl_s=2.0, settle_s=10.0, workers=4)
    assert result["expired_mb"] - result["baseline_mb"] < 200, result
