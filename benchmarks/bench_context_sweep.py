"""The default context-length sweep, timed end to end: it must finish within a minute on 2 cores.

Also reports, from the same run, how much slower a cache-less decode step is than a cached one at
the longest length: the KV cache's speed-up.
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("PLAYGROUND_OFFLINE", "1")

from playground import config, cost
from playground.runner import ModelRunner


def main() -> None:
    runner = ModelRunner.load()
    lengths = cost.parse_lengths(config.DEFAULT_SWEEP)
    start = time.perf_counter()
    cost.warm_up(runner)
    result = cost.context_sweep(runner, lengths, config.DEFAULT_REPEATS)
    elapsed = time.perf_counter() - start
    print(
        f"default sweep {config.DEFAULT_SWEEP} x {config.DEFAULT_REPEATS} repeats: "
        f"{elapsed:.1f} s (limit 60 s)"
    )
    for row in result.rows:
        print(
            f"  {row['context_tokens']:>5} tokens: prefill {row['prefill_s'] * 1000:7.0f} ms, "
            f"decode {row['decode_s_per_token'] * 1000:5.0f} ms with cache, "
            f"{row['decode_s_per_token_no_cache'] * 1000:6.0f} ms without, "
            f"KV {row['kv_cache_bytes'] / 2**20:5.1f} MiB "
            f"(formula {row['kv_cache_bytes_formula'] / 2**20:5.1f})"
        )
    last = result.rows[-1]
    print(f"ratio no-cache / cache decode at {last['context_tokens']} tokens: "
          f"{last['decode_s_per_token_no_cache'] / last['decode_s_per_token']:.1f}x")  # fmt: skip
    if elapsed > 60:
        raise SystemExit("the default sweep took longer than a minute")


if __name__ == "__main__":
    main()
