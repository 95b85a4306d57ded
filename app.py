"""LLM Inference Playground: build the Blocks and launch. Nothing heavy runs at import."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from playground import config, i18n
from playground.i18n import t
from playground.ui import attention, beam, context, decode, inside, logits, sessions, tokenizer
from playground.ui.common import admit_fairly

ASSETS = Path(__file__).resolve().parent / "assets"
THEME = gr.themes.Default()
CSS = (ASSETS / "style.css").read_text(encoding="utf-8")


def model_line(runner) -> str:
    """Which model is loaded, from where, and how long it took."""
    params = sum(p.numel() for p in runner.model.parameters())
    source = t(f"source.{runner.source.kind}", location=runner.source.location)
    return t(
        "app.model_line",
        name=runner.name,
        source=source,
        seconds=runner.source.load_s,
        params=params,
        dtype=str(runner.model.dtype).removeprefix("torch."),
        device=runner.device.type,
    )


def build_demo(runner, lang: str = i18n.DEFAULT_LANGUAGE) -> gr.Blocks:
    """The whole app in one language: every label, text and handler of it speaks ``lang``."""
    downloads = (config.DOWNLOAD_SWEEP_S, config.DOWNLOAD_MAX_AGE_S)
    with i18n.use(lang), gr.Blocks(title=t("app.title"), delete_cache=downloads) as demo:
        gr.Markdown(f"# {t('app.title')}\n{t('app.tagline')}")
        gr.Markdown(model_line(runner), elem_id="model-source")
        with gr.Tabs():
            tokenizer.build(runner)
            logits.build(runner)
            attention.build(runner)
            inside.build(runner)
            decode.build(runner)
            beam.build(runner)
            context.build(runner)
    demo.queue(default_concurrency_limit=config.MODEL_CONCURRENCY, max_size=config.QUEUE_MAX_SIZE)
    admit_fairly(demo, lang)
    demo.state_session_capacity = config.MAX_SESSIONS
    return demo


def server_settings() -> dict:
    """What every page's server needs, for ``demo.launch(**...)`` and ``gr.mount_gradio_app(**...)``
    alike: no uploads (a 0-byte limit), and sessions and downloads that expire."""
    return {"max_file_size": config.MAX_UPLOAD_BYTES, "app_kwargs": {"lifespan": sessions.lifespan}}


def launch_settings() -> dict:
    """``server_settings`` plus what only ``launch`` takes (it resets the session capacity)."""
    return {**server_settings(), "state_session_capacity": config.MAX_SESSIONS}


def main() -> None:
    from playground.runner import ModelRunner

    runner = ModelRunner.load()
    print(
        f"Loaded {runner.name} from {runner.source.kind} ({runner.source.location}) "
        f"in {runner.source.load_s:.1f} s"
    )
    build_demo(runner).launch(theme=THEME, css=CSS, **launch_settings())


if __name__ == "__main__":
    main()
