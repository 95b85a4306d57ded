"""Light work during a burst: 75 learners press Generate at once; how long another learner waits for
tokenizing (issue 19: it waited past 11 s once; light work must stay well under a second).

The app is launched as ``python app.py``; ``--learners`` clients (``gradio_client``, one session each)
send /generate at the same moment, while one more client tokenizes a sentence every 0.2 s until the
last answer arrives, in a process of its own (in the learners' process it would wait for their 75
threads' GIL, not for the server). Printed: the tokenize latencies (p50, p95, max) and the burst's
own figures.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_burst.py [--learners 75] [--tokens 16]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

os.environ.setdefault("PLAYGROUND_OFFLINE", "1")

from bench_sessions import Server, learner, light_during, percentile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=75)
    parser.add_argument("--tokens", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryFile("w+") as log:
        server = Server(stderr=log).wait_ready(timeout_s=600)
        try:
            clients = [learner(server.url) for _ in range(args.learners)]
            clients[0].predict(prompt="Warm up.", max_new_tokens=2, api_name="/generate")
            start = threading.Barrier(args.learners)

            def press(index: int) -> float:
                start.wait()
                began = time.perf_counter()
                clients[index].predict(
                    prompt=f"Write a sentence about the number {index}.", chat=True, temperature=0.7,
                    seed=index, max_new_tokens=args.tokens, api_name="/generate",
                )  # fmt: skip
                return time.perf_counter() - began

            load_before = os.getloadavg()[0]
            with multiprocessing.Manager() as manager, ProcessPoolExecutor(1) as side:
                busy, ready = manager.Event(), manager.Event()
                busy.set()
                light = side.submit(light_during, server.url, busy, ready)
                ready.wait(120)
                with ThreadPoolExecutor(args.learners) as pool:
                    waits = sorted(pool.map(press, range(args.learners)))
                busy.clear()
                light_s = sorted(light.result())
        finally:
            server.close()
    print(f"{args.learners} learners x {args.tokens} tokens at once (load before {load_before:.2f})")
    print(
        f"generate: p50 {percentile(waits, 0.5):.1f} s, p95 {percentile(waits, 0.95):.1f} s, "
        f"max {waits[-1]:.1f} s"
    )
    print(
        f"tokenize beside them ({len(light_s)} requests): p50 {percentile(light_s, 0.5):.2f} s, "
        f"p95 {percentile(light_s, 0.95):.2f} s, max {light_s[-1]:.2f} s"
    )


if __name__ == "__main__":
    main()
