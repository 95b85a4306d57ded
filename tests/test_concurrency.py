"""Many users at once: every request gets its own prompt's answer, and the server keeps serving."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from gradio_client import Client

pytestmark = pytest.mark.real

PROMPTS = {
    "The capital of France is": "␣Paris",
    "The capital of Germany is": "␣Berlin",
    "The capital of Italy is": "␣Rome",
    "The capital of Spain is": "␣Madrid",
}


def test_concurrent_requests_each_get_their_own_answer(app_url, tokenizer):
    def ask(prompt: str) -> tuple[str, str]:
        client = Client(app_url, verbose=False)
        result = client.predict(prompt, False, 0.0, 0, 1.0, 0.0, 0.0, 0.0, 1.0, 0, api_name="/next_token")
        return prompt, result["sampled"]["token"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(ask, list(PROMPTS) * 2))
    assert all(token == PROMPTS[prompt] for prompt, token in answers), answers
    # Light requests (tokenizing) run beside the model pool, each with its own text.
    texts = ["a " * i for i in range(1, 9)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        counts = list(
            pool.map(
                lambda text: Client(app_url, verbose=False).predict(text, "", api_name="/tokenize"), texts
            )
        )
    assert [c["num_chars"] for c in counts] == [len(text) for text in texts]
    assert [c["num_tokens"] for c in counts] == [len(tokenizer(text).input_ids) for text in texts]
