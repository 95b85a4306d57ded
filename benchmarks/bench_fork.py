"""A fork from the kept KV cache against a fork that prefills prompt and shared tokens again.

One generation (a long chat prompt, greedy) runs through the serving scheduler under a session,
so its cache rows are kept; then the same fork (at a late token, a few new tokens) runs twice:
from the same session (it starts from the kept cache and feeds only the forced token) and from
another session (nothing kept: prompt and shared tokens are prefilled in one pass). Same tokens
both ways; the time to the fork's first token and to its end, median of 5 runs each.

    PYTHONPATH=. python benchmarks/bench_fork.py
"""

from __future__ import annotations

import itertools
import os
import time
from dataclasses import replace

os.environ.setdefault("PLAYGROUND_OFFLINE", "1")

from timing import median_s

from playground.generation import GenerationParams
from playground.runner import ModelRunner
from playground.sampling import SamplingParams
from playground.serving import Scheduler

PROMPT = "Explain, step by step and with examples, how a transformer language model writes text. " * 4
NEW_TOKENS = 96
FORK_AT = 80
FORK_TOKENS = 4


def main() -> None:
    runner = ModelRunner.load()
    prompt = runner.tokenize(PROMPT, chat=True).ids
    params = GenerationParams(
        SamplingParams(temperature=0), max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS
    )
    scheduler = Scheduler(runner)
    original = scheduler.submit(prompt, params, session="learner")
    while scheduler.step():
        pass
    ids = [token.id for token in original.decoder.tokens]
    forced = 1000 if ids[FORK_AT] != 1000 else 1001
    fork = replace(
        params, prefix_ids=(*ids[:FORK_AT], forced), max_new_tokens=FORK_TOKENS, min_new_tokens=FORK_TOKENS
    )
    results, others = {}, itertools.count()

    def run(name: str, session: str) -> None:
        request = scheduler.submit(prompt, fork, session=session)
        while scheduler.step():
            pass
        results[name] = ([t.id for t in request.decoder.tokens], request.record)

    reused_s = median_s(lambda: run("learner", "learner"), 5)
    fresh_s = median_s(lambda: run("someone else", f"someone else {next(others)}"), 5)  # nothing kept
    (reused_ids, reused), (fresh_ids, fresh) = results["learner"], results["someone else"]
    assert reused_ids == fresh_ids, "a fork must not depend on where its cache came from"
    assert reused.cached_tokens == len(prompt) + FORK_AT and fresh.cached_tokens == 0
    ttft = {name: record.first_token - record.submitted for name, (_, record) in results.items()}
    print(
        f"prompt {len(prompt)} tokens, generation {NEW_TOKENS} tokens, "
        f"fork at token {FORK_AT + 1}, {FORK_TOKENS} new"
    )
    print(
        f"from the kept cache ({reused.cached_tokens} tokens reused, 1 fed): {reused_s * 1000:.0f} ms, "
        f"first token {ttft['learner'] * 1000:.0f} ms"
    )
    print(
        f"prefilled again ({len(prompt) + FORK_AT + 1} tokens fed):        {fresh_s * 1000:.0f} ms, "
        f"first token {ttft['someone else'] * 1000:.0f} ms"
    )
    print(
        f"reuse: {fresh_s / reused_s:.1f}x faster in all, "
        f"{ttft['someone else'] / ttft['learner']:.1f}x to the first token"
    )


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"({time.perf_counter() - start:.0f} s)")
