"""Both languages from one process: which page a request gets, and a server that runs in a thread.

Each language is its own Blocks (every label, summary, chart and error of it is computed in that
language), mounted at its own path: English at ``/``, Telugu at ``/te/``. Gradio's ``gr.I18n`` was
not enough: it translates only static frontend text by the browser's locale, while our summaries,
chart titles and errors are computed on the server. The language a page request gets:

1. a ``?lang=`` link parameter (kept in a cookie, so the choice sticks);
2. on ``/`` only: that cookie, else the browser's most preferred language (Accept-Language);
3. the page's own path (``/te/`` is Telugu).

Only page requests are redirected; the API and Gradio's own routes pass through untouched, so
``gradio_client`` at ``/`` always talks to the English app (and at ``/te/`` to the Telugu one).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode

import uvicorn

from playground import config, i18n

LANGUAGE_PARAM = "lang"
LANGUAGE_COOKIE = "playground_lang"
COOKIE_MAX_AGE_S = 365 * 24 * 3600
OTHER_LANGUAGES = [lang for lang in i18n.LANGUAGES if lang != i18n.DEFAULT_LANGUAGE]


def mount_path(lang: str) -> str:
    """Where a language's Blocks is mounted: "/" for English, "/te" for Telugu."""
    return "/" if lang == i18n.DEFAULT_LANGUAGE else f"/{lang}"


def page_language(path: str) -> str | None:
    """The language of a page path ("/" -> "en", "/te" or "/te/" -> "te"); None for any other path."""
    if path == "/":
        return i18n.DEFAULT_LANGUAGE
    for lang in OTHER_LANGUAGES:
        if path in (f"/{lang}", f"/{lang}/"):
            return lang
    return None


def preferred_language(accept_language: str | None) -> str:
    """The supported language for a browser's Accept-Language header: its highest-weighted tag.

    "te-IN,te;q=0.9,en;q=0.8" -> "te"; "en-US,te;q=0.5" -> "en"; a missing header -> "en".
    """
    best, best_q = None, -1.0
    for part in (accept_language or "").split(","):
        tag, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > best_q:
            best, best_q = tag, quality
    return i18n.normalise(best)


def choose_language(page: str, param: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The language a page request gets: link parameter, else (on "/" only) cookie, else browser."""
    if param is not None:
        return i18n.normalise(param)
    if page != i18n.DEFAULT_LANGUAGE:
        return page
    if cookie in i18n.LANGUAGES:
        return cookie
    return preferred_language(accept_language)


def relative_location(path: str, target: str) -> str:
    """A relative redirect from a page path to ``target``'s page, so it works under any prefix."""
    if target == i18n.DEFAULT_LANGUAGE:
        return "../" if path.endswith("/") else "./"
    return f"../{target}/" if path != "/" and path.endswith("/") else f"{target}/"


class LanguageRouter:
    """ASGI middleware: sends a page request to the page of the language chosen for it."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        page = page_language(scope["path"]) if scope["type"] == "http" else None
        if page is None or scope["method"] not in ("GET", "HEAD"):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        param = next((v for k, v in query if k == LANGUAGE_PARAM), None)
        cookie = _cookie(headers.get("cookie", ""), LANGUAGE_COOKIE)
        target = choose_language(page, param, cookie, headers.get("accept-language"))
        extra = [(b"vary", b"Accept-Language, Cookie")]
        if param is not None:
            extra.append(
                (
                    b"set-cookie",
                    f"{LANGUAGE_COOKIE}={target}; Path=/; Max-Age={COOKIE_MAX_AGE_S}; SameSite=Lax".encode(),
                )
            )
        slashless = page != i18n.DEFAULT_LANGUAGE and not scope["path"].endswith("/")
        if target == page and not slashless:
            return await self.app(scope, receive, _with_headers(send, extra))
        rest = urlencode([(k, v) for k, v in query if k != LANGUAGE_PARAM])
        location = relative_location(scope["path"], target) + (f"?{rest}" if rest else "")
        await send(
            {
                "type": "http.response.start",
                "status": 307,
                "headers": [(b"location", location.encode()), (b"content-length", b"0"), *extra],
            }
        )
        await send({"type": "http.response.body", "body": b""})


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def _with_headers(send, extra: list[tuple[bytes, bytes]]):
    async def send_with_headers(message):
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return send_with_headers


class AppServer(uvicorn.Server):
    """uvicorn serving the app, in the foreground (``python app.py``) or in a thread, that stops
    promptly on SIGTERM (Ctrl+C, a Space restarting).

    Open streams (a browser's page, a ``gradio_client``'s event stream) never end by themselves,
    and uvicorn's graceful shutdown waits for every connection: the process used to keep running.
    So, asked to stop, it first calls ``end_streams`` (for the app: every mounted Gradio app ends
    its streams, ``gradio_internals.end_streams``); after ``SHUTDOWN_GRACE_S`` uvicorn closes what
    is left.
    """

    def __init__(self, app, host: str, port: int, end_streams: Callable[[], None] | None = None):
        self.end_streams = end_streams
        super().__init__(
            uvicorn.Config(
                app,
                host=host,
                port=port,
                log_level="warning",
                timeout_graceful_shutdown=config.SHUTDOWN_GRACE_S,
            )
        )

    async def shutdown(self, sockets=None) -> None:
        if self.end_streams is not None:
            self.end_streams()
        await super().shutdown(sockets)


class Server:
    """A uvicorn server for an ASGI app in a background thread (tests, notebooks)."""

    def __init__(self, app, host: str, port: int, end_streams: Callable[[], None] | None = None):
        self.host, self.port = host, port
        self._server = AppServer(app, host, port, end_streams)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout_s: float = 600.0) -> Server:
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start on {self.url}")
            time.sleep(0.05)
        return self

    def close(self) -> None:
        self._server.should_exit = True
        self._server.force_exit = True  # open streams (a client, a browser) would hold it for long
        self._thread.join(timeout=10)
