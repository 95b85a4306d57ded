"""Serving a class: continuous batching measured in one run on this machine.

1. Fidelity: prompts of different lengths join one batch at different steps; how many of them get
   exactly ``model.generate(do_sample=False)``'s greedy tokens (padding could flip a token).
2. A request alone through the scheduler against ``model.generate`` and against the plain
   decoding loop (``generation.generate``), same tokens: what the scheduler costs one learner.
3. A class: N concurrent ``gradio_client`` clients x T tokens each through a launched server
   (``python app.py`` in its own process): latency p50/p95/max, total tokens/s, and the ratio to
   one request alone measured through the same server in the same run; ``--rounds`` classes one
   after another, and again with each ``--scheduler-threads`` value to compare.

    PYTHONPATH=. python benchmarks/bench_serving.py [--clients 30] [--tokens 32] [--scheduler-threads 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

os.environ.setdefault("PLAYGROUND_OFFLINE", "1")

import torch
from bench_sessions import Server, learner
from timing import median_s

from playground.generation import GenerationParams, generate
from playground.runner import ModelRunner
from playground.sampling import SamplingParams
from playground.serving import Scheduler

GREEDY = SamplingParams(temperature=0)
SUBJECTS = [
    "the sea", "a city at night", "the moon", "bread", "a library", "rain", "mountains", "a train",
    "coffee", "the desert", "a garden", "winter", "music", "a river", "the stars",
]  # fmt: skip


def prompts(n: int) -> list[tuple[str, bool]]:
    """``n`` different prompts of different lengths, half of them in the chat template."""
    out = []
    for i in range(n):
        subject = SUBJECTS[i % len(SUBJECTS)]
        text = (
            f"Write {'a long and detailed' if i % 3 == 0 else 'a short'} description of {subject}"
            + "." * (i % 4)
        )
        out.append((text, i % 2 == 0))
    return out


def reference_ids(runner, ids: list[int], n: int) -> list[int]:
    with torch.inference_mode():
        out = runner.model.generate(torch.tensor([ids]), do_sample=False, max_new_tokens=n)
    return out[0, len(ids) :].tolist()


def fidelity(runner, n_prompts: int, new_tokens: int) -> None:
    params = GenerationParams(sampling=GREEDY, max_new_tokens=new_tokens)
    all_ids = [runner.tokenize(text, chat=chat).ids for text, chat in prompts(n_prompts)]
    scheduler = Scheduler(runner)
    requests = []
    for index, ids in enumerate(all_ids):
        requests.append(scheduler.submit(ids, params))
        if index % 4 != 3:  # joins at different steps, sometimes several together
            scheduler.step()
    while scheduler.step():
        pass
    same = 0
    for ids, request in zip(all_ids, requests, strict=True):
        got = [t.id for t in request.decoder.tokens]
        same += got == reference_ids(runner, ids, new_tokens)[: len(got)]
    lengths = sorted(len(ids) for ids in all_ids)
    print(
        f"fidelity: {same} of {n_prompts} prompts ({lengths[0]}-{lengths[-1]} tokens, joining at different "
        f"steps, largest batch {max(s.batch for s in scheduler.steps)}) got model.generate's greedy "
        f"{new_tokens} tokens exactly"
    )


def alone(runner, new_tokens: int) -> None:
    ids = runner.tokenize("Explain in one paragraph why the sky is blue.", chat=True).ids
    params = GenerationParams(sampling=GREEDY, max_new_tokens=new_tokens, min_new_tokens=new_tokens)
    prompt = torch.tensor([ids])

    def reference():
        with torch.inference_mode():
            runner.model.generate(
                prompt, do_sample=False, max_new_tokens=new_tokens, min_new_tokens=new_tokens
            )

    def scheduled():
        scheduler = Scheduler(runner)
        scheduler.submit(ids, params)
        while scheduler.step():
            pass

    reference_s = median_s(reference, 5)
    loop_s = median_s(lambda: generate(runner, ids, params), 5)
    scheduled_s = median_s(scheduled, 5)
    print(f"\none request alone, greedy, {new_tokens} new tokens; median of 5 runs each")
    print(f"model.generate:           {reference_s:.2f} s")
    print(f"decoding loop (no batch): {loop_s:.2f} s  ({loop_s / reference_s:.2f}x generate)")
    print(f"through the scheduler:    {scheduled_s:.2f} s  ({scheduled_s / reference_s:.2f}x generate)")


def a_class(n_clients: int, new_tokens: int, rounds: int, env: dict) -> None:
    with tempfile.TemporaryFile("w+") as log:
        server = Server(stderr=log, env=env).wait_ready()
        try:
            clients = [learner(server.url) for _ in range(n_clients)]
            texts = prompts(n_clients)

            def ask(index: int) -> float:
                text, chat = texts[index]
                start = time.perf_counter()
                answer = clients[index].predict(
                    prompt=text, chat=chat, temperature=0.0, max_new_tokens=new_tokens,
                    min_new_tokens=new_tokens, api_name="/generate",
                )  # fmt: skip
                if len(answer["tokens"]) != new_tokens:
                    raise RuntimeError(f"{len(answer['tokens'])} tokens instead of {new_tokens}")
                return time.perf_counter() - start

            ask(0)  # warm-up
            alone_s = statistics.median(ask(0) for _ in range(3))
            classes = []
            for _ in range(rounds):
                start = time.perf_counter()
                with ThreadPoolExecutor(max_workers=n_clients) as pool:
                    latencies = sorted(pool.map(ask, range(n_clients)))
                classes.append((time.perf_counter() - start, latencies))
        except Exception:
            log.seek(0)
            print("the server's error output:\n" + log.read()[-4000:], file=sys.stderr)
            raise
        finally:
            server.close()
    alone_tps = new_tokens / alone_s
    settings = ", ".join(f"{k}={v}" for k, v in env.items()) or "default settings"
    print(
        f"\na class through the launched server ({settings}): "
        f"{n_clients} concurrent clients x {new_tokens} tokens"
    )
    print(f"one request alone (median of 3): {alone_s:.2f} s = {alone_tps:.1f} tokens/s")
    ratios, p95s = [], []
    for index, (wall_s, latencies) in enumerate(classes, 1):
        total_tps = n_clients * new_tokens / wall_s
        p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
        ratios.append(total_tps / alone_tps)
        p95s.append(p95)
        print(
            f"class {index}: latency p50 {statistics.median(latencies):.2f} s, p95 {p95:.2f} s, "
            f"max {latencies[-1]:.2f} s; {total_tps:.1f} tokens/s in all = {ratios[-1]:.1f}x one alone"
        )
    print(
        f"median of {rounds}: p95 {statistics.median(p95s):.2f} s, {statistics.median(ratios):.1f}x one alone"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--tokens", type=int, default=32)
    parser.add_argument("--fidelity-prompts", type=int, default=30)
    parser.add_argument("--skip-fidelity", action="store_true")
    parser.add_argument("--rounds", type=int, default=3, help="classes run one after another")
    parser.add_argument(
        "--scheduler-threads", type=int, nargs="*", default=[],
        help="also run the class with these PLAYGROUND_SCHEDULER_THREADS (default: the app's own)",
    )  # fmt: skip
    args = parser.parse_args()
    runner = ModelRunner.load()
    print(f"torch threads: {torch.get_num_threads()}")
    if not args.skip_fidelity:
        fidelity(runner, args.fidelity_prompts, args.tokens)
    alone(runner, args.tokens)
    del runner  # the server below loads its own
    for threads in [None, *args.scheduler_threads]:
        env = {} if threads is None else {"PLAYGROUND_SCHEDULER_THREADS": str(threads)}
        a_class(args.clients, args.tokens, args.rounds, env)


if __name__ == "__main__":
    main()
