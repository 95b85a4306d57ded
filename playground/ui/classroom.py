"""Class & lessons tab: a guided lesson step by step (alone), and a class led live (a teacher pushes a
view's state with a question, students answer, the reveal shows the class's answers beside the model's).

A step's view is shown on the page by the links machinery (``links.current().apply``): the same tab,
the same inputs, as a link would. Before the reveal a student sees the question and the settings, not
the view (whose charts would give the answer away); after it, "Open this view" shows it.
"""

from __future__ import annotations

import html as html_text
import json
from functools import partial
from types import SimpleNamespace

import gradio as gr

from playground import charts, classroom, config, lessons
from playground.api import endpoints as api
from playground.i18n import t
from playground.ui import links
from playground.ui.common import LIGHT_EVENT, MODEL_EVENT, handler
from playground.ui.endpoints import register

ID = "classroom"
_WHY = "a class's own input (a code, a name, an answer, a question to push), not a view's setting"
LINK_SKIP = {
    elem_id: _WHY
    for elem_id in (
        "cl-code",
        "cl-label",
        "cl-teacher",
        "cl-push-tab",
        "cl-kind",
        "cl-question",
        "cl-choices",
    )
} | {"cl-search": "the page's own link, read when the teacher pushes the view it shows"}
PRIVATE = {"api_visibility": "private"}
CLASS_ENDPOINTS = (
    api.CLASS_CREATE,
    api.CLASS_JOIN,
    api.CLASS_PUSH,
    api.CLASS_ANSWER,
    api.CLASS_STATE,
    api.CLASS_REVEAL,
)


def first_view(runner) -> None:
    """Nothing from the model: a lesson's first step is text and a tab's state."""
    return None


# --- what a step looks like ------------------------------------------------------------------------


def _code(text) -> str:
    """User text (a prompt, an answer, a label) inside Markdown: escaped, as code, on one line."""
    return "`" + " ".join(str(text).split())[:200].replace("`", "'") + "`"  # a code span shows it as typed


def settings_text(page: links.Page, tab: str, state: dict) -> str:
    """The step's settings a learner reads before answering: those not at the page's first values."""
    first = page.defaults(tab)
    labels = {field.name: field.component.label or field.name for field in page.of_tab(tab)}
    changed = {k: v for k, v in state.items() if first.get(k) != v or k in ("prompt", "text")}
    lines = [f"- **{html_text.escape(str(labels.get(k, k)))}** = {_code(v)}" for k, v in changed.items()]
    return t("class.settings", tab=t(f"tab.{tab}")) + "\n" + "\n".join(lines)


def question_text(question: dict | None) -> str:
    if not question or not question.get("kind"):
        return ""
    text = question.get("text") or t(f"class.kind.{question['kind']}")
    return f"### {t('class.question')}\n{html_text.escape(text)}"


def truth_text(kind: str, reveal: dict) -> str:
    """The model's answer in words: the token and its probability, or the count."""
    truth = reveal["truth"]
    if kind in classroom.NUMBER_KINDS:
        return t("class.truth_number", truth=truth)
    row = next((r for r in reveal["model"] if r["answer"] == truth), None)
    token = row["token"] if row else truth
    key = "class.truth_attention" if kind == "attention_target" else "class.truth_token"
    return t(key, token=_code(token), prob=row["prob"] if row else 0.0)


def mine_text(kind: str, mine: str | None, reveal: dict) -> str:
    if not mine:
        return t("class.mine_none")
    right = classroom.is_right(kind, mine, reveal)
    return t("class.mine_right" if right else "class.mine_wrong", mine=_code(mine))


# --- a lesson, alone -------------------------------------------------------------------------------


def lesson_choices() -> list[tuple[str, str]]:
    return [(lessons.load(name).title_in(), name) for name in lessons.names()]


def show_step(page: links.Page, name: str, number: int):
    """A lesson's step: where it is, its text, its question; its view shown at once unless it asks
    a question (then after the learner's answer). Outputs: position, text, question, answer row, result,
    the query to apply (or skip)."""
    lesson = lessons.load(name)
    number = lesson.number(number)
    step = lesson.step(number)
    position = t("class.lesson_position", number=number, total=len(lesson.steps), title=lesson.title_in())
    question = step.question_for()
    asks = bool(question)
    apply = gr.skip() if asks else page.query_for(step.tab, step.state)
    ask = question_text(question) + ("\n\n" + settings_text(page, step.tab, step.state) if asks else "")
    return position, step.explanation(), ask, gr.update(visible=asks), "", gr.update(visible=False), apply


def check_step(runner, page: links.Page, name: str, number: int, answer: str):
    """The model answers the lesson's question; the learner's answer beside it; then the view."""
    lesson = lessons.load(name)
    step = lesson.step(number)
    question = step.question_for()
    if not question:
        return gr.skip(), gr.skip(), gr.skip()
    mine = classroom.short_text(answer or "", config.MAX_CLASS_ANSWER_CHARS, "answer")
    state = page.defaults(step.tab) | step.state  # what the view shows, for the model too
    data = classroom.Step(0, step.tab, state, question, {"me": mine} if mine else {})
    reveal = api.step_truth(runner, data)
    reveal |= {"class": classroom.histogram(data, reveal), "mine": mine}
    result = truth_text(question["kind"], reveal) + "\n\n" + mine_text(question["kind"], mine, reveal)
    figure = charts.class_reveal(reveal, question["kind"] in classroom.NUMBER_KINDS)
    return result, gr.update(value=figure, visible=True), page.query_for(step.tab, step.state)


def start_lesson(page: links.Page, name: str):
    """The lesson's first step, in the bar above the tabs."""
    return 1, gr.update(visible=True), *show_step(page, name, 1)


def move(page: links.Page, delta: int, name: str, number: int):
    """The step before or after, within the lesson."""
    number = lessons.load(name).number(int(number or 1) + delta)
    return number, *show_step(page, name, number)


def _lesson_bar(c: SimpleNamespace) -> None:
    """The lesson's step above the tabs: it stays in sight while the step's tab is shown."""
    c.number = gr.State(1)
    with gr.Column(visible=False, elem_id="cl-lesson-bar", elem_classes=["pg-stage"]) as c.lesson_bar:
        c.position = gr.Markdown(elem_id="cl-position")
        c.explanation = gr.Markdown(elem_id="cl-explanation")
        c.ask = gr.Markdown(elem_id="cl-ask")
        with gr.Row(visible=False) as c.ask_row:
            c.lesson_answer = gr.Textbox(label=t("class.your_answer"), elem_id="cl-lesson-answer", scale=3)
            c.check = gr.Button(t("class.check"), variant="primary", elem_id="cl-check", scale=1)
        c.result = gr.Markdown(elem_id="cl-result")
        c.result_plot = gr.Plot(visible=False, elem_id="cl-result-plot", show_label=False)
        with gr.Row():
            c.back = gr.Button(t("class.back"), elem_id="cl-back", size="sm")
            c.next = gr.Button(t("class.next"), variant="primary", elem_id="cl-next", size="sm")
            c.close = gr.Button(t("class.close"), elem_id="cl-close", size="sm")


def _lesson_section(c: SimpleNamespace) -> None:
    gr.Markdown(f"### {t('class.lesson_heading')}\n{t('class.lesson_explain')}")
    names = lessons.names()
    with gr.Row(equal_height=True):
        c.lesson = gr.Dropdown(
            lesson_choices(), value=names[0] if names else None, label=t("class.lesson"), elem_id="cl-lesson"
        )
        c.start = gr.Button(t("class.start"), variant="primary", elem_id="cl-start", scale=0)


# --- a class, led live -----------------------------------------------------------------------------


def _signature(view: dict) -> str:
    """What a screen shows of a class view (a poll that changes nothing redraws nothing)."""
    keys = ("students", "step", "answered", "revealed", "mine", "label")
    return json.dumps([view.get(k) for k in keys], ensure_ascii=False, default=str)


def render_class(page: links.Page, view: dict):
    """A class view on screen: the status line, the question with its settings, the answer row, the
    reveal (its words and chart). Outputs in that order."""
    teacher = view["role"] == "teacher"
    status = t(
        "class.status_teacher" if teacher else "class.status_student",
        code=view["class_code"],
        students=view["students"],
        answered=view["answered"],
        label=_code(view.get("label") or ""),
    )
    hidden = gr.update(visible=False)
    if view["step"] is None:
        return status, t("class.waiting"), hidden, "", hidden, hidden
    question = question_text(view["question"]) or f"### {t('class.no_question')}"
    shown = question + "\n\n" + settings_text(page, view["tab"], view["state"])
    if not teacher and view.get("mine") and not view["revealed"]:
        shown += "\n\n" + t("class.sent", mine=_code(view["mine"]))
    asks = bool(view["question"].get("kind")) and not teacher and not view["revealed"]
    if not view["revealed"]:
        choices = view["question"].get("choices") or []
        choice = gr.update(choices=choices, value=None, visible=asks and bool(choices))
        return status, shown, gr.update(visible=asks), "", hidden, choice
    kind, reveal = view["question"]["kind"], view["reveal"]
    words = (
        truth_text(kind, reveal) + "\n\n" + t("class.right", right=reveal["right"], answered=view["answered"])
    )
    if not teacher:
        words += "\n\n" + mine_text(kind, reveal.get("mine"), reveal)
    figure = charts.class_reveal(reveal, kind in classroom.NUMBER_KINDS)
    return status, shown, hidden, words, gr.update(value=figure, visible=True), hidden


def poll(page: links.Page, key: str, seen: str):
    """The class's state for this screen, drawn only when it changed; the timer stops if the class ended."""
    if not key:
        return *[gr.skip()] * 6, seen, gr.skip()
    try:
        view = api.CLASSES.state(key)
    except classroom.ClassError as error:
        hidden = gr.update(visible=False)
        return str(error), "", hidden, "", hidden, hidden, "", gr.Timer(active=False)
    signature = _signature(view)
    if signature == seen:
        return *[gr.skip()] * 6, seen, gr.skip()
    return (*render_class(page, view), signature, gr.skip())


def open_class(lesson: str):
    """A new class for this teacher: its key, and the code and links to give the class."""
    answer = api.class_create(None, api.CLASS_CREATE.request(lesson=lesson or ""))
    links_text = t(
        "class.opened", code=answer["class_code"], join=answer["join_url"], teacher=answer["teacher_url"]
    )
    return answer["teacher_key"], links_text, gr.Timer(active=True), "", gr.update(visible=True)


def resume_teacher(key: str):
    """A teacher link opened (``?teacher=KEY``): this screen leads that class again."""
    if not key:
        return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
    room = api.CLASSES.room(key)
    return key, t("class.resumed", code=room.code), gr.Timer(active=True), "", gr.update(visible=True)


def join_class(code: str, label: str):
    answer = api.class_join(None, api.CLASS_JOIN.request(class_code=code or "", label=label or ""))
    joined = t("class.joined", label=_code(answer["label"]))
    return answer["student_key"], joined, gr.Timer(active=True), "", gr.update(visible=True)


def push_view(page: links.Page, key: str, tab: str, kind: str, text: str, choices: str, search: str):
    """The teacher pushes the chosen tab's state as the page shows it now, with a question (and the
    choices given, one per line)."""
    state = page.state_from(search, tab)
    options = [line.strip() for line in (choices or "").splitlines() if line.strip()]
    question = {"kind": kind, "text": text} | ({"choices": options} if options else {})
    request = api.CLASS_PUSH.request(teacher_key=key, tab=tab, state=state, question=question)
    return t("class.pushed", step=api.class_push(None, request)["step"] + 1), ""


def push_lesson_step(page: links.Page, key: str, name: str, number: int):
    """The teacher pushes the lesson's current step (its state and question) to the class."""
    lesson = lessons.load(name)
    step = lesson.step(number)
    question = step.question_for() or {"kind": "", "text": ""}
    state = page.defaults(step.tab) | step.state  # the view the class opens, and the model's settings
    request = api.CLASS_PUSH.request(teacher_key=key, tab=step.tab, state=state, question=question)
    return t("class.pushed", step=api.class_push(None, request)["step"] + 1), ""


def send_answer(key: str, answer: str, choice: str | None):
    """A student's answer: the choice picked (a question with choices), else the text typed."""
    view = api.CLASSES.state(key)
    if view["step"] is None:
        return gr.skip(), ""
    answer = choice or answer or ""
    accepted = api.class_answer(
        None, api.CLASS_ANSWER.request(student_key=key, step=view["step"], answer=answer)
    )
    return ("" if accepted["accepted"] else t("class.not_accepted")), ""


def reveal(runner, key: str):
    api.class_reveal(runner, api.CLASS_REVEAL.request(teacher_key=key))
    return ""


def open_view(page: links.Page, key: str):
    """The current step's view on this page (a student's after the reveal)."""
    view = api.CLASSES.state(key) if key else None
    if not view or view["step"] is None or (view["role"] == "student" and not view["revealed"]):
        return gr.skip()
    return page.query_for(view["tab"], view["state"])


def _teacher_section(c: SimpleNamespace, tab_ids: list[str]) -> None:
    with gr.Accordion(t("class.teacher_heading"), open=False, elem_id="cl-teacher-panel"):
        gr.Markdown(t("class.teacher_explain"))
        with gr.Row():
            c.open = gr.Button(t("class.open"), variant="primary", elem_id="cl-open", scale=0)
            c.teacher = gr.Textbox(visible=False, elem_id="cl-teacher")  # ?teacher=KEY
            c.search = gr.Textbox(visible=False, elem_id="cl-search")  # the page's link, read at a push
        c.opened = gr.Markdown(elem_id="cl-opened")
        with gr.Row():
            choices = [(t(f"tab.{tab}"), tab) for tab in tab_ids if tab != ID]
            c.push_tab = gr.Dropdown(
                choices, value="logits", label=t("class.push_tab"), elem_id="cl-push-tab"
            )
            kinds = [(t("class.kind.none"), "")] + [(t(f"class.kind.{k}"), k) for k in classroom.KINDS]
            c.kind = gr.Dropdown(kinds, value="next_token", label=t("class.kind"), elem_id="cl-kind")
        c.question = gr.Textbox(
            label=t("class.question_text"), placeholder=t("class.question_placeholder"), elem_id="cl-question"
        )
        c.choices = gr.Textbox(
            label=t("class.choices"),
            placeholder=t("class.choices_placeholder"),
            lines=2,
            elem_id="cl-choices",
        )
        with gr.Row():
            c.push = gr.Button(t("class.push"), elem_id="cl-push")
            c.push_lesson = gr.Button(t("class.push_lesson"), elem_id="cl-push-lesson")
            c.reveal = gr.Button(t("class.reveal"), variant="primary", elem_id="cl-reveal")
        c.pushed = gr.Markdown(elem_id="cl-pushed")


def _student_section(c: SimpleNamespace) -> None:
    with gr.Accordion(t("class.student_heading"), open=True, elem_id="cl-student-panel"):
        with gr.Row():
            c.code = gr.Textbox(label=t("class.code"), max_length=12, elem_id="cl-code", scale=1)
            c.label = gr.Textbox(
                label=t("class.label"),
                placeholder=t("class.label_placeholder"),
                max_length=config.MAX_CLASS_LABEL_CHARS,
                elem_id="cl-label",
                scale=2,
            )
            c.join = gr.Button(t("class.join"), variant="primary", elem_id="cl-join", scale=0)
        c.joined = gr.Markdown(elem_id="cl-joined")


def _class_bar(c: SimpleNamespace) -> None:
    """The class's step above the tabs: status, question, answer, reveal."""
    c.key = gr.State("")
    c.seen = gr.State("")
    c.timer = gr.Timer(config.CLASS_POLL_S, active=False)
    with gr.Column(visible=False, elem_id="cl-class-bar", elem_classes=["pg-stage"]) as c.class_bar:
        c.status = gr.Markdown(elem_id="cl-status")
        c.shown = gr.Markdown(elem_id="cl-shown")
        c.choice = gr.Radio([], label=t("class.choose"), visible=False, elem_id="cl-choice")
        with gr.Row(visible=False) as c.answer_row:
            c.answer = gr.Textbox(
                label=t("class.your_answer"),
                max_length=config.MAX_CLASS_ANSWER_CHARS,
                elem_id="cl-answer",
                scale=3,
            )
            c.send = gr.Button(t("class.send"), variant="primary", elem_id="cl-send", scale=1)
        c.sent = gr.Markdown(elem_id="cl-sent")
        c.words = gr.Markdown(elem_id="cl-words")
        c.plot = gr.Plot(visible=False, elem_id="cl-plot", show_label=False)
        c.open_view = gr.Button(t("class.open_view"), elem_id="cl-open-view", size="sm")


def build_stage() -> None:
    """Above the tabs (tabs.build_stages): the lesson's step and the class's, in sight on every tab."""
    c = SimpleNamespace()
    _lesson_bar(c)
    _class_bar(c)
    links.current().stage = c


def _lesson_events(runner, page: links.Page, c: SimpleNamespace) -> None:
    step_outputs = [c.position, c.explanation, c.ask, c.ask_row, c.result, c.result_plot, page.apply]
    c.start.click(
        handler(partial(start_lesson, page)),
        inputs=[c.lesson],
        outputs=[c.number, c.lesson_bar, *step_outputs],
        **PRIVATE,
        **LIGHT_EVENT,
    )
    for button, delta in ((c.back, -1), (c.next, 1)):
        button.click(
            handler(partial(move, page, delta)),
            inputs=[c.lesson, c.number],
            outputs=[c.number, *step_outputs],
            **PRIVATE,
            **LIGHT_EVENT,
        )
    c.close.click(lambda: gr.update(visible=False), outputs=[c.lesson_bar], **PRIVATE, queue=False)
    c.check.click(
        handler(partial(check_step, runner, page)),
        inputs=[c.lesson, c.number, c.lesson_answer],
        outputs=[c.result, c.result_plot, page.apply],
        **PRIVATE,
        **MODEL_EVENT,
    )


def _class_events(runner, page: links.Page, c: SimpleNamespace) -> None:
    live = [c.key, c.opened, c.timer, c.seen, c.class_bar]
    c.open.click(handler(open_class), inputs=[c.lesson], outputs=live, **PRIVATE, **LIGHT_EVENT)
    c.teacher.change(handler(resume_teacher), inputs=[c.teacher], outputs=live, **PRIVATE, **LIGHT_EVENT)
    c.join.click(
        handler(join_class),
        inputs=[c.code, c.label],
        outputs=[c.key, c.joined, c.timer, c.seen, c.class_bar],
        **PRIVATE,
        **LIGHT_EVENT,
    )
    c.push.click(
        handler(partial(push_view, page)),
        inputs=[c.key, c.push_tab, c.kind, c.question, c.choices, c.search],
        outputs=[c.pushed, c.seen],
        js="(k, tab, kind, q, choices, p) => [k, tab, kind, q, choices, window.location.search]",
        **PRIVATE,
        **LIGHT_EVENT,
    )
    c.push_lesson.click(
        handler(partial(push_lesson_step, page)),
        inputs=[c.key, c.lesson, c.number],
        outputs=[c.pushed, c.seen],
        **PRIVATE,
        **LIGHT_EVENT,
    )
    c.reveal.click(
        handler(partial(reveal, runner)), inputs=[c.key], outputs=[c.seen], **PRIVATE, **MODEL_EVENT
    )
    shown = [c.status, c.shown, c.answer_row, c.words, c.plot, c.choice]
    c.timer.tick(  # no queue: a poll is a few dictionary steps, answered at once beside the model's work
        handler(partial(poll, page)),
        inputs=[c.key, c.seen],
        outputs=[*shown, c.seen, c.timer],
        **PRIVATE,
        queue=False,
    )
    send = {"inputs": [c.key, c.answer, c.choice], "outputs": [c.sent, c.seen], **PRIVATE, **LIGHT_EVENT}
    c.send.click(handler(send_answer), **send)
    c.answer.submit(handler(send_answer), **send)
    c.open_view.click(
        handler(partial(open_view, page)), inputs=[c.key], outputs=[page.apply], **PRIVATE, queue=False
    )


def build(runner, first=None) -> None:
    """The tab: a lesson, a class; the class's endpoints. The join and teacher links (``?class=``,
    ``?teacher=``) fill this tab's boxes and show it."""
    page = links.current()
    c = page.stage  # the bars above the tabs (build_stage)
    with gr.Tab(t("tab.classroom"), id=ID, elem_id=f"tab-{ID}"):
        gr.Markdown(t("class.explain"))
        _lesson_section(c)
        gr.Markdown(f"### {t('class.class_heading')}")
        _student_section(c)
        _teacher_section(c, list(page.tab_ids))
        register(CLASS_ENDPOINTS, runner)
    page.claim("class", c.code, ID)
    page.claim("teacher", c.teacher, ID)
    _lesson_events(runner, page, c)
    _class_events(runner, page, c)
