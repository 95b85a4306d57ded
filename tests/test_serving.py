"""Continuous batching: every request in the batch gets what it would get alone."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
import torch

from playground import beam, charts, config, cost, serving
from playground.generation import GenerationParams, generate
from playground.sampling import SamplingParams
from playground.serving import Scheduler, ServingError
from tests.helpers import reference_ids

GREEDY = SamplingParams(temperature=0)
PROMPTS = [
    ("The capital of France is", False),
    ("Once upon a time", True),
    ("def fibonacci(n):", False),
    ("Explain in one paragraph why the sky is blue, with the physics.", True),
    ("1, 2, 3, 4,", False),
    ("Hi", True),
    ("Water boils at", False),
    ("List three colours of the rainbow.", True),
]


def run_until_idle(scheduler: Scheduler, limit: int = 2_000) -> None:
    for _ in range(limit):
        if not scheduler.step():
            return
    raise AssertionError("the scheduler did not finish")


def test_greedy_in_a_batch_equals_model_generate_for_prompts_joining_at_different_steps(real_runner):
    new_tokens = 12
    params = GenerationParams(sampling=GREEDY, max_new_tokens=new_tokens)
    prompts = [real_runner.tokenize(text, chat=chat).ids for text, chat in PROMPTS]
    scheduler = Scheduler(real_runner)
    requests = []
    for index, ids in enumerate(prompts):
        requests.append(scheduler.submit(ids, params))
        if index % 3 != 2:  # some join alone, some together, each at a different step
            scheduler.step()
    run_until_idle(scheduler)
    assert max(s.batch for s in scheduler.steps) >= 4  # they really shared the batch
    assert {len(p) for p in prompts} != {len(prompts[0])}  # so rows were padded
    for ids, request in zip(prompts, requests, strict=True):
        got = [t.id for t in request.decoder.tokens]
        reference = reference_ids(real_runner, ids, max_new_tokens=new_tokens)
        assert got == reference[: len(got)]
        assert request.record.outcome in ("length", "eos")
    assert scheduler.rows == [] and scheduler.cache is None  # every row left, the cache with them


def test_sampled_request_is_reproducible_by_seed_whatever_else_is_in_the_batch(real_runner):
    sampled = GenerationParams(
        sampling=SamplingParams(temperature=1.0, top_p=0.9, repetition_penalty=1.2), max_new_tokens=10, seed=7
    )
    ids = real_runner.tokenize("Write a short poem about the sea.", chat=True).ids
    alone = [t.id for t in generate(real_runner, ids, sampled).tokens]  # the loop without a batch

    scheduler = Scheduler(real_runner)
    others = [real_runner.tokenize(text).ids for text in ("Hello there", "The weather today is very")]
    scheduler.submit(others[0], GenerationParams(sampling=GREEDY, max_new_tokens=4))
    scheduler.step()
    scheduler.step()
    request = scheduler.submit(ids, sampled)
    scheduler.submit(
        others[1], GenerationParams(sampling=SamplingParams(temperature=1.5), max_new_tokens=15, seed=3)
    )
    run_until_idle(scheduler)
    assert [t.id for t in request.decoder.tokens] == alone


def test_stop_strings_min_max_tokens_and_eos_apply_per_request(real_runner):
    ids = real_runner.tokenize("The capital of France is", chat=False).ids
    chat_ids = real_runner.tokenize("Say hello.", chat=True).ids
    cases = [
        (ids, GenerationParams(sampling=GREEDY, max_new_tokens=20, stop=("ris",))),
        (ids, GenerationParams(sampling=GREEDY, max_new_tokens=3)),
        (chat_ids, GenerationParams(sampling=GREEDY, max_new_tokens=40)),  # ends with EOS
        (chat_ids, GenerationParams(sampling=GREEDY, max_new_tokens=24, min_new_tokens=24)),  # EOS held off
    ]
    scheduler = Scheduler(real_runner)
    requests = [scheduler.submit(p, params) for p, params in cases]
    run_until_idle(scheduler)
    reasons = []
    for (prompt, params), request in zip(cases, requests, strict=True):
        alone = generate(real_runner, prompt, params)
        state = request.decoder.state()
        assert (state.text, state.stop_reason) == (alone.text, alone.stop_reason)
        assert [t.id for t in state.tokens] == [t.id for t in alone.tokens]
        reasons.append(state.stop_reason)
    assert reasons == ["stop", "length", "eos", "length"]
    assert len(requests[3].decoder.tokens) == 24


def test_a_cancelled_request_leaves_the_batch_at_the_next_step(real_runner):
    scheduler = Scheduler(real_runner)
    ids = real_runner.tokenize("Tell me a story").ids
    keep = scheduler.submit(ids, GenerationParams(sampling=GREEDY, max_new_tokens=6, min_new_tokens=6))
    gone = scheduler.submit(ids, GenerationParams(sampling=GREEDY, max_new_tokens=200, min_new_tokens=200))
    scheduler.step()
    assert len(scheduler.rows) == 2
    scheduler.cancel(gone)
    scheduler.step()
    assert scheduler.rows == [keep] and scheduler.cache.layers[0].keys.shape[0] == 1
    assert gone.record.outcome == "cancelled" and len(gone.decoder.tokens) < 200
    run_until_idle(scheduler)
    assert keep.record.outcome == "length"


def test_a_stopped_session_ends_at_the_next_step_with_its_tokens_and_reason(real_runner):
    """The page's Stop: the stream ends normally, its last state "stopped" with the tokens so far."""
    scheduler = Scheduler(real_runner, max_batch=2)
    ids = real_runner.tokenize("Tell me a story").ids
    params = GenerationParams(sampling=GREEDY, max_new_tokens=200, min_new_tokens=200)
    mine = scheduler.submit(ids, params, session="me")
    other = scheduler.submit(ids, params, session="someone else")
    waiting = scheduler.submit(ids, params, session="me")
    scheduler.step()
    scheduler.step()
    scheduler.stop_session("me")
    scheduler.step()
    assert scheduler.rows == [other] and not scheduler.waiting
    assert mine.record.outcome == "stopped" and waiting.record.outcome == "stopped"
    states = []
    while not mine.updates.empty():
        states.append(mine.updates.get_nowait())
    assert states[-1].stop_reason == "stopped" and states[-1].tokens == states[-2].tokens  # none lost
    assert len(states[-1].tokens) == 3  # two steps: a prefill and two decodes
    assert states[-1].ttft_s > 0 and len(states[-1].step_s) == 2
    assert waiting.updates.get_nowait().stop_reason == "stopped"


def test_closing_a_stream_cancels_its_request(real_runner):
    """A handler Gradio closes (Stop, a closed tab) closes the stream: the request is cancelled."""
    scheduler = serving.service_of(real_runner).scheduler
    params = GenerationParams(sampling=GREEDY, max_new_tokens=200, min_new_tokens=200)
    request = scheduler.submit(real_runner.tokenize("Count to a thousand").ids, params)
    stream = scheduler.stream(request)
    for state in stream:
        if state is not None and len(state.tokens) >= 2:
            break
    stream.close()
    for _ in range(200):  # bounded: the scheduler drops it at its next step
        if request.done:
            break
        threading.Event().wait(0.05)
    assert request.record.outcome == "cancelled"
    assert request not in scheduler.rows


def test_a_timing_measurement_pauses_the_batch_and_short_forwards_run_between_steps(real_runner):
    scheduler = serving.service_of(real_runner).scheduler
    params = GenerationParams(sampling=GREEDY, max_new_tokens=120, min_new_tokens=120)
    request = scheduler.submit(real_runner.tokenize("Describe a forest").ids, params)
    stream = scheduler.stream(request)
    next(s for s in stream if s is not None)  # it is decoding now

    real_runner.forward(real_runner.tokenize("a short forward").ids)
    assert not request.done  # the forward did not wait for the whole generation

    with real_runner.alone() as waited_s:
        before = len(scheduler.steps)
        tokens_before = len(request.decoder.tokens)
        timeline = cost.timeline(real_runner, real_runner.tokenize("Time me").ids, 4, use_cache=True)
        # The batch made no token while we measured (at most the one step already in flight
        # finishes choosing its token): four forwards of ours, none of the batch's.
        assert len(scheduler.steps) <= before + 1 and len(request.decoder.tokens) <= tokens_before + 1
    assert waited_s >= 0 and len(timeline.step_s) == 3
    resumed = next(s for s in stream if s is not None and len(s.tokens) > tokens_before + 1)
    assert resumed.stop_reason is None  # the batch goes on after the measurement
    stream.close()


def test_generation_without_the_cache_is_capped_with_a_sentence(real_runner):
    ids = real_runner.tokenize("word " * 200).ids
    params = GenerationParams(sampling=GREEDY, max_new_tokens=200, use_cache=False)
    with pytest.raises(ServingError, match="KV cache") as error:
        next(serving.generation_stream(real_runner, ids, params))
    assert f"{config.MAX_NO_CACHE_COST:,}" in str(error.value)


def test_beam_search_and_the_sweep_stop_at_their_deadline(real_runner, monkeypatch):
    monkeypatch.setattr(config, "MODEL_DEADLINE_S", 0.0)
    ids = real_runner.tokenize("The capital of France is").ids
    with pytest.raises(ServingError, match="Beam search ran past"):
        beam.beam_search(real_runner, ids, beam.BeamParams(num_beams=2, max_new_tokens=4))
    # The sweep keeps what it measured (the shortest length, always) and names what it did not.
    sweep = cost.context_sweep(real_runner, [8, 16, 24], 1)
    assert [r["context_tokens"] for r in sweep.rows] == [8] and sweep.not_reached == (16, 24)
    assert sweep.to_api()["not_reached"] == [16, 24]


def test_simulated_class_serves_everyone_both_ways(real_runner):
    result = serving.simulate_class(real_runner, 3, 8, 4)
    alone, batched = result["runs"]
    for run in (alone, batched):
        assert run["tokens"] == 3 * 4 and len(run["requests"]) == 3
        assert all(
            r["submitted"] <= r["admitted"] <= r["first_token"] <= r["finished"] for r in run["requests"]
        )
    # One at a time, each request is admitted only once the one before it finished.
    starts = sorted(r["admitted"] for r in alone["requests"])
    ends = sorted(r["finished"] for r in alone["requests"])
    assert all(start >= end for start, end in zip(starts[1:], ends, strict=False))
    # Batched, all three were prefilled together, before any had its first token.
    assert max(r["admitted"] for r in batched["requests"]) < min(
        r["first_token"] for r in batched["requests"]
    )
    with pytest.raises(ServingError, match="learners"):
        serving.check_simulation(config.MAX_SIMULATED_REQUESTS + 1, 8, 4)


def test_serving_series_and_charts_are_well_formed():
    requests = [
        {"id": 1, "own": True, "submitted": -5.0, "admitted": -4.0, "first_token": -3.5, "finished": -1.0,
         "new_tokens": 8, "outcome": "length"},
        {"id": 2, "own": False, "submitted": -2.0, "admitted": None, "first_token": None, "finished": None,
         "new_tokens": 0, "outcome": None},
    ]  # fmt: skip
    rows = serving.timeline_rows(requests)
    assert [p["phase"] for p in rows[0]["phases"]] == ["waiting", "prefill", "decoding"]
    assert rows[1]["phases"] == [{"phase": "waiting", "start": -2.0, "end": 0.0}]  # still waiting now
    steps = [{"start": -3.0 + i * 0.5, "batch": b, "decode_ms": 20.0 + b, "prefill_rows": 0} for i, b in
             enumerate([1, 2, 2, 3])]  # fmt: skip
    bins = serving.throughput_bins(steps, bin_s=1.0)
    assert sum(b["total_tokens_per_s"] for b in bins) == 8  # every row's token, counted once
    import plotly.graph_objects as go

    figures = [
        charts.serving_timeline(rows, "s"),
        charts.serving_steps(steps),
        charts.serving_throughput(bins, "s"),
        charts.simulated_class([{"title": "a", "rows": rows}, {"title": "b", "rows": rows}]),
    ]
    for figure in figures:
        go.Figure(figure.to_dict())  # validated: a wrong property fails here
    assert len(figures[0].data) == 3 and figures[0].data[0].x[0] == 1.0  # waiting bar, 1 s long


def test_a_request_cancelled_while_waiting_never_reaches_the_batch(real_runner):
    scheduler = Scheduler(real_runner, max_batch=1)
    ids = real_runner.tokenize("Hello").ids
    running = scheduler.submit(ids, GenerationParams(sampling=GREEDY, max_new_tokens=3, min_new_tokens=3))
    waiting = scheduler.submit(ids, GenerationParams(sampling=GREEDY, max_new_tokens=3))
    scheduler.step()
    assert scheduler.rows == [running] and list(scheduler.waiting) == [waiting]  # the batch is full
    scheduler.cancel(waiting)
    scheduler.step()
    assert waiting.record.outcome == "cancelled" and waiting.record.admitted is None
    assert not scheduler.waiting
    run_until_idle(scheduler)
    assert running.record.outcome == "length"


def _cost_of(chunks: list[list[int]], lengths: list[int], overhead: int) -> int:
    return sum(len(c) * max(lengths[i] for i in c) + overhead for c in chunks)


def _cheapest_split(lengths: list[int], overhead: int) -> int:
    """Every way of cutting the sorted lengths into runs, written out (a reference for the DP)."""
    ordered = sorted(lengths)
    best = None
    for mask in range(1 << max(0, len(ordered) - 1)):
        cost, start = 0, 0
        for i in range(len(ordered)):
            if i == len(ordered) - 1 or mask >> i & 1:
                cost += (i + 1 - start) * ordered[i] + overhead
                start = i + 1
        best = cost if best is None else min(best, cost)
    return best or 0


@pytest.mark.parametrize("seed", range(12))
def test_prefill_chunks_is_the_cheapest_split_and_covers_every_prompt_once(seed):
    generator = torch.Generator().manual_seed(seed)
    n = int(torch.randint(1, 9, (1,), generator=generator))
    lengths = torch.randint(1, 200, (n,), generator=generator).tolist()
    overhead = [0, 16, 64, 1000][seed % 4]
    chunks = serving.prefill_chunks(lengths, overhead)
    assert sorted(i for c in chunks for i in c) == list(range(n))
    assert _cost_of(chunks, lengths, overhead) == _cheapest_split(lengths, overhead)


def test_prefill_chunks_groups_short_and_long_prompts_apart():
    lengths = [38, 7, 39, 8, 36, 9, 10, 37]
    chunks = serving.prefill_chunks(lengths, overhead=64)
    assert [sorted(lengths[i] for i in c) for c in chunks] == [[7, 8, 9, 10], [36, 37, 38, 39]]
    assert serving.prefill_chunks([], 64) == []
    assert serving.prefill_chunks([5, 6], overhead=10_000) == [[0, 1]]  # one pass when passes are dear


def test_prompts_admitted_together_prefill_in_passes_by_length_and_still_equal_generate(real_runner):
    new_tokens = 8
    params = GenerationParams(sampling=GREEDY, max_new_tokens=new_tokens)
    short = [real_runner.tokenize(text, chat=False).ids for text in ("Hi", "Water boils at", "1, 2, 3,")]
    long = [real_runner.tokenize(text, chat=True).ids for text in ("Once upon a time", "Name a colour.")]
    prompts = [short[0], long[0], short[1], long[1], short[2]]
    scheduler = Scheduler(real_runner)
    requests = [scheduler.submit(ids, params) for ids in prompts]
    scheduler.step()
    first = scheduler.steps[0]
    assert first.prefill_rows == len(prompts)
    # Two passes: padded tokens are the short ones to the longest short plus the long ones likewise.
    assert first.prefill_tokens == 3 * max(map(len, short)) + 2 * max(map(len, long))
    assert first.prefill_tokens < len(prompts) * max(map(len, prompts))
    run_until_idle(scheduler)
    for ids, request in zip(prompts, requests, strict=True):
        got = [t.id for t in request.decoder.tokens]
        assert got == reference_ids(real_runner, ids, max_new_tokens=new_tokens)[: len(got)]


def test_the_scheduler_thread_leaves_a_core_to_the_web_server(monkeypatch):
    monkeypatch.delenv("PLAYGROUND_SCHEDULER_THREADS", raising=False)
    monkeypatch.setenv("PLAYGROUND_THREADS", "2")
    assert config.scheduler_threads() == 1
    monkeypatch.setenv("PLAYGROUND_THREADS", "1")
    assert config.scheduler_threads() == 1
    monkeypatch.setenv("PLAYGROUND_SCHEDULER_THREADS", "3")
    assert config.scheduler_threads() == 3


# --- prefix caching: a fork starts from the original generation's KV cache ----------------------


def test_a_fork_starts_from_its_sessions_kept_cache_and_reproduces_the_generation(real_runner):
    prompt = real_runner.tokenize("Tell me a story about a cat.", chat=True).ids
    for sampling in (GREEDY, SamplingParams(temperature=0.9, top_p=0.95)):
        params = GenerationParams(sampling=sampling, max_new_tokens=16, seed=3)
        scheduler = Scheduler(real_runner)
        original = scheduler.submit(prompt, params, session="a")
        run_until_idle(scheduler)
        ids = [t.id for t in original.decoder.tokens]
        assert original.record.cached_tokens == 0 and len(ids) == 16
        (key,) = [k for k in scheduler.prefix_cache.entries]
        assert key == ("a", tuple(prompt + ids[:-1]))  # every token fed, the last chosen one not
        for k in (1, 7, 15):
            fork = scheduler.submit(
                prompt, replace(params, prefix_ids=tuple(ids[:k]), max_new_tokens=16 - k), "a"
            )
            before = len(scheduler.steps)
            run_until_idle(scheduler)
            assert fork.record.cached_tokens == fork.decoder.state().cached_tokens == len(prompt) + k - 1
            assert scheduler.steps[before].prefill_tokens == 1  # only the last prefix token was fed
            assert [t.id for t in fork.decoder.tokens] == ids[k:]
        other = scheduler.submit(prompt, replace(params, prefix_ids=tuple(ids[:7]), max_new_tokens=9), "b")
        run_until_idle(scheduler)
        assert other.record.cached_tokens == 0  # another session's cache is not used
        assert [t.id for t in other.decoder.tokens] == ids[7:]


def test_a_fork_from_the_cache_joins_a_running_batch_and_equals_generate(real_runner):
    prompt = real_runner.tokenize("The capital of France is").ids
    params = GenerationParams(sampling=GREEDY, max_new_tokens=10)
    scheduler = Scheduler(real_runner)
    original = scheduler.submit(prompt, params, session="s")
    run_until_idle(scheduler)
    ids = [t.id for t in original.decoder.tokens]
    forced = 1000 if ids[3] != 1000 else 1001  # another token there
    others = [
        scheduler.submit(real_runner.tokenize(text).ids, params) for text in ("Once upon a time", "1, 2, 3")
    ]
    scheduler.step()  # the others are decoding when the fork arrives
    fork = scheduler.submit(prompt, replace(params, prefix_ids=(*ids[:3], forced), max_new_tokens=6), "s")
    run_until_idle(scheduler)
    assert fork.record.cached_tokens == len(prompt) + 3
    assert max(s.batch for s in scheduler.steps) == 3
    got = [t.id for t in fork.decoder.tokens]
    assert got == reference_ids(real_runner, prompt + ids[:3] + [forced], max_new_tokens=6)[: len(got)]
    for request in others:
        got = [t.id for t in request.decoder.tokens]
        assert got == reference_ids(real_runner, request.decoder.prompt_ids, max_new_tokens=10)[: len(got)]


def test_the_prefix_cache_is_bounded_per_session_and_in_bytes():
    def layers(n: int) -> list:
        return [(torch.zeros(1, 1, n, 4), torch.zeros(1, 1, n, 4))]  # 32 bytes per token

    cache = serving.PrefixCache(max_bytes=32 * 100, per_session=2)
    cache.put("a", (1, 2, 3), layers(3))
    cache.put("a", (1, 2, 4), layers(3))
    cache.put("a", (1, 2, 5), layers(3))
    assert [k for k in cache.entries] == [("a", (1, 2, 4)), ("a", (1, 2, 5))]  # the oldest of "a" went
    assert cache.find("a", [1, 2, 4, 9]) == (3, cache.entries[("a", (1, 2, 4))])
    assert cache.find("a", [1, 2, 4])[0] == 2  # the last token is always fed
    assert cache.find("b", [1, 2, 4, 9]) == (0, None)
    assert cache.find("a", [7, 8]) == (0, None)
    cache.put("b", tuple(range(98)), layers(98))  # over the byte budget: least recently used go
    assert cache.bytes <= 32 * 100 and ("b", tuple(range(98))) in cache.entries
    assert [k[0] for k in cache.entries] == ["b"]
    cache.put("c", tuple(range(200)), layers(200))  # larger than the whole budget: not kept
    assert ("c", tuple(range(200))) not in cache.entries and cache.bytes <= 32 * 100


def test_cancelled_and_sessionless_requests_leave_no_cache(real_runner):
    prompt = real_runner.tokenize("Hi").ids
    params = GenerationParams(sampling=GREEDY, max_new_tokens=30, min_new_tokens=30)
    scheduler = Scheduler(real_runner)
    anonymous = scheduler.submit(prompt, params)
    cancelled = scheduler.submit(prompt, params, session="x")
    scheduler.step()
    scheduler.cancel(cancelled)
    run_until_idle(scheduler)
    assert anonymous.record.outcome == "length" and cancelled.record.outcome == "cancelled"
    assert not scheduler.prefix_cache.entries


def test_a_throttled_stream_sends_the_newest_state_at_its_heartbeat_never_a_stale_one(tiny_runner):
    """An API client's stream (``every_s``): when its heartbeat comes before the next step's wake-up,
    it sends the newest tokens, not the last state it sent again (each message was once doubled)."""
    import asyncio

    from playground.serving.streaming import request_states
    from tests.helpers import run_async

    scheduler = Scheduler(tiny_runner)
    ids = tiny_runner.tokenize("Hello there").ids
    request = scheduler.submit(ids, GenerationParams(sampling=GREEDY, max_new_tokens=6, min_new_tokens=6))

    async def sent() -> list:
        states = request_states(request, scheduler, every_s=60.0, heartbeat_s=0.05)
        got = [await anext(states)]  # None: the handler has started
        scheduler.step()  # the prefill's token and the first decode's: due at once
        got.append(await anext(states))
        # Three more tokens while the stream waits, within the 60 s throttle: no wake-up.
        asyncio.get_running_loop().call_later(0.01, lambda: [scheduler.step() for _ in range(3)])
        got.append(await anext(states))  # the heartbeat
        got.append(await anext(states))  # the next heartbeat: nothing new since
        await states.aclose()
        return got

    none, first, heartbeat, quiet = run_async(sent())
    assert none is None
    assert len(first.tokens) == 2
    assert len(heartbeat.tokens) == 5  # the newest, where it once sent the two-token state again
    assert quiet is heartbeat  # nothing new: the newest state again, so Gradio can close the handler
    assert request.cancelled  # leaving the stream takes the request out of the batch
