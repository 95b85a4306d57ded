"""Logits to token: two ratios measured in one run on this machine.

1. A slider update (the pure pipeline + the chart's data + the plotly figure, from logits kept in
   session state) against one model forward pass over the same prompt: how much cheaper a slider
   is than re-running the model.
2. Our decoding loop (greedy, KV cache, every stage recorded) against ``model.generate`` for the
   same tokens: what our transparency costs.
"""

from __future__ import annotations

import os

import torch

os.environ.setdefault("PLAYGROUND_OFFLINE", "1")

from timing import median_s

from playground import charts, config, sampling, tokens
from playground.generation import GenerationParams, generate
from playground.runner import ModelRunner

PROMPT = (
    "The capital of France is a city of museums, cafés and bridges over the Seine. Its most famous tower is"
)


def main() -> None:
    runner = ModelRunner.load()
    ids = runner.tokenize(PROMPT).ids
    logits = runner.prefill(ids).logits
    params = sampling.SamplingParams(temperature=0.7, top_k=40, top_p=0.9, min_p=0.05, repetition_penalty=1.2)

    def slider_update():
        result = sampling.run_pipeline(logits, ids, params)
        sampled = sampling.draw(result.probs, sampling.make_generator(0))
        label = lambda i: tokens.token_label(runner.tokenizer, i)  # noqa: E731
        charts.sampling_pipeline(sampling.stage_view(result, sampled, label, config.STAGE_TOKENS_SHOWN))

    slider_s = median_s(slider_update, 20)
    forward_s = median_s(lambda: runner.forward(ids), 20)
    print(f"prompt: {len(ids)} tokens; median of 20 runs each")
    print(f"slider update (pipeline + chart): {slider_s * 1000:.1f} ms")
    print(f"one model forward pass:           {forward_s * 1000:.1f} ms")
    print(f"ratio forward / slider: {forward_s / slider_s:.1f}x (a slider never runs the model)")

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
