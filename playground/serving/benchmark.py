"""The last class-against-vLLM benchmark (``benchmarks/bench_vllm.py`` writes it), for the Serving tab.

The file holds when and on what machine it was measured, the class (learners x tokens) and, per
server path, aggregate tokens/s, p50/p95/max latency and one request alone. Read, checked and
returned as plain data; a missing or unreadable file gives None (the tab then says how to make one).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

RESULTS = Path(__file__).resolve().parent.parent.parent / "benchmarks" / "results" / "class_vs_vllm.json"
PATHS = ("vllm", "v1", "pages", "in_process", "replica")  # the order the tab lists them in
FIGURES = ("tokens_per_s", "p50_s", "p95_s", "max_s", "alone_s")


@dataclass(frozen=True)
class Benchmark:
    measured_at: str  # ISO 8601, UTC
    machine: str
    clients: int
    tokens: int
    vllm_version: str | None
    results: dict[str, dict[str, float]]  # path -> figure -> value, for the paths measured

    def ratio(self, figure: str, ours: str = "v1", theirs: str = "vllm") -> float | None:
        """ours / theirs for one figure, when both were measured."""
        if ours not in self.results or theirs not in self.results:
            return None
        return self.results[ours][figure] / self.results[theirs][figure]


def load(path: Path = RESULTS) -> Benchmark | None:
    """The figures in ``path``, or None when there are none (or they are not the benchmark's)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        results = {
            name: {figure: float(data["results"][name][figure]) for figure in FIGURES}
            for name in PATHS
            if name in data["results"]
        }
        if not results:
            return None
        return Benchmark(
            measured_at=str(data["measured_at"]),
            machine=str(data["machine"]),
            clients=int(data["clients"]),
            tokens=int(data["tokens"]),
            vllm_version=data.get("vllm_version"),
            results=results,
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
