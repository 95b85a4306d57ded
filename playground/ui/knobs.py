"""The sampling knobs in the UI, derived from the registry (``sampling.STAGES``): the sliders and
the values they give. A knob added to the registry appears in every section built from here (and in
every endpoint declared with ``playground.api.endpoints.KNOBS``), with no edit to a tab.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import gradio as gr

from playground import config, sampling
from playground.i18n import t

KNOBS = sampling.knobs()


def sampling_params(values: Sequence) -> sampling.SamplingParams:
    """Slider values, in registry order, as validated SamplingParams."""
    return sampling.SamplingParams.from_values(**dict(zip([k.name for k in KNOBS], values, strict=True)))


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


def seed_box(label: str, elem_id: str) -> gr.Number:
    """A seed: a whole number from 0 to ``MAX_SEED`` (a link's seed is checked against the same range)."""
    return gr.Number(value=0, precision=0, minimum=0, maximum=config.MAX_SEED, label=label, elem_id=elem_id)
