"""The engine's matrix products: PyTorch's default (MKL) against oneDNN with packed weights.

Every linear layer shape of the loaded model (the attention projections, the MLP's, the output layer),
for one row (a request alone) and for a class's batch of rows, at the engine's thread count: the
median time of ``nn.Linear`` and of ``onednn.PackedLinear`` (playground/serving/onednn.py) on the same
weights (the model's own), the ratio, and the largest difference between their products.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_gemm.py [--rows 1 30] [--threads 1] [--repeats 50]
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("PLAYGROUND_OFFLINE", "1")

import torch
from timing import median_s
from torch import nn

from playground import config
from playground.serving import onednn


def layers(model: nn.Module) -> list[tuple[str, nn.Linear]]:
    """The first of the model's linear layers with each distinct (in, out) shape, with its name."""
    seen: dict[tuple[int, int], tuple[str, nn.Linear]] = {}
    for name, module in model.named_modules():
        if type(module) is nn.Linear:
            seen.setdefault((module.in_features, module.out_features), (name.rsplit(".", 1)[-1], module))
    return list(seen.values())


@torch.inference_mode()
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1, config.MAX_BATCH])
    parser.add_argument("--threads", type=int, default=config.scheduler_threads(), help="the engine's")
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    if not onednn.available():
        raise SystemExit("This PyTorch has no oneDNN: nothing to compare.")
    from playground.runner import ModelRunner

    runner = ModelRunner.load()
    torch.set_num_threads(args.threads)
    print(f"{runner.name}: {args.threads} thread(s), median of {args.repeats} calls")
    header = ("layer", "in->out", "rows", "MKL ms", "oneDNN ms", "speed-up", "max diff")
    print("{:<12} {:>13} {:>5} {:>9} {:>10} {:>9} {:>9}".format(*header))
    for name, linear in layers(runner.model):
        i, o = linear.in_features, linear.out_features
        packed = onednn.PackedLinear(linear)
        for rows in args.rows:
            x = torch.randn(rows, 1, i)
            mkl = median_s(lambda linear=linear, x=x: linear(x), args.repeats)
            dnn = median_s(lambda packed=packed, x=x: packed(x), args.repeats)
            diff = float((packed(x) - linear(x)).abs().max())
            print(
                f"{name:<12} {f'{i}->{o}':>13} {rows:>5} {mkl * 1e3:>9.3f} {dnn * 1e3:>10.3f} "
                f"{mkl / dnn:>8.2f}x {diff:>9.1e}"
            )


if __name__ == "__main__":
    main()
