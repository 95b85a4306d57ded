"""Attention tab latency for a 64-token prompt, against one plain forward pass, in one run.

The attention request is what a new prompt costs the tab: one eager forward pass with every
layer's weights, the per-head summaries, and the three views (heatmap, next-token view, grid).
"""

from __future__ import annotations

import os

os.environ.setdefault("PLAYGROUND_OFFLINE", "1")

from timing import median_s

from playground import attention, charts, html, tokens
from playground.runner import ModelRunner

WORDS = [
    "the",
    "quick",
    "brown",
    "fox",
    "jumps",
    "over",
    "the",
    "lazy",
    "dog",
    "while",
    "the",
    "cat",
    "sleeps",
    "in",
    "the",
    "warm",
    "sun",
]


def main() -> None:
    runner = ModelRunner.load()
    ids = runner.tokenize(" ".join(WORDS * 8)).ids[:64]
    assert len(ids) == 64

    def request():
        maps = attention.attention_maps(runner, ids)
        summary = attention.head_summary(maps.weights)
        labels = [tokens.token_label(runner.tokenizer, i) for i in ids]
        layer, head = attention.strongest_head(maps.weights)
        matrix = maps.head_map(layer, head)
        charts.attention_heatmap(labels, attention.masked_rows(matrix), "bench").to_json()
        html.attended_tokens(labels, matrix[-1].tolist(), True, "x", 0.5)
        html.head_grid(summary["last_focus"].tolist(), 1.0, (layer, head), ".0%")

    attention_s = median_s(request, 15)
    forward_s = median_s(lambda: runner.forward(ids), 15)
    print("64-token prompt, median of 15 runs each, on this machine")
    print(f"attention request (eager forward + summaries + views): {attention_s * 1000:.0f} ms")
    print(f"plain forward pass (SDPA, no weights):                {forward_s * 1000:.0f} ms")
    print(f"ratio attention / forward: {attention_s / forward_s:.2f}x")


if __name__ == "__main__":
    main()
