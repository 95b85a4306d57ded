"""Quantization tab: one weight matrix before and after, the bytes of the whole model (and an 8B
model's on GPUs), and what it costs the answers, measured with the model on the quantized weights;
then int8 against float32 speed on this CPU."""

from __future__ import annotations

import math
from functools import partial

import gradio as gr

from playground import charts, config, html, quantize
from playground.api import endpoints as api
from playground.i18n import t
from playground.ui.common import MODEL_EVENT, long_action, presses, progress_line, prompt_examples
from playground.ui.endpoints import register

ID = "quantize"
LINK_RUNS = ("qz-run",)  # links.py: the buttons a link presses once its state is restored
GB = 1e9
KINDS = (
    "self_attn.q_proj",
    "self_attn.k_proj",
    "self_attn.v_proj",
    "self_attn.o_proj",
    "mlp.gate_proj",
    "mlp.up_proj",
    "mlp.down_proj",
)
EMBEDDING = "model.embed_tokens.weight"


def matrix_name(layer, kind: str) -> str:
    """The weight's name for a layer and a kind ("embedding": the embedding, which has no layer)."""
    return EMBEDDING if kind == "embedding" else f"model.layers.{int(layer)}.{kind}.weight"


def _scheme_choices() -> list[tuple[str, str]]:
    return [(t(f"quantize.scheme.{name}"), name) for name in quantize.SCHEMES]


def _group_choices() -> list[tuple[str, int]]:
    return [(t("quantize.group_row") if g == 0 else str(g), g) for g in quantize.GROUP_SIZES]


def _baseline(runner) -> str:
    """Where the loaded weights came from: the GGUF (offline) or the Hub's bfloat16 release."""
    return t("quantize.baseline.gguf" if runner.source.kind in ("gguf", "cache") else "quantize.baseline.hub")


def _projection_rows(rows: list[dict]) -> list[list]:
    return [
        [
            t(f"quantize.weights.{r['weights']}"),
            round(r["bits_per_weight"], 2),
            round(r["weight_bytes"] / GB, 1),
            round(r["kv_cache_bytes"] / GB, 1),
            round(r["total_bytes"] / GB, 1),
            r["fits"][0] if r["fits"] else t("quantize.fits_none"),
            round(r["ms_per_token_floor"].get(r["fits"][0], 0.0), 1) if r["fits"] else "–",
        ]
        for r in rows
    ]


def _branches(runner, answer: dict) -> str:
    branches = [
        {
            "name": t(key),
            "labels": [x["token"] for x in gen["tokens"]],
            "probs": [x["prob"] for x in gen["tokens"]],
            "total": sum(math.log(max(x["prob"], 1e-30)) for x in gen["tokens"]),
        }
        for key, gen in (
            ("quantize.branch.loaded", answer["greedy_fp32"]),
            ("quantize.branch.quantized", answer["greedy_quantized"]),
        )
    ]
    return html.fork_branches([], branches, answer["first_divergence"])


def run(runner, prompt, chat, scheme, group_size, layer, kind, max_new_tokens, report):
    """The matrix, the bytes, the next-token KL and the two generations for the prompt."""
    request = api.QUANTIZE.request(
        prompt=prompt,
        chat=chat,
        scheme=scheme,
        group_size=group_size,
        matrix=matrix_name(layer, kind),
        max_new_tokens=max_new_tokens,
    )
    report(t("quantize.making"))
    answer = api.quantize_weights(runner, request)
    m = answer["matrix"]
    divergence = answer["first_divergence"]
    summary = t(
        "quantize.summary",
        scheme=t(f"quantize.scheme.{answer['scheme']}"),
        bits=answer["bits_per_weight"],
        mb=answer["weight_bytes"] / 1e6,
        mb32=answer["weight_bytes_fp32"] / 1e6,
        mb16=answer["weight_bytes_bf16"] / 1e6,
        name=m["name"],
        max_error=m["max_abs_error"],
        relative=m["relative_error"],
        unchanged=m["unchanged"],
        distinct_before=m["distinct_before"],
        distinct_after=m["distinct_after"],
        kl=answer["kl_next_token"],
        kl_mean=answer["kl_mean"],
        top1=answer["top1_agreement"],
        next32=answer["next_fp32"],
        nextq=answer["next_quantized"],
        generation=t("quantize.same_generation")
        if divergence is None
        else t("quantize.differ_at", position=divergence + 1),
    )
    if answer["made_s"]:
        summary += t("quantize.made", seconds=answer["made_s"])
    return (
        summary,
        charts.weight_histogram(m),
        _branches(runner, answer),
        _projection_rows(answer["projection"]),
    )


def run_prompts(runner, scheme, group_size, prompts, report):
    """KL and top-1 agreement for each prompt (English and Telugu), with the same quantized copy."""
    report(t("quantize.progress.prompts", count=len([line for line in prompts.splitlines() if line.strip()])))
    rows = quantize.prompt_table(runner, scheme, group_size, prompts)
    table = [
        [
            r["prompt"],
            t(f"quantize.lang.{r['language']}"),
            r["tokens"],
            round(r["kl_mean"], 4),
            round(r["kl_last"], 4),
            f"{r['top1_agreement']:.0%}",
            f"{r['next_loaded']} / {r['next_quantized']}",
        ]
        for r in rows
    ]
    return _language_note(rows), charts.prompt_kl(rows), table


def _language_note(rows: list[dict]) -> str:
    """English against Telugu: which moves further per position (or that nothing moved)."""
    means = {}
    for lang in ("en", "te"):
        mine = [r["kl_mean"] for r in rows if r["language"] == lang]
        means[lang] = sum(mine) / len(mine) if mine else None
    if means["en"] is None or means["te"] is None:
        return t("quantize.prompts_one_language")
    if max(means.values()) < 1e-9:
        return t("quantize.prompts_unchanged")
    side = "more" if means["te"] > means["en"] else "less"
    return t(
        f"quantize.prompts_compare.{side}",
        en=means["en"],
        te=means["te"],
        ratio=means["te"] / max(means["en"], 1e-12),
    )


def run_speed(runner, prompt, chat, repeats):
    """int8 (PyTorch's dynamic quantization) against float32, greedy, timed in turns."""
    r = api.quantize_speed(runner, api.QUANTIZE_SPEED.request(prompt=prompt, chat=chat, repeats=repeats))
    divergence = r["first_difference"]
    return t(
        "quantize.speed_summary",
        fp32=r["float32_tokens_per_s"],
        int8=r["int8_tokens_per_s"],
        speedup=r["speedup"],
        tokens=r["new_tokens"],
        repeats=r["repeats"],
        threads=r["threads"],
        mb32=r["weight_bytes_per_token"]["float32"] / 1e6,
        mb8=r["weight_bytes_per_token"]["int8"] / 1e6,
        generation=t("quantize.same_generation")
        if divergence is None
        else t("quantize.differ_at", position=divergence + 1),
    ) + t("serving.measured_alone", waited_ms=r["waited_s"] * 1000)


def first_view(runner) -> None:
    """Nothing from the model: the lesson runs when the learner asks (a quantized copy costs seconds)."""
    return None


def _inputs(runner):
    with gr.Row():
        prompt = gr.Textbox(
            value=t("quantize.default_prompt"),
            label=t("quantize.prompt"),
            lines=2,
            elem_id="qz-prompt",
            scale=4,
        )
        chat = gr.Checkbox(value=False, label=t("quantize.chat"), elem_id="qz-chat", scale=1)
    prompt_examples(ID, prompt, runner)
    with gr.Row():
        scheme = gr.Dropdown(
            _scheme_choices(), value=api.SCHEME.default, label=t("quantize.scheme"), elem_id="qz-scheme"
        )
        group = gr.Dropdown(
            _group_choices(), value=quantize.DEFAULT_GROUP_SIZE, label=t("quantize.group"), elem_id="qz-group"
        )
        max_new = gr.Slider(
            1,
            config.MAX_QUANT_NEW_TOKENS,
            value=config.DEFAULT_QUANT_NEW_TOKENS,
            step=1,
            label=t("quantize.max_new_tokens"),
            elem_id="qz-max-new",
        )
    with gr.Row():
        kinds = [(t("quantize.embedding"), "embedding"), *((k.split(".")[1], k) for k in KINDS)]
        kind = gr.Dropdown(kinds, value=KINDS[0], label=t("quantize.matrix"), elem_id="qz-kind")
        layer = gr.Slider(
            0, runner.num_layers - 1, value=0, step=1, label=t("quantize.layer"), elem_id="qz-layer"
        )
        go = gr.Button(t("quantize.run"), variant="primary", elem_id="qz-run")
    return prompt, chat, scheme, group, layer, kind, max_new, go


def _prompts_section(runner, scheme, group) -> None:
    """KL and top-1 agreement prompt by prompt, with the scheme chosen above."""
    gr.Markdown(f"#### {t('quantize.prompts_heading')}")
    prompts = gr.Textbox(
        value="\n".join(config.DEFAULT_QUANT_PROMPTS),
        lines=4,
        label=t("quantize.prompts"),
        elem_id="qz-prompts",
    )
    go = gr.Button(t("quantize.prompts_run"), elem_id="qz-prompts-run")
    progress = progress_line("qz-prompts-progress")
    note = gr.Markdown(elem_id="qz-prompts-note")
    chart = gr.Plot(elem_id="qz-prompts-chart", show_label=False)
    columns = ("prompt", "language", "tokens", "kl_mean", "kl_last", "top1", "next")
    table = gr.Dataframe(
        headers=[t(f"quantize.col.{c}") for c in columns],
        interactive=False,
        wrap=True,
        elem_id="qz-prompts-table",
    )
    long_action(
        go,
        partial(run_prompts, runner),
        inputs=[scheme, group, prompts],
        outputs=[note, chart, table],
        status=progress,
        doing=t("quantize.progress.waiting"),
        show_progress="hidden",
        **MODEL_EVENT,
    )


def _speed_section(runner, prompt, chat) -> None:
    """int8 against float32 on this CPU, for the prompt above."""
    gr.Markdown(f"#### {t('quantize.speed_heading')}\n{t('quantize.speed_explain')}")
    with gr.Row():
        repeats = gr.Slider(
            1,
            config.MAX_QUANT_SPEED_REPEATS,
            value=3,
            step=1,
            label=t("quantize.repeats"),
            elem_id="qz-repeats",
        )
        go = gr.Button(t("quantize.speed_run"), elem_id="qz-speed-run")
    progress = progress_line("qz-speed-progress")
    speed = gr.Markdown(t("quantize.speed_empty"), elem_id="qz-speed")
    long_action(
        go,
        partial(run_speed, runner),
        inputs=[prompt, chat, repeats],
        outputs=[speed],
        status=progress,
        doing=t("quantize.speed_running"),
        show_progress="hidden",
        **MODEL_EVENT,
    )


def build(runner, first=None) -> None:
    with gr.Tab(t("tab.quantize"), id=ID, elem_id=f"tab-{ID}"):
        gr.Markdown(t("quantize.explain"), latex_delimiters=[{"left": "$", "right": "$", "display": False}])
        gr.Markdown(_baseline(runner), elem_classes=["pg-note"], elem_id="qz-baseline")
        prompt, chat, scheme, group, layer, kind, max_new, go = _inputs(runner)
        progress = progress_line("qz-progress")
        summary = gr.Markdown(t("quantize.empty"), elem_id="qz-summary")
        histogram = gr.Plot(elem_id="qz-histogram", show_label=False)
        generations = gr.HTML(elem_id="qz-generations")
        model, context = config.QUANT_PROJECTION_MODEL, config.QUANT_PROJECTION_CONTEXT
        gr.Markdown(f"#### {t('quantize.projection_heading', model=model, context=context)}")
        columns = ("weights", "bits", "weight_gb", "kv_gb", "total_gb", "fits", "floor_ms")
        projection = gr.Dataframe(
            headers=[t(f"quantize.col.{c}") for c in columns], interactive=False, elem_id="qz-projection"
        )
        _prompts_section(runner, scheme, group)
        _speed_section(runner, prompt, chat)
        register([api.QUANTIZE, api.QUANTIZE_SPEED], runner)

    long_action(
        go,
        partial(run, runner),
        inputs=[prompt, chat, scheme, group, layer, kind, max_new],
        outputs=[summary, histogram, generations, projection],
        status=progress,
        doing=t("quantize.progress.waiting"),
        show_progress="hidden",
        **MODEL_EVENT,
    )
    presses(prompt, go)
