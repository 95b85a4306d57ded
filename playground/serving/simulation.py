"""Simulate a class: N synthetic requests served one at a time, then continuously batched.

Each run has a private scheduler stepped in the caller's thread, and the whole simulation takes
the model alone (``ModelRunner.alone``), as the timing lessons do: the live batch pauses while it
measures, so the two runs compare the scheduling and nothing else. The result says how long it
waited for the live step in progress (``waited_s``).
"""

from __future__ import annotations

import time

from playground import config
from playground.budget import ServingError
from playground.cost import prompt_of_length
from playground.generation import GenerationParams
from playground.sampling import SamplingParams
from playground.serving.scheduler import Scheduler


def synthetic_prompts(runner, n: int, prompt_tokens: int) -> list[list[int]]:
    """``n`` different natural-text prompts of ``prompt_tokens`` tokens (the filler shifted)."""
    base = prompt_of_length(runner, prompt_tokens + n)
    return [base[i : i + prompt_tokens] for i in range(n)]


def check_simulation(n: int, prompt_tokens: int, new_tokens: int) -> tuple[int, int, int]:
    if not 1 <= int(n) <= config.MAX_SIMULATED_REQUESTS:
        raise ServingError("serving.error.simulate_requests", limit=config.MAX_SIMULATED_REQUESTS)
    if not 1 <= int(prompt_tokens) <= config.MAX_SIMULATED_PROMPT_TOKENS:
        raise ServingError("serving.error.simulate_prompt_tokens", limit=config.MAX_SIMULATED_PROMPT_TOKENS)
    if not 1 <= int(new_tokens) <= config.MAX_SIMULATED_NEW_TOKENS:
        raise ServingError("serving.error.simulate_new_tokens", limit=config.MAX_SIMULATED_NEW_TOKENS)
    return int(n), int(prompt_tokens), int(new_tokens)


def _run_simulation(runner, prompts: list[list[int]], params: GenerationParams, batched: bool) -> dict:
    """Every prompt arrives at t = 0; a private scheduler serves them one at a time, or all
    continuously batched, stepped in this thread (which holds the model alone)."""
    scheduler = Scheduler(runner, max_batch=len(prompts) if batched else 1)
    start = time.perf_counter()
    requests = [scheduler.submit(p, params) for p in prompts]
    for request in requests:
        request.record.submitted = start
    while scheduler.step():
        pass
    total_s = time.perf_counter() - start
    records = [r.record for r in requests]
    tokens = sum(r.new_tokens for r in records)
    ttft = [r.first_token - r.submitted for r in records]
    tpot = [(r.finished - r.first_token) / (r.new_tokens - 1) for r in records if r.new_tokens > 1]
    return {
        "batched": batched,
        "requests": [
            {
                "id": i + 1,
                "submitted": 0.0,
                "admitted": r.admitted - start,
                "first_token": r.first_token - start,
                "finished": r.finished - start,
                "new_tokens": r.new_tokens,
            }
            for i, r in enumerate(records)
        ],
        "steps": [
            {"start": s.start - start, "batch": s.batch, "decode_ms": s.decode_s * 1000}
            for s in scheduler.steps
        ],
        "ttft_s": sum(ttft) / len(ttft),
        "tpot_s": sum(tpot) / len(tpot) if tpot else 0.0,
        "total_s": total_s,
        "tokens": tokens,
        "tokens_per_s": tokens / total_s if total_s else 0.0,
    }


def simulate_class(runner, n: int, prompt_tokens: int, new_tokens: int) -> dict:
    """N synthetic greedy requests of ``new_tokens`` each (EOS suppressed, so every one is the same
    work), served one at a time and then continuously batched. TTFT and TPOT are means over the
    requests (TPOT: time per output token after the first); throughput = all tokens / total time.
    Both runs take the model alone, as timing lessons do; ``waited_s`` is how long they waited for
    the live batch's step in progress."""
    n, prompt_tokens, new_tokens = check_simulation(n, prompt_tokens, new_tokens)
    params = GenerationParams(
        sampling=SamplingParams(temperature=0.0), max_new_tokens=new_tokens, min_new_tokens=new_tokens
    )
    prompts = synthetic_prompts(runner, n, prompt_tokens)
    with runner.alone() as waited_s:  # a timing lesson: the live batch pauses while it measures
        alone = _run_simulation(runner, prompts, params, batched=False)
        batched = _run_simulation(runner, prompts, params, batched=True)
    return {
        "n": n,
        "prompt_tokens": prompt_tokens,
        "new_tokens": new_tokens,
        "runs": [alone, batched],
        "waited_s": waited_s,
    }
