"""/context_cost through gradio_client against the launched app."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.real


def test_context_cost_measures_each_length(client):
    result = client.predict("128, 32", 1, api_name="/context_cost")
    assert result["model"] == {
        "name": "SmolLM2-135M-Instruct", "num_layers": 30, "num_heads": 9, "num_kv_heads": 3, "head_dim": 64,
        "dtype_bytes": 4,
    }  # fmt: skip
    assert [r["context_tokens"] for r in result["rows"]] == [32, 128]
    for row in result["rows"]:
        assert (
            row["kv_cache_bytes"]
            == row["kv_cache_bytes_formula"]
            == 2 * 30 * 3 * 64 * 4 * row["context_tokens"]
        )
        assert (
            row["prefill_s"] > 0 and row["decode_s_per_token"] > 0 and row["decode_s_per_token_no_cache"] > 0
        )
    assert "median of 1" in result["method"]


@pytest.mark.parametrize(
    ("lengths", "repeats", "message"),
    [
        ("ten", 1, "not a whole number"),
        ("-4", 1, "out of range"),
        ("99999", 1, "out of range"),
        ("64", 50, "Repeats"),
    ],
)
def test_bad_requests_get_a_sentence(client, lengths, repeats, message):
    with pytest.raises(Exception, match=message):
        client.predict(lengths, repeats, api_name="/context_cost")
    assert len(client.predict("8", 1, api_name="/context_cost")["rows"]) == 1
