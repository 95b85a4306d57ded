"""Logit lens cost against one plain forward pass of the same prompt, in one run.

The lens request is what /logit_lens costs: one forward pass with hidden states, then the final
norm and output layer on the chosen position's 31 hidden states (31 x 576 @ 576 x 49,152), softmax,
top tokens and the final choice's rank. Changing the position afterwards costs only the second part.
Calls alternate (lens, forward, lens, ...) so that load from other processes on a shared machine
falls on both alike; the ratio is the median of the paired ratios.
"""

from __future__ import annotations

import os

os.environ.setdefault("PLAYGROUND_OFFLINE", "1")

import statistics
import time

from playground import lens
from playground.runner import ModelRunner

REPEATS = 15
PROMPTS = {
    "5-token prompt": "The capital of France is",
    "64-token prompt": " ".join(["the quick brown fox jumps over the lazy dog while the cat sleeps"] * 6),
}


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    runner = ModelRunner.load()
    print(f"median of {REPEATS} alternating runs each, on this machine")
    for name, text in PROMPTS.items():
        ids = runner.tokenize(text).ids[:64]
        states = lens.prompt_states(runner, ids)

        def request(ids=ids):
            return lens.logit_lens(runner, lens.prompt_states(runner, ids))

        def move(states=states):
            return lens.logit_lens(runner, states, 0)

        request(), runner.forward(ids), move()  # warm-up
        lens_s, forward_s, move_s = [], [], []
        for _ in range(REPEATS):
            lens_s.append(timed(request))
            forward_s.append(timed(lambda ids=ids: runner.forward(ids)))
            move_s.append(timed(move))
        ratio = statistics.median(a / b for a, b in zip(lens_s, forward_s, strict=True))
        print(
            f"{name} ({len(ids)} tokens): lens request {statistics.median(lens_s) * 1000:.0f} ms, "
            f"plain forward {statistics.median(forward_s) * 1000:.0f} ms, ratio {ratio:.2f}x; "
            f"another position from the kept states {statistics.median(move_s) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
