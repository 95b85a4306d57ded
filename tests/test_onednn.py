"""The engine's linear layers through oneDNN with packed weights (playground/serving/onednn.py): the
same products as ``nn.Linear`` within float32 rounding, the same greedy tokens, and nothing packed
when turned off or for weights that are not float32. The real model's engine process is checked in
tests/test_engine_process.py (its greedy answers equal ``model.generate``)."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from playground import config
from playground.serving import onednn

pytestmark = pytest.mark.skipif(not onednn.available(), reason="this PyTorch has no oneDNN")


def linears(model: nn.Module) -> int:
    return sum(type(m) is nn.Linear for m in model.modules())


def packed(model: nn.Module) -> int:
    return sum(isinstance(m, onednn.PackedLinear) for m in model.modules())


def test_every_linear_is_packed_and_computes_the_same_logits_and_tokens(tiny_runner):
    model = copy.deepcopy(tiny_runner.model)
    ids = torch.tensor([tiny_runner.tokenize("The capital of France is").ids])
    with torch.inference_mode():
        before = model(input_ids=ids).logits
        greedy = model.generate(ids, max_new_tokens=12, do_sample=False)
    count = linears(model)
    assert count == 2 * 7 + 1  # q, k, v, o, gate, up, down per layer, and the output layer
    assert onednn.pack_linears(model) == count
    assert linears(model) == 0 and packed(model) == count
    with torch.inference_mode():
        after = model(input_ids=ids).logits
        assert torch.equal(model.generate(ids, max_new_tokens=12, do_sample=False), greedy)
        batch = model(input_ids=ids.repeat(3, 1)).logits  # a batch of rows, as the scheduler steps
    assert torch.allclose(after, before, atol=1e-5, rtol=1e-4)
    assert torch.allclose(batch, before.expand(3, -1, -1), atol=1e-5, rtol=1e-4)
    assert linears(tiny_runner.model) == count  # the original keeps nn.Linear


def test_a_strided_input_gives_the_same_product():
    torch.manual_seed(1)
    linear = nn.Linear(8, 5)
    layer = onednn.PackedLinear(linear)
    x = torch.randn(4, 6, 8)[:, -1:, :]  # a slice, as a last-position read makes
    assert not x.is_contiguous()
    with torch.no_grad():
        assert torch.allclose(layer(x), linear(x), atol=1e-6)


def test_nothing_is_packed_when_turned_off_or_not_float32(tiny_runner, monkeypatch):
    model = copy.deepcopy(tiny_runner.model)
    monkeypatch.setattr(config, "ONEDNN", False)
    assert onednn.pack_linears(model) == 0 and packed(model) == 0
    monkeypatch.setattr(config, "ONEDNN", True)
    half = copy.deepcopy(tiny_runner.model).to(torch.bfloat16)
    assert onednn.pack_linears(half) == 0 and linears(half) == linears(tiny_runner.model)


def test_a_packed_layer_that_disagrees_with_its_original_is_not_swapped_in():
    torch.manual_seed(2)
    original, other = nn.Linear(16, 8, bias=False), nn.Linear(16, 8, bias=False)
    assert onednn._agrees(original, onednn.PackedLinear(original))
    assert not onednn._agrees(original, onednn.PackedLinear(other))
