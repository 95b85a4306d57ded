"""The one way the benchmarks time a call: median of n runs after one warm-up."""

from __future__ import annotations

import statistics
import time


def median_s(fn, repeats: int) -> float:
    fn()  # warm-up: one-time costs (allocations, lazy imports) are not the thing measured
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
