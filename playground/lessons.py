"""Guided lessons, as data: one JSON file per lesson under ``assets/lessons/``, a list of steps.

A lesson file::

    {"title": {"en": "...", "te": "..."},
     "steps": [{"tab": "logits",                       # the tab the step shows
                "state": {"prompt": "...", "temperature": 0.7},   # its inputs, by the names links use
                "text": {"en": "...", "te": "..."},    # a short explanation in the course's terms
                "question": {"kind": "next_token",     # optional: a question (classroom.KINDS)
                             "text": {"en": "...", "te": "..."}}}]}

A learner alone steps through it (Next/Back); a teacher runs it with the class, its questions becoming
question steps. A teacher writes a new lesson by adding a file: nothing in the code lists them.
tests/test_lessons_data.py checks every shipped lesson's states against the tabs' declared inputs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from playground import classroom, i18n
from playground.errors import UserError

LESSONS_DIR = Path(__file__).resolve().parent.parent / "assets" / "lessons"


@dataclass(frozen=True)
class LessonStep:
    tab: str
    state: dict
    text: dict  # language -> text
    question: dict | None  # {"kind", "text": {language: text}}

    def explanation(self, lang: str | None = None) -> str:
        return _in(self.text, lang)

    def question_for(self, lang: str | None = None) -> dict:
        """The step's question as a class step carries it ({"kind", "text"} in ``lang``), or {}."""
        if not self.question:
            return {}
        return {"kind": self.question["kind"], "text": _in(self.question.get("text", {}), lang)}


@dataclass(frozen=True)
class Lesson:
    name: str
    title: dict
    steps: tuple[LessonStep, ...]

    def title_in(self, lang: str | None = None) -> str:
        return _in(self.title, lang)

    def number(self, number) -> int:
        """A step's number (from 1) kept inside the lesson; a missing one is the first."""
        return max(1, min(int(number or 1), len(self.steps)))

    def step(self, number) -> LessonStep:
        return self.steps[self.number(number) - 1]


def _in(texts: dict, lang: str | None) -> str:
    lang = lang or i18n.current()
    return texts.get(lang) or texts.get(i18n.DEFAULT_LANGUAGE, "")


def names() -> list[str]:
    """The shipped lessons' names (their files' names), in order."""
    return sorted(path.stem for path in LESSONS_DIR.glob("*.json"))


@cache
def load(name: str) -> Lesson:
    """A lesson by name; UserError with the names there are for an unknown one."""
    if name not in names():
        raise UserError("class.error.lesson", names=", ".join(names()))
    data = json.loads((LESSONS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    steps = []
    for step in data["steps"]:
        question = step.get("question")
        if question and question.get("kind") not in classroom.KINDS:
            raise ValueError(f"{name}: unknown question kind {question.get('kind')!r}")
        steps.append(LessonStep(step["tab"], dict(step.get("state", {})), dict(step["text"]), question))
    return Lesson(name, dict(data["title"]), tuple(steps))
