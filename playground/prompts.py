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
        raise PromptError("error.prompt.empty")
    prompt, _ = sanitize(prompt)
    ids = runner.tokenize(prompt, chat=chat).ids
    context = runner.max_context
    cap = min(limit, context)
    if len(ids) > cap:
        raise PromptError("error.prompt.too_long", tokens=len(ids), cap=cap, context=context)
    return ids
