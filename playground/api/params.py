"""Parameters, declared once: name, type, default, range, the sentence for a bad value, the label.

A ``Param`` is the one place a setting of an endpoint or a tab is described. From it come the
``gr.api`` signature (its name, type and default, in the order an endpoint lists them), the check of
a value (``check``: validate.py's sentences, naming the parameter by its ``label``), a slider's range
and step (``slider``), and the README's description of the input (``doc``). Compute modules check
their settings with the same ``Param`` (beam.py's ``NUM_BEAMS.check``), so a range lives here only.

This module imports only config and validate: every compute module may use it.
"""

from __future__ import annotations

from dataclasses import dataclass

from playground import config
from playground.validate import ValidationError, real_number, whole_number

REQUIRED = object()  # a parameter without a default: the caller must give it


@dataclass(frozen=True)
class Param:
    """One parameter: ``check(value)`` returns it as the declared type or raises a sentence."""

    name: str  # the API's name, e.g. "num_beams"
    type: object  # str | bool | int | float | list[int] | None: what gr.api reads
    default: object = REQUIRED
    low: float | None = None  # the accepted range (None: no bound on that side)
    high: float | None = None
    label: str = ""  # i18n key naming the parameter in a sentence (and on a slider)
    doc: str = ""  # the README's words for the input, after its name
    slider: tuple[float, float, float] | None = None  # (min, max, step) of a slider that edits it

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def check(self, value, error: type[Exception] = ValidationError, high: float | None = None):
        """``value`` as an int or a float inside [low, high] (``high`` given: a bound known only at
        run time, such as the model's last layer); other types pass unchanged."""
        high = self.high if high is None else high
        if self.type is int:
            return whole_number(value, self.label, self.low, high, error=error)
        if self.type is float:
            return real_number(value, self.label, self.low, high, error=error)
        return value

    def slider_range(self, high: float | None = None) -> tuple[float, float, float]:
        """(min, max, step) for a slider: the declared one, else the range with a step of 1."""
        if self.slider is not None:
            return self.slider
        return (self.low, self.high if high is None else high, 1)

    def readme(self) -> str:
        """`name` and its words, as the README's inputs column lists them."""
        return f"`{self.name}`" + (f" {self.doc}" if self.doc else "")


def seed_param(name: str = "seed", doc: str = "") -> Param:
    return Param(name, int, 0, 0, config.MAX_SEED, "safety.param.seed", doc)


# --- parameters shared by several endpoints and tabs ----------------------------------------------

PROMPT = Param("prompt", str, label="safety.param.prompt")
CHAT = Param("chat", bool, False, doc="(wrap in the chat template)")
SEED = seed_param()
NUM_BEAMS = Param(
    "num_beams", int, 4, 1, config.MAX_BEAMS, "safety.param.num_beams", f"(1–{config.MAX_BEAMS})"
)
LENGTH_PENALTY = Param(
    "length_penalty",
    float,
    1.0,
    -config.MAX_ABS_LENGTH_PENALTY,
    config.MAX_ABS_LENGTH_PENALTY,
    "safety.param.length_penalty",
    slider=(-2.0, 3.0, 0.1),
)
LAYER = Param("layer", int, 0, 0, None, "safety.param.layer", "(0-based)")
HEAD = Param("head", int, -1, -1, None, "safety.param.head", "(0-based; -1 = mean over heads)")
REPEATS = Param(
    "repeats",
    int,
    config.DEFAULT_REPEATS,
    1,
    config.MAX_COST_REPEATS,
    "safety.param.repeats",
    f"(1–{config.MAX_COST_REPEATS})",
)
