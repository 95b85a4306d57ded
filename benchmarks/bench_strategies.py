"""What each decoding strategy costs, as ratios to greedy measured in the same run.

Greedy, beam search (4 beams) and one seeded sample (top-p 0.9), 20 new tokens each on one prompt,
and the scoring pass that judges them all (one forward pass over prompt + tokens). Every ratio is
against greedy's median, so a loaded or a fast machine gives comparable figures.
"""

from __future__ import annotations

import os

os.environ.setdefault("PLAYGROUND_OFFLINE", "1")

from timing import median_s

from playground import beam, strategies
from playground.runner import ModelRunner
from playground.sampling import SamplingParams

PROMPT = "My favourite food is"
NEW_TOKENS = 20
BEAMS = 4


def main() -> None:
    runner = ModelRunner.load()
    ids = runner.tokenize(PROMPT).ids
    params = strategies.CompareParams(
        max_new_tokens=NEW_TOKENS, num_beams=BEAMS, num_samples=1, sampling=SamplingParams(top_p=0.9)
    ).validate()
    greedy_run = strategies.run_greedy(runner, ids, NEW_TOKENS)[1]
    beam_run = strategies.run_beam(runner, ids, params.beam_params())[1]
    sample_run = strategies.run_sample(runner, ids, params.sample_params(0))
    runs = {
        "greedy": lambda: beam.greedy_path(runner, ids, NEW_TOKENS),
        f"beam search, {BEAMS} beams": lambda: beam.beam_search(runner, ids, params.beam_params()),
        "one sample (top-p 0.9)": lambda: strategies.run_sample(runner, ids, params.sample_params(0)),
        "scoring pass": lambda: strategies.token_logprobs(runner, ids, beam_run.token_ids),
    }
    passes = {
        "greedy": f"{greedy_run.forward_passes} passes",
        f"beam search, {BEAMS} beams": f"{beam_run.forward_passes} passes x {BEAMS} rows",
        "one sample (top-p 0.9)": f"{sample_run.forward_passes} passes",
        "scoring pass": "1 pass",
    }
    times = {name: median_s(fn, 3) for name, fn in runs.items()}
    print(f'"{PROMPT}", {NEW_TOKENS} new tokens; median of 3 runs each, after one warm-up')
    for name, seconds in times.items():
        ratio = seconds / times["greedy"]
        print(f"{name:24s} {seconds:6.2f} s  {ratio:5.2f}x greedy  ({passes[name]})")


if __name__ == "__main__":
    main()
