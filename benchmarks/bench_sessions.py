"""Memory of many sessions: the server's RSS after N sessions of mixed use, before and after they expire.

Two measurements. ``measure`` (the default): a real server (``python app.py`` in its own process,
loopback only) with a short session time limit (PLAYGROUND_SESSION_TTL_S) is warmed up with one
request of each kind, measured (the baseline), then N real ``gradio_client`` sessions each tokenize
a long Telugu text, and some also ask for attention maps and next-token logits, a few at a time.
The RSS is read from /proc when they finish and again once every session has expired. The goal:
back within 200 MB of the baseline.

``measure_live`` (``--live``): what a session that only calls the API costs while it lives. A server
whose sessions do not expire during the run, warmed up, then N sessions (half on ``/``, half on
``/te/``) that each tokenize a 2,000-character Telugu text and ask for attention maps and
next-token logits; the RSS growth divided by N. The goal: well under 0.5 MB a session.

``measure_expiry`` (``--expiry``): what expiring sessions cost the others. Two servers one after the
other, sessions lasting 4 s, one frozen start-up heap (the default) and one not
(``PLAYGROUND_FREEZE_HEAP=0``): while waves of sessions come and expire, another learner tokenizes a
sentence every 0.1 s; its latencies (p50, p95, max) on each. Each sweep that drops a session collects
the garbage: without the freeze, a full collection of the start-up heap held the GIL for ~0.37 s.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_sessions.py [--sessions 500] [--ttl 5]
    PYTHONPATH=. .venv/bin/python benchmarks/bench_sessions.py --live [--sessions 120]
    PYTHONPATH=. .venv/bin/python benchmarks/bench_sessions.py --expiry [--waves 5]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from playground import config

ROOT = Path(__file__).resolve().parent.parent
TELUGU = "తెలుగు భాష ఒక ద్రావిడ భాష. "
ATTENTION_PROMPT = " ".join(["The capital of France is Paris."] * 9)  # about 64 tokens


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_TLS = None


def learner(url: str, fresh_tls: bool = False):
    """One learner's ``gradio_client`` (a session of its own) for a class run from one process.

    By default a learner's client builds a new TLS context for every call, even to an http:// address:
    two per ``predict`` (the queue's join and its event stream), each loading the system's CA
    certificates, about 40 ms of this process's CPU under its GIL. Thirty learners starting at once in
    one process then reach the server over 1.1-1.4 s instead of 0.1-0.25 s (measured on 2 cores), time in
    which the batch waits for a class that thirty browsers on thirty machines would have sent at once.
    So the learners share one context (httpx takes an ``ssl.SSLContext`` as ``verify``); ``fresh_tls``
    keeps gradio_client's default."""
    global _TLS
    from gradio_client import Client

    if fresh_tls:
        return Client(url, verbose=False)
    if _TLS is None:
        _TLS = ssl.create_default_context()
    return Client(url, verbose=False, ssl_verify=_TLS)


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from /proc/<pid>/status (VmRSS, kB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


class Server:
    """``python app.py`` in its own process on a free loopback port; with ``ttl_s``, a short session
    time limit; ``env``: more environment variables. Its error output goes to ``stderr`` (a file to
    read when something fails)."""

    def __init__(self, ttl_s: float | None = None, stderr=subprocess.DEVNULL, env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        extra, env = (
            env or {},
            os.environ
            | {
                "GRADIO_SERVER_NAME": "127.0.0.1",
                "GRADIO_SERVER_PORT": str(self.port),
                "GRADIO_ANALYTICS_ENABLED": "False",
                "PLAYGROUND_OFFLINE": "1",
                "HF_HUB_OFFLINE": "1",
                "PYTHONPATH": str(ROOT),
            },
        )
        if ttl_s is not None:
            env["PLAYGROUND_SESSION_TTL_S"] = str(ttl_s)
        env |= extra
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py")],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )

    def wait_ready(self, timeout_s: float = 180.0) -> Server:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the server exited during start-up")
            try:
                if httpx.get(f"{self.url}/gradio_api/info", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.close()  # a server still starting would outlive its caller
        raise RuntimeError("the server did not start in time")

    @property
    def rss_mb(self) -> float:
        return rss_mb(self.process.pid)

    def stop(self, timeout_s: float = 20.0) -> float:
        """SIGTERM, as a Space or Ctrl+C stops it; the seconds it took to exit (killed past ``timeout_s``)."""
        start = time.monotonic()
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise RuntimeError(f"the server did not exit within {timeout_s:g} s of SIGTERM") from None
        return time.monotonic() - start

    def close(self) -> None:
        """Stop it, whatever it takes (killed if SIGTERM is not enough)."""
        if self.process.poll() is None:
            with contextlib.suppress(RuntimeError):
                self.stop()


def one_session(url: str, index: int, telugu_chars: int) -> int:
    """One learner: a new session that tokenizes a long text, and sometimes runs the model."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    text = (TELUGU * (telugu_chars // len(TELUGU) + 1))[:telugu_chars]
    answer = client.predict(text, "", api_name="/tokenize")
    if index % 2 == 0:
        client.predict(ATTENTION_PROMPT, False, index % 30, -1, api_name="/attention")
    if index % 5 == 0:
        client.predict(
            "The capital of France is", False, 0.0, 0, 1.0, 0.0, 0.0, 0.0, 1.0, 0, api_name="/next_token"
        )
    return answer["num_tokens"]


def api_session(url: str, index: int, telugu_chars: int = 2_000) -> int:
    """A session that only calls the API: no ``gr.State`` of ours is kept for it."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    text = (TELUGU * (telugu_chars // len(TELUGU) + 1))[:telugu_chars]
    answer = client.predict(text, "", api_name="/tokenize")
    client.predict(ATTENTION_PROMPT, False, index % 30, -1, api_name="/attention")
    client.predict(
        "The capital of France is", False, 0.0, 0, 1.0, 0.0, 0.0, 0.0, 1.0, 0, api_name="/next_token"
    )
    return answer["num_tokens"]


def run_api_sessions(url: str, sessions: int, workers: int = 2) -> None:
    """``sessions`` API-only sessions, every other one on the Telugu page's API."""
    pages = [url + "/", url + "/te/"]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(lambda i: api_session(pages[i % 2], i), range(sessions)))


def measure_live(sessions: int, workers: int = 2, server: Server | None = None) -> dict:
    """RSS of a fresh server (warmed up) and after ``sessions`` API-only sessions that are still
    alive (a one-hour session time limit), in MB; ``per_session_mb`` is the growth per session."""
    own = server is None
    server = server or Server(ttl_s=3600)
    try:
        server.wait_ready(timeout_s=600)
        run_api_sessions(server.url, 8, workers)  # lazy allocations and allocator arenas: baseline
        baseline = server.rss_mb
        start = time.monotonic()
        run_api_sessions(server.url, sessions, workers)
        elapsed = time.monotonic() - start
        loaded = server.rss_mb
        time.sleep(config.HEAP_TRIM_S + 3)  # the server gives freed heap pages back this often
        settled = server.rss_mb
    finally:
        if own:
            server.close()
    return {
        "baseline_mb": baseline,
        "loaded_mb": loaded,
        "settled_mb": settled,
        "per_session_mb": (loaded - baseline) / sessions,
        "settled_per_session_mb": (settled - baseline) / sessions,
        "elapsed_s": elapsed,
    }


def run_sessions(url: str, sessions: int, workers: int = 4, telugu_chars: int = 20_000) -> list[int]:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda i: one_session(url, i, telugu_chars), range(sessions)))


def measure(sessions: int, ttl_s: float, settle_s: float, workers: int = 4) -> dict:
    """Baseline, after-load and after-expiry RSS of a fresh server, in MB."""
    server = Server(ttl_s).wait_ready()
    try:
        run_sessions(server.url, 2, workers=1)  # warm-up: lazy allocations belong to the baseline
        time.sleep(ttl_s + 3)
        baseline = server.rss_mb
        start = time.monotonic()
        run_sessions(server.url, sessions, workers)
        loaded = server.rss_mb
        elapsed = time.monotonic() - start
        time.sleep(settle_s)
        expired = server.rss_mb
    finally:
        server.close()
    return {"baseline_mb": baseline, "loaded_mb": loaded, "expired_mb": expired, "elapsed_s": elapsed}


def percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, round(q * (len(sorted_values) - 1)))]


def light_during(url: str, busy, ready=None, every_s: float = 0.2) -> list[float]:
    """Another learner's tokenize requests every ``every_s`` while ``busy`` (an Event) is set:
    each one's latency (s).
    Its page is open already: one request first (not counted), then ``ready`` is set."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    client.predict("Already connected.", "", api_name="/tokenize")
    if ready is not None:
        ready.set()
    latencies = []
    while busy.is_set():
        start = time.perf_counter()
        client.predict("A learner types a sentence to see its tokens.", "", api_name="/tokenize")
        latencies.append(time.perf_counter() - start)
        time.sleep(every_s)
    return latencies


def light_while_expiring(freeze: bool, waves: int, per_wave: int = 8, ttl_s: float = 4.0) -> list[float]:
    """Tokenize latencies (s, sorted) of one learner (``light_during``, every 0.1 s) while ``waves``
    waves of ``per_wave`` sessions come and expire, on a server whose start-up heap is frozen or not."""
    server = Server(ttl_s, env={"PLAYGROUND_FREEZE_HEAP": "1" if freeze else "0"}).wait_ready(timeout_s=600)
    try:
        busy, ready = threading.Event(), threading.Event()
        busy.set()
        with ThreadPoolExecutor(max_workers=1) as side:
            watcher = side.submit(light_during, server.url, busy, ready, 0.1)
            ready.wait(120)
            for _ in range(waves):
                run_sessions(server.url, per_wave, workers=4, telugu_chars=2_000)
                time.sleep(ttl_s * 0.6)
            time.sleep(ttl_s + 2)  # the last wave expires too
            busy.clear()
            latencies = watcher.result()
    finally:
        server.close()
    return sorted(latencies)


def measure_expiry(waves: int) -> dict:
    """``light_while_expiring`` on a frozen heap and on Python's default, one after the other."""
    heaps = {"frozen": True, "default": False}
    return {name: light_while_expiring(freeze, waves) for name, freeze in heaps.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=500)
    parser.add_argument("--ttl", type=float, default=5.0, help="session time limit, seconds")
    parser.add_argument("--settle", type=float, default=20.0, help="seconds to wait for expiry")
    parser.add_argument("--live", action="store_true", help="API-only sessions, measured while they live")
    parser.add_argument("--expiry", action="store_true", help="light work while sessions expire")
    parser.add_argument("--waves", type=int, default=5, help="--expiry: waves of 8 sessions")
    args = parser.parse_args()
    if args.expiry:
        results = measure_expiry(args.waves)
        for name, latencies in results.items():
            p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
            slow = sum(latency > 0.3 for latency in latencies)
            print(
                f"tokenize while sessions expire, {name + ' heap:':<13} {len(latencies)} requests, p50 "
                f"{p50 * 1000:4.0f} ms, p95 {p95 * 1000:4.0f} ms, max {latencies[-1] * 1000:4.0f} ms, "
                f"{slow} over 300 ms"
            )
        frozen, default = results["frozen"], results["default"]
        print(f"max latency frozen / default: {frozen[-1] / default[-1]:.2f}")
        return
    if args.live:
        live = measure_live(args.sessions)
        print(f"{args.sessions} API-only sessions (/ and /te/) in {live['elapsed_s']:.0f} s, still alive")
        print(f"RSS fresh (warmed up):      {live['baseline_mb']:8.1f} MB")
        print(f"RSS with the sessions:      {live['loaded_mb']:8.1f} MB")
        print(f"per session:                {live['per_session_mb']:8.2f} MB")
        print(f"RSS {config.HEAP_TRIM_S + 3:.0f} s later:          {live['settled_mb']:8.1f} MB")
        settled = live["settled_per_session_mb"]
        print(f"per session then:           {settled:8.2f} MB  (goal: well under 0.5 MB)")
        return
    result = measure(args.sessions, args.ttl, args.settle)
    grew = result["expired_mb"] - result["baseline_mb"]
    print(
        f"{args.sessions} sessions of mixed use in {result['elapsed_s']:.0f} s (session TTL {args.ttl:g} s)"
    )
    print(f"RSS fresh (warmed up):      {result['baseline_mb']:8.1f} MB")
    print(f"RSS after the sessions:     {result['loaded_mb']:8.1f} MB")
    print(
        f"RSS after they expired:     {result['expired_mb']:8.1f} MB  ({grew:+.1f} MB; goal: under +200 MB)"
    )


if __name__ == "__main__":
    main()
