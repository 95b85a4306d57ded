"""The registry: one entry per stage (its function and its knob), and ``SamplingParams`` derived from it.

``STAGES`` holds each stage's name, its pure function and its knob (the API parameter, its default,
accepted range, "off" value, slider range and label). ``SamplingParams``, its validation, the tab's
sliders and the endpoints' signatures all derive from it: a new stage is one entry here.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import torch

from playground import config, i18n
from playground.errors import UserError
from playground.sampling.stages import (
    apply_frequency_penalty,
    apply_presence_penalty,
    apply_repetition_penalty,
    apply_temperature,
    min_p_filter,
    top_k_filter,
    top_p_filter,
)
from playground.validate import real_number, whole_number


class SamplingError(UserError):
    """A setting the user can fix; the message says how."""


@dataclass(frozen=True)
class Knob:
    """One setting: its API parameter, default, accepted range, "off" value, slider and label."""

    name: str  # the API parameter and SamplingParams field, e.g. "top_k"
    default: float  # the API's default: today's behaviour (the stage does nothing)
    off: float  # the value at which the stage changes nothing
    low: float
    high: float
    slider: tuple[float, float, float]  # (min, max, step) of the tab's slider, inside [low, high]
    start: float  # a value at which the stage visibly does something (the "every stage at work" preset)
    writing: float  # a value for writing text, as chat apps set it (the tab's first value; "for writing")
    label: str  # i18n key of the slider's label
    error: str  # i18n key of the sentence for a value outside the range
    integer: bool = False
    low_open: bool = False  # the range excludes ``low`` itself
    also: tuple[float, ...] = ()  # values accepted outside the range (temperature 0: greedy)

    def accepts(self, value) -> bool:
        try:
            value = float(value)
        except (TypeError, ValueError):
            return False
        if value in self.also:
            return True
        if self.integer and not value.is_integer():
            return False
        above = value > self.low if self.low_open else value >= self.low
        return above and value <= self.high

    def coerce(self, value):
        return int(value) if self.integer else float(value)


@dataclass(frozen=True)
class Stage:
    """A stage of the chain: ``apply(logits, value)``, or ``apply(logits, counts, value)`` for a penalty."""

    name: str
    knob: Knob
    apply: Callable[..., torch.Tensor]
    penalty: bool = False  # a penalty needs the counts of the tokens its engine counts


# Keys are in the API's parameter order (the order of the sliders, and of positional API calls).
_PENALTY = {"low": -config.MAX_ABS_PENALTY, "high": config.MAX_ABS_PENALTY, "slider": (-2, 2, 0.1)}
STAGES: dict[str, Stage] = {
    "temperature": Stage(
        "temperature",
        Knob(
            name="temperature", default=1.0, off=1.0, low=config.MIN_TEMPERATURE, high=config.MAX_TEMPERATURE,
            also=(0.0,), slider=(0, 2, 0.05), start=1.5, writing=0.7,
            label="logits.temperature", error="sampling.error.temperature",
        ),
        apply_temperature,
    ),
    "top_k": Stage(
        "top_k",
        Knob(
            name="top_k", default=0, off=0, low=0, high=config.MAX_TOP_K, integer=True,
            slider=(0, 200, 1), start=40, writing=40,
            label="logits.top_k", error="sampling.error.top_k",
        ),
        top_k_filter,
    ),
    "top_p": Stage(
        "top_p",
        Knob(
            name="top_p", default=1.0, off=1.0, low=0.0, low_open=True, high=1.0,
            slider=(0.01, 1, 0.01), start=0.9, writing=0.9,
            label="logits.top_p", error="sampling.error.top_p",
        ),
        top_p_filter,
    ),
    "min_p": Stage(
        "min_p",
        Knob(
            name="min_p", default=0.0, off=0.0, low=0.0, high=1.0, slider=(0, 1, 0.01),
            start=0.02, writing=0.05,
            label="logits.min_p", error="sampling.error.min_p",
        ),
        min_p_filter,
    ),
    "presence": Stage(
        "presence",
        Knob(
            name="presence_penalty", default=0.0, off=0.0, **_PENALTY, start=0.5, writing=0.0,
            label="logits.presence", error="sampling.error.presence",
        ),
        apply_presence_penalty,
        penalty=True,
    ),
    "frequency": Stage(
        "frequency",
        Knob(
            name="frequency_penalty", default=0.0, off=0.0, **_PENALTY, start=0.5, writing=0.0,
            label="logits.frequency", error="sampling.error.frequency",
        ),
        apply_frequency_penalty,
        penalty=True,
    ),
    "repetition": Stage(
        "repetition",
        Knob(
            name="repetition_penalty", default=1.0, off=1.0, low=config.REPETITION_PENALTY_RANGE[0],
            high=config.REPETITION_PENALTY_RANGE[1], slider=(0.5, 2, 0.05), start=1.3, writing=1.1,
            label="logits.repetition", error="sampling.error.repetition",
        ),
        apply_repetition_penalty,
        penalty=True,
    ),
}  # fmt: skip


def knobs(stages: Mapping[str, Stage] = STAGES) -> list[Knob]:
    return [s.knob for s in stages.values()]


PRESETS = ("writing", "every_stage", "greedy", "off")
"""The settings a learner can return to in one click (i18n ``logits.preset.<name>``): for writing text
(what the tab starts with), every stage at work (each panel of the chart changes something; the text it
writes is often odd), greedy (temperature 0, nothing else), and every stage off (the model's own
distribution)."""


def preset(name: str, stages: Mapping[str, Stage] = STAGES) -> dict[str, float]:
    """One preset's value for every knob, by knob name."""
    chosen = {
        "writing": lambda k: k.writing,
        "every_stage": lambda k: k.start,
        "greedy": lambda k: 0.0 if k.name == "temperature" else k.off,
        "off": lambda k: k.off,
    }[name]
    return {k.name: chosen(k) for k in knobs(stages)}


def _check(knobs_: Sequence[Knob], values: Mapping[str, object]) -> None:
    """Raise SamplingError with a sentence saying what to change: validate.py's for a value that is
    not a number (NaN, an infinity, text, None), the knob's own for a number out of its range."""
    for knob in knobs_:
        as_number = whole_number if knob.integer else real_number
        low = min((knob.low, *knob.also))
        name_key = f"safety.param.{knob.name}" if i18n.has(f"safety.param.{knob.name}") else knob.label
        try:
            number = as_number(values[knob.name], name_key, low, knob.high, error=SamplingError)
        except SamplingError as refused:
            if "out_of_range" not in refused.key:
                raise
            number = math.nan
        if not knob.accepts(number):
            raise SamplingError(knob.error, low=knob.low, high=knob.high)


def _validate(self):
    """Raise SamplingError with a sentence that says what to change; return self."""
    _check(self._knobs, {k.name: getattr(self, k.name) for k in self._knobs})
    return self


def make_sampling_params(stages: Mapping[str, Stage] = STAGES) -> type:
    """A frozen dataclass with one field per knob of ``stages`` (default: the knob's), and ``validate()``."""
    fields = [(k.name, int if k.integer else float, field(default=k.default)) for k in knobs(stages)]

    def from_values(cls, **values):
        """Build from loose values (sliders give floats, the API may omit some): checked, then coerced."""
        merged = {k.name: values.get(k.name, k.default) for k in cls._knobs}
        _check(cls._knobs, merged)
        return cls(**{k.name: k.coerce(merged[k.name]) for k in cls._knobs})

    namespace = {
        "_knobs": tuple(knobs(stages)),
        "validate": _validate,
        "greedy": property(lambda self: self.temperature == 0),
        "from_values": classmethod(from_values),
        "__doc__": "The sampling knobs, one field per stage of the registry (see ``STAGES``).",
    }
    made = dataclasses.make_dataclass("SamplingParams", fields, namespace=namespace, frozen=True)
    made.__module__ = __name__  # pickled by name (to the engine process): playground.sampling.registry
    return made


SamplingParams = make_sampling_params()
