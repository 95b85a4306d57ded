"""Embeddings, the logit lens and attention while writing, against transformers computed directly."""

from __future__ import annotations

import pytest
import torch

from playground import config, i18n, lens
from playground.errors import UserError

pytestmark = pytest.mark.real

PROMPT = "The capital of France is"


@pytest.fixture(scope="module")
def ids(real_runner):
    return real_runner.tokenize(PROMPT).ids


@pytest.fixture(scope="module")
def states(real_runner, ids):
    return lens.prompt_states(real_runner, ids)


@pytest.fixture(scope="module")
def reference(real_runner, ids):
    """transformers' own forward pass with every hidden state."""
    with torch.inference_mode():
        return real_runner.model(input_ids=torch.tensor([ids]), output_hidden_states=True)


def test_config_facts_read_from_smollm2(real_runner):
    model = real_runner.model
    assert real_runner.tied_embeddings is True
    assert model.get_input_embeddings().weight.data_ptr() == model.get_output_embeddings().weight.data_ptr()
    assert real_runner.rope_theta == 100_000.0
    assert real_runner.hidden_size == 576
    # Nothing but the token embedding before the first layer: no learned position table.
    assert [name for name, _ in model.model.named_children()] == [
        "embed_tokens",
        "layers",
        "norm",
        "rotary_emb",
    ]


def test_embedding_vectors_are_the_rows_of_the_input_matrix(real_runner, states, ids):
    weight = real_runner.model.get_input_embeddings().weight
    assert torch.equal(states.vectors, weight[ids])
    assert torch.equal(states.hidden[0], weight[ids])  # layer 0 of the lens is the embedding output
    view = lens.embedding_view(real_runner, states.ids, 3, 5)
    assert view.to_api()["vector"] == weight[ids[3]].tolist()
    assert view.to_api()["dim"] == 576


def test_neighbours_are_the_highest_direct_cosines(real_runner, ids):
    weight = real_runner.model.get_input_embeddings().weight.detach().double()
    token = ids[3]  # " France"
    direct = torch.nn.functional.cosine_similarity(weight, weight[token][None], dim=-1)
    direct[token] = -2
    expected = torch.topk(direct, 8)
    got = lens.nearest_neighbours(real_runner, token, 8)
    assert [n.id for n in got] == expected.indices.tolist()
    assert torch.allclose(torch.tensor([n.cosine for n in got]).double(), expected.values, atol=1e-5)
    assert token not in [n.id for n in got]


def test_lens_at_the_last_layer_is_the_models_own_output(real_runner, states, reference):
    result = lens.logit_lens(real_runner, states)
    probs = lens.lens_probs(real_runner, states, result.position)
    own = torch.softmax(reference.logits[0, -1].float(), -1)
    assert torch.allclose(probs[-1], own, atol=1e-5)
    assert result.target_id == int(own.argmax())
    assert result.layers[-1].target_rank == 1
    assert len(result.layers) == real_runner.num_layers + 1


def test_lens_at_every_layer_is_lm_head_of_the_normalised_hidden_state(real_runner, states, reference):
    model = real_runner.model
    hidden = reference.hidden_states  # layers + 1; the last already normalised by transformers
    for position in (0, 2, 4):
        probs = lens.lens_probs(real_runner, states, position)
        with torch.inference_mode():
            for layer, state in enumerate(hidden):
                h = state[0, position]
                normed = h if layer == len(hidden) - 1 else model.model.norm(h)
                expected = torch.softmax(model.lm_head(normed).float(), -1)
                assert torch.allclose(probs[layer], expected, atol=1e-4), (position, layer)


def test_lens_ranks_and_top_tokens_are_consistent(real_runner, states):
    result = lens.logit_lens(real_runner, states, position=-1)
    assert result.target == "␣Paris"
    for layer in result.layers:
        probs = [p for _, _, p in layer.top]
        assert probs == sorted(probs, reverse=True)
        assert (layer.target_rank == 1) == (layer.top[0][0] == result.target_id)
    assert 0 < result.first_top_layer <= result.settled_layer <= real_runner.num_layers


def test_generation_attention_rows_equal_output_attentions_and_generate(real_runner, ids):
    params = lens.writing_params(6)
    writing = lens.attention_while_writing(real_runner, ids, params)
    with torch.inference_mode():
        expected_ids = real_runner.model.generate(
            torch.tensor([ids]), max_new_tokens=6, do_sample=False, pad_token_id=2
        )[0].tolist()
    assert writing.ids == expected_ids
    previous = real_runner.model.config._attn_implementation
    real_runner.model.set_attn_implementation("eager")
    try:
        with torch.inference_mode():
            out = real_runner.model(input_ids=torch.tensor([writing.ids]), output_attentions=True)
    finally:
        real_runner.model.set_attn_implementation(previous)
    start = len(ids) - 1
    for layer, head in ((0, 0), (23, 4), (29, 8)):
        rows = writing.view(layer, head).rows
        assert len(rows) == 6
        for k, row in enumerate(rows):
            assert len(row) == len(ids) + k
            reference = out.attentions[layer][0, head, start + k, : len(ids) + k]
            assert torch.allclose(torch.tensor(row), reference, atol=1e-6)
            assert torch.all(out.attentions[layer][0, head, start + k, len(ids) + k :] == 0)
    mean = writing.view(5, -1).rows[2]
    assert abs(sum(mean) - 1) < 1e-5


def test_sampling_is_seeded(real_runner, ids):
    params = lens.writing_params(5, temperature=1.0, seed=7)
    first = lens.attention_while_writing(real_runner, ids, params)
    again = lens.attention_while_writing(real_runner, ids, params)
    assert first.ids == again.ids


@pytest.mark.parametrize(
    ("call", "key"),
    [
        (lambda r, s: lens.logit_lens(r, s, position=5), "inside.error.position"),
        (lambda r, s: lens.logit_lens(r, s, position=-2), "safety.number."),
        (lambda r, s: lens.embedding_view(r, s.ids, 9, 5), "inside.error.token_index"),
        (lambda r, s: lens.embedding_view(r, s.ids, 0, 0), "safety.number."),
        (lambda r, s: lens.writing_params(config.MAX_WRITING_NEW_TOKENS + 1), "safety.number."),
        (lambda r, s: lens.check_length(r, config.MAX_LENS_TOKENS + 1), "inside.error.too_long"),
    ],
)
def test_bad_input_names_what_to_change_in_both_languages(real_runner, states, call, key):
    with pytest.raises(UserError) as caught:
        call(real_runner, states)
    assert caught.value.key.startswith(key)
    english = str(caught.value)
    with i18n.use("te"):
        telugu = str(caught.value)
    assert english != telugu and english and telugu


def test_layer_and_head_out_of_range(real_runner, ids):
    writing = lens.attention_while_writing(real_runner, ids, lens.writing_params(2))
    with pytest.raises(UserError, match="layer must be a whole number from 0 to 29"):
        writing.view(30, 0)
    with pytest.raises(UserError, match="head must be a whole number from -1 to 8"):
        writing.view(0, 9)


def test_writing_names_the_models_own_probability_not_the_chains(real_runner, ids):
    """Greedy writing chooses with probability 1 in the chain; the step says the model's own (issue 23:
    "chooses ␣Paris (100.0%)" beside the lens's 77.3% for the same choice)."""
    from playground.ui.inside import render_writing

    writing = lens.attention_while_writing(real_runner, ids, lens.writing_params(3))
    with torch.inference_mode():
        logits = real_runner.model(input_ids=torch.tensor([writing.ids])).logits[0]
    start = len(ids) - 1
    for k, token in enumerate(writing.ids[len(ids) :]):
        expected = float(torch.softmax(logits[start + k].float(), dim=-1)[token])
        assert writing.model_probs[k] == pytest.approx(expected, abs=1e-5)
        assert writing.probs[k] == 1.0  # greedy: the chain's probability
    assert 0.5 < writing.model_probs[0] < 0.95  # " Paris": the model is not certain
    with i18n.use("en"):
        summary = render_writing(writing, 0, -1, 1)[2]
    assert f"{writing.model_probs[0]:.1%}" in summary and "chose it with probability 100.0%" in summary
    with i18n.use("te"):
        summary = render_writing(writing, 0, -1, 1)[2]
    assert f"{writing.model_probs[0]:.1%}" in summary and "100.0%" in summary
