"""Pure HTML builders: plain data -> an HTML string (no torch, no gradio).

Every piece of user text is escaped here, so a prompt cannot inject markup into the page.
"""

from __future__ import annotations

import json
from html import escape

from playground import config
from playground.i18n import t

PALETTE_SIZE = 8  # colours cycle through .pg-c0 … .pg-c7 (assets/style.css)

# Plotly's Cividis (Nuñez et al. 2018): dark blue to yellow, lighter at every step and the same for
# readers with red-green colour blindness; the probability scale of every token view.
PROB_SCALE = (
    "#00224e", "#123570", "#3b496c", "#575d6d", "#707173",
    "#8a8678", "#a59c74", "#c3b369", "#e1cc55", "#fee838",
)  # fmt: skip
LEGEND_STEPS = (0.0, 0.25, 0.5, 0.75, 1.0)  # the probabilities the legend shows, low to high


def _tip(text: str) -> str:
    """The tooltip's text again, in a box shown while its element has focus (assets/style.css): a tap
    on a touch screen or Tab on a keyboard reaches what the ``title`` shows only to a mouse."""
    return f'<span class="pg-tip" role="tooltip">{escape(text)}</span>'


def _tip_attrs(text: str) -> str:
    """The attributes of an element that carries a tooltip: the ``title``, and focusable for ``_tip``."""
    return f'title="{escape(text)}" tabindex="0"'


def _tooltip(token: dict) -> str:
    lines = [
        t(
            "tokenizer.tooltip",
            **{k: token[k] for k in ("id", "start", "end", "num_bytes")},
            piece=repr(token["piece"]),
        )
    ]
    if token.get("special"):
        lines.append(t("tokenizer.special"))
    if token.get("note"):
        lines.append(token["note"])
    return "\n".join(lines)


def _chip(token: dict, index: int, show_ids: bool) -> str:
    classes = ["pg-tok", f"pg-c{index % PALETTE_SIZE}"]
    if token.get("special"):
        classes.append("pg-special")
    if token.get("partial"):
        classes.append("pg-partial")
    chip = f'<span class="pg-label">{escape(token["label"]) or "&nbsp;"}</span>'
    if show_ids:
        chip += f'<span class="pg-id">{token["id"]}</span>'
    tip = _tooltip(token)
    return f'<span class="{" ".join(classes)}" {_tip_attrs(tip)}>{chip}{_tip(tip)}</span>'


def _group_tooltip(chars: str, size: int) -> str:
    codes = " ".join(f"U+{ord(ch):04X}" for ch in chars)
    return t(
        "page.char_group",
        chars=chars,
        codes=codes,
        bytes=len(chars.encode("utf-8")),
        tokens=size,
    )


def _bracket(group: dict, size: int, chips: str) -> str:
    """Chips under their character's bracket when they share a character's bytes, else as they are."""
    if not group["chars"]:
        return chips
    tip = _group_tooltip(group["chars"], size)
    label = escape(group.get("label") or group["chars"])
    return (
        f'<span class="pg-char" {_tip_attrs(tip)}><span class="pg-char-label">{label}</span>'
        f'<span class="pg-char-tokens">{chips}</span>{_tip(tip)}</span>'
    )


def token_groups(groups: list[dict], show_ids: bool, limit: int | None = None, elem_class: str = "") -> str:
    """Coloured token chips in text order. Tokens that share a character's bytes are drawn under one
    bracket labelled with that character; a newline token also breaks the line, as the text does.

    ``groups``: [{"chars": "" or the characters split across the group's tokens, "tokens": [...]}];
    ``limit`` counts tokens, not groups.
    """
    total = sum(len(group["tokens"]) for group in groups)
    parts = []
    index = 0
    for group in groups:
        if limit is not None and index >= limit:
            break
        shown = group["tokens"] if limit is None else group["tokens"][: limit - index]
        chips = "".join(_chip(token, index + offset, show_ids) for offset, token in enumerate(shown))
        index += len(shown)
        parts.append(_bracket(group, len(group["tokens"]), chips))
        if shown and shown[-1]["label"].endswith("↵"):
            parts.append("<br>")
    more = ""
    if limit is not None and total > limit:
        more = f'<div class="pg-more">{escape(t("tokenizer.more_tokens", count=total - limit))}</div>'
    return f'<div class="pg-tokens {elem_class}">{"".join(parts)}</div>{more}'


def token_spans(tokens: list[dict], show_ids: bool, limit: int | None = None, elem_class: str = "") -> str:
    """Coloured token chips in text order, each on its own (no character grouping)."""
    return token_groups([{"chars": "", "tokens": [token]} for token in tokens], show_ids, limit, elem_class)


def comparison(rows: list[dict], show_ids: bool, limit: int) -> str:
    """One block per tokenizer: name, note and count, then its token groups (or why it is missing)."""
    blocks = []
    for row in rows:
        head = (
            f'<span class="pg-cmp-name">{escape(row.get("label", row["name"]))}</span> '
            f'<span class="pg-cmp-note">{escape(row["note"])}</span>'
        )
        if row.get("tokens") is None:
            body = f'<div class="pg-cmp-missing">{escape(row["error"])}</div>'
            count = "–"
        else:
            body = token_groups(row["tokens"], show_ids, limit)
            count = f"{sum(len(group['tokens']) for group in row['tokens']):,}"
        blocks.append(
            f'<div class="pg-cmp-row" data-tokenizer="{escape(row["name"])}">'
            f'<div class="pg-cmp-head">{head}<span class="pg-cmp-count">{count}</span></div>{body}</div>'
        )
    return f'<div class="pg-cmp">{"".join(blocks)}</div>'


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def prob_colour(prob: float) -> str:
    """The colour of probability ``prob`` on ``PROB_SCALE``, interpolated in RGB: dark blue for an
    unlikely choice, yellow for a near-certain one. prob_colour(0.5) == "#7d7c76"."""
    position = max(0.0, min(1.0, prob)) * (len(PROB_SCALE) - 1)
    low = min(int(position), len(PROB_SCALE) - 2)
    share = position - low
    mixed = (
        round(a + (b - a) * share)
        for a, b in zip(_rgb(PROB_SCALE[low]), _rgb(PROB_SCALE[low + 1]), strict=True)
    )
    return "#{:02x}{:02x}{:02x}".format(*mixed)


def relative_luminance(colour: str) -> float:
    """WCAG 2's relative luminance of "#rrggbb": 0 for black, 1 for white."""
    linear = [c / 255 / 12.92 if c <= 10 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in _rgb(colour)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def ink(background: str) -> str:
    """Black or white text, whichever contrasts more with ``background`` (WCAG's ratio
    (L1 + 0.05) / (L2 + 0.05)); on Cividis at least 4.5:1 everywhere."""
    light = relative_luminance(background)
    dark_text = (light + 0.05) / (relative_luminance("#000000") + 0.05)
    return "#000000" if dark_text >= 1.05 / (light + 0.05) else "#ffffff"


def _prob_style(prob: float) -> str:
    background = prob_colour(prob)
    return f"background:{background};color:{ink(background)}"


def prob_legend() -> str:
    """The key to the colours of a probability-coloured view: low to high, a swatch per
    ``LEGEND_STEPS`` value with its number, and how to reach a token's details without a mouse."""
    steps = "".join(
        f'<span class="pg-legend-step" style="{_prob_style(p)}">{p:.0%}</span>' for p in LEGEND_STEPS
    )
    return (
        f'<div class="pg-legend"><span class="pg-legend-title">{escape(t("logits.legend"))}</span> '
        f'<span class="pg-legend-end">{escape(t("logits.legend_low"))}</span>{steps}'
        f'<span class="pg-legend-end">{escape(t("logits.legend_high"))}</span> '
        f'<span class="pg-legend-tap">{escape(t("logits.legend_tap"))}</span></div>'
    )


def generated_tokens(tokens: list[dict]) -> str:
    """Generated tokens coloured by the probability they were chosen with, under the legend; the
    tooltip (and the box a tap or focus shows) lists the alternatives at that step; ``data-index``
    (0-based) is what a click on a token reports (to fork there). Each dict: label, prob, top
    [(label, prob), ...]."""
    chips = []
    for step, token in enumerate(tokens, start=1):
        lines = [f"#{step} · {t('logits.tooltip', prob=token['prob'])}"]
        lines += [f"{label}  {prob:.1%}" for label, prob in token["top"]]
        tip = "\n".join(lines)
        label = escape(token["label"]) or "&nbsp;"
        chips.append(
            f'<span class="pg-tok pg-gen" data-index="{step - 1}" style="{_prob_style(token["prob"])}" '
            f'{_tip_attrs(tip)}><span class="pg-label">{label}</span>{_tip(tip)}</span>'
        )
        if token["label"].endswith("↵"):
            chips.append("<br>")
    return f'{prob_legend()}<div class="pg-tokens pg-generated">{"".join(chips)}</div>'


def _blue(share: float) -> str:
    share = max(0.0, min(1.0, share))
    return f"rgba(37, 99, 235, {0.08 + 0.92 * share:.3f})"


def head_grid(values: list[list[float]], scale_max: float, selected: tuple[int, int], fmt: str) -> str:
    """A layers x heads grid of one per-head summary; each cell carries data-layer/data-head for
    the click that opens it. ``values[layer][head]``; colour is value / scale_max."""
    num_heads = len(values[0]) if values else 0
    head_row = "".join(f"<th>{h}</th>" for h in range(num_heads))
    rows = []
    for layer, layer_values in enumerate(values):
        cells = []
        for head, value in enumerate(layer_values):
            mark = " pg-cell-selected" if (layer, head) == selected else ""
            tip = t("attention.cell_tooltip", layer=layer, head=head, value=format(value, fmt))
            colour = _blue(value / scale_max if scale_max else 0.0)
            cells.append(
                f'<td class="pg-cell{mark}" data-layer="{layer}" data-head="{head}" {_tip_attrs(tip)} '
                f'style="background:{colour}">{_tip(tip)}</td>'
            )
        rows.append(f"<tr><th>{layer}</th>{''.join(cells)}</tr>")
    corner = escape(t("attention.grid_corner"))
    return (
        f'<table class="pg-grid"><thead><tr><th>{corner}</th>{head_row}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def attended_tokens(
    labels: list[str],
    weights: list[float],
    skip_first: bool,
    next_label: str,
    next_prob: float,
    brackets: list[dict] | None = None,
) -> str:
    """The prompt's tokens shaded by the last position's attention, then the predicted token.

    With ``skip_first`` the shading is scaled without position 0 (the attention sink), so the
    rest stays visible; the tooltips always give the true weights. ``brackets``
    (``tokens.prompt_brackets``): tokens that share a character's bytes are drawn under one bracket
    labelled with it, as in the tokenizer's view; None draws every token on its own.
    """
    shaded = weights[1:] if skip_first and len(weights) > 1 else weights
    top = max(shaded, default=0.0) or 1.0
    chips = []
    for index, (label, weight) in enumerate(zip(labels, weights, strict=True)):
        share = 0.0 if (skip_first and index == 0) else weight / top
        style = f"background:{_blue(share)};color:{'#fff' if share > 0.55 else '#111'}"
        tip = t("attention.token_tooltip", position=index, weight=weight)
        chips.append(
            f'<span class="pg-tok pg-attn" style="{style}" {_tip_attrs(tip)}>'
            f'<span class="pg-label">{escape(label) or "&nbsp;"}</span>'
            f'<span class="pg-id">{weight:.2f}</span>{_tip(tip)}</span>'
        )
    if brackets is None or sum(group["size"] for group in brackets) != len(chips):
        brackets = [{"chars": "", "size": 1}] * len(chips)
    parts, start = [], 0
    for group in brackets:
        parts.append(_bracket(group, group["size"], "".join(chips[start : start + group["size"]])))
        start += group["size"]
    arrow = escape(t("attention.predicts", token=next_label, prob=next_prob))
    return f'<div class="pg-tokens pg-attended">{"".join(parts)}<span class="pg-next">{arrow}</span></div>'


def fork_branches(shared: list[str], branches: list[dict], first_difference: int | None) -> str:
    """Two continuations of one generation, one above the other: the shared tokens before the
    fork (greyed, the last few), then each branch's tokens coloured by the model's probability,
    the first token where they differ outlined. Each branch: {name, labels, probs, total}."""
    tail = shared[-config.FORK_SHARED_SHOWN :] if shared else []
    cut = '<span class="pg-fork-more">…</span>' if len(shared) > len(tail) else ""
    prefix = cut + "".join(
        f'<span class="pg-tok pg-fork-shared">{escape(s) or "&nbsp;"}</span>' for s in tail
    )
    rows = []
    for branch in branches:
        chips = []
        for index, (label, prob) in enumerate(zip(branch["labels"], branch["probs"], strict=True)):
            marked = " pg-fork-diff" if index == first_difference else ""
            tip = t("logits.tooltip", prob=prob)
            chips.append(
                f'<span class="pg-tok pg-gen{marked}" style="{_prob_style(prob)}" {_tip_attrs(tip)}>'
                f'<span class="pg-label">{escape(label) or "&nbsp;"}</span>{_tip(tip)}</span>'
            )
        rows.append(
            f'<div class="pg-fork-row"><div class="pg-fork-head">{escape(branch["name"])} · '
            f"Σ log p = {branch['total']:.2f}</div>"
            f'<div class="pg-tokens pg-generated">{prefix}{"".join(chips)}</div></div>'
        )
    return f'{prob_legend()}<div class="pg-fork">{"".join(rows)}</div>'


def writing_step(labels: list[str], weights: list[float], prompt_length: int, produced: str) -> str:
    """The tokens a query reads at one decode step (prompt, then what was generated before it),
    shaded by its attention, each in its KV-cache slot; then the token the step produced.
    ``weights[j]`` is the weight on position j; len(weights) is the number of keys read."""
    shaded = weights[1:] if len(weights) > 1 else weights  # leave the attention sink out of the scale
    top = max(shaded, default=0.0) or 1.0
    chips = []
    for index, weight in enumerate(weights):
        share = min(1.0, weight / top)
        part = "pg-prompt" if index < prompt_length else "pg-written"
        current = " pg-query" if index == len(weights) - 1 else ""
        style = f"background:{_blue(share)};color:{'#fff' if share > 0.55 else '#111'}"
        tip = t("inside.weight_tooltip", position=index, weight=weight)
        chips.append(
            f'<span class="pg-tok pg-attn {part}{current}" style="{style}" {_tip_attrs(tip)}>'
            f'<span class="pg-label">{escape(labels[index]) or "&nbsp;"}</span>'
            f'<span class="pg-id">{weight:.2f}</span>{_tip(tip)}</span>'
        )
    cache = escape(t("inside.cache_label", keys=len(weights)))
    arrow = escape(t("inside.produces", token=produced))
    return (
        f'<div class="pg-kv-label">{cache}</div>'
        f'<div class="pg-tokens pg-writing">{"".join(chips)}<span class="pg-next">{arrow}</span></div>'
    )


def gradio_chrome(script: str, words: dict[str, str]) -> str:
    """A page's <head> script putting Gradio's own English words into the page's language
    (assets/gradio_chrome.js); ``words`` become its ``WORDS`` (JSON with ASCII escapes: nothing in
    them can close the script element)."""
    return f"<script>(() => {{\nconst WORDS = {json.dumps(words)};\n{script}}})();</script>"


def language_switch(current: str, languages: dict[str, str], label: str, titles: dict[str, str]) -> str:
    """The language switch: the current language's name, and a ``?lang=`` link to each other one."""
    items = []
    for code, name in languages.items():
        if code == current:
            items.append(
                f'<span class="pg-lang-current" aria-current="page" lang="{code}">{escape(name)}</span>'
            )
        else:
            items.append(
                f'<a class="pg-lang-link" href="?lang={code}" hreflang="{code}" lang="{code}" '
                f'target="_self" title="{escape(titles[code])}">{escape(name)}</a>'
            )
    return f'<nav class="pg-lang" aria-label="{escape(label)}">{" · ".join(items)}</nav>'


def _spec_chip(label: str, css: str, tip: str) -> str:
    label = escape(label) or "&nbsp;"
    chip = f'<span class="pg-label">{label}</span>{_tip(tip)}'
    return f'<span class="pg-tok {css}" {_tip_attrs(tip)}>{chip}</span>'


def speculative_rounds(first: str, steps: list[dict], limit: int) -> str:
    """Speculative decoding round by round: the token from the prompt's forward pass, then per forward
    pass of the model the drafted tokens (kept: green; the first thrown away: red, with the model's
    choice; the rest, never checked: grey) and the token the model placed after them (blue; the
    bonus when every drafted token was kept). Each step: /speculative's ``steps`` item."""
    rows = [
        f'<div class="pg-spec-row"><div class="pg-spec-head">{escape(t("speculative.first_pass"))}</div>'
        f'<div class="pg-tokens">{_spec_chip(first, "pg-spec-placed", t("speculative.tip.first"))}</div>'
        "</div>"
    ]
    for number, step in enumerate(steps[:limit], start=1):
        chips = []
        for i, (label, q, p) in enumerate(
            zip(step["drafted_tokens"], step["draft_probs"], step["target_probs"], strict=True)
        ):
            if i < step["accepted"]:
                css, tip = "pg-spec-ok", t("speculative.tip.kept", q=q, p=p)
            elif i == step["accepted"]:
                css, tip = (
                    "pg-spec-no",
                    t("speculative.tip.rejected", q=q, p=p, model=step["target_tokens"][i]),
                )
            else:
                css, tip = "pg-spec-unseen", t("speculative.tip.unseen")
            chips.append(_spec_chip(label, css, tip))
        if not step["drafted"]:
            chips.append(f'<span class="pg-spec-none">{escape(t("speculative.no_draft"))}</span>')
        placed_tip = t("speculative.tip.bonus" if step["bonus"] else "speculative.tip.placed")
        chips.append('<span class="pg-spec-arrow">→</span>')
        chips.append(
            _spec_chip(
                step["target_token_label"],
                "pg-spec-placed" + (" pg-spec-bonus" if step["bonus"] else ""),
                placed_tip,
            )
        )
        head = t("speculative.round", number=number, kept=step["accepted"], drafted=len(step["drafted"]))
        rows.append(
            f'<div class="pg-spec-row"><div class="pg-spec-head">{escape(head)}</div>'
            f'<div class="pg-tokens">{"".join(chips)}</div></div>'
        )
    if len(steps) > limit:
        rows.append(
            f'<div class="pg-spec-head">{escape(t("speculative.more_rounds", count=len(steps) - limit))}'
            "</div>"
        )
    return f'<div class="pg-spec">{"".join(rows)}</div>'
