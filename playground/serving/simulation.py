"""Simulate a class: N synthetic requests served one at a time, then continuously batched.

Each run has a private scheduler stepped in the caller's thread, and the whole simulation takes
the model alone (``ModelRunner.alone``), as the timing lessons do: the live batch pauses while it
measures, so the two runs compare the scheduling and nothing else. The result says how long it
waited for the live step in progress (``waited_s``).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from playground import config, real_engines
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
    run = _summary(
        [(r.record.admitted, r.record.first_token, r.record.finished, r.record.new_tokens) for r in requests],
        start,
        total_s,
    )
    run["steps"] = [
        {"start": s.start - start, "batch": s.batch, "decode_ms": s.decode_s * 1000} for s in scheduler.steps
    ]
    return run | {"batched": batched, "name": "batched" if batched else "alone"}


def _summary(records: list[tuple[float, float, float, int]], start: float, total_s: float) -> dict:
    """Per request (admitted, first token, finished, new tokens), all arrived at ``start``: the
    timeline rows, mean TTFT, mean TPOT (after the first token) and throughput."""
    tokens = sum(r[3] for r in records)
    ttft = [first - start for _, first, _, _ in records]
    tpot = [(end - first) / (count - 1) for _, first, end, count in records if count > 1]
    return {
        "requests": [
            {
                "id": i + 1,
                "submitted": 0.0,
                "admitted": admitted - start,
                "first_token": first - start,
                "finished": end - start,
                "new_tokens": count,
            }
            for i, (admitted, first, end, count) in enumerate(records)
        ],
        "steps": [],
        "ttft_s": sum(ttft) / len(ttft),
        "tpot_s": sum(tpot) / len(tpot) if tpot else 0.0,
        "total_s": total_s,
        "tokens": tokens,
        "tokens_per_s": tokens / total_s if total_s else 0.0,
    }


def _run_on_engine(engine, prompts: list[list[int]], params: GenerationParams, label) -> dict:
    """The same class sent at once to a real engine: one streamed request per learner (a thread each).
    Its queue is inside it, so each request counts as admitted when sent (its wait shows as prefill)."""
    start = time.perf_counter()
    ask = partial(real_engines.run_generation, engine, params=params, label=label, ignore_eos=True)
    with ThreadPoolExecutor(len(prompts)) as pool:
        answers = list(pool.map(ask, prompts))
    total_s = time.perf_counter() - start
    records = [
        (a.started, a.first_at or a.last_at, a.last_at, len(a.tokens)) for a in answers
    ]  # fmt: skip
    return _summary(records, start, total_s) | {"batched": True, "name": engine.name}


def simulate_class(runner, n: int, prompt_tokens: int, new_tokens: int, engines=()) -> dict:
    """N synthetic greedy requests of ``new_tokens`` each (EOS suppressed, so every one is the same
    work), served one at a time and then continuously batched. TTFT and TPOT are means over the
    requests (TPOT: time per output token after the first); throughput = all tokens / total time.
    Both runs take the model alone, as timing lessons do; ``waited_s`` is how long they waited for
    the live batch's step in progress. Each real engine in ``engines`` then serves the same class
    (greedy, the end of text ignored: the same work), while the model is still held alone."""
    n, prompt_tokens, new_tokens = check_simulation(n, prompt_tokens, new_tokens)
    params = GenerationParams(
        sampling=SamplingParams(temperature=0.0), max_new_tokens=new_tokens, min_new_tokens=new_tokens
    )
    prompts = synthetic_prompts(runner, n, prompt_tokens)
    with runner.alone() as waited_s:  # a timing lesson: the live batch pauses while it measures
        alone = _run_simulation(runner, prompts, params, batched=False)
        batched = _run_simulation(runner, prompts, params, batched=True)
        real = [_run_on_engine(engine, prompts, params, runner.token_label) for engine in engines]
    return {
        "n": n,
        "prompt_tokens": prompt_tokens,
        "new_tokens": new_tokens,
        "runs": [alone, batched, *real],
        "waited_s": waited_s,
    }
