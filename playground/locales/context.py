"""Context-length cost tab."""

EN = {
    "tab.context": "Context-length cost",
    "context.explain": "### What a long context costs\nEach measurement runs the model at one context length (a natural text cut to that many tokens): the prefill of the whole context, one decode step with the KV cache, and one without it (a forward pass over every token). Prefill and cache-less decoding grow with the length (their attention part quadratically); a cached decode step stays nearly flat. The KV cache grows *linearly*; only eager attention's score matrix ($\\text{heads} \\times T^2$ per layer) is quadratic.\n\nBelow, the same formulas project to large models and 1M-token contexts. SmolLM2 and most recent models use grouped-query attention: the cache counts **KV heads**, not query heads.",
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
}

TE = {
    "tab.context": "కాంటెక్స్ట్ పొడవు ఖర్చు",
}
