"""A class polling while the model works: does light work delay model work?

A real server (``python app.py`` in its own process, loopback only). One class of N students (default
30) joined through the API; then /next_token is timed M times with nobody polling (the reference),
and M times while every student polls ``/class_state`` every ``--every`` seconds (Gradio's REST API:
POST /gradio_api/call/class_state, then its event stream, as light on the client as a browser's
poll). Printed: the polls' latency (p50/p95/max) and /next_token's median alone and polled, and
their ratio (the aim: close to 1).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_class.py [--students 30] [--every 1.5] [--model-calls 8]
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

import httpx
from gradio_client import Client

from playground.api.endpoints import NEXT_TOKEN
from tests.helpers import launched_app

PROMPT = "The capital of France is"


def call(http: httpx.Client, url: str, name: str, data: list) -> float:
    """One REST call of a public endpoint, to its answer; its seconds."""
    start = time.perf_counter()
    event = http.post(f"{url}/gradio_api/call/{name}", json={"data": data}).json()["event_id"]
    with http.stream("GET", f"{url}/gradio_api/call/{name}/{event}") as answer:
        for line in answer.iter_lines():
            if line.startswith("event: error"):
                raise RuntimeError(f"/{name} failed: {answer.read()!r}")
            if line.startswith("event: complete"):
                break
    return time.perf_counter() - start


def timed_model(http: httpx.Client, url: str, calls: int) -> list[float]:
    """/next_token's seconds, ``calls`` times (every parameter given: the REST API takes them all)."""
    data = [PROMPT if p.name == "prompt" else p.default for p in NEXT_TOKEN.params]
    return [call(http, url, "next_token", data) for _ in range(calls)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--every", type=float, default=1.5)
    parser.add_argument("--model-calls", type=int, default=8)
    args = parser.parse_args()
    with launched_app() as url:
        url = url.rstrip("/")
        client = Client(url + "/", verbose=False)
        room = client.predict("", api_name="/class_create")
        keys = [
            client.predict(room["class_code"], "", api_name="/class_join")["student_key"]
            for _ in range(args.students)
        ]
        client.predict(
            room["teacher_key"],
            "logits",
            {"prompt": PROMPT},
            {"kind": "next_token", "text": ""},
            api_name="/class_push",
        )
        with httpx.Client(timeout=120) as http:
            timed_model(http, url, 2)  # warm-up
            alone = timed_model(http, url, args.model_calls)
            polls: list[float] = []
            stop = threading.Event()

            def student(key: str) -> None:
                with httpx.Client(timeout=120) as mine:
                    while not stop.is_set():
                        polls.append(call(mine, url, "class_state", [key]))
                        stop.wait(args.every)

            threads = [threading.Thread(target=student, args=(key,)) for key in keys]
            for thread in threads:
                thread.start()
            time.sleep(args.every * 2)  # every student polling
            polled = timed_model(http, url, args.model_calls)
            stop.set()
            for thread in threads:
                thread.join()
    polls.sort()
    print(f"{args.students} students polling every {args.every:g} s: {len(polls)} polls")
    p50, p95 = polls[len(polls) // 2], polls[int(len(polls) * 0.95)]
    print(f"  poll latency p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {polls[-1] * 1000:.0f} ms")
    a, p = statistics.median(alone), statistics.median(polled)
    print(f"  /next_token median alone {a * 1000:.0f} ms, while polled {p * 1000:.0f} ms: ratio {p / a:.2f}")


if __name__ == "__main__":
    main()
