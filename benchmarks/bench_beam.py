"""Beam search with the whole tree recorded, against model.generate(num_beams=4), in one run.

4 beams x 20 new tokens, no EOS stop in between (min_new_tokens on the reference, a prompt that
runs on); both must return the same hypotheses.
"""

from __future__ import annotations

import os

import torch

os.environ.setdefault("PLAYGROUND_OFFLINE", "1")

from timing import median_s

from playground import beam
from playground.runner import ModelRunner

PROMPT = "The history of the printing press begins in"


def main() -> None:
    runner = ModelRunner.load()
    ids = runner.tokenize(PROMPT).ids
    params = beam.BeamParams(num_beams=4, max_new_tokens=20, early_stopping=False)

    def ours():
        return beam.beam_search(runner, ids, params)

    def reference():
        with torch.inference_mode():
            return runner.model.generate(
                torch.tensor([ids]), num_beams=4, num_return_sequences=4, max_new_tokens=20, do_sample=False,
                output_scores=True, return_dict_in_generate=True,
            )  # fmt: skip

    result, expected = ours(), reference()
    assert [list(h.token_ids) for h in result.hypotheses] == expected.sequences[:, len(ids) :].tolist()
    ours_s, reference_s = median_s(ours, 5), median_s(reference, 5)
    print(f"4 beams x 20 new tokens, {len(result.nodes)} tree nodes recorded; median of 5 runs each")
    print(f"model.generate(num_beams=4): {reference_s:.2f} s")
    print(f"our beam search + tree:      {ours_s:.2f} s")
    print(f"ratio ours / generate: {ours_s / reference_s:.2f}x")


if __name__ == "__main__":
    main()
