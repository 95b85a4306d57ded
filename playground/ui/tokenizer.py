"""Tokenizer explorer tab: coloured tokens, counts, the chat template, a comparison, language cost."""

from __future__ import annotations

import json

import gradio as gr

from playground import charts, config, html, models, tokens
from playground.errors import UserError
from playground.i18n import t
from playground.ui.common import LIGHT_EVENT, handler

OFFLINE_KINDS = ("model", "bytes", "chars")
DEFAULT_COMPARE = [name for name, spec in models.TOKENIZERS.items() if spec.kind in OFFLINE_KINDS]


def _examples() -> list[list[str]]:
    data = json.loads((tokens.ASSETS / "examples.json").read_text(encoding="utf-8"))
    return [[example["text"]] for example in data["tokenizer"]]


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


def _tokenize_or_error(runner, text: str, name: str, parse_special: bool = False) -> tokens.TokenizeResult:
    try:
        return tokens.tokenize(runner, text, name, parse_special)
    except UserError as error:
        raise gr.Error(str(error)) from None
    except OSError:
        offline = ", ".join(DEFAULT_COMPARE)
        raise gr.Error(t("error.hub_tokenizer", name=name, offline=offline)) from None


def build(runner) -> None:
    @handler
    def tokenize_api(text: str, tokenizer: str = "") -> dict:
        """Tokenize text with a registry tokenizer ("" = the loaded model's): ids, pieces, offsets."""
        return _tokenize_or_error(runner, text, tokenizer).to_api()

    @handler
    def show_tokens(text: str, show_ids: bool, parse_special: bool = False):
        _, replaced = tokens.sanitize(text)
        if replaced:
            gr.Warning(t("tokenizer.surrogates", count=replaced))
        result = _tokenize_or_error(runner, text, models.MODEL_TOKENIZER, parse_special)
        chat = tokens.chat_view(runner, text, parse_special)
        limit = config.MAX_TOKENS_SHOWN
        return (
            _stats(result),
            html.token_spans(tokens.span_dicts(result), show_ids, limit),
            html.token_spans(tokens.span_dicts(chat), show_ids, limit),
            chat.text,
            _injection_note(runner, text),
        )

    @handler
    def compare(text: str, names: list[str], show_ids: bool) -> str:
        rows = []
        for name in names:
            spec = models.TOKENIZERS[name]
            row = {"name": name, "note": t(spec.note_key), "tokens": None, "error": ""}
            try:
                row["tokens"] = tokens.span_dicts(tokens.tokenize(runner, text, name))
            except UserError as error:
                raise gr.Error(str(error)) from None
            except OSError:
                row["error"] = t("tokenizer.compare_unavailable")
            rows.append(row)
        return html.comparison(rows, show_ids, config.MAX_TOKENS_SHOWN)

    default_text = _examples()[0][0]
    first_stats, first_tokens, first_chat, first_chat_text, first_note = show_tokens(default_text, True)
    first_comparison = compare(default_text, DEFAULT_COMPARE, True)

    with gr.Tab(t("tab.tokenizer"), id="tokenizer", elem_id="tab-tokenizer"):
        gr.Markdown(t("tokenizer.explain", model=runner.name, vocab=len(runner.tokenizer)))
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
        gr.Examples(_examples(), inputs=[text], label=t("tokenizer.examples"))
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
        gr.api(tokenize_api, api_name="tokenize", **LIGHT_EVENT)

    gr.on(
        [text.change, show_ids.change, parse_special.change],
        show_tokens,
        inputs=[text, show_ids, parse_special],
        outputs=[stats, token_view, chat_view, chat_text, injection],
        api_visibility="private",
        trigger_mode="always_last",
        show_progress="hidden",
        **LIGHT_EVENT,
    )
    gr.on(
        [text.change, show_ids.change, compare_choice.change],
        compare,
        inputs=[text, compare_choice, show_ids],
        outputs=[comparison],
        api_visibility="private",
        trigger_mode="always_last",
        show_progress="minimal",
        **LIGHT_EVENT,
    )
