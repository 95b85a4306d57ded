"""A class in real browsers (issue 21): a teacher and two students in different languages (Telugu and
English) at once: join by the join link, push a question, answer, reveal, see the histogram and one's
own answer, follow the next step without reloading. And the shipped lesson stepped through end to end
in both languages, its views shown on the page as links show them."""

from __future__ import annotations

import re

import pytest

from playground import lessons
from playground.i18n import t

pytestmark = [pytest.mark.e2e, pytest.mark.real]

VIEWPORT = {"viewport": {"width": 1280, "height": 900}}


def _root(app_url: str, lang: str) -> str:
    return app_url.rstrip("/") + ("/te/" if lang == "te" else "/")


def _text(page, elem_id: str) -> str:
    return page.locator(f"#{elem_id}").inner_text()


def _wait_text(page, elem_id: str, needle: str, timeout: int = 60_000) -> str:
    page.wait_for_function(
        "([id, needle]) => (document.getElementById(id)?.innerText || '').includes(needle)",
        arg=[elem_id, needle],
        timeout=timeout,
    )
    return _text(page, elem_id)


def _fill(page, elem_id: str, value: str) -> None:
    page.locator(f"#{elem_id} input, #{elem_id} textarea").first.fill(value)


def test_a_teacher_and_two_students_in_two_languages(browser, app_url, artifacts):
    contexts = [browser.new_context(**VIEWPORT) for _ in range(3)]
    teacher, telugu, english = (context.new_page() for context in contexts)
    errors = []
    for page in (teacher, telugu, english):
        page.on("pageerror", lambda error: errors.append(str(error)))
    teacher.goto(_root(app_url, "en") + "?tab=classroom")
    teacher.get_by_role("button", name=t("class.teacher_heading", lang="en")).click()
    teacher.locator("#cl-open").click()
    opened = _wait_text(teacher, "cl-opened", "?class=")
    code = re.search(r"\?class=([A-Z2-9]{6})", opened).group(1)

    for page, lang, label in ((telugu, "te", "రవి"), (english, "en", "Ann <i>")):
        page.goto(_root(app_url, lang) + f"?class={code}")  # the join link
        page.wait_for_function(
            "(code) => document.querySelector('#cl-code input, #cl-code textarea')?.value === code", arg=code
        )
        _fill(page, "cl-label", label)
        page.locator("#cl-join").click()
        _wait_text(page, "cl-status", code)
    _wait_text(teacher, "cl-status", "2 student(s)")

    # The teacher opens the teacher link with the view to push (a link of the logits tab), and pushes it.
    view = "tab=logits&logits.prompt=The+capital+of+France+is&logits.temperature=0.9"  # not the first value
    teacher.goto(_root(app_url, "en") + f"?{_teacher_query(opened)}&{view}")
    teacher.get_by_role("tab", name=t("tab.classroom", lang="en")).click()
    teacher.get_by_role("button", name=t("class.teacher_heading", lang="en")).click()
    _wait_text(teacher, "cl-opened", code)  # the teacher link leads the class from this page again
    _fill(teacher, "cl-question", "Which token comes after “The capital of France is”?")
    _fill(teacher, "cl-choices", "Paris\nLondon\nRome")  # the tokens the students pick from
    teacher.locator("#cl-push").click()
    _wait_text(teacher, "cl-pushed", "1")

    asked = _wait_text(telugu, "cl-shown", "The capital of France is")  # in the student's own language
    assert t("class.question", lang="te") in asked and "0.9" in asked
    assert "Which token comes after" in _wait_text(english, "cl-shown", "The capital of France is")
    assert not telugu.locator("#cl-plot").is_visible()  # nothing revealed before the teacher reveals
    for page, mine in ((telugu, "Paris"), (english, "London")):
        page.locator("#cl-choice").get_by_text(mine, exact=True).click()
        page.locator("#cl-send").click()
    _wait_text(teacher, "cl-status", "2 answered")

    teacher.locator("#cl-reveal").click()
    for page, lang, mine in ((telugu, "te", "Paris"), (english, "en", "London")):
        words = _wait_text(page, "cl-words", "Paris")
        assert mine in words and t("class.right", lang=lang, right=1, answered=2) in words
        page.locator("#cl-plot .plot-container, #cl-plot .js-plotly-plot").first.wait_for(timeout=30_000)
        title = page.locator("#cl-plot .gtitle").text_content()
        assert mine in title  # one's own answer marked
    english.screenshot(path=str(artifacts / "class-reveal-en.png"), full_page=True)
    telugu.screenshot(path=str(artifacts / "class-reveal-te.png"), full_page=True)

    # The next step reaches the students without a reload; a view opens after its reveal.
    teacher.locator("#cl-push-lesson").click()
    _wait_text(teacher, "cl-pushed", "2")
    _wait_text(telugu, "cl-shown", "The capital of France is Paris.")  # the lesson's first step (a count)
    telugu.locator("#cl-open-view").click()
    assert "tab=tokenizer" not in telugu.url  # not revealed yet: the view stays closed
    assert errors == []
    for context in contexts:
        context.close()


def _teacher_query(opened: str) -> str:
    return re.search(r"\?(teacher=[\w-]+)", opened).group(1)


@pytest.mark.parametrize("lang", ["en", "te"])
def test_the_shipped_lesson_end_to_end(browser, app_url, lang):
    lesson = lessons.load("course")
    context = browser.new_context(**VIEWPORT)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(_root(app_url, lang) + "?tab=classroom")
    page.locator("#cl-start").click()
    for number, step in enumerate(lesson.steps, start=1):
        position = t("class.lesson_position", lang=lang, number=number, total=len(lesson.steps), title="")
        _wait_text(page, "cl-position", position.split("·")[0].replace("**", "").strip())
        assert step.explanation(lang).split("**")[1] in _text(page, "cl-explanation")
        if step.question:
            _fill(
                page,
                "cl-lesson-answer",
                "7" if step.question["kind"] in ("token_count", "survivors") else "x",
            )
            page.locator("#cl-check").click()
            page.locator("#cl-result-plot .js-plotly-plot").first.wait_for(timeout=120_000)
        tab = t(f"tab.{step.tab}", lang=lang)
        page.wait_for_function(
            "(name) => document.querySelector('[role=tab][aria-selected=true]')?.innerText.trim() === name",
            arg=tab,
            timeout=30_000,
        )
        assert f"tab={step.tab}" in page.url  # the step's view, as a link writes it
        if number < len(lesson.steps):
            page.locator("#cl-next").click()
    assert errors == []
    context.close()
