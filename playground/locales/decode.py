"""Prefill and decode tab."""

EN = {
    "tab.decode": "Prefill and decode",
    "decode.explain": "### Two phases, four numbers\n**Prefill** runs the whole prompt through the model in one forward pass and stores every token's keys and values in the **KV cache**; it ends with the first new token, so its time is the **time to first token (TTFT)**. **Decode** then makes one forward pass per new token: the **time per output token (TPOT)**. **Throughput** is tokens per second, and **memory** is the weights plus the KV cache.\n\nWith the cache, a decode step computes keys and values for the new token only and reads the rest, so each step costs about the same. Without it, every step re-runs the whole sequence: the same tokens, but each step slower than the last. The cache trades memory (it grows linearly, the same bytes per token) for that speed. Batching several requests shares each read of the weights, so the total throughput rises while each request gets a little slower.",
    "decode.prompt": "Prompt",
    "decode.chat": "Wrap in the chat template",
    "decode.new_tokens": "New tokens",
    "decode.run": "Measure both (cache on and off)",
    "decode.throughput_run": "Measure throughput by batch size",
    "decode.cache_on": "KV cache on",
    "decode.cache_off": "KV cache off",
    "decode.empty": "Press **Measure** to time one generation with the KV cache and without it.",
    "decode.metrics": "| | {on} | {off} |\n|---|---|---|\n| time to first token (prefill) | {ttft_on:.0f} ms | {ttft_off:.0f} ms |\n| time per output token (median of {steps}) | {tpot_on:.1f} ms | {tpot_off:.1f} ms |\n| last decode step | {last_on:.1f} ms | {last_off:.1f} ms |\n| tokens/s | {tps_on:.1f} | {tps_off:.1f} |\n\nSame {tokens} tokens both ways: **{same}**. The KV cache ends at **{kv:,} bytes** for {cached} tokens, = 2 x {layers} layers x {kv_heads} KV heads x {head_dim} x {dtype} bytes x {cached} tokens (formula: {formula:,} bytes, {match}). Measured on this machine, {threads} threads; each number is one run.",
    "decode.same_yes": "yes",
    "decode.same_no": "no",
    "decode.match_yes": "equal",
    "decode.match_no": "different",
    "decode.throughput_note": "{steps} decode steps per batch size, prefill excluded, measured on this machine.",
}

TE = {
    "tab.decode": "ప్రీఫిల్ మరియు డీకోడ్",
}
