"""Tokenizer explorer tab."""

EN = {
    "tab.tokenizer": "Tokenizer explorer",
    "tokenizer.explain": "### How text becomes tokens\nA language model never sees letters. Its **tokenizer** cuts the text into pieces from a fixed vocabulary (49,152 pieces for SmolLM2) and the model sees only their **ids**. SmolLM2 uses *byte-level BPE*: the text is first turned into UTF-8 bytes, then frequent byte sequences are merged into single tokens. Common English words become one token, usually with their leading space (drawn here as ␣). Rare words split into several pieces, and a script the vocabulary saw little of, such as Telugu, falls back to single bytes: a Telugu letter is three UTF-8 bytes, so it can cost three tokens. Bytes that are only part of a character are drawn as hex, e.g. ‹E0 B0›.\n\nMore tokens for the same meaning means a shorter effective context, slower generation and a higher bill.",
    "tokenizer.input": "Text",
    "tokenizer.placeholder": "Type or paste any text…",
    "tokenizer.show_ids": "Show token ids",
    "tokenizer.examples": "Examples",
    "tokenizer.tokens_heading": "Tokens",
    "tokenizer.stats": "**{tokens:,}** tokens · **{chars:,}** characters · **{bytes:,}** UTF-8 bytes · **{chars_per_token:.2f}** characters per token · **{bytes_per_token:.2f}** bytes per token",
    "tokenizer.stats_empty": "**0** tokens · **0** characters · **0** UTF-8 bytes",
    "tokenizer.more_tokens": "… and {count:,} more tokens (all are counted above).",
    "tokenizer.surrogates": "{count} lone surrogate code point(s) cannot be encoded as UTF-8 and were replaced by U+FFFD.",
    "tokenizer.chat_heading": "The same text as a chat message, as the model sees it",
    "tokenizer.chat_explain": "An instruct model is trained on conversations wrapped in a **chat template**. Your text becomes the user's message; the template adds a default system message and the special tokens (boxed) that mark where each turn starts and ends, and ends with the start of the assistant's turn, so the model's next token begins its answer.",
    "tokenizer.chat_template": "The chat template rendered as text",
    "tokenizer.compare_heading": "Several tokenizers side by side",
    "tokenizer.compare_choice": "Tokenizers",
    "tokenizer.compare_unavailable": "not available offline (it is downloaded from the Hugging Face Hub once, when the Hub is reachable)",
    "tokenizer.cost_heading": "What a language costs in tokens",
    "tokenizer.cost_explain": "The same five sentences in each language, through the model's tokenizer. Left: tokens per character. Right: how many times more tokens than English the same meaning needs.",
    "tokenizer.tooltip": "id {id} · piece {piece} · chars {start}–{end} · {num_bytes} byte(s)",
    "tokenizer.special": "special token",
}

TE = {
    "tab.tokenizer": "టోకనైజర్ ఎక్స్\u200cప్లోరర్",
    "tokenizer.input": "వచనం",
    "tokenizer.examples": "ఉదాహరణలు",
}
