"""Tokenizer explorer tab: coloured tokens, counts, the chat template, a comparison, language cost."""

from __future__ import annotations

from functools import partial
from types import SimpleNamespace

import gradio as gr

from playground import charts, config, html, models, tokens
from playground.api import endpoints as api
from playground.i18n import t
from playground.ui.common import LIGHT_EVENT, examples_for, handler
from playground.ui.endpoints import register

ID = "tokenizer"

DEFAULT_COMPARE = [name for name, spec in models.TOKENIZERS.items() if spec.kind != "hub"]


def _stats(result: tokens.TokenizeResult) -> str:
    if result.num_tokens == 0:
        return t("tokenizer.stats_empty")
    return t(
        "tokenizer.stats",
        tokens=result.num_tokens,
        chars=result.num_chars,
        bytes=result.num_bytes,
        chars_per_token=result.num_chars / result.num_tokens,
        bytes_per_token=result.num_bytes / result.num_tokens,
    )


def _injection_note(runner, text: str) -> str:
    """How many control tokens the text would hold if typed special tokens were parsed."""
    count = tokens.typed_special_tokens(runner, text)
    return t("safety.injection_found", count=count) if count else ""


def show_tokens(runner, text: str, show_ids: bool, parse_special: bool = False):
    """Counts, the tokens (bytes grouped under their characters), and the chat-template view."""
    _, replaced = tokens.sanitize(text)
    if replaced:
        gr.Warning(t("tokenizer.surrogates", count=replaced))
    result = tokens.tokenize(runner, text, models.MODEL_TOKENIZER, parse_special)
    chat = tokens.chat_view(runner, text, parse_special)
    limit = config.MAX_TOKENS_SHOWN
    return (
        _stats(result),
        html.token_groups(tokens.token_view(result), show_ids, limit),
        html.token_groups(tokens.token_view(chat), show_ids, limit),
        chat.text,
        _injection_note(runner, text),
    )


def compare(runner, text: str, names: list[str], show_ids: bool) -> str:
    """One row per chosen tokenizer; a Hub tokenizer that is not available offline says so."""
    rows = []
    for name in names:
        row = {
            "name": name,
            "label": models.tokenizer_label(name),
            "note": t(models.TOKENIZERS[name].note_key),
            "tokens": None,
            "error": "",
        }
        try:
            row["tokens"] = tokens.token_view(tokens.tokenize(runner, text, name))
        except tokens.TokenizerUnavailable:
            row["error"] = t("tokenizer.compare_unavailable")
        rows.append(row)
    return html.comparison(rows, show_ids, config.MAX_TOKENS_SHOWN)


def first_view(runner) -> None:
    """Nothing from the model: this tab's first view is drawn without it."""
    return None


def views(runner, text: str, show_ids: bool, parse_special: bool, names: list[str]):
    """The tokens views and the comparison in one call: one event for a change of the text."""
    return (*show_tokens(runner, text, show_ids, parse_special), compare(runner, text, names, show_ids))


def _tokens_section(runner, c: SimpleNamespace, text: str) -> None:
    stats0, tokens0, chat0, chat_text0, note0 = show_tokens(runner, text, True)
    gr.Markdown(t("tokenizer.explain", model=runner.name, vocab=runner.vocab_len))
    with gr.Row():
        c.text = gr.Textbox(
            label=t("tokenizer.input"),
            placeholder=t("tokenizer.placeholder"),
            value=text,
            lines=4,
            max_lines=12,
            elem_id="tok-text",
            scale=4,
        )
        c.show_ids = gr.Checkbox(label=t("tokenizer.show_ids"), value=True, elem_id="tok-show-ids", scale=1)
    gr.Examples(
        [[example] for example in examples_for("tokenizer")],
        inputs=[c.text],
        label=t("tokenizer.examples"),
        elem_id="tokenizer-examples",
        api_visibility="private",
    )
    c.stats = gr.Markdown(stats0, elem_id="tok-stats")
    gr.Markdown(f"#### {t('tokenizer.tokens_heading')}")
    c.token_view = gr.HTML(tokens0, elem_id="tok-tokens")
    gr.Markdown(f"#### {t('tokenizer.chat_heading')}\n{t('tokenizer.chat_explain')}")
    c.chat_view = gr.HTML(chat0, elem_id="tok-chat")
    with gr.Accordion(t("tokenizer.chat_template"), open=False):
        c.chat_text = gr.Code(chat_text0, language=None, elem_id="tok-chat-text", show_label=False)
    gr.Markdown(f"#### {t('safety.injection_heading')}\n{t('safety.injection_explain')}")
    c.parse_special = gr.Checkbox(label=t("safety.parse_special"), value=False, elem_id="tok-parse-special")
    c.injection = gr.Markdown(note0, elem_id="tok-injection")


def _compare_section(runner, c: SimpleNamespace, text: str) -> None:
    gr.Markdown(f"#### {t('tokenizer.compare_heading')}")
    c.compare_choice = gr.CheckboxGroup(
        choices=[(models.tokenizer_label(name), name) for name in models.TOKENIZERS],
        value=DEFAULT_COMPARE,
        label=t("tokenizer.compare_choice"),
        elem_id="tok-compare-choice",
    )
    c.comparison = gr.HTML(compare(runner, text, DEFAULT_COMPARE, True), elem_id="tok-compare")
    gr.Markdown(f"#### {t('tokenizer.cost_heading')}\n{t('tokenizer.cost_explain')}")
    gr.Plot(value=charts.language_cost(tokens.language_cost(runner)), elem_id="tok-cost", show_label=False)


def _events(runner, c: SimpleNamespace) -> None:
    """One listener per trigger: two "always_last" listeners of one trigger defer each other without end
    in Gradio's frontend (it re-dispatches a deferred event to all of the trigger's listeners)."""
    redraw = {"api_visibility": "private", "trigger_mode": "always_last", **LIGHT_EVENT}
    token_views = [c.stats, c.token_view, c.chat_view, c.chat_text, c.injection]
    gr.on(
        [c.text.change, c.show_ids.change],
        handler(partial(views, runner)),
        inputs=[c.text, c.show_ids, c.parse_special, c.compare_choice],
        outputs=[*token_views, c.comparison],
        show_progress="minimal",
        show_progress_on=[c.comparison],
        **redraw,
    )
    c.parse_special.change(
        handler(partial(show_tokens, runner)),
        inputs=[c.text, c.show_ids, c.parse_special],
        outputs=token_views,
        show_progress="hidden",
        **redraw,
    )
    c.compare_choice.change(
        handler(partial(compare, runner)),
        inputs=[c.text, c.compare_choice, c.show_ids],
        outputs=[c.comparison],
        show_progress="minimal",
        **redraw,
    )


def build(runner, first=None) -> None:
    """The tab: its layout, its events and its endpoint. Its first text is in the page's language
    (tokenizing it is light work, not the model)."""
    text = examples_for("tokenizer")[0]
    c = SimpleNamespace()
    with gr.Tab(t("tab.tokenizer"), id=ID, elem_id=f"tab-{ID}"):
        _tokens_section(runner, c, text)
        _compare_section(runner, c, text)
        register([api.TOKENIZE], runner)
    _events(runner, c)
