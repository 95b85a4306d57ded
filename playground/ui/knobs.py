"""The sampling knobs in the UI, derived from the registry (``sampling.STAGES``): the endpoints'
signatures, the sliders and the values they give. A knob added to the registry appears in every
endpoint and every section built from here, with no edit to a tab.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence

import gradio as gr

from playground import sampling
from playground.i18n import t
from playground.ui.common import handler

KNOBS = sampling.knobs()

_P = inspect.Parameter


def param(name: str, default, annotation) -> inspect.Parameter:
    """One API parameter with its default, as ``gr.api`` reads it from a signature."""
    return _P(name, _P.POSITIONAL_OR_KEYWORD, default=default, annotation=annotation)


ENGINE_PARAM = param("engine", sampling.DEFAULT_ENGINE, str)


def sampling_params(values: Sequence) -> sampling.SamplingParams:
    """Slider values, in registry order, as validated SamplingParams."""
    return sampling.SamplingParams.from_values(**dict(zip([k.name for k in KNOBS], values, strict=True)))


SEED_PARAM = param("seed", 0, int)


def knob_endpoint(
    fn,
    runner,
    name: str,
    *extra: inspect.Parameter,
    before: Sequence[inspect.Parameter] = (),
    seed: bool = True,
):
    """``fn`` bound to the runner, with the signature gr.api reads: prompt, chat, ``before``, every
    registry knob (its default), seed (unless ``seed=False``: then ``extra`` places it), then
    ``extra``. Handler-wrapped, so it answers in the page's language."""
    parameters = [
        _P("prompt", _P.POSITIONAL_OR_KEYWORD, annotation=str),
        param("chat", False, bool),
        *before,
        *[param(k.name, k.default, int if k.integer else float) for k in KNOBS],
        *([SEED_PARAM] if seed else []),
        *extra,
    ]
    signature = inspect.Signature(parameters, return_annotation=dict)

    def call(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return fn(runner, **bound.arguments)

    if inspect.isgeneratorfunction(fn):  # a streaming endpoint stays a generator for Gradio

        def call(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            yield from fn(runner, **bound.arguments)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = fn.__doc__
    call.__signature__ = signature
    call.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": dict}
    return handler(call)


def knob_sliders(
    knobs: Sequence[sampling.Knob], elem_id: Callable[[sampling.Knob], str], at_start: bool = True
) -> list[gr.Slider]:
    """One slider per knob, in order, in the current layout: the registry's slider range and step,
    its label in the page's language, and as first value the knob's ``start`` (a value at which the
    stage visibly does something) or, with ``at_start=False``, its default (the stage is off)."""
    return [
        gr.Slider(
            knob.slider[0],
            knob.slider[1],
            value=knob.start if at_start else knob.default,
            step=knob.slider[2],
            label=t(knob.label),
            elem_id=elem_id(knob),
        )
        for knob in knobs
    ]
