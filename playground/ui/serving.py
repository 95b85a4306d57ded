"""Serving tab: the server's own traffic live (continuous batching), and "Simulate a class"."""

# No ``from __future__ import annotations`` here: gr.api and events read the gr.Request hint through
# a partial, which has no module globals to resolve a string annotation in.
from functools import partial

import gradio as gr

from playground import charts, config, real_engines, serving
from playground.i18n import t
from playground.serving import benchmark
from playground.ui.common import (
    LIGHT_EVENT,
    MODEL_EVENT,
    endpoint,
    long_action,
    progress_line,
    session_of,
)

ID = "serving"


def live_view(runner, request: gr.Request = None):
    """The last minutes of this server's traffic: summary, request timeline, steps, throughput."""
    traffic = serving.service_of(runner).traffic(session_of(request))
    requests, steps = traffic["requests"], traffic["steps"]
    window = config.SERVING_WINDOW_S
    if not requests:
        summary = t("serving.live_empty", window=window)
    else:
        summary = t(
            "serving.live_summary",
            running=traffic["running"],
            waiting=traffic["waiting"],
            window=window,
            requests=len(requests),
            own=sum(r["own"] for r in requests),
            steps=sum(1 for s in steps if s["batch"]),
            largest=max((s["batch"] for s in steps), default=0),
            tokens=sum(r["new_tokens"] for r in requests),
        )
    x_title = t("serving.chart.seconds_ago")
    timeline = charts.serving_timeline(serving.timeline_rows(requests), x_title)
    throughput = charts.serving_throughput(serving.throughput_bins(steps), x_title)
    return summary, timeline, charts.serving_steps(steps), throughput


def simulate(runner, n: float, prompt_tokens: float, new_tokens: float):
    """Serve N synthetic requests one at a time, then continuously batched; compare."""
    engines = real_engines.class_engines()
    reachable = [e for e in engines if real_engines.healthy(e)]
    result = serving.simulate_class(runner, int(n), int(prompt_tokens), int(new_tokens), reachable)
    alone, batched, *real = result["runs"]
    table = t(
        "serving.simulate_table",
        alone=t("serving.run_alone"),
        batched=t("serving.run_batched"),
        ttft_a=alone["ttft_s"],
        ttft_b=batched["ttft_s"],
        tpot_a=alone["tpot_s"] * 1000,
        tpot_b=batched["tpot_s"] * 1000,
        total_a=alone["total_s"],
        total_b=batched["total_s"],
        tps_a=alone["tokens_per_s"],
        tps_b=batched["tokens_per_s"],
        n=result["n"],
        new=result["new_tokens"],
        prompt=result["prompt_tokens"],
        speedup=alone["total_s"] / batched["total_s"],
        threads=config.num_threads(),
    )
    runs = [
        {"title": t("serving.run_alone"), "rows": serving.timeline_rows(alone["requests"])},
        {"title": t("serving.run_batched"), "rows": serving.timeline_rows(batched["requests"])},
    ] + [
        {"title": t("real.series", name=r["name"]), "rows": serving.timeline_rows(r["requests"])}
        for r in real
    ]
    waited = t("serving.measured_alone", waited_ms=result["waited_s"] * 1000)  # it ran alone: say so
    return table + waited + real_table(real, engines, reachable), charts.simulated_class(runs)


def real_table(real: list[dict], engines: list, reachable: list) -> str:
    """The same class on each real engine: a row each, and a sentence for one that did not answer."""
    if not engines:
        return "\n\n" + t("real.none_simulate")
    text = t("real.simulate_head") if real else ""
    for run in real:
        text += "\n" + t(
            "real.simulate_row", engine=t("real.series", name=run["name"]), ttft=run["ttft_s"],
            tpot=run["tpot_s"] * 1000, total=run["total_s"], tps=run["tokens_per_s"],
        )  # fmt: skip
    for engine in engines:
        if engine not in reachable:
            error = t("real.error.unreachable", name=engine.label, error="health check")
            text += t("real.simulate_failed", engine=engine.label, error=error)
    return text


def _benchmark_row(name: str, r: dict) -> str:
    return t("serving.bench_row", path=t(f"serving.bench_path.{name}"), tps=r["tokens_per_s"], p50=r["p50_s"],
             p95=r["p95_s"], max=r["max_s"], alone=r["alone_s"])  # fmt: skip


def benchmark_figures(figures: benchmark.Benchmark | None = None) -> str:
    """The last class-against-vLLM benchmark's table, with when and where it ran; or how to make one."""
    if figures is None:
        return t("serving.bench_none")
    version = t("serving.bench_version", version=figures.vllm_version) if figures.vllm_version else ""
    text = t(
        "serving.bench_explain",
        clients=figures.clients,
        tokens=figures.tokens,
        date=figures.measured_at[:10],
        machine=figures.machine,
        version=version,
    )
    measured = [name for name in benchmark.PATHS if name in figures.results]
    rows = "".join(_benchmark_row(name, figures.results[name]) for name in measured)
    ratio = figures.ratio("tokens_per_s")
    if ratio is not None:
        rows += t("serving.bench_ratio", tps=ratio, p95=figures.ratio("p95_s"))
    return f"{text}\n\n{t('serving.bench_table')}{rows}"


def _benchmark_section() -> None:
    """The last class-against-vLLM benchmark, read when the page is built."""
    gr.Markdown(t("serving.bench_heading"))
    gr.Markdown(benchmark_figures(benchmark.load()), elem_id="sv-benchmark")


def toggle_timer(active: bool):
    return gr.Timer(active=bool(active))


def first_view(runner) -> None:
    """Nothing from the model: this tab's first view is drawn without it."""
    return None


def _simulation_controls():
    """Simulate a class: how many learners, their prompt and new tokens, and the button."""
    with gr.Row():
        n = gr.Slider(
            1,
            config.MAX_SIMULATED_REQUESTS,
            value=8,
            step=1,
            label=t("serving.sim_requests"),
            elem_id="sv-n",
        )
        prompt_tokens = gr.Slider(
            1,
            config.MAX_SIMULATED_PROMPT_TOKENS,
            value=32,
            step=1,
            label=t("serving.sim_prompt_tokens"),
            elem_id="sv-prompt-tokens",
        )
        new_tokens = gr.Slider(
            1,
            config.MAX_SIMULATED_NEW_TOKENS,
            value=16,
            step=1,
            label=t("serving.sim_new_tokens"),
            elem_id="sv-new-tokens",
        )
        run = gr.Button(t("serving.simulate_run"), variant="primary", elem_id="sv-simulate")  # fmt: skip
    return n, prompt_tokens, new_tokens, run


def build(runner, first=None) -> None:
    refresh_live = endpoint(live_view, runner)  # keeps the gr.Request hint: yours are highlighted
    window = config.SERVING_WINDOW_S

    with gr.Tab(t("tab.serving"), id=ID, elem_id=f"tab-{ID}"):
        gr.Markdown(t("serving.explain"))
        gr.Markdown(f"{t('serving.live_heading')}\n{t('serving.live_explain', window=window)}")
        with gr.Row():
            refresh = gr.Button(t("serving.refresh"), elem_id="sv-refresh", scale=0)
            auto = gr.Checkbox(
                value=False,
                label=t("serving.auto_refresh", seconds=config.SERVING_REFRESH_S),
                elem_id="sv-auto",
            )
        timer = gr.Timer(config.SERVING_REFRESH_S, active=False)
        summary = gr.Markdown(t("serving.live_empty", window=window), elem_id="sv-summary")
        timeline = gr.Plot(elem_id="sv-timeline", show_label=False)
        with gr.Row():
            steps = gr.Plot(elem_id="sv-steps", show_label=False)
            throughput = gr.Plot(elem_id="sv-throughput", show_label=False)

        _benchmark_section()
        gr.Markdown(f"{t('serving.simulate_heading')}\n{t('serving.simulate_explain')}")
        n, prompt_tokens, new_tokens, run = _simulation_controls()
        progress = progress_line("sv-simulate-progress")
        table = gr.Markdown(t("serving.simulate_empty"), elem_id="sv-simulate-table")
        simulated = gr.Plot(elem_id="sv-simulated", show_label=False)

    live_outputs = [summary, timeline, steps, throughput]
    gr.on([refresh.click, timer.tick], refresh_live, outputs=live_outputs, api_visibility="private",
          show_progress="hidden", **LIGHT_EVENT)  # fmt: skip
    auto.change(toggle_timer, inputs=[auto], outputs=[timer], api_visibility="private", queue=False)
    simulation = long_action(
        run,
        partial(simulate, runner),
        inputs=[n, prompt_tokens, new_tokens],
        outputs=[table, simulated],
        status=progress,
        doing=t("serving.progress"),
        show_progress="hidden",
        **MODEL_EVENT,
    )
    simulation.then(
        refresh_live, outputs=live_outputs, api_visibility="private", show_progress="hidden", **LIGHT_EVENT
    )
