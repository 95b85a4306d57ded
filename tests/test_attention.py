"""Attention maps: exactly the model's output_attentions, causal rows summing to 1, summaries."""

from __future__ import annotations

import pytest
import torch

from playground import attention, config, html
from playground.charts import attention_heatmap


def test_maps_are_causal_with_rows_summing_to_one(tiny_runner):
    ids = tiny_runner.tokenize("one two three four five").ids
    maps = attention.attention_maps(tiny_runner, ids)
    layers, heads = tiny_runner.num_layers, tiny_runner.model.config.num_attention_heads
    assert maps.weights.shape == (layers, heads, len(ids), len(ids))
    assert torch.allclose(maps.weights.sum(-1), torch.ones(layers, heads, len(ids)), atol=1e-5)
    assert torch.all(torch.triu(maps.weights, diagonal=1) == 0)
    mean = maps.head_map(1, attention.MEAN_HEAD)
    assert torch.allclose(mean, maps.weights[1].mean(0)) and torch.allclose(
        mean.sum(-1), torch.ones(len(ids))
    )
    assert torch.equal(maps.last_row(0, 2), maps.weights[0, 2, -1])


def test_layers_and_heads_out_of_range_are_refused(tiny_runner):
    maps = attention.attention_maps(tiny_runner, tiny_runner.tokenize("a b").ids)
    with pytest.raises(
        attention.AttentionError, match="layer must be a whole number from 0 to 1; 2 is out of range"
    ):
        maps.head_map(2, 0)
    with pytest.raises(
        attention.AttentionError, match="head must be a whole number from -1 to 2; 3 is out of range"
    ):
        maps.head_map(0, 3)


def test_a_prompt_over_the_limit_gets_the_numbers(tiny_runner):
    with pytest.raises(attention.AttentionError, match=rf"at most {config.MAX_ATTENTION_TOKENS}.*square"):
        attention.attention_maps(tiny_runner, [5] * (config.MAX_ATTENTION_TOKENS + 1))


def test_head_summary_on_a_handmade_map():
    weights = torch.tensor(
        [[[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.25, 0.25, 0.5]]]  # one layer, one head
    ).unsqueeze(0)
    summary = attention.head_summary(weights)
    assert summary["first_token"].item() == pytest.approx((0.5 + 0.25) / 2)
    assert summary["previous_token"].item() == pytest.approx((0.5 + 0.25) / 2)
    assert summary["entropy"].item() == pytest.approx((1.0 + 1.5) / 2)
    assert summary["last_focus"].item() == pytest.approx(0.25)  # position 1: neither sink nor self
    assert attention.strongest_head(weights) == (0, 0)


def test_masked_rows_blank_the_future_and_heatmap_draws_them():
    rows = attention.masked_rows(torch.tensor([[1.0, 0.0], [0.3, 0.7]]))
    assert rows == [[1.0, None], [pytest.approx(0.3), pytest.approx(0.7)]]
    fig = attention_heatmap(["a", "b"], rows, "title")
    import plotly.graph_objects as go

    go.Figure(fig.to_dict())
    assert fig.data[0].z[0][1] is None and list(fig.layout.yaxis.ticktext) == ["a ·0", "b ·1"]


def test_grid_cells_carry_layer_and_head_for_the_click():
    grid = html.head_grid([[0.1, 0.9], [0.5, 0.0]], 1.0, (1, 0), ".0%")
    assert grid.count('class="pg-cell') == 4
    assert 'class="pg-cell pg-cell-selected" data-layer="1" data-head="0"' in grid
    assert "layer 0, head 1: 90%" in grid


@pytest.mark.real
def test_weights_equal_an_eager_reference_run(real_runner):
    from transformers import AutoModelForCausalLM

    ids = real_runner.tokenize("The capital of France is").ids
    maps = attention.attention_maps(real_runner, ids)
    reference = AutoModelForCausalLM.from_config(real_runner.model.config, attn_implementation="eager")
    reference.load_state_dict(real_runner.model.state_dict())
    reference.eval()
    with torch.inference_mode():
        expected = reference(torch.tensor([ids]), output_attentions=True).attentions
    assert torch.equal(maps.weights, torch.stack([a[0] for a in expected]))


@pytest.mark.real
def test_the_next_token_looks_at_france_and_capital(real_runner):
    ids = real_runner.tokenize("The capital of France is").ids  # The, capital, of, France, is
    maps = attention.attention_maps(real_runner, ids)
    assert real_runner.tokenizer.decode([maps.next_token_id]) == " Paris"
    # Leaving out the attention sink (position 0) and "is" itself, the head that looks hardest at
    # one earlier word looks at "France" or "capital", as the course says.
    layer, head = attention.strongest_head(maps.weights)
    row = maps.last_row(layer, head)
    assert int(row[1:-1].argmax()) + 1 in {1, 3}
    # Averaged over every layer and head, "France" is the earlier word attended most.
    mean = maps.weights[:, :, -1, 1:-1].mean((0, 1))
    assert int(mean.argmax()) + 1 == 3
