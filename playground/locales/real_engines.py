"""Real engines (vLLM, llama.cpp) beside ours: installing, configuring, starting and asking them."""

EN = {
    "real.missing.vllm": "vLLM is not installed here ({path} is missing): run `make vllm`, or set VLLM_PYTHON to its venv's python.",
    "real.missing.llama_cpp": "llama.cpp is not built here ({path} is missing): run `make llama-cpp` (about 20 minutes the first time).",
    "real.missing.bindings": "llama-cpp-python's bindings cannot load llama.cpp here ({error}): run `make llama-cpp`.",
    "real.error.name": "Unknown real engine {name!r}. Choose one of: {known}.",
    "real.error.config": "{env} lists {item!r}: write name=URL pairs, comma-separated, each name vllm or llama.cpp and each URL starting with http:// or https://.",
    "real.error.unavailable": "The engine cannot start: {reason}",
    "real.error.exited": "{name} stopped while starting. Its last output:\n{output}",
    "real.error.slow_start": "{name} did not answer within {seconds:.0f} s of starting; it was stopped.",
    "real.error.unreachable": "{name} does not answer ({error}). Is it running? Start it with `make engines-serve` or check {name}'s address in PLAYGROUND_ENGINES.",
    "real.error.refused": "{name} refused the request (HTTP {status}): {body}",
}

TE = {
    "real.missing.vllm": "ఇక్కడ vLLM ఇన్స్టాల్ కాలేదు ({path} లేదు): `make vllm` నడపండి, లేదా VLLM_PYTHON ను దాని venv లోని python గా పెట్టండి.",
    "real.missing.llama_cpp": "ఇక్కడ llama.cpp బిల్డ్ కాలేదు ({path} లేదు): `make llama-cpp` నడపండి (మొదటిసారి సుమారు 20 నిమిషాలు).",
    "real.missing.bindings": "llama-cpp-python బైండింగ్లు ఇక్కడ llama.cpp ను లోడ్ చేయలేకపోయాయి ({error}): `make llama-cpp` నడపండి.",
    "real.error.name": "{name!r} అనే నిజమైన ఇంజిన్ తెలియదు. వీటిలో ఒకటి ఎంచుకోండి: {known}.",
    "real.error.config": "{env} లో {item!r} ఉంది: name=URL జతలను కామాలతో వేరు చేసి రాయండి; ప్రతి name vllm లేదా llama.cpp, ప్రతి URL http:// లేదా https:// తో మొదలవ్వాలి.",
    "real.error.unavailable": "ఇంజిన్ మొదలవ్వలేదు: {reason}",
    "real.error.exited": "{name} మొదలవుతూనే ఆగిపోయింది. దాని చివరి అవుట్పుట్:\n{output}",
    "real.error.slow_start": "{name} మొదలైన {seconds:.0f} సెకన్లలో జవాబు ఇవ్వలేదు; దాన్ని ఆపేశాం.",
    "real.error.unreachable": "{name} జవాబు ఇవ్వడం లేదు ({error}). అది నడుస్తోందా? `make engines-serve` తో మొదలుపెట్టండి, లేదా PLAYGROUND_ENGINES లో {name} చిరునామా సరిచూడండి.",
    "real.error.refused": "{name} అభ్యర్థనను తిరస్కరించింది (HTTP {status}): {body}",
}
