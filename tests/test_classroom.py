"""The class store (playground/classroom.py) and the class endpoints' checks and truths, on the tiny
model: codes and keys, bounds, expiry, nothing revealed early, nothing crossed between classes."""

from __future__ import annotations

import pytest

from playground import classroom, config, i18n, lessons
from playground.api import endpoints as api


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _truth(step):
    return {"truth": "Paris", "model": [{"answer": " Paris", "token": "␣Paris", "prob": 0.6}]}


def test_a_class_from_code_to_reveal():
    store = classroom.ClassStore()
    room = store.create()
    assert len(room.code) == classroom.CODE_LENGTH and set(room.code) <= set(classroom.CODE_ALPHABET)
    ana, label = store.join(room.code.lower(), "Ana")  # codes are typed in any case
    ben, number = store.join(room.code, "")
    assert (label, number) == ("Ana", "#2")
    step = store.push(
        room.teacher_key, "logits", {"prompt": "The capital of France is"}, {"kind": "next_token"}
    )
    assert step == 0
    assert store.answer(ana, 0, "paris ") and store.answer(ben, 0, "London")
    assert store.answer(ben, 0, "Lyon")  # a later answer replaces the first, until the reveal
    seen = store.state(ana)
    assert (
        seen["reveal"] is None and not seen["revealed"] and seen["answered"] == 2 and seen["mine"] == "paris"
    )
    assert "teacher_key" not in str(seen) and room.teacher_key not in str(seen)
    view = store.reveal(room.teacher_key, _truth)
    assert view["revealed"] and view["reveal"]["right"] == 1
    assert view["reveal"]["class"] == [{"answer": " Paris", "count": 1}, {"answer": "lyon", "count": 1}]
    assert store.state(ana)["reveal"]["mine"] == "paris"
    assert not store.answer(ana, 0, "Rome")  # revealed: no more answers
    assert store.push(room.teacher_key, "tokenizer", {"text": "hi"}, {"kind": "token_count"}) == 1
    assert not store.answer(ana, 0, "3")  # an old step
    assert store.state(ben)["step"] == 1 and store.state(ben)["answered"] == 0


def test_keys_do_only_what_their_role_may():
    store = classroom.ClassStore()
    room = store.create()
    student, _ = store.join(room.code)
    store.push(room.teacher_key, "logits", {}, {"kind": "next_token"})
    with pytest.raises(classroom.ClassError):
        store.push(student, "logits", {}, {"kind": "next_token"})
    with pytest.raises(classroom.ClassError):
        store.reveal(student, _truth)
    with pytest.raises(classroom.ClassError):
        store.answer(room.teacher_key, 0, "x")
    for key in ("", "nope", None, 5, room.code):
        with pytest.raises(classroom.ClassError):
            store.state(key)
    with pytest.raises(classroom.ClassError):
        store.join("ZZZZZZ")


def test_answers_never_cross_classes():
    store = classroom.ClassStore()
    one, two = store.create(), store.create()
    a, _ = store.join(one.code, "a")
    b, _ = store.join(two.code, "b")
    store.push(one.teacher_key, "logits", {}, {"kind": "next_token"})
    store.push(two.teacher_key, "logits", {}, {"kind": "next_token"})
    store.answer(a, 0, "one")
    store.answer(b, 0, "two")
    assert store.reveal(one.teacher_key, _truth)["reveal"]["class"] == [{"answer": "one", "count": 1}]
    assert store.state(b)["answered"] == 1 and store.state(b)["reveal"] is None


def test_bounds_and_expiry(monkeypatch):
    monkeypatch.setattr(config, "MAX_CLASSES", 2)
    monkeypatch.setattr(config, "MAX_CLASS_STUDENTS", 3)
    clock = Clock()
    store = classroom.ClassStore(clock)
    room = store.create()
    store.create()
    with pytest.raises(classroom.ClassError) as full:
        store.create()
    assert "2" in str(full.value)
    for _ in range(3):
        store.join(room.code)
    with pytest.raises(classroom.ClassError):
        store.join(room.code)
    with pytest.raises(classroom.ClassError):
        store.join(room.code, "x" * (config.MAX_CLASS_LABEL_CHARS + 1))
    student = next(iter(room.students))
    store.push(room.teacher_key, "logits", {}, {"kind": "next_token"})
    with pytest.raises(classroom.ClassError):
        store.answer(student, 0, "y" * (config.MAX_CLASS_ANSWER_CHARS + 1))
    assert store.answer(student, 0, "a\x00b\u202ec")  # control characters become spaces
    assert store.state(student)["mine"] == "a b c"
    clock.now += config.CLASS_TTL_S + 1
    store.create()  # the two old classes ended unused: room is free again
    with pytest.raises(classroom.ClassError):
        store.state(student)
    assert len(store.classes) == 1 and not store.pupils


def test_numbers_and_tokens_are_matched_as_a_learner_writes_them():
    step = classroom.Step(0, "tokenizer", {}, {"kind": "token_count"}, {"a": "7", "b": " 7 ", "c": "seven"})
    reveal = {"truth": 7, "model": []}
    assert classroom.histogram(step, reveal) == [{"answer": "7", "count": 2}, {"answer": "seven", "count": 1}]
    assert [classroom.is_right(step.question["kind"], a, reveal) for a in step.answers.values()] == [
        True,
        True,
        False,
    ]


@pytest.mark.parametrize(
    "tab, state, question, key",
    [
        ("logits", {"prompt": "Hi"}, {"kind": "guess"}, "class.error.kind"),
        ("tokenizer", {}, {"kind": "next_token"}, "class.error.kind_tab"),
        ("logits", {"prompt": "Hi", "temperature": -1}, {"kind": "sampled_token"}, None),  # the knob's own
        ("logits", {"prompt": "Hi", "top-k": "many"}, {"kind": "survivors"}, None),
        ("logits", [], {"kind": "next_token"}, "class.error.step_shape"),
        ("logits", {"temperature": 1}, {"kind": "next_token"}, "class.error.missing"),
        ("logits", {"prompt": "x" * 9000}, {"kind": "next_token"}, "class.error.too_long"),
        ("logits", {}, {"kind": "next_token", "text": "?" * 400}, "class.error.too_long"),
    ],
)
def test_a_bad_step_is_refused_with_a_sentence(tab, state, question, key):
    with pytest.raises((classroom.ClassError, ValueError)) as refused:
        api.check_step(tab, state, question)
    if key:
        assert refused.value.key == key
    assert str(refused.value) and str(refused.value) != getattr(refused.value, "key", "")


@pytest.mark.parametrize("kind", list(classroom.KINDS))
def test_every_kind_has_a_truth_from_the_model(tiny_runner, kind):
    state = {"prompt": "The capital of France is", "text": "The capital of France is", "layer": 1, "head": 0}
    tab, state, question = api.check_step(classroom.KINDS[kind], state, {"kind": kind, "text": ""})
    reveal = api.step_truth(tiny_runner, classroom.Step(0, tab, state, question))
    if kind in classroom.NUMBER_KINDS:
        assert isinstance(reveal["truth"], int) and reveal["truth"] > 0
    elif kind == "sampled_token":  # a draw: any token the final distribution allows
        assert isinstance(reveal["truth"], str) and reveal["model"]
    else:
        assert reveal["truth"] == reveal["model"][0]["answer"]
        assert len(reveal["model"]) <= config.CLASS_MODEL_ROWS
        assert all(0 <= row["prob"] <= 1 for row in reveal["model"])


def test_every_lesson_loads_in_both_languages():
    assert lessons.names()
    for name in lessons.names():
        lesson = lessons.load(name)
        for lang in i18n.LANGUAGES:
            assert lesson.title_in(lang)
            for step in lesson.steps:
                assert step.explanation(lang).strip(), (name, lang, step.tab)
                if step.question:
                    assert step.question_for(lang)["text"].strip()
                    api.check_step(step.tab, step.state, step.question_for(lang))


def test_a_question_with_choices_takes_only_its_choices():
    tab, state, question = api.check_step(
        "logits",
        {"prompt": "The capital of France is"},
        {"kind": "next_token", "choices": [" Paris", "London"]},
    )
    assert question["choices"] == ["Paris", "London"] and state["temperature"] == 1.0  # every knob written
    store = classroom.ClassStore()
    room = store.create()
    student, _ = store.join(room.code)
    store.push(room.teacher_key, tab, state, question)
    assert not store.answer(student, 0, "Rome")
    assert store.answer(student, 0, "london")
    with pytest.raises(classroom.ClassError):
        api.check_step("logits", {"prompt": "x"}, {"kind": "next_token", "choices": ["a"] * 9})
