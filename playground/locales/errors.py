"""Error and warning sentences a user can cause."""

EN = {
    "error.unknown_tokenizer": "Unknown tokenizer {name!r}. Choose one of: {known}.",
    "error.hub_tokenizer": "The {name} tokenizer is not available offline; choose one of the offline tokenizers ({offline}).",
}

TE = {}
