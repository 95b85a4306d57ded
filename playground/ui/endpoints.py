"""The declared endpoints (playground/api/endpoints.py) as ``gr.api`` endpoints.

Each endpoint's signature is made from its declared parameters (names, types, defaults, in the
contract's order), so a client may pass them by name or by position; a streamed endpoint stays a
generator. A handler answers in its page's language and turns a UserError into a sentence.
"""

# No ``from __future__ import annotations``: gr.api reads the gr.Request hint from the signature.
import inspect
from collections.abc import Sequence

import gradio as gr

from playground.api.endpoints import GENERATION, LIGHT, MODEL, Endpoint
from playground.api.params import Param
from playground.ui.common import GENERATION_EVENT, LIGHT_EVENT, MODEL_EVENT, handler, session_of

POOLS = {MODEL: MODEL_EVENT, GENERATION: GENERATION_EVENT, LIGHT: LIGHT_EVENT}
_P = inspect.Parameter


def signature(endpoint: Endpoint) -> inspect.Signature:
    """What gr.api reads: one parameter per declared one, then the request for a session's endpoint
    (Gradio fills a gr.Request parameter itself: it is no API input)."""
    parameters = [
        _P(p.name, _P.POSITIONAL_OR_KEYWORD, default=_P.empty if p.required else p.default, annotation=p.type)
        for p in endpoint.params
    ]
    if endpoint.session:
        parameters.append(_P("request", _P.POSITIONAL_OR_KEYWORD, default=None, annotation=gr.Request))
    return inspect.Signature(parameters, return_annotation=dict)


def api_function(endpoint: Endpoint, runner):
    """The endpoint's compute bound to the runner, with the declared signature."""
    sig = signature(endpoint)

    def arguments(args, kwargs) -> tuple:
        bound = sig.bind(*args, **kwargs)
        bound.apply_defaults()
        values = dict(bound.arguments)
        extra = {"session": session_of(values.pop("request"))} if endpoint.session else {}
        return endpoint.request(**values), extra

    def call(*args, **kwargs):
        request, extra = arguments(args, kwargs)
        return endpoint.compute(runner, request, **extra)

    if endpoint.streams:

        async def call(*args, **kwargs):
            request, extra = arguments(args, kwargs)
            async for answer in endpoint.compute(runner, request, **extra):
                yield answer

    call.__name__ = call.__qualname__ = endpoint.name
    call.__doc__ = endpoint.compute.__doc__
    call.__signature__ = sig
    call.__annotations__ = {p.name: p.annotation for p in sig.parameters.values()} | {"return": dict}
    return handler(call)


def register(endpoints: Sequence[Endpoint], runner) -> None:
    """Each endpoint as a public ``gr.api`` in its pool (inside the Blocks being built)."""
    for endpoint in endpoints:
        gr.api(api_function(endpoint, runner), api_name=endpoint.name, **POOLS[endpoint.pool])


def slider(param: Param, high: float | None = None, **kwargs) -> gr.Slider:
    """A slider over a declared parameter's range and step (``high``: a bound known only at run
    time; ``value``, ``label``, ``elem_id``... as gr.Slider takes them)."""
    low, high, step = param.slider_range(high)
    return gr.Slider(low, high, step=step, **kwargs)
