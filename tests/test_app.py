"""The launched app through gradio_client: the /tokenize endpoint of the README."""

from __future__ import annotations

import pytest

from playground import config
from playground.api.endpoints import ENDPOINTS

pytestmark = pytest.mark.real


def test_app_builds_without_launching(real_runner):
    import app

    demo = app.build_demo(real_runner)
    public = {
        f"/{dep.api_name}" for dep in demo.fns.values() if dep.api_name and dep.api_visibility == "public"
    }
    assert public == {f"/{e.name}" for e in ENDPOINTS}
    assert len(public) == 20


def test_no_trigger_has_two_always_last_listeners(real_runner):
    """Gradio's frontend re-dispatches a deferred "always_last" event to every listener of its trigger:
    two such listeners defer each other without end (issue 23's reset loop)."""
    import collections

    import app

    demo = app.build_demo(real_runner)
    listeners = collections.Counter(
        (target, event)
        for dep in demo.fns.values()
        if dep.trigger_mode == "always_last"
        for target, event in dep.targets
    )
    assert [key for key, count in listeners.items() if count > 1] == []


def test_tokenize_returns_the_model_tokenizers_ids(client, tokenizer):
    text = "The capital of France is Paris. తెలుగు 🙂"
    result = client.predict(text, "", api_name="/tokenize")
    encoding = tokenizer(text, return_offsets_mapping=True)
    assert result["tokenizer"] == "model"
    assert [t["id"] for t in result["tokens"]] == encoding["input_ids"]
    assert [[t["start"], t["end"]] for t in result["tokens"]] == [list(o) for o in encoding["offset_mapping"]]
    assert result["num_tokens"] == len(encoding["input_ids"])
    assert (result["num_chars"], result["num_bytes"]) == (len(text), len(text.encode()))
    assert set(result["tokens"][0]) >= {"id", "piece", "start", "end"}


def test_tokenize_with_offline_tokenizers(client):
    assert client.predict("తa", "utf-8 bytes", api_name="/tokenize")["num_tokens"] == 4
    assert client.predict("తa", "characters", api_name="/tokenize")["num_tokens"] == 2


def test_bad_input_gets_a_sentence_and_the_server_keeps_serving(client):
    assert client.predict("", "", api_name="/tokenize")["num_tokens"] == 0
    with pytest.raises(Exception, match="Unknown tokenizer 'klingon'"):
        client.predict("hi", "klingon", api_name="/tokenize")
    with pytest.raises(Exception, match="at most"):
        client.predict("x" * (config.MAX_TOKENIZE_CHARS + 1), "", api_name="/tokenize")
    with pytest.raises(Exception, match="not available offline"):
        client.predict("hi", "GPT-2", api_name="/tokenize")
    assert client.predict("still here", "", api_name="/tokenize")["num_tokens"] == 2


def test_the_header_names_the_models_source_without_a_path_on_the_servers_disk(real_runner):
    """Issue 23: the header showed the cache folder's path; it says "offline copy" in both languages."""
    import app
    from playground import i18n

    assert real_runner.source.kind in ("cache", "gguf")  # the tests' model is the offline one
    for lang in i18n.LANGUAGES:
        with i18n.use(lang):
            line = app.model_line(real_runner)
        assert str(config.cache_dir()) not in line and "/" not in line.split("·")[1]
    assert "offline copy" in app.model_line(real_runner)
