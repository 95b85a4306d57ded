"""Tokenizer explorer tab: coloured tokens, counts, the chat template, a comparison, language cost."""

from __future__ import annotations

from functools import partial

import gradio as gr

from playground import charts, config, html, models, tokens
from playground.i18n import t
from playground.ui.common import LIGHT_EVENT, endpoint, examples_for, handler

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


def tokenize_api(runner, text: str, tokenizer: str = "") -> dict:
    """Tokenize text with a registry tokenizer ("" = the loaded model's): ids, pieces, offsets."""
    return tokens.tokenize(runner, text, tokenizer).to_api()


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
        row = {"name": name, "note": t(models.TOKENIZERS[name].note_key), "tokens": None, "error": ""}
        try:
            row["tokens"] = tokens.token_view(tokens.tokenize(runner, text, name))
        except tokens.TokenizerUnavailable:
            row["error"] = t("tokenizer.compare_unavailable")
        rows.append(row)
    return html.comparison(rows, show_ids, config.MAX_TOKENS_SHOWN)


def build(runner) -> None:
    on_tokens = handler(partial(show_tokens, runner))
    on_compare = handler(partial(compare, runner))
    default_text = examples_for("tokenizer")[0]
    first_stats, first_tokens, first_chat, first_chat_text, first_note = on_tokens(default_text, True)
    first_comparison = on_compare(default_text, DEFAULT_COMPARE, True)

    with gr.Tab(t("tab.tokenizer"), id="tokenizer", elem_id="tab-tokenizer"):
        gr.Markdown(t("tokenizer.explain", model=runner.name, vocab=runner.vocab_len))
        with gr.Row():
            text = gr.Textbox(
                label=t("tokenizer.input"),
                placeholder=t("tokenizer.placeholder"),
                value=default_text,
                lines=4,
                max_lines=12,
                elem_id="tok-text",
                scale=4,
            )
            show_ids = gr.Checkbox(label=t("tokenizer.show_ids"), value=True, elem_id="tok-show-ids", scale=1)
        gr.Examples(
            [[example] for example in examples_for("tokenizer")],
            inputs=[text],
            label=t("tokenizer.examples"),
            elem_id="tokenizer-examples",
            api_visibility="private",
        )
        stats = gr.Markdown(first_stats, elem_id="tok-stats")
        gr.Markdown(f"#### {t('tokenizer.tokens_heading')}")
        token_view = gr.HTML(first_tokens, elem_id="tok-tokens")

        gr.Markdown(f"#### {t('tokenizer.chat_heading')}\n{t('tokenizer.chat_explain')}")
        chat_view = gr.HTML(first_chat, elem_id="tok-chat")
        with gr.Accordion(t("tokenizer.chat_template"), open=False):
            chat_text = gr.Code(first_chat_text, language=None, elem_id="tok-chat-text", show_label=False)
        gr.Markdown(f"#### {t('safety.injection_heading')}\n{t('safety.injection_explain')}")
        parse_special = gr.Checkbox(label=t("safety.parse_special"), value=False, elem_id="tok-parse-special")
        injection = gr.Markdown(first_note, elem_id="tok-injection")

        gr.Markdown(f"#### {t('tokenizer.compare_heading')}")
        compare_choice = gr.CheckboxGroup(
            choices=list(models.TOKENIZERS),
            value=DEFAULT_COMPARE,
            label=t("tokenizer.compare_choice"),
            elem_id="tok-compare-choice",
        )
        comparison = gr.HTML(first_comparison, elem_id="tok-compare")

        gr.Markdown(f"#### {t('tokenizer.cost_heading')}\n{t('tokenizer.cost_explain')}")
        gr.Plot(
            value=charts.language_cost(tokens.language_cost(runner)), elem_id="tok-cost", show_label=False
        )
        gr.api(endpoint(tokenize_api, runner), api_name="tokenize", **LIGHT_EVENT)

    gr.on(
        [text.change, show_ids.change, parse_special.change],
        on_tokens,
        inputs=[text, show_ids, parse_special],
        outputs=[stats, token_view, chat_view, chat_text, injection],
        api_visibility="private",
        trigger_mode="always_last",
        show_progress="hidden",
        **LIGHT_EVENT,
    )
    gr.on(
        [text.change, show_ids.change, compare_choice.change],
        on_compare,
        inputs=[text, compare_choice, show_ids],
        outputs=[comparison],
        api_visibility="private",
        trigger_mode="always_last",
        show_progress="minimal",
        **LIGHT_EVENT,
    )
