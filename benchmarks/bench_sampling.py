"""Logits to token: two ratios measured in one run on this machine.

1. A slider update (the tab's own handlers: the chosen engine's pipeline + the chart's data + the
   plotly figure; the three-engine comparison; the 1,000 draws, each from logits kept in session
   state) against one model forward pass over the same prompt: how much cheaper a slider is than
   re-running the model. The three views redraw in separate events; each is measured on its own.
2. Our decoding loop (greedy, KV cache, every stage recorded) against ``model.generate`` for the
   same tokens: what our transparency costs.
"""

from __future__ import annotations

import os

import torch

os.environ.setdefault("PLAYGROUND_OFFLINE", "1")

from timing import median_s

from playground import sampling
from playground.generation import GenerationParams, generate
from playground.runner import ModelRunner
from playground.ui import logits as tab

PROMPT = (
    "The capital of France is a city of museums, cafés and bridges over the Seine. Its most famous tower is"
)


def main() -> None:
    runner = ModelRunner.load()
    ids = runner.tokenize(PROMPT).ids
    state = {"ids": ids, "logits": runner.prefill(ids).logits}
    starts = [k.start for k in sampling.knobs()]  # the sliders' first values: every stage on

    views = {
        "stage chart (transformers)": lambda: tab.redraw(runner, state, "transformers", 0, *starts),
        "stage chart (llama.cpp)": lambda: tab.redraw(runner, state, "llama.cpp", 0, *starts),
        "three engines compared": lambda: tab.compare(runner, state, *starts),
        "1,000 draws + chi-square": lambda: tab.draw_many(runner, state, "transformers", 0, *starts),
    }
    forward_s = median_s(lambda: runner.forward(ids), 20)
    print(f"prompt: {len(ids)} tokens; median of 20 runs each")
    print(f"one model forward pass:           {forward_s * 1000:.1f} ms")
    for name, view in views.items():
        view_s = median_s(view, 20)
        print(f"{name + ':':34s}{view_s * 1000:.1f} ms  (forward / this: {forward_s / view_s:.1f}x)")
    slider_s = median_s(views["stage chart (transformers)"], 20)
    print(f"ratio forward / stage chart: {forward_s / slider_s:.1f}x (a slider never runs the model)")

    n = 48
    ours_params = GenerationParams(sampling=sampling.SamplingParams(temperature=0), max_new_tokens=n)
    prompt = torch.tensor([ids])
    with torch.inference_mode():
        reference = runner.model.generate(prompt, do_sample=False, max_new_tokens=n, min_new_tokens=n)
    ours = generate(
        runner, ids, GenerationParams(sampling=ours_params.sampling, max_new_tokens=n, min_new_tokens=n)
    )
    assert [t.id for t in ours.tokens] == reference[0, len(ids) :].tolist(), "greedy tokens differ"

    def reference_run():
        with torch.inference_mode():
            runner.model.generate(prompt, do_sample=False, max_new_tokens=n, min_new_tokens=n)

    def ours_run():
        generate(
            runner, ids, GenerationParams(sampling=ours_params.sampling, max_new_tokens=n, min_new_tokens=n)
        )

    reference_s = median_s(reference_run, 5)
    ours_s = median_s(ours_run, 5)
    print(f"\ngreedy, {n} new tokens, same tokens; median of 5 runs each")
    print(f"model.generate:     {reference_s:.2f} s")
    print(f"our decoding loop:  {ours_s:.2f} s")
    print(f"ratio ours / generate: {ours_s / reference_s:.2f}x")


if __name__ == "__main__":
    main()
