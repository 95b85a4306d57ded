"""Limits and defaults in one place. Every number a user can run into lives here, once."""

import os
from pathlib import Path

DEFAULT_MODEL = "SmolLM2-135M-Instruct"

# Tokenizer explorer: text longer than this is refused with a message saying so.
MAX_TOKENIZE_CHARS = 20_000
# Tokens drawn as coloured spans before the view says "... N more" (the counts stay exact).
MAX_TOKENS_SHOWN = 2_000
# Tokens a /tokenize answer lists; the rest are counted (20,000 Telugu characters are ~60,000 tokens,
# a 5 MB answer if all were listed).
MAX_API_TOKENS_LISTED = 2_000

# Prompts fed to the model (later tabs).
MAX_PROMPT_TOKENS = 2_048

# How long we wait to learn whether the Hugging Face Hub is reachable before going offline.
HUB_PROBE_TIMEOUT_S = 2.0

# Queues. Model work and light work (tokenizing, redrawing, switching a layer or a head) have
# separate limits, so light work is never refused because model work is waiting. Each language is
# its own page with its own Gradio queue; the admission limits below count the requests of every
# language together (playground/ui/common.py, ``Admission``).
MODEL_CONCURRENCY = 1  # model-pool requests running at once, per language (the runner's lock lets one run)
MODEL_QUEUE_MAX_SIZE = 48  # model requests waiting, from every session and language; more are refused
MODEL_REQUESTS_PER_SESSION = 2  # one session's model requests waiting or running at once
SHUTDOWN_GRACE_S = 5  # on SIGTERM, open streams get this long before the server closes them
LIGHT_QUEUE_MAX_SIZE = 256  # light requests waiting, from every session and language
QUEUE_MAX_SIZE = MODEL_QUEUE_MAX_SIZE + LIGHT_QUEUE_MAX_SIZE  # Gradio's own bound, per language

# Sessions. Per-session state (attention maps, logits, sweep results) and the session itself go
# after this long unused; at most MAX_SESSIONS are held, every language's together (the least
# recently used go first).
SESSION_TTL_S = float(os.environ.get("PLAYGROUND_SESSION_TTL_S", 900))
SESSION_SWEEP_S = 1.0  # how often expired sessions are looked for
# The heap: freed memory goes back to the system every HEAP_TRIM_S (and when sessions expire); the
# server's threads share HEAP_ARENAS glibc heaps instead of up to 8 per core (playground/ui/sessions.py).
HEAP_TRIM_S = 30.0
# How often each page's Gradio queue looks for new work and for progress to send (Gradio's own: every
# 1 ms and 10 ms; playground/ui/gradio_internals.calm_queue).
QUEUE_POLL_S = float(os.environ.get("PLAYGROUND_QUEUE_POLL_S", 0.01))
QUEUE_PROGRESS_POLL_S = 0.1
HEAP_ARENAS = int(os.environ.get("PLAYGROUND_HEAP_ARENAS", 2))  # 0: glibc's own default
# What start-up built is frozen out of the garbage collector's sight (playground/ui/sessions.freeze_heap);
# 0 keeps Python's default, for comparison (benchmarks/bench_sessions.py --expiry).
FREEZE_HEAP = os.environ.get("PLAYGROUND_FREEZE_HEAP", "1") != "0"
# The engine process's matrix products through oneDNN with weights packed once (playground/serving/
# onednn.py); 0 keeps PyTorch's default (MKL), for comparison (benchmarks/bench_vllm.py --mkl).
ONEDNN = os.environ.get("PLAYGROUND_ONEDNN", "1") != "0"
MAX_SESSIONS = 2_000

# Files: the app takes no uploads (a size limit of 0 bytes refuses every file); the CSV files it
# writes for download are deleted every DOWNLOAD_SWEEP_S once older than DOWNLOAD_MAX_AGE_S.
MAX_UPLOAD_BYTES = 0
DOWNLOAD_SWEEP_S = int(os.environ.get("PLAYGROUND_DOWNLOAD_SWEEP_S", 600))
DOWNLOAD_MAX_AGE_S = int(os.environ.get("PLAYGROUND_DOWNLOAD_MAX_AGE_S", 3600))

# Numbers from the API that have no natural bound: beyond these they mean nothing more.
MAX_TOP_K = 1_000_000  # larger than any vocabulary: the same as off
MAX_SEED = 2**63 - 1  # torch.Generator.manual_seed takes at most this
OWN_SEEDS = 1_000_000  # a learner's own seed (knobs.seed_box) is below this: short, exact in JavaScript


def cache_dir() -> Path:
    """Where converted weights and downloaded tokenizers are kept between starts."""
    if os.environ.get("PLAYGROUND_CACHE"):
        return Path(os.environ["PLAYGROUND_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "llm-playground"


def num_threads() -> int:
    """Torch intra-op threads: every core this process may use (PLAYGROUND_THREADS overrides)."""
    if os.environ.get("PLAYGROUND_THREADS"):
        return max(1, int(os.environ["PLAYGROUND_THREADS"]))
    return max(1, len(os.sched_getaffinity(0)))


def engine_process() -> bool:
    """Whether the server runs the serving batch in a process of its own (playground/serving/
    engine_process.py), so it never waits for the web server's GIL. PLAYGROUND_ENGINE_PROCESS=0: a
    thread of the server's process."""
    return os.environ.get("PLAYGROUND_ENGINE_PROCESS", "1") not in ("0", "", "false")


def scheduler_threads() -> int:
    """Torch threads of the serving scheduler's batch: every core but one, which the web server
    needs while a class is connected (its event loop, one handler per request, the answers'
    JSON). On 2 cores, 30 gradio_client learners x 32 tokens: p95 13.3-16.1 s with one thread,
    13.9-22.3 s with two, three classes each in one run (benchmarks/bench_serving.py
    --scheduler-threads 2). PLAYGROUND_SCHEDULER_THREADS overrides."""
    if os.environ.get("PLAYGROUND_SCHEDULER_THREADS"):
        return max(1, int(os.environ["PLAYGROUND_SCHEDULER_THREADS"]))
    return max(1, num_threads() - 1)


# Light events (tokenizing, re-drawing) run beside the model pool: each light event listener runs
# at most this many at once, in each language (Gradio's concurrency limits are per listener and per
# queue); their waiting requests are bounded in all by LIGHT_QUEUE_MAX_SIZE.
LIGHT_CONCURRENCY = 8

# Logits to token.
MAX_NEW_TOKENS = 256  # generation cap per request
MAX_STOP_STRINGS = 8
ALTERNATIVES_SHOWN = 5  # top alternatives kept for each generated token
STAGE_TOKENS_SHOWN = 12  # tokens drawn per stage in the pipeline chart
FINAL_TOKENS_LISTED = 200  # /next_token lists at most this many non-zero final probabilities
STAGE_TOP_LISTED = 10  # /next_token lists this many top tokens per stage

# Attention maps: every layer x head x T x T weight is kept for the session, so layer and head
# changes never re-run the model; they go with the session's other state after SESSION_TTL_S unused.
# A budget in bytes, so a larger model gets fewer tokens (attention.max_tokens): SmolLM2-135M's
# 30 x 9 x 128² x 4 bytes = 17 MiB fit; a 32-layer, 32-head model gets 67 tokens.
MAX_ATTENTION_TOKENS = 128
ATTENTION_STATE_BYTES = 18 * 2**20

# Beam search.
MAX_BEAMS = 8
MAX_BEAM_NEW_TOKENS = 40
BEAM_CANDIDATES_PER_BEAM = 3  # besides the candidates beam search itself weighs, drawn per beam
MAX_CANDIDATES_PER_BEAM = 8

# Prefill & decode, context-length cost.
MAX_TIMELINE_TOKENS = 128  # tokens generated for the prefill/decode timeline
THROUGHPUT_BATCHES = (1, 2, 4, 8)
THROUGHPUT_TOKENS = 16  # decode steps measured per batch size
DEFAULT_SWEEP = "64, 128, 256, 512, 1024"
DEFAULT_REPEATS = 3
MAX_CONTEXT_SWEEP_TOKENS = 2_048
MAX_CONTEXT_SWEEP_POINTS = 12
MAX_COST_REPEATS = 10
PROJECTION_CONTEXTS = (1_024, 8_192, 32_768, 131_072, 1_048_576)

# Sampling knobs accepted from the API (the sliders stay inside them). Outside these, logits
# overflow float32 (a temperature of 1e-40 makes every score infinite) or the knob means nothing.
MIN_TEMPERATURE = 0.01  # or exactly 0: greedy
MAX_TEMPERATURE = 100.0
MAX_ABS_PENALTY = 10.0  # presence and frequency (OpenAI allows -2 to 2)
REPETITION_PENALTY_RANGE = (0.01, 10.0)

# Decoding strategies side by side: greedy, beam search and n samples on one prompt.
DEFAULT_COMPARE_SAMPLES = 4
MAX_COMPARE_SAMPLES = 8
MAX_COMPARE_NEW_TOKENS = MAX_BEAM_NEW_TOKENS  # beam search's cap, so every strategy gets the same length
DEFAULT_COMPARE_NEW_TOKENS = 20
SECTION_COMPARE_NEW_TOKENS = 30  # the beam tab's comparison starts here: beam search repeats itself by then

# Draw many times: /sample_many and the tab's histogram (one multinomial call, however many draws).
SAMPLE_DRAWS = 1_000
MAX_SAMPLE_DRAWS = 100_000
DRAWS_TOKENS_SHOWN = 15  # tokens drawn in the histogram (the rest summed as "others")
ENGINE_TOKENS_SHOWN = 10  # each engine's top tokens drawn side by side
MAX_ABS_LENGTH_PENALTY = 10.0  # beam search
MAX_PREFIX_TOKENS = MAX_NEW_TOKENS  # /generate's prefix_ids (a fork): tokens taken as given
FORK_SHARED_SHOWN = 8  # shared tokens before a fork repeated above each branch


# Inside the model (embeddings, logit lens, attention while writing). The tab keeps every layer's
# hidden state for the prompt ((layers + 1) x T x hidden x dtype bytes), so changing the position
# never re-runs the model; and every layer's and head's attention rows for the generated tokens
# (layers x heads x new x (prompt + new) x dtype bytes), so layer, head and step never do. Both are
# budgets in bytes: the token limits follow from the model's shape (playground/lens.py), at most the
# caps below. SmolLM2-135M in float32: 31 x 576 x 4 bytes per prompt token fit 132 (cap 128), and
# 30 x 9 x n x (128 + n) x 4 bytes fit 49 new tokens (cap 48).
LENS_STATE_BYTES = 9 * 2**20
WRITING_STATE_BYTES = 9 * 2**20
MAX_LENS_TOKENS = 128
LENS_TOP_TOKENS = 5  # top tokens listed per layer
MAX_NEIGHBOURS = 50  # nearest embedding rows listed for a token
DEFAULT_NEIGHBOURS = 10
MAX_WRITING_NEW_TOKENS = 48  # cap of the tokens generated for attention while writing
DEFAULT_WRITING_NEW_TOKENS = 16
PLAY_INTERVAL_S = 0.7  # the play button's pace through the generated tokens

# Serving: continuous batching of every learner's generation (playground/serving/).
MAX_BATCH = 32  # rows decoded together; also how many generation handlers each language's queue runs at once
PREFILL_TOKENS_PER_STEP = 4_096  # padded prompt tokens admitted in one step (at least one request)
PREFILL_PASS_TOKENS = 64  # what one more prefill pass costs, in padded tokens (prompts are grouped by length)
# Finished generations' KV-cache rows kept for forks (46 KiB per token for SmolLM2-135M in float32).
PREFIX_CACHE_BYTES = 128 * 2**20
PREFIX_CACHE_PER_SESSION = 4
SERVING_HEARTBEAT_S = 0.5  # a waiting handler wakes this often, so a closed one is noticed
SERVING_REQUESTS_KEPT = 256  # recent requests remembered for the Serving view (a ring buffer)
SERVING_STEPS_KEPT = 4_096  # recent scheduler steps remembered
SERVING_WINDOW_S = 120  # the Serving view shows this many seconds of traffic
SERVING_REFRESH_S = 2.0  # the view's auto-refresh period
# Budgets: no request holds the model past these.
MAX_NO_CACHE_COST = 16_384  # prompt tokens x new tokens for generation without the KV cache
MODEL_DEADLINE_S = 60.0  # beam search and the context sweep stop past this
# Simulate a class.
MAX_SIMULATED_REQUESTS = 16
MAX_SIMULATED_PROMPT_TOKENS = 256
MAX_SIMULATED_NEW_TOKENS = 32

# The class (playground/classroom.py): classes live in this process and end after CLASS_TTL_S unused;
# at most MAX_CLASSES at once, each with at most MAX_CLASS_STUDENTS students and MAX_CLASS_STEPS steps.
# Answers, labels, questions and a step's state are short; a reveal lists the model's top rows.
CLASS_TTL_S = float(os.environ.get("PLAYGROUND_CLASS_TTL_S", 4 * 3600))
MAX_CLASSES = int(os.environ.get("PLAYGROUND_MAX_CLASSES", 50))
MAX_CLASS_STUDENTS = int(os.environ.get("PLAYGROUND_MAX_CLASS_STUDENTS", 60))
MAX_CLASS_STEPS = 200
MAX_CLASS_ANSWER_CHARS = 60
MAX_CLASS_LABEL_CHARS = 24
MAX_CLASS_QUESTION_CHARS = 300
MAX_CLASS_STATE_CHARS = 8_000
CLASS_MODEL_ROWS = 10
MAX_CLASS_CHOICES = 8  # a question's choices, when the teacher gives some
CLASS_POLL_S = 1.5  # how often a class's screens ask for the class's state

# The OpenAI-compatible API (/v1): choices per request (``n``), top log-probabilities per token (OpenAI's
# own cap), tokens when a request names no max_tokens (OpenAI's completions default), the body's size,
# and the choices one client (address and API key) may have waiting or running at once (its fair share
# of a class: a page's session has MODEL_REQUESTS_PER_SESSION).
OPENAI_MAX_N = 4
OPENAI_MAX_LOGPROBS = 20
OPENAI_DEFAULT_MAX_TOKENS = 16
OPENAI_MAX_BODY_BYTES = 1_000_000
OPENAI_REQUESTS_PER_CLIENT = 8

# Quantization lesson (playground/quantize.py). Quantized copies of the model (each as large as the
# loaded model in float32) are made on demand and shared; at most this many are held at once, the
# least recently used going first. The int8 copy for the speed measurement is one more.
MAX_QUANTIZED_MODELS = int(os.environ.get("PLAYGROUND_MAX_QUANTIZED_MODELS", 2))
QUANT_HISTOGRAM_BINS = 80
QUANT_PROJECTION_MODEL = "Llama-3.1-8B"  # assets/model_configs.json: the 8B model the memory projection shows
QUANT_PROJECTION_CONTEXT = 8_192  # tokens of KV cache (bfloat16) beside its weights
MAX_QUANT_PROMPTS = 8
MAX_QUANT_PROMPT_TOKENS = 128
DEFAULT_QUANT_NEW_TOKENS = 24
MAX_QUANT_NEW_TOKENS = 64
DEFAULT_QUANT_PROMPTS = (
    "The capital of France is",
    "Water boils at a temperature of",
    "భారతదేశ రాజధాని నగరం",
    "నీరు మరిగే ఉష్ణోగ్రత",
)
QUANT_SPEED_NEW_TOKENS = 24  # tokens generated per timed run (float32 against int8)
MAX_QUANT_SPEED_REPEATS = 5

# Speculative decoding lesson (playground/speculative.py).
MAX_SPECULATIVE_K = 8  # drafted tokens per round
MAX_SPECULATIVE_NGRAM = 4  # prompt lookup's longest n-gram
DEFAULT_SPECULATIVE_NEW_TOKENS = 48
MAX_SPECULATIVE_NEW_TOKENS = 128
