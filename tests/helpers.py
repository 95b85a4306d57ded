"""What several test files need: a free local port, waiting for another thread, greedy reference ids."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, limit_s: float = 60.0) -> bool:
    """Poll ``condition`` every 50 ms, at most ``limit_s``: True once it holds, False if it never did.

    For what another thread makes true (the server's queue, the scheduler); call it as
    ``assert wait_until(lambda: ...)`` so that a condition that never holds fails the test.
    """
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def reference_ids(runner, ids, **generate_kwargs) -> list[int]:
    """The new token ids of transformers' own greedy ``generate`` after ``ids``: the reference."""
    with torch.inference_mode():
        out = runner.model.generate(torch.tensor([ids]), do_sample=False, **generate_kwargs)
    return out[0, len(ids) :].tolist()


def run_async(coroutine):
    """``asyncio.run(coroutine)`` in a thread of its own: the browser tests' Playwright keeps an event
    loop running in the main thread for the whole session, where ``asyncio.run`` refuses to start."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@contextlib.contextmanager
def launched_app(**env):
    """``python app.py`` in its own process on a free port, with ``env`` added to the environment;
    yields its URL once it answers (the model loads first: minutes on a busy machine)."""
    root = Path(__file__).resolve().parents[1]
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "app.py"], cwd=root, env={**os.environ, **env, "GRADIO_SERVER_PORT": str(port)},
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 900
        while True:
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                assert server.poll() is None, "the app exited"
                assert time.monotonic() < deadline, "the app did not start"
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
