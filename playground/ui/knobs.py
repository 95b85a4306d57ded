"""The sampling knobs in the UI, derived from the registry (``sampling.STAGES``): the sliders and
the values they give. A knob added to the registry appears in every section built from here (and in
every endpoint declared with ``playground.api.endpoints.KNOBS``), with no edit to a tab.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import gradio as gr

from playground import config, sampling
from playground.i18n import t

KNOBS = sampling.knobs()


def sampling_params(values: Sequence) -> sampling.SamplingParams:
    """Slider values, in registry order, as validated SamplingParams."""
    return sampling.SamplingParams.from_values(**dict(zip([k.name for k in KNOBS], values, strict=True)))


def preset_values(name: str) -> list[float]:
    """A preset of the registry (``sampling.PRESETS``) as slider values, in the sliders' order."""
    values = sampling.preset(name)
    return [values[k.name] for k in KNOBS]


def preset_text(name: str) -> str:
    """The knobs a preset turns on, with their values, in the page's language ("Temperature 0.7 · ...")."""
    values = sampling.preset(name)
    shown = [(stage, s.knob) for stage, s in sampling.STAGES.items() if values[s.knob.name] != s.knob.off]
    return " · ".join(f"{t(f'engines.short.{stage}')} {values[knob.name]:g}" for stage, knob in shown)


def knob_sliders(
    knobs: Sequence[sampling.Knob],
    elem_id: Callable[[sampling.Knob], str],
    first: Mapping[str, float] | None = None,
) -> list[gr.Slider]:
    """One slider per knob, in order, in the current layout: the registry's slider range and step,
    its label in the page's language, and as first value the preset ``first`` gives (by default the
    settings for writing text: ``sampling.preset("writing")``)."""
    first = first if first is not None else sampling.preset("writing")
    return [
        gr.Slider(
            knob.slider[0],
            knob.slider[1],
            value=first[knob.name],
            step=knob.slider[2],
            label=t(knob.label),
            elem_id=elem_id(knob),
        )
        for knob in knobs
    ]


def seed_box(label: str, elem_id: str) -> gr.Number:
    """A seed: a whole number from 0 to ``MAX_SEED`` (a link's seed is checked against the same range),
    what a fixed seed means, and a button (``<elem_id>-mine``) that gives this learner a seed of their
    own, drawn in the browser (no server call; the seed then goes into the page's link like any input)."""
    seed = gr.Number(
        value=0,
        precision=0,
        minimum=0,
        maximum=config.MAX_SEED,
        label=label,
        info=t("seed.info"),
        elem_id=elem_id,
    )
    mine = gr.Button(t("seed.mine"), size="sm", elem_id=f"{elem_id}-mine")
    mine.click(None, outputs=[seed], js=f"() => Math.floor(Math.random() * {config.OWN_SEEDS})")
    return seed
