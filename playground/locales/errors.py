"""Error and warning sentences a user can cause."""

EN = {
    "error.unknown_tokenizer": "Unknown tokenizer {name!r}. Choose one of: {known}.",
    "error.hub_tokenizer": "The {name} tokenizer is not available offline; choose one of the offline tokenizers ({offline}).",
}

TE = {
    "error.unknown_tokenizer": "{name!r} అనే టోకనైజర్ తెలియదు. వీటిలో ఒకదాన్ని ఎంచుకోండి: {known}.",
    "error.hub_tokenizer": "{name} టోకనైజర్ ఆఫ్లైన్‌లో అందుబాటులో లేదు; ఆఫ్లైన్ టోకనైజర్‌లలో ఒకదాన్ని ఎంచుకోండి ({offline}).",
}
