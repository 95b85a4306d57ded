"""Every endpoint of the app, declared once: its parameters (in the contract's order), its compute
function, its pool, and what it returns.

From ``ENDPOINTS`` come the ``gr.api`` endpoints and their signatures (playground/ui/endpoints.py),
the README's API table (``playground.api.readme``) and the tests' lists of endpoints. A compute
function takes the runner and the endpoint's request (a frozen dataclass with one field per
parameter) and returns the answer's dict (a generator of dicts for a streamed one): the result's
``to_api()``. Values are checked where the compute starts, by the compute module's parameters
(the same ``Param``s), so a range is declared once.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from dataclasses import dataclass
from functools import cached_property, partial

from playground import (
    attention,
    beam,
    classroom,
    config,
    cost,
    i18n,
    lens,
    lessons,
    quantize,
    sampling,
    serving,
    speculative,
    strategies,
    tokens,
)
from playground.api.params import (
    CHAT,
    HEAD,
    LAYER,
    LENGTH_PENALTY,
    NUM_BEAMS,
    PROMPT,
    REPEATS,
    SEED,
    Param,
)
from playground.generation import GenerationParams, parse_stop
from playground.prompts import encode_prompt

# Pools of the queue: model work runs one at a time, generation waits on the scheduler (which
# batches), light work runs beside them.
MODEL, GENERATION, LIGHT = "model", "generation", "light"


@dataclass(frozen=True)
class Endpoint:
    """One API endpoint: ``compute(runner, request)`` (``session=`` too when ``session``)."""

    name: str  # the api_name: "/next_token" is called as api_name="/next_token"
    params: tuple[Param, ...]
    compute: Callable
    returns: str  # the README's words for the answer
    pool: str = MODEL
    session: bool = False  # the compute takes the asking session (the Serving view, the prefix cache)
    streams: bool = False  # the compute yields growing answers; the last is the answer

    @cached_property
    def request_type(self) -> type:
        """A frozen dataclass with one field per parameter (its default where it has one)."""
        fields = [
            (p.name, p.type, dataclasses.field() if p.required else dataclasses.field(default=p.default))
            for p in self.params
        ]
        return dataclasses.make_dataclass(f"{self.title}Request", fields, frozen=True)

    @property
    def title(self) -> str:
        return "".join(part.title() for part in self.name.split("_"))

    @property
    def summary(self) -> str:
        """The compute function's first docstring line (the API page's description)."""
        return (self.compute.__doc__ or "").strip().split("\n")[0]

    def request(self, **values):
        """The request for these values (missing ones take their defaults)."""
        return self.request_type(**values)

    def param(self, name: str) -> Param:
        return next(p for p in self.params if p.name == name)


# --- parameters from the sampling registry ---------------------------------------------------------


def knob_param(knob: sampling.Knob) -> Param:
    """A sampling knob as an endpoint parameter (the registry is its declaration)."""
    return Param(
        knob.name,
        int if knob.integer else float,
        knob.default,
        min((knob.low, *knob.also)),
        knob.high,
        knob.label,
        KNOB_DOCS.get(knob.name, ""),
        knob.slider,
    )


KNOB_DOCS = {
    "temperature": "(0 = greedy)",
    "top_k": "(0 = off)",
    "top_p": "(1 = off)",
    "min_p": "(0 = off)",
    "frequency_penalty": "(0 = off)",
    "repetition_penalty": "(1 = off)",
}
KNOBS = tuple(knob_param(k) for k in sampling.knobs())
ENGINE = Param(
    "engine",
    str,
    sampling.DEFAULT_ENGINE,
    doc="(" + ", ".join(f"`{name}`" for name in sampling.ENGINES) + f"; `{sampling.DEFAULT_ENGINE}` default)",
)


def sampling_of(request) -> sampling.SamplingParams:
    """The request's knobs as checked SamplingParams."""
    return sampling.SamplingParams.from_values(**{k.name: getattr(request, k.name) for k in KNOBS})


def _label(runner):
    return runner.token_label


# --- /tokenize ------------------------------------------------------------------------------------


def tokenize(runner, request) -> dict:
    """Tokenize text with a registry tokenizer ("" = the loaded model's): ids, pieces, offsets."""
    return tokens.tokenize(runner, request.text, request.tokenizer).to_api()


TOKENIZE = Endpoint(
    "tokenize",
    (
        Param("text", str, doc=""),
        Param(
            "tokenizer",
            str,
            "",
            doc="(a registry name: `model`, `utf-8 bytes`, `characters`, `GPT-2`, `Qwen2.5`, "
            '`BERT multilingual`; `""` = the loaded model\'s)',
        ),
    ),
    tokenize,
    "`tokenizer`, `num_tokens`, `num_chars`, `num_bytes`, `tokens: [{id, piece, start, end, label}]` "
    "(`start`/`end`: character offsets into `text`; `label`: the readable piece; the first 2,000 "
    "tokens), `tokens_left_out` (how many more were counted but not listed) and, when some were, a "
    "`note` saying so. Special tokens typed in `text` (`<\\|im_start\\|>`) are tokenized as the "
    "characters they are made of",
    pool=LIGHT,
)


# --- /next_token, /sample_many, /generate ------------------------------------------------------------


def next_token(runner, request) -> dict:
    """Every sampling stage for the prompt's next token in the engine's order, the final distribution
    and the drawn token."""
    params = sampling_of(request)
    sampling.get_engine(request.engine)
    ids = encode_prompt(runner, request.prompt, request.chat)
    result = sampling.run_pipeline(runner.prefill(ids).logits, ids, [], params, request.engine)
    sampled = sampling.draw(result.probs, sampling.make_generator(request.seed))
    return result.to_api(sampled, _label(runner), config.STAGE_TOP_LISTED, config.FINAL_TOKENS_LISTED)


SAMPLING_PARAMS = (PROMPT, CHAT, *KNOBS, SEED, ENGINE)
NEXT_TOKEN = Endpoint(
    "next_token",
    SAMPLING_PARAMS,
    next_token,
    "`engine`; `order` (the stage names in the order applied); `stages: [{name, kept, entropy, top: "
    "[{id, token, value}]}]` from `raw` on, in that order (a penalty also gives `counted`: how many "
    "tokens it counted); `final: [{id, token, prob}]` (every non-zero probability, at most 200); "
    "`sampled: {id, token, prob}`",
)


def sample_many(runner, request) -> dict:
    """n seeded draws (one multinomial call) from the engine's final distribution for the prompt's next
    token, each token's count beside its probability."""
    params = sampling_of(request)
    sampling.get_engine(request.engine)
    sampling.make_generator(request.seed)  # a bad seed or n is refused before the model runs
    n = sampling.check_draws(request.n)
    ids = encode_prompt(runner, request.prompt, request.chat)
    logits = runner.prefill(ids).logits
    result = sampling.run_pipeline(logits, ids, [], params, request.engine, with_entropy=False)
    draws = sampling.sample_many(result.probs, n, request.seed)
    return draws.to_api(_label(runner), config.FINAL_TOKENS_LISTED)


SAMPLE_MANY = Endpoint(
    "sample_many",
    (
        *SAMPLING_PARAMS,
        Param(
            "n",
            int,
            config.SAMPLE_DRAWS,
            1,
            config.MAX_SAMPLE_DRAWS,
            doc=f"(draws, 1–{config.MAX_SAMPLE_DRAWS:,}; default {config.SAMPLE_DRAWS:,})",
        ),
    ),
    sample_many,
    "`n`, `counts: [{id, token, count, prob}]` (every token drawn and the 200 most probable, most "
    "probable first), `chi_square`, `dof`, `p_value` (Pearson's test of the counts against `prob`)",
)


MAX_NEW_TOKENS = Param(
    "max_new_tokens",
    int,
    32,
    1,
    config.MAX_NEW_TOKENS,
    "safety.param.max_new_tokens",
    f"(≤ {config.MAX_NEW_TOKENS})",
    (1, config.MAX_NEW_TOKENS, 1),
)
MIN_NEW_TOKENS = Param(
    "min_new_tokens", int, 0, 0, config.MAX_NEW_TOKENS, "safety.param.min_new_tokens", slider=None
)


def generation_params(request) -> GenerationParams:
    """The request's generation settings, checked (GenerationParams.validate)."""
    return GenerationParams(
        sampling=sampling_of(request),
        max_new_tokens=request.max_new_tokens,
        min_new_tokens=request.min_new_tokens,
        stop=parse_stop(request.stop),
        use_cache=bool(request.use_cache),
        seed=0 if request.seed is None else request.seed,
        engine=request.engine,
        prefix_ids=tuple(request.prefix_ids or ()),
    ).validate()


async def generate(runner, request, session: str = "") -> AsyncIterator[dict]:
    """Generate with our own decoding loop through the engine's chain (stop strings one per line): text,
    why it stopped, timings. ``prefix_ids``: tokens taken as given after the prompt (a fork).
    Streams the newest state now and then; the last one is the answer. Concurrent requests share
    one batch (continuous batching); a cancelled job leaves it."""
    params = generation_params(request)
    ids = await asyncio.to_thread(encode_prompt, runner, request.prompt, request.chat)
    states = serving.astream(runner, ids, params, session, config.SERVING_HEARTBEAT_S)
    async with aclosing(states):  # Gradio cancels this handler when the client goes away
        async for state in states:
            yield state.to_api() if state else {"text": "", "stop_reason": None, "tokens": []}


GENERATE = Endpoint(
    "generate",
    (
        *SAMPLING_PARAMS[:-1],
        MAX_NEW_TOKENS,
        MIN_NEW_TOKENS,
        Param("stop", str, "", doc="(stop strings, one per line)"),
        Param(
            "use_cache",
            bool,
            True,
            doc=f"(without the cache, prompt tokens x new tokens ≤ {config.MAX_NO_CACHE_COST:,})",
        ),
        ENGINE,
        Param(
            "prefix_ids",
            list[int] | None,
            None,
            doc="(token ids taken as given after the prompt before generation starts: a fork, counted "
            f"as generated by the penalties; up to {config.MAX_PREFIX_TOKENS}; default none; "
            "`max_new_tokens`, `text` and `tokens` cover only what follows it)",
        ),
    ),
    generate,
    "`text` (without the stop string), `stop_reason` (`eos`, `stop` or `length`), `tokens: [{id, "
    "token, prob}]`, `ttft_s`, `tpot_s`, `tokens_per_s`, `cached_tokens` (prompt and prefix tokens "
    "whose KV cache came from this session's earlier generation: a fork; 0 when none). Streams the "
    "same dict as it grows, every half second (`predict` returns the last); concurrent requests "
    "share one batch step by step (`ttft_s` counts the wait); a cancelled job leaves it at the next "
    "step",
    pool=GENERATION,
    session=True,
    streams=True,
)


# --- /attention -------------------------------------------------------------------------------------


def attention_weights(runner, request) -> dict:
    """Attention weights of one layer and head (-1 = mean over heads) for the prompt."""
    layer, head = attention.check_layer_head(request.layer, request.head, runner.num_layers, runner.num_heads)
    ids = encode_prompt(runner, request.prompt, request.chat)
    maps = attention.attention_maps(runner, ids)
    labels = [runner.token_label(i) for i in ids]
    return maps.to_api(labels, layer, head)


ATTENTION = Endpoint(
    "attention",
    (PROMPT, CHAT, LAYER, HEAD),
    attention_weights,
    "`tokens` (readable labels), `num_layers`, `num_heads`, `weights[i][j]`: how much position i "
    "attends to position j (rows sum to 1, causal); prompts up to "
    f"{config.MAX_ATTENTION_TOKENS} tokens",
)


# --- /beam_search, /compare_strategies ---------------------------------------------------------------


def _decode(runner, ids) -> str:
    return runner.decode(ids)


def beam_search(runner, request) -> dict:
    """Beam search with the whole tree: every candidate node, and the finished hypotheses best first."""
    params = beam.BeamParams(
        num_beams=request.num_beams,
        max_new_tokens=request.max_new_tokens,
        length_penalty=request.length_penalty,
        early_stopping=bool(request.early_stopping),
        candidates_per_beam=0,
    ).validate()
    result = beam.beam_search(runner, encode_prompt(runner, request.prompt, request.chat), params)
    return result.to_api(_label(runner), partial(_decode, runner))


BEAM_NEW_TOKENS = Param(
    "max_new_tokens",
    int,
    12,
    1,
    config.MAX_BEAM_NEW_TOKENS,
    "safety.param.max_new_tokens",
    f"(1–{config.MAX_BEAM_NEW_TOKENS})",
)
BEAM_SEARCH = Endpoint(
    "beam_search",
    (
        PROMPT,
        CHAT,
        NUM_BEAMS,
        BEAM_NEW_TOKENS,
        LENGTH_PENALTY,
        Param("early_stopping", bool, False),
    ),
    beam_search,
    "`nodes: [{id, parent, step, token_id, token, logprob, score, status}]` (`status`: `kept`, "
    "`pruned` or `finished`; `parent` null for a first token), `sequences: [{text, token_ids, "
    "score}]` best first, scored as transformers scores them",
)


def compare_strategies(runner, request) -> dict:
    """Greedy, beam search (length penalty 1, no early stopping) and n seeded samples on one
    prompt, each judged by the model's own log-probability of its tokens."""
    params = strategies.CompareParams(
        max_new_tokens=request.max_new_tokens,
        num_beams=request.num_beams,
        num_samples=request.num_samples,
        sampling=sampling_of(request),
        seed=0 if request.seed is None else request.seed,
        engine=request.engine,
    ).validate()
    ids = encode_prompt(runner, request.prompt, request.chat)
    return strategies.compare(runner, ids, params).to_api()


COMPARE_STRATEGIES = Endpoint(
    "compare_strategies",
    (
        PROMPT,
        CHAT,
        Param(
            "max_new_tokens",
            int,
            config.DEFAULT_COMPARE_NEW_TOKENS,
            1,
            config.MAX_COMPARE_NEW_TOKENS,
            doc=f"(1–{config.MAX_COMPARE_NEW_TOKENS})",
        ),
        NUM_BEAMS,
        Param(
            "num_samples",
            int,
            config.DEFAULT_COMPARE_SAMPLES,
            1,
            config.MAX_COMPARE_SAMPLES,
            doc=f"(1–{config.MAX_COMPARE_SAMPLES})",
        ),
        *KNOBS,
        ENGINE,
        SEED,
    ),
    compare_strategies,
    "`greedy`, `beam`, `samples: [...]`, each `{text, token_ids, logprob_sum, logprob_mean, "
    "stop_reason, seconds, forward_passes, rows_per_pass, distinct_bigrams}` (`beam` also `score`, as "
    "transformers scores it); the log-probs are the model's own, from one forward pass over prompt + "
    "tokens; sample i uses seed + i; beam search runs with length penalty 1 and no early stopping",
)


# --- /context_cost ----------------------------------------------------------------------------------


def measure_context_cost(runner, lengths: str, repeats, progress=None) -> cost.ContextSweep:
    """The sweep, taking the model alone (a timing lesson: the batch pauses while it measures)."""
    parsed = cost.parse_lengths(lengths)
    count = cost.check_repeats(repeats)
    with runner.alone() as waited_s:
        cost.warm_up(runner)
        result = cost.context_sweep(runner, parsed, count, progress)
    return dataclasses.replace(result, waited_s=waited_s)


def context_cost(runner, request) -> dict:
    """Prefill, decode with and without the KV cache, and KV-cache bytes, at each context length."""
    return measure_context_cost(runner, request.lengths, request.repeats).to_api()


CONTEXT_COST = Endpoint(
    "context_cost",
    (
        Param(
            "lengths",
            str,
            config.DEFAULT_SWEEP,
            doc=f"(context lengths, comma separated, up to {config.MAX_PROMPT_TOKENS:,})",
        ),
        REPEATS,
    ),
    context_cost,
    "`model: {name, num_layers, num_heads, num_kv_heads, head_dim, dtype_bytes}`, `method`, `rows: "
    "[{context_tokens, prefill_s, decode_s_per_token, decode_s_per_token_no_cache, kv_cache_bytes, "
    "kv_cache_bytes_formula, attention_score_bytes_per_layer, repeats}]`, `not_reached` (lengths not "
    f"measured: the sweep stops at {config.MODEL_DEADLINE_S:g} s and keeps what it measured; empty when "
    "all were)",
)


# --- inside the model: /logit_lens, /embeddings, /generation_attention ------------------------------


def logit_lens(runner, request) -> dict:
    """The model's output head applied after the embedding and after every layer at one position
    (-1 = the last): top tokens per layer and the final choice's probability and rank."""
    ids = encode_prompt(runner, request.prompt, request.chat, lens.token_limit(runner))
    return lens.logit_lens(runner, lens.prompt_states(runner, ids), request.position).to_api()


LOGIT_LENS = Endpoint(
    "logit_lens",
    (PROMPT, CHAT, Param("position", int, -1, -1, config.MAX_LENS_TOKENS - 1, doc="(-1 = the last)")),
    logit_lens,
    "`tokens`, `position`, `layers: [{layer, top: [{id, token, prob}], target: {id, token, prob, "
    "rank}}]`: layer 0 is the embedding output, the last layer the model's own output; `target` is "
    "the model's final most likely token (rank 1 = most likely); prompts up to "
    f"{config.MAX_LENS_TOKENS} tokens (fewer for a model whose hidden states would not fit the budget)",
)


def embeddings(runner, request) -> dict:
    """One prompt token's embedding vector and its k nearest rows of the embedding matrix (cosine)."""
    ids = encode_prompt(runner, request.prompt, request.chat, lens.token_limit(runner))
    return lens.embedding_view(runner, ids, request.token_index, request.k).to_api()


EMBEDDINGS = Endpoint(
    "embeddings",
    (
        PROMPT,
        CHAT,
        Param("token_index", int, -1, doc="(-1 = the last)"),
        Param(
            "k",
            int,
            config.DEFAULT_NEIGHBOURS,
            1,
            config.MAX_NEIGHBOURS,
            "inside.param.k",
            f"(1–{config.MAX_NEIGHBOURS})",
        ),
    ),
    embeddings,
    "`tokens`, `index`, `dim`, `vector` (the token's row of the input embedding matrix), `neighbours: "
    "[{id, token, cosine}]` (the nearest other rows, most similar first)",
)


def generation_attention(runner, request) -> dict:
    """Generate (greedy at temperature 0), then each new token's attention row for one layer and head
    (-1 = mean): row k is the query at prompt_length - 1 + k over every position up to it."""
    params = lens.writing_params(
        request.max_new_tokens, request.temperature, request.seed, lens.writing_limit(runner)
    )
    ids = encode_prompt(runner, request.prompt, request.chat, lens.token_limit(runner))
    return lens.generation_attention(runner, ids, params, request.layer, request.head).to_api()


GENERATION_ATTENTION = Endpoint(
    "generation_attention",
    (
        PROMPT,
        CHAT,
        Param(
            "max_new_tokens",
            int,
            config.DEFAULT_WRITING_NEW_TOKENS,
            1,
            config.MAX_WRITING_NEW_TOKENS,
            doc=f"(1–{config.MAX_WRITING_NEW_TOKENS})",
        ),
        LAYER,
        dataclasses.replace(HEAD, doc="(-1 = mean)"),
        Param("temperature", float, 0.0, doc="(0 = greedy, the default)"),
        SEED,
    ),
    generation_attention,
    "`tokens` (prompt + generated), `prompt_length`, `rows`: row k is the attention of the query at "
    "`prompt_length - 1 + k` (the one that chose generated token k) over positions 0 to "
    "`prompt_length - 1 + k`",
)


# --- the lessons on engines: /quantize, /quantize_speed, /speculative -------------------------------


def quantize_weights(runner, request) -> dict:
    """Quantize the weights with a scheme: one matrix before and after, the model's bytes (and an 8B
    model's on GPUs), and the quantized model against the loaded one on the prompt (next-token KL,
    top-1, greedy side by side)."""
    quantize.check(request.scheme, request.group_size)  # a bad scheme is refused before the model runs
    ids = encode_prompt(runner, request.prompt, request.chat, config.MAX_QUANT_PROMPT_TOKENS)
    return quantize.quantize(
        runner, ids, request.scheme, request.group_size, request.matrix, request.max_new_tokens
    )


SCHEME = Param(
    "scheme",
    str,
    "q4_0",
    doc="("
    + ", ".join(f"`{name}`" for name in quantize.SCHEMES)
    + "; `shipped`: the offline GGUF's own mix)",
)
QUANTIZE = Endpoint(
    "quantize",
    (
        PROMPT,
        CHAT,
        SCHEME,
        Param(
            "group_size",
            int,
            quantize.DEFAULT_GROUP_SIZE,
            doc="(int8/int4: "
            + ", ".join(map(str, quantize.GROUP_SIZES))
            + "; 0 = one scale per row; the GGUF formats use 32)",
        ),
        Param("matrix", str, "", doc=f'(a weight\'s name; `""` = `{quantize.DEFAULT_MATRIX}`)'),
        Param(
            "max_new_tokens",
            int,
            config.DEFAULT_QUANT_NEW_TOKENS,
            1,
            config.MAX_QUANT_NEW_TOKENS,
            "safety.param.max_new_tokens",
            f"(1–{config.MAX_QUANT_NEW_TOKENS})",
        ),
    ),
    quantize_weights,
    "`scheme`, `group_size`, `bits_per_weight`, `weight_bytes`, `weight_bytes_fp32`, `weight_bytes_bf16`, "
    "`matrix: {name, shape, max_abs_error, rmse, relative_error, unchanged, edges, histogram_before, "
    "histogram_after, ...}`, `kl_next_token` (KL(loaded ‖ quantized) of the next token), `top1_agrees`, "
    "`kl_mean` and `top1_agreement` (over every prompt position), `greedy_fp32` and `greedy_quantized` "
    "(`{text, tokens: [{id, token, prob}]}`), `first_divergence` (index of the first differing token; "
    "null when equal), `projection: [{weights, weight_bytes, kv_cache_bytes, fits, ms_per_token_floor}]` "
    f"(a {config.QUANT_PROJECTION_MODEL} model), `made_s`. Prompts up to {config.MAX_QUANT_PROMPT_TOKENS} "
    f"tokens; at most {config.MAX_QUANTIZED_MODELS} quantized copies are held, shared by everyone",
)


def quantize_speed(runner, request) -> dict:
    """Greedy decoding speed with float32 weights against int8 weights (PyTorch's dynamic quantization
    of the linear layers), measured in turns in one run with the model to itself."""
    ids = encode_prompt(runner, request.prompt, request.chat, config.MAX_QUANT_PROMPT_TOKENS)
    return quantize.speed(runner, ids, request.repeats)


QUANTIZE_SPEED = Endpoint(
    "quantize_speed",
    (
        PROMPT,
        CHAT,
        Param(
            "repeats",
            int,
            3,
            1,
            config.MAX_QUANT_SPEED_REPEATS,
            "safety.param.repeats",
            f"(1–{config.MAX_QUANT_SPEED_REPEATS}; the median is kept)",
        ),
    ),
    quantize_speed,
    "`float32_tokens_per_s`, `int8_tokens_per_s`, `speedup`, `weight_bytes_per_token: {float32, int8}`, "
    f"`new_tokens` ({config.QUANT_SPEED_NEW_TOKENS} a run), `repeats`, `first_difference`, "
    "`float32_text`, `int8_text`, `threads`, `made_s`, `waited_s`",
)


def speculative_decoding(runner, request) -> dict:
    """Speculative decoding with a drafter that needs no second model (prompt lookup, or the model's own
    first layers), each round drawn, against plain decoding of the same prompt."""
    params = speculative.SpeculativeParams(
        drafter=request.drafter,
        k=request.k,
        ngram=request.ngram,
        draft_layers=request.draft_layers,
        max_new_tokens=request.max_new_tokens,
        sampling=sampling.SamplingParams.from_values(
            temperature=request.temperature, top_k=request.top_k, top_p=request.top_p
        ),
        seed=request.seed,
    ).validate(runner.num_layers)
    ids = encode_prompt(runner, request.prompt, request.chat)
    return speculative.compare(runner, ids, params)


KNOB = {k.name: k for k in KNOBS}
SPECULATIVE = Endpoint(
    "speculative",
    (
        PROMPT,
        CHAT,
        Param(
            "drafter",
            str,
            speculative.DRAFTERS[0],
            doc="(" + ", ".join(f"`{d}`" for d in speculative.DRAFTERS) + ")",
        ),
        speculative.K,
        speculative.DRAFT_LAYERS,
        speculative.NEW_TOKENS,
        dataclasses.replace(KNOB["temperature"], default=0.0, doc="(0 = greedy, the default)"),
        SEED,
        speculative.NGRAM,
        KNOB["top_k"],
        KNOB["top_p"],
    ),
    speculative_decoding,
    "`tokens: [{id, token}]`, `text`, `steps: [{drafted, drafted_tokens, target, accepted, target_token, "
    "bonus, draft_probs, target_probs, forward_passes}]` (one per forward pass of the model after the "
    "prompt's; `target`: the model's choice at each drafted position and after them; `target_token`: the "
    "token it placed after the accepted ones; `forward_passes`: the model's passes so far), "
    "`acceptance_rate`, `target_forward_passes`, `draft_forward_passes`, `plain_forward_passes`, "
    "`seconds`, `plain_seconds`, `speedup`, `plain_text`, `same_as_plain` (greedy: always true)",
)


# --- the class: /class_create, /class_join, /class_push, /class_answer, /class_state, /class_reveal -----

CLASSES = classroom.ClassStore()  # every class of this server (in this process; they expire)


def _class_urls(code: str, teacher_key: str) -> dict:
    """The join and teacher links, in the language of the page the request came to."""
    lang = i18n.current()
    root = "/" if lang == i18n.DEFAULT_LANGUAGE else f"/{lang}/"
    return {"join_url": f"{root}?class={code}", "teacher_url": f"{root}?teacher={teacher_key}"}


def class_create(runner, request) -> dict:
    """Open a class: a short code for students and a secret key for the teacher (keep it)."""
    lesson = classroom.short_text(request.lesson, 80, "lesson")
    if lesson and lesson not in lessons.names():
        raise classroom.ClassError("class.error.lesson", names=", ".join(lessons.names()))
    room = CLASSES.create(lesson)
    keys = {"class_code": room.code, "teacher_key": room.teacher_key}
    return keys | _class_urls(room.code, room.teacher_key)


CLASS_CREATE = Endpoint(
    "class_create",
    (Param("lesson", str, "", doc='("" or a lesson\'s name: assets/lessons/)'),),
    class_create,
    "`class_code` (for students), `teacher_key` (secret: it pushes and reveals), `join_url`, `teacher_url` "
    "(paths in the page's language). A class unused for a while ends",
    pool=LIGHT,
)


def class_join(runner, request) -> dict:
    """Join a class with its code; an empty label gives a number."""
    key, label = CLASSES.join(request.class_code, request.label)
    return {"student_key": key, "label": label}


CLASS_JOIN = Endpoint(
    "class_join",
    (Param("class_code", str), Param("label", str, "", doc='(a name the class sees; "" = a number)')),
    class_join,
    "`student_key` (the student's: answers and reads the class), `label`",
    pool=LIGHT,
)


# The endpoint whose parameters a kind's state gives (its names with "_" for "-", as links write them).
_STATE_ENDPOINT = {"logits": "next_token", "tokenizer": "tokenize", "attention": "attention"}


def tab_request(kind: str, state: dict):
    """The request of the endpoint that answers a question of ``kind``, from the step's state."""
    tab = classroom.KINDS[kind]
    endpoint = BY_NAME[_STATE_ENDPOINT[tab]]
    values = {str(key).replace("-", "_"): value for key, value in state.items()}
    if tab == "tokenizer":
        values = {"text": values.get("text", values.get("prompt", ""))}
    values = {p.name: values[p.name] for p in endpoint.params if p.name in values}
    missing = [p.name for p in endpoint.params if p.required and p.name not in values]
    if missing:
        raise classroom.ClassError("class.error.missing", name=missing[0], tab=tab)
    request = endpoint.request(**values)
    for param in endpoint.params:  # checked now, not at the reveal: the teacher hears of it at once
        if param.type in (int, float):
            param.check(getattr(request, param.name))
    if tab == "logits":
        sampling_of(request)
        sampling.get_engine(request.engine)
    return request


def check_step(tab, state, question) -> tuple[str, dict, dict]:
    """The step's tab, state and question, checked (a sentence saying what to change otherwise)."""
    if not isinstance(question, dict) or not isinstance(state, dict):
        raise classroom.ClassError("class.error.step_shape")
    kind = question.get("kind") or ""
    text = classroom.short_text(question.get("text") or "", config.MAX_CLASS_QUESTION_CHARS, "question")
    if kind and kind not in classroom.KINDS:
        raise classroom.ClassError("class.error.kind", kinds=", ".join(classroom.KINDS))
    if kind and tab != classroom.KINDS[kind]:
        raise classroom.ClassError("class.error.kind_tab", kind=kind, tab=classroom.KINDS[kind])
    choices = question.get("choices") or []
    if not isinstance(choices, list) or len(choices) > config.MAX_CLASS_CHOICES:
        raise classroom.ClassError("class.error.choices", limit=config.MAX_CLASS_CHOICES)
    choices = [classroom.short_text(c, config.MAX_CLASS_ANSWER_CHARS, "choices") for c in choices]
    if len(json.dumps(state, ensure_ascii=False, default=str)) > config.MAX_CLASS_STATE_CHARS:
        raise classroom.ClassError("class.error.too_long", limit=config.MAX_CLASS_STATE_CHARS)
    if kind:
        request = tab_request(kind, state)
        if tab != "tokenizer":  # the settings the model answers with, all written (as links name them)
            given = {str(key).replace("-", "_") for key in state}
            endpoint = BY_NAME[_STATE_ENDPOINT[tab]]
            state = dict(state) | {
                p.name.replace("_", "-"): getattr(request, p.name)
                for p in endpoint.params
                if p.name not in given
            }
    return tab, state, {"kind": kind, "text": text} | ({"choices": choices} if choices else {})


def class_push(runner, request) -> dict:
    """The teacher shows the class a view's state and a question; students follow at their next poll."""
    tab, state, question = check_step(request.tab, request.state, request.question)
    return {"step": CLASSES.push(request.teacher_key, tab, state, question)}


CLASS_PUSH = Endpoint(
    "class_push",
    (
        Param("teacher_key", str),
        Param("tab", str, doc="(the tab's id: `logits`, `tokenizer`, `attention`, ...)"),
        Param("state", dict, doc="(the tab's inputs, named as links name them: `prompt`, `top-k`...)"),
        Param(
            "question",
            dict,
            doc="(`{kind, text, choices}`: `kind` one of "
            + ", ".join(f"`{k}`" for k in classroom.KINDS)
            + ', or ""; `choices`: optional, the answers a student picks from)',
        ),
    ),
    class_push,
    "`step` (its number; the state is checked now, the model answers at the reveal)",
    pool=LIGHT,
)


def class_answer(runner, request) -> dict:
    """A student's answer to the current step (a later answer replaces it until the reveal)."""
    step = CLASS_ANSWER.param("step").check(request.step)
    return {"accepted": CLASSES.answer(request.student_key, step, request.answer)}


CLASS_ANSWER = Endpoint(
    "class_answer",
    (
        Param("student_key", str),
        Param("step", int, low=0, high=config.MAX_CLASS_STEPS, label="safety.param.step"),
        Param("answer", str, doc="(short text)"),
    ),
    class_answer,
    "`accepted` (false when the step is not the current one or is revealed)",
    pool=LIGHT,
)


def class_state(runner, request) -> dict:
    """What a teacher's or a student's screen shows now; the reveal only once the teacher revealed."""
    return CLASSES.state(request.key)


CLASS_VIEW = (
    "`class_code`, `role`, `label`, `students`, `step`, `tab`, `state`, `question`, `answered`, `mine`, "
    "`revealed`, `reveal`: null until the teacher reveals, then `{truth, model: [{answer, token, prob}], "
    "class: [{answer, count}], mine, right}`"
)
CLASS_STATE = Endpoint("class_state", (Param("key", str),), class_state, CLASS_VIEW, pool=LIGHT)


def step_truth(runner, step: classroom.Step) -> dict:
    """The model's answer to a step's question, from the step's state: the truth and the distribution
    (or the weights) it comes from."""
    kind, state = step.question["kind"], step.state
    request = tab_request(kind, state)
    if kind == "token_count":
        return {"truth": tokens.tokenize(runner, request.text, "").num_tokens, "model": []}
    if kind == "attention_target":
        return attention_truth(runner, request, bool(state.get("skip-first", True)))
    if kind == "next_token":  # the model's own distribution: no sampling stage
        ids = encode_prompt(runner, request.prompt, request.chat)
        top = runner.prefill(ids).logits.float().softmax(-1).topk(config.CLASS_MODEL_ROWS)
        rows = [
            {"answer": runner.decode([i]), "token": runner.token_label(i), "prob": float(p)}
            for p, i in zip(top.values.tolist(), top.indices.tolist(), strict=True)
        ]
        return {"truth": rows[0]["answer"], "model": rows}
    result = next_token(runner, request)  # the engine's chain with the step's knobs and seed
    rows = [
        {"answer": runner.decode([row["id"]]), "token": row["token"], "prob": row["prob"]}
        for row in result["final"][: config.CLASS_MODEL_ROWS]
    ]
    if kind == "survivors":
        return {"truth": result["stages"][-1]["kept"], "model": rows}
    return {"truth": runner.decode([result["sampled"]["id"]]), "model": rows}  # sampled_token


def attention_truth(runner, request, skip_first: bool) -> dict:
    """The token the prompt's last position attends to most, at the step's layer and head."""
    answer = attention_weights(runner, request)
    ids = encode_prompt(runner, request.prompt, request.chat)
    last = answer["weights"][-1]
    positions = [j for j in range(len(last)) if j > 0 or not skip_first or len(last) == 1]
    positions.sort(key=lambda j: -last[j])
    rows = [
        {"answer": runner.decode([ids[j]]), "token": answer["tokens"][j], "prob": last[j], "position": j}
        for j in positions[: config.CLASS_MODEL_ROWS]
    ]
    return {"truth": rows[0]["answer"], "model": rows}


def class_reveal(runner, request) -> dict:
    """The model answers the current step's question; every screen shows it beside the class's answers."""
    step = CLASSES.pending_step(request.teacher_key)
    if not step.question.get("kind"):
        raise classroom.ClassError("class.error.no_question")
    return CLASSES.reveal(request.teacher_key, partial(step_truth, runner))


CLASS_REVEAL = Endpoint(
    "class_reveal",
    (Param("teacher_key", str),),
    class_reveal,
    "the teacher's `/class_state`, revealed (the model runs once for the class)",
)


# The contract's order (the README's table lists them so).
ENDPOINTS: tuple[Endpoint, ...] = (
    TOKENIZE,
    NEXT_TOKEN,
    SAMPLE_MANY,
    ATTENTION,
    BEAM_SEARCH,
    CONTEXT_COST,
    GENERATE,
    COMPARE_STRATEGIES,
    LOGIT_LENS,
    EMBEDDINGS,
    GENERATION_ATTENTION,
    QUANTIZE,
    QUANTIZE_SPEED,
    SPECULATIVE,
    CLASS_CREATE,
    CLASS_JOIN,
    CLASS_PUSH,
    CLASS_ANSWER,
    CLASS_STATE,
    CLASS_REVEAL,
)
BY_NAME = {e.name: e for e in ENDPOINTS}
assert len(BY_NAME) == len(ENDPOINTS), "two endpoints share a name"
