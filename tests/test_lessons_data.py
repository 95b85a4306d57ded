"""Every shipped lesson (assets/lessons/) against the page the real model builds: each step's tab is a
tab, each name in its state is one of that tab's declared inputs, each value one the input takes, and
each question one the class endpoints accept. A lesson a teacher writes is checked the same way."""

from __future__ import annotations

import json

import pytest

from playground import lessons
from playground.api import endpoints as api
from playground.ui import tabs

pytestmark = pytest.mark.real


@pytest.fixture(scope="module")
def page(real_runner):
    import app

    return app.build_demo(real_runner).link_page


@pytest.mark.parametrize("name", lessons.names())
def test_every_step_of_the_lesson_is_a_state_the_page_can_show(page, name):
    lesson = lessons.load(name)
    assert len(lesson.steps) >= 5
    for number, step in enumerate(lesson.steps, start=1):
        where = f"{name} step {number}"
        assert step.tab in tabs.IDS, where
        fields = {field.name: field for field in page.of_tab(step.tab)}
        assert set(step.state) <= set(fields), (
            f"{where}: not inputs of {step.tab}: {set(step.state) - set(fields)}"
        )
        for key, value in step.state.items():
            text = value if isinstance(value, str) else json.dumps(value)
            assert fields[key].parse(text) == value, f"{where}: {key}={value!r}"
        if step.question:
            api.check_step(step.tab, page.defaults(step.tab) | step.state, step.question_for("en"))
    covered = {step.tab for step in lesson.steps}
    assert {"tokenizer", "attention", "logits", "beam", "decode", "context"} <= covered
