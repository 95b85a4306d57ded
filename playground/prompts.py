"""A prompt as the model will read it: checked, optionally chat-wrapped, tokenized."""

from __future__ import annotations

from playground import config
from playground.errors import UserError
from playground.tokens import sanitize


class PromptError(UserError):
    """A prompt the user can fix; the message says how."""


def encode_prompt(runner, prompt: str, chat: bool, limit: int = config.MAX_PROMPT_TOKENS) -> list[int]:
    """Token ids for ``prompt``; refuses empty prompts and prompts past ``limit`` tokens."""
    if not prompt or not prompt.strip():
        raise PromptError("The prompt is empty. Type some text for the model to continue.")
    prompt, _ = sanitize(prompt)
    ids = runner.tokenize(prompt, chat=chat).ids
    context = runner.model.config.max_position_embeddings
    cap = min(limit, context)
    if len(ids) > cap:
        raise PromptError(
            f"The prompt is {len(ids):,} tokens long; this tab takes at most {cap:,} "
            f"(the model's context is {context:,}). Shorten it and try again."
        )
    return ids
