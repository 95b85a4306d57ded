"""A class led live: a teacher pushes a view's state with a question, students answer, the model answers
at the reveal, and every screen sees the class's answers beside the model's.

A class is data with a short life, kept in this process (``ClassStore``): a short code for students,
a secret key for the teacher, a key per student, the steps pushed and their answers. Nothing is
revealed before the teacher reveals: a step's ``reveal`` is computed then (the model runs once for
the class) and only then given to students. Bounded: at most ``MAX_CLASSES`` classes, each with at most
``MAX_CLASS_STUDENTS`` students and ``MAX_CLASS_STEPS`` steps; a class unused for ``CLASS_TTL_S`` ends;
answers, labels and questions are short text (shown escaped wherever they are drawn). One lock guards
the store: every operation is a few dictionary steps, so polling by a class is light work.

This module never imports gradio: the endpoints (playground/api/endpoints.py) call it.
"""

from __future__ import annotations

import secrets
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from playground import config
from playground.errors import UserError

# The kinds of question, and the tab whose state each one reads.
KINDS = {
    "next_token": "logits",  # which token comes next? (the model's own distribution)
    "sampled_token": "logits",  # with these knobs and this seed, which token is drawn?
    "survivors": "logits",  # how many tokens survive the chain (top-k, top-p, min-p...)?
    "token_count": "tokenizer",  # how many tokens is this text?
    "attention_target": "attention",  # which token does this head look at most (from the last)?
}
NUMBER_KINDS = frozenset({"survivors", "token_count"})
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed from a board
CODE_LENGTH = 6


class ClassError(UserError):
    """A class request the asker can fix (a wrong code or key, a full class, a long answer)."""


@dataclass
class Step:
    number: int
    tab: str
    state: dict
    question: dict  # {"kind", "text"}
    answers: dict[str, str] = field(default_factory=dict)  # student key -> answer
    reveal: dict | None = None  # {"truth", "model": [{"answer", "prob"}]}: set by the teacher's reveal


@dataclass
class Classroom:
    code: str
    teacher_key: str
    lesson: str
    used: float
    students: dict[str, str] = field(default_factory=dict)  # student key -> label
    steps: list[Step] = field(default_factory=list)

    @property
    def step(self) -> Step | None:
        return self.steps[-1] if self.steps else None


def short_text(value, limit: int, key: str) -> str:
    """``value`` as one line of at most ``limit`` characters (controls removed), or a sentence."""
    if not isinstance(value, str):
        raise ClassError("class.error.not_text", what=key)
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in value).strip()
    if len(text) > limit:
        raise ClassError("class.error.too_long", limit=limit)
    return " ".join(text.split())


class ClassStore:
    """Every class of this server. ``clock``: seconds (tests move it to expire classes)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.guard = threading.Lock()
        self.classes: dict[str, Classroom] = {}  # by code
        self.teachers: dict[str, str] = {}  # teacher key -> code
        self.pupils: dict[str, str] = {}  # student key -> code

    # --- bookkeeping (under the guard) ---------------------------------------------------------

    def _expire(self) -> None:
        now = self.clock()
        for code, room in list(self.classes.items()):
            if now - room.used > config.CLASS_TTL_S:
                self._drop(code)

    def _drop(self, code: str) -> None:
        room = self.classes.pop(code)
        self.teachers.pop(room.teacher_key, None)
        for key in room.students:
            self.pupils.pop(key, None)

    def _new_code(self) -> str:
        while True:
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            if code not in self.classes:
                return code

    def _teacher(self, key) -> Classroom:
        room = self.classes.get(self.teachers.get(key, "")) if isinstance(key, str) else None
        if room is None:
            raise ClassError("class.error.teacher_key")
        room.used = self.clock()
        return room

    def _room_of(self, key) -> tuple[Classroom, str | None]:
        """The class a teacher's or a student's key belongs to, and the student's key (None: teacher)."""
        if isinstance(key, str) and key in self.teachers:
            return self._teacher(key), None
        room = self.classes.get(self.pupils.get(key, "")) if isinstance(key, str) else None
        if room is None:
            raise ClassError("class.error.key")
        room.used = self.clock()
        return room, key

    # --- the operations ----------------------------------------------------------------------------

    def create(self, lesson: str = "") -> Classroom:
        with self.guard:
            self._expire()
            if len(self.classes) >= config.MAX_CLASSES:
                raise ClassError("class.error.too_many_classes", limit=config.MAX_CLASSES)
            room = Classroom(self._new_code(), secrets.token_urlsafe(18), lesson, self.clock())
            self.classes[room.code] = room
            self.teachers[room.teacher_key] = room.code
            return room

    def join(self, code, label="") -> tuple[str, str]:
        """(student key, label) for a new student of the class ``code``; an empty label is a number."""
        label = short_text(label or "", config.MAX_CLASS_LABEL_CHARS, "label")
        code = short_text(code or "", CODE_LENGTH + 4, "class_code").upper().replace(" ", "")
        with self.guard:
            self._expire()
            room = self.classes.get(code)
            if room is None:
                raise ClassError("class.error.code")
            if len(room.students) >= config.MAX_CLASS_STUDENTS:
                raise ClassError("class.error.full", limit=config.MAX_CLASS_STUDENTS)
            key = secrets.token_urlsafe(12)
            room.students[key] = label or f"#{len(room.students) + 1}"
            room.used = self.clock()
            self.pupils[key] = code
            return key, room.students[key]

    def push(self, teacher_key, tab: str, state: dict, question: dict) -> int:
        """A new step (students follow it at their next poll); its number."""
        with self.guard:
            room = self._teacher(teacher_key)
            if len(room.steps) >= config.MAX_CLASS_STEPS:
                raise ClassError("class.error.too_many_steps", limit=config.MAX_CLASS_STEPS)
            room.steps.append(Step(len(room.steps), tab, dict(state), dict(question)))
            return len(room.steps) - 1

    def answer(self, student_key, step, answer) -> bool:
        """Record a student's answer to the current step; False when that step is gone or revealed."""
        text = short_text(answer, config.MAX_CLASS_ANSWER_CHARS, "answer")
        with self.guard:
            room, key = self._room_of(student_key)
            if key is None:
                raise ClassError("class.error.teacher_answers")
            current = room.step
            if current is None or current.number != step or current.reveal is not None or not text:
                return False
            choices = current.question.get("choices")
            if choices and normal(text) not in {normal(choice) for choice in choices}:
                return False
            current.answers[key] = text
            return True

    def reveal(self, teacher_key, truth: Callable[[Step], dict]) -> dict:
        """Compute the current step's answer (``truth(step)``: the model's, once) and show it to all."""
        with self.guard:
            room = self._teacher(teacher_key)
            current = room.step
            if current is None:
                raise ClassError("class.error.no_step")
            if current.reveal is not None:
                return self._view(room, None)
            pending = current
        # The model runs outside the guard: polls and answers of every class go on meanwhile.
        revealed = truth(pending)
        with self.guard:
            if pending.reveal is None:
                pending.reveal = revealed
            return self._view(room, None)

    def pending_step(self, teacher_key) -> Step:
        """The current step (the teacher's), for checking it before a reveal computes."""
        with self.guard:
            room = self._teacher(teacher_key)
            if room.step is None:
                raise ClassError("class.error.no_step")
            return room.step

    def state(self, key) -> dict:
        with self.guard:
            room, student = self._room_of(key)
            return self._view(room, student)

    def room(self, teacher_key) -> Classroom:
        with self.guard:
            return self._teacher(teacher_key)

    # --- what a screen sees ----------------------------------------------------------------------

    def _view(self, room: Classroom, student: str | None) -> dict:
        step = room.step
        view = {
            "class_code": room.code,
            "lesson": room.lesson,
            "role": "teacher" if student is None else "student",
            "label": room.students.get(student) if student else None,
            "students": len(room.students),
            "step": None,
            "tab": None,
            "state": None,
            "question": None,
            "answered": 0,
            "revealed": False,
            "reveal": None,
        }
        if step is None:
            return view
        mine = step.answers.get(student) if student else None
        view |= {
            "step": step.number,
            "tab": step.tab,
            "state": dict(step.state),
            "question": dict(step.question),
            "answered": len(step.answers),
            "revealed": step.reveal is not None,
            "mine": mine,
        }
        if step.reveal is not None:
            view["reveal"] = dict(step.reveal) | {
                "class": histogram(step, step.reveal),
                "mine": mine,
                "right": sum(
                    is_right(step.question.get("kind"), a, step.reveal) for a in step.answers.values()
                ),
            }
        return view


def normal(text: str) -> str:
    """An answer or a token as compared: no surrounding space, case folded (Unicode NFC)."""
    return unicodedata.normalize("NFC", str(text)).strip().casefold()


def as_number(text: str) -> int | None:
    try:
        return int(str(text).strip().replace(",", ""))
    except ValueError:
        return None


def grouped(step: Step, answer: str, reveal: dict) -> str:
    """The bar an answer counts in: a model token's text when it matches one (the first, most
    likely), a count's number, else the answer as written (case folded)."""
    if step.question.get("kind") in NUMBER_KINDS:
        number = as_number(answer)
        return str(number) if number is not None else normal(answer)
    for row in reveal.get("model", []):
        if normal(row["answer"]) == normal(answer) and normal(answer):
            return row["answer"]
    return normal(answer)


def is_right(kind: str, answer: str, reveal: dict) -> bool:
    """Whether an answer to a question of ``kind`` is the model's (a count as a number, a token by text)."""
    if kind in NUMBER_KINDS:
        return as_number(answer) == reveal["truth"]
    return normal(answer) == normal(reveal["truth"]) and bool(normal(answer))


def histogram(step: Step, reveal: dict) -> list[dict]:
    """The class's answers grouped (see ``grouped``), most given first."""
    counts = Counter(grouped(step, answer, reveal) for answer in step.answers.values())
    return [{"answer": answer, "count": count} for answer, count in counts.most_common()]
