"""LLM Inference Playground: one Blocks per language, served together. Nothing heavy runs at import."""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path

import gradio as gr
from fastapi import FastAPI

from playground import config, html, i18n, openai_api, real_engines, web
from playground.i18n import t
from playground.serving import ModelService
from playground.ui import links, sessions, tabs
from playground.ui.common import Admission, admit_fairly
from playground.ui.gradio_internals import calm_queue, end_streams

ASSETS = Path(__file__).resolve().parent / "assets"
THEME = gr.themes.Default()
CSS = (ASSETS / "style.css").read_text(encoding="utf-8")
GRADIO_CHROME_JS = (ASSETS / "gradio_chrome.js").read_text(encoding="utf-8")
# Gradio's own words that its gr.I18n cannot put in Telugu (locales/page.py: "page.gradio.<word>").
GRADIO_CHROME_WORDS = (
    "error", "warning", "info", "success", "processing", "queue", "close", "complete", "loading",
)  # fmt: skip

# Every setting the server is started with, in one place: each language's mount gets the same.
MOUNT_SETTINGS = {"theme": THEME, "css": CSS, "show_error": False}


def model_line(runner) -> str:
    """Which model is loaded, from where, and how long it took."""
    params = runner.num_parameters
    source = t(f"source.{runner.source.kind}", location=runner.source.location)
    return t(
        "app.model_line",
        name=runner.name,
        source=source,
        seconds=runner.source.load_s,
        params=params,
        dtype=runner.dtype_name,
        device=runner.device.type,
    )


def language_settings(lang: str) -> dict:
    """The mount settings of one language's page: on a page not in English, a <head> script that puts
    Gradio's own words (a pop-up's "Error", the status line's "processing") into that language.

    Gradio's gr.I18n does not fit: its frontend picks a table only among the languages it ships (no
    Telugu), by the browser's language, not by the page; and some of these words are in no table.
    """
    if lang == i18n.DEFAULT_LANGUAGE:
        return {}
    words = {word: t(f"page.gradio.{word}", lang=lang) for word in GRADIO_CHROME_WORDS}
    return {"head": html.gradio_chrome(GRADIO_CHROME_JS, {**words, "lang": lang})}


def language_switch() -> str:
    """Links to the same app in every other language (a ?lang= link, which the server remembers)."""
    titles = {code: t("page.switch_title", language=name) for code, name in i18n.LANGUAGES.items()}
    return html.language_switch(i18n.current(), i18n.LANGUAGES, t("page.switch_label"), titles)


def build_demo(
    runner, lang: str = i18n.DEFAULT_LANGUAGE, firsts: dict | None = None, admission: Admission | None = None
) -> gr.Blocks:
    """The whole app in one language: every label, text and handler of it speaks ``lang``. ``firsts``:
    the tabs' first views (``tabs.first_views``), computed once for every language; the queue's limits
    are counted with those of the other languages sharing ``admission``."""
    downloads = (config.DOWNLOAD_SWEEP_S, config.DOWNLOAD_MAX_AGE_S)
    with i18n.use(lang), gr.Blocks(title=t("app.title"), delete_cache=downloads) as demo:
        gr.HTML(language_switch(), elem_id="lang-switch")
        gr.Markdown(f"# {t('app.title')}\n{t('app.tagline')}")
        gr.Markdown(model_line(runner), elem_id="model-source")
        links.copy_control()
        link_note = gr.Markdown(visible=False, elem_id="link-note", elem_classes=["pg-note"])
        with links.Page() as page:
            tabs.build_stages()
            with gr.Tabs(overflow_behavior="wrap") as tab_bar:  # no "More tabs" menu
                tabs.build_all(runner, firsts if firsts is not None else tabs.first_views(runner))
        links.attach(page, tab_bar, tabs.TABS, link_note, demo)
    demo.queue(default_concurrency_limit=config.MODEL_CONCURRENCY, max_size=config.QUEUE_MAX_SIZE)
    admit_fairly(demo, lang, admission)
    calm_queue(demo, config.QUEUE_POLL_S, config.QUEUE_PROGRESS_POLL_S)
    demo.state_session_capacity = config.MAX_SESSIONS
    return demo


def server_settings(keeper: sessions.SessionKeeper | None = None) -> dict:
    """What every page's server needs, for ``demo.launch(**...)`` and ``gr.mount_gradio_app(**...)``
    alike: no uploads (a 0-byte limit), and sessions and downloads that expire (counted together
    by the pages sharing ``keeper``)."""
    lifespan = keeper.lifespan if keeper is not None else sessions.lifespan
    return {"max_file_size": config.MAX_UPLOAD_BYTES, "app_kwargs": {"lifespan": lifespan}}


def create_app(runner, server_name: str = "127.0.0.1", server_port: int = 7860) -> FastAPI:
    """One ASGI app serving every language: English at "/", Telugu at "/te/" (see playground/web.py),
    and the OpenAI API at /v1. The languages share one admission (queue limits) and one session keeper
    (session limits); the model runs for the tabs' first views once, not per language; the model
    service (the scheduler) starts and stops with the server."""
    admission, keeper = Admission(), sessions.SessionKeeper()
    firsts = tabs.first_views(runner)
    demos = {lang: build_demo(runner, lang, firsts, admission) for lang in i18n.LANGUAGES}
    service = ModelService.of(runner)
    app = FastAPI(lifespan=service.lifespan)
    # The OpenAI-compatible API, on the same scheduler; routed before "/" (which catches every path).
    openai_api.mount(app, runner, lambda: service.scheduler)
    # "/" would catch every path, so it is mounted last.
    for lang in [*web.OTHER_LANGUAGES, i18n.DEFAULT_LANGUAGE]:
        gr.mount_gradio_app(
            app,
            demos[lang],
            path=web.mount_path(lang),
            server_name=server_name,
            server_port=server_port,
            **MOUNT_SETTINGS,
            **language_settings(lang),
            **server_settings(keeper),
        )
    app.add_middleware(web.LanguageRouter)
    return app


def serve(runner, server_name: str, server_port: int) -> web.Server:
    """The app started in a background thread (tests); ``.url`` is its root, ``.close()`` stops it."""
    app = create_app(runner, server_name, server_port)
    return web.Server(app, server_name, server_port, partial(end_streams, app)).start()


def main() -> None:
    from playground.runner import ModelRunner

    sessions.limit_heap_arenas()  # before any thread of the server starts
    # A mistake in PLAYGROUND_ENGINES or PLAYGROUND_GENERATION_ENGINE stops here, with a sentence.
    engines = real_engines.configured()
    generation = real_engines.generation_engine()
    runner = ModelRunner.load()
    print(
        f"Loaded {runner.name} from {runner.source.kind} ({runner.source.location}) "
        f"in {runner.source.load_s:.1f} s"
    )
    host = os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1")
    port = int(os.environ.get("GRADIO_SERVER_PORT", "7860"))
    app = create_app(runner, host, port)
    sessions.freeze_heap()  # what start-up built is never scanned again by the garbage collector
    print(f"Serving on http://{host}:{port}/ (English), http://{host}:{port}/te/ (Telugu), OpenAI API at /v1")
    for engine in engines.values():
        state = "answers" if real_engines.healthy(engine) else "does not answer yet"
        print(f"Real engine {engine.label}: {state}")
    if generation:
        state = "answers" if real_engines.healthy(generation) else "does not answer yet"
        print(f"Every generation goes to {generation.label}: {state}")
    web.AppServer(app, host, port, partial(end_streams, app)).run()


if __name__ == "__main__":
    main()
