"""Every view's exact state in a link: a tab's inputs are written into the page's URL as they change,
and a link opened restores the same tab, the same inputs and the same result, in the link's language
(the language is the link's path: ``/te/`` is Telugu).

Nothing is listed by hand: the fields of a tab are the input components its ``build()`` declared
(every Textbox, Slider, Number, Checkbox, Radio, Dropdown and CheckboxGroup with an ``elem_id``),
found in the built tab; a value from a link is checked against its component (a slider's range and
step, a dropdown's choices, a checkbox's two values). A tab module may declare:

- ``LINK_SKIP``: {elem_id: why} for an input that is a view of a result, not a setting (a frame of an
  animation, a token picked from a finished generation): those stay out of links, and say why;
- ``LINK_FOLLOWS``: {elem_id: (elem_ids...)} for an input whose choices follow other inputs (a token
  of the prompt): from a link that sets those, its value is handed to the tab's recompute through
  ``held()`` instead of being set before its choices exist;
- ``LINK_RUNS``: the elem_ids of the buttons that compute the tab's result, clicked once the link's
  state is restored when the link sets any of the tab's inputs (seeded draws give the same result).

In the URL a field is ``<tab id>.<name>`` (its elem_id without the tab's prefix: ``logits.temperature``),
and only values that differ from the page's first state are written. A class step's state uses the
names alone (``{"temperature": 0.7}``). A bad or stale value falls back to the default and the page
says which, in its language; the page never fails because of a link.
"""

from __future__ import annotations

import html
import itertools
import json
import math
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

import gradio as gr

from playground.i18n import t
from playground.ui.common import handler

INPUTS = (gr.Textbox, gr.Slider, gr.Number, gr.Checkbox, gr.Radio, gr.Dropdown, gr.CheckboxGroup)
TAB_KEY = "tab"
NONCE_KEY = "_"  # no setting: makes a query written again differ from the last
MAX_LINK_CHARS = 16_000  # a longer query is not read (a prompt's limit is in tokens, far below this)

_NONCES = itertools.count(1)
_page: ContextVar[Page | None] = ContextVar("page", default=None)


class BadValue(ValueError):
    """A value a link gives that its field cannot take."""


@dataclass(frozen=True)
class Field:
    """One input of one tab, as a link names and checks it."""

    tab: str
    name: str
    component: gr.components.Component
    default: object
    follows: tuple[str, ...] = ()  # elem_ids whose change recomputes this field's choices

    @property
    def elem_id(self) -> str:
        return self.component.elem_id

    @property
    def key(self) -> str:
        return f"{self.tab}.{self.name}"

    def parse(self, text: str):
        """The value a link's text stands for, checked against the component; BadValue if none."""
        component = self.component
        if isinstance(component, gr.Textbox):
            return text
        if isinstance(component, gr.Checkbox):
            if text.lower() in ("true", "1"):
                return True
            if text.lower() in ("false", "0"):
                return False
            raise BadValue(text)
        if isinstance(component, gr.CheckboxGroup):
            values = _json(text)
            if not isinstance(values, list):
                raise BadValue(text)
            return [_choice(component, v) for v in values]
        if isinstance(component, gr.Radio | gr.Dropdown):
            if self.follows:  # its choices are made from other inputs: the tab checks it then
                value = _json(text)
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise BadValue(text)
                return value
            return _choice(component, text)
        return _number(component, _json(text))


def _json(text: str):
    try:
        return json.loads(text)
    except ValueError:
        raise BadValue(text) from None


def _choice(component, value):
    """The choice whose value ``value`` is (or whose value's JSON text it is)."""
    values = [choice[1] if isinstance(choice, list | tuple) else choice for choice in component.choices]
    for candidate in values:
        if candidate == value or (isinstance(value, str) and json.dumps(candidate) == value):
            return candidate
        if isinstance(value, str) and not isinstance(candidate, str):
            try:
                if candidate == json.loads(value):
                    return candidate
            except ValueError:
                continue
    raise BadValue(str(value))


def _number(component, value):
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadValue(str(value))
    low = getattr(component, "minimum", None)
    high = getattr(component, "maximum", None)
    if (low is not None and value < low) or (high is not None and value > high):
        raise BadValue(str(value))
    whole = getattr(component, "precision", None) == 0 or (
        isinstance(component, gr.Slider) and all(float(v).is_integer() for v in (component.step, low or 0))
    )
    if whole:
        if not float(value).is_integer():
            raise BadValue(str(value))
        return int(value)
    return float(value)


def current() -> Page:
    """The links of the page whose tabs are being built (tabs.build_all runs inside ``Page()``)."""
    page = _page.get()
    if page is None:
        raise RuntimeError("links.current() is called while a page's tabs are built (tabs.build_all)")
    return page


def held() -> gr.State:
    """The page's values held for inputs whose choices are not made yet (``LINK_FOLLOWS``): a
    ``gr.State`` of {elem_id: {"value", "when": {elem_id: the link's value}}}, for the recompute that
    makes the choices to read with ``held_value``."""
    return current().held


def held_value(held: dict | None, elem_id: str, inputs: dict):
    """The link's value for ``elem_id`` while those of ``inputs`` it follows are still the link's (a
    learner who types another prompt gets the tab's own choice again); None otherwise. The inputs not
    given are not compared: a recompute may start before the page has applied every value of the link."""
    entry = (held or {}).get(elem_id)
    if entry is None or any(inputs.get(key, value) != value for key, value in entry["when"].items()):
        return None
    return entry["value"]


class Page:
    """The links of one page (one language): collect each tab's fields, write them, restore them."""

    def __init__(self):
        self.held = gr.State({})
        # A hidden box: a query written into it (``query_for``) is restored like a link (a lesson's
        # step, a class's step shown on the page).
        self.apply = gr.Textbox(visible=False, elem_id="link-apply")
        self.fields: list[Field] = []
        self.runs: dict[str, tuple[str, ...]] = {}
        self.skipped: dict[str, str] = {}
        self.claimed: dict[str, tuple] = {}  # a link's own keys (?class=) -> (input, tab)
        self.tab_ids: tuple[str, ...] = ()  # every tab's id, in order (tabs.build_all)
        self.stage = None  # what tabs build above the tab bar (tabs.build_stages)

    def __enter__(self):
        self._token = _page.set(self)
        return self

    def __exit__(self, *exc):
        _page.reset(self._token)

    def claim(self, key: str, component, tab: str) -> None:
        """A link parameter that is no tab's input (``?class=CODE``): its value goes into ``component``
        and the page shows ``tab``."""
        self.claimed[key] = (component, tab)

    def defaults(self, tab: str) -> dict:
        """The tab's inputs at the page's first state, by name."""
        return {field.name: field.default for field in self.of_tab(tab)}

    def query_for(self, tab: str, state: dict) -> str:
        """The link query showing ``tab`` with ``state`` (by name); the tab's other inputs at their first
        values. A count makes two equal queries differ (so writing one again is a change)."""
        values = self.defaults(tab) | dict(state)
        query = {TAB_KEY: tab} | {
            f"{tab}.{name}": value if isinstance(value, str) else json.dumps(value)
            for name, value in values.items()
        }
        return "?" + urlencode(query | {NONCE_KEY: str(next(_NONCES))})

    def state_from(self, search: str, tab: str) -> dict:
        """The whole state of ``tab`` (by name) that a page with this URL query shows."""
        _, now, held_values, _ = self.restore(search, [tab])
        values = now | {elem_id: entry["value"] for elem_id, entry in held_values.items()}
        return self.defaults(tab) | state_of(self.of_tab(tab), values)

    def add_tab(self, tab_block: gr.Tab, module) -> list[Field]:
        """The fields of a built tab: its input components, less those it skips."""
        skip = getattr(module, "LINK_SKIP", {})
        follows = getattr(module, "LINK_FOLLOWS", {})
        fields = []
        for component in inputs_of(tab_block):
            if component.elem_id in skip:
                self.skipped[component.elem_id] = skip[component.elem_id]
                continue
            name = component.elem_id.split("-", 1)[1]
            default = component.value
            if default is None and isinstance(component, gr.Textbox):
                default = ""
            fields.append(
                Field(module.ID, name, component, default, tuple(follows.get(component.elem_id, ())))
            )
        self.fields += fields
        self.runs[module.ID] = tuple(getattr(module, "LINK_RUNS", ()))
        return fields

    def of_tab(self, tab: str) -> list[Field]:
        return [field for field in self.fields if field.tab == tab]

    def restore(self, search: str, tab_ids: Sequence[str]) -> tuple[str | None, dict, dict, list[str]]:
        """What a link's query sets: (tab or None, {elem_id: value} to set now, {elem_id: value} held
        for a recompute, the link's parameters that could not be used)."""
        query = dict(parse_qsl((search or "").lstrip("?")[:MAX_LINK_CHARS], keep_blank_values=True))
        query.pop("lang", None)  # the language switch's parameter (playground/web.py)
        query.pop(NONCE_KEY, None)
        for key in self.claimed:
            query.pop(key, None)
        tab = query.pop(TAB_KEY, None)
        bad = []
        if tab is not None and tab not in tab_ids:
            bad.append(f"{TAB_KEY}={tab}")
            tab = None
        by_key = {field.key: field for field in self.fields}
        now, values = {}, {}
        for key, text in query.items():
            field = by_key.get(key)
            if field is None:
                bad.append(key)
                continue
            try:
                values[field.elem_id] = field.parse(text)
            except BadValue:
                bad.append(key)
        held_values = {}
        for field in self.fields:
            if field.elem_id not in values:
                continue
            when = {other: values[other] for other in field.follows if other in values}
            if when:
                held_values[field.elem_id] = {"value": values[field.elem_id], "when": when}
            else:
                now[field.elem_id] = values[field.elem_id]
        return tab, now, held_values, bad


def inputs_of(block) -> list:
    """Every input component with an elem_id inside ``block``, in page order."""
    found = []
    for child in getattr(block, "children", None) or []:
        if isinstance(child, INPUTS) and child.elem_id and child.interactive is not False:
            found.append(child)
        found += inputs_of(child)
    return found


def state_of(fields: Iterable[Field], values: dict) -> dict:
    """A tab's state by field name, as a class step carries it, from {elem_id: value}."""
    return {field.name: values[field.elem_id] for field in fields if field.elem_id in values}


def _writer_js(fields: Sequence[Field]) -> str:
    """Browser code writing a tab's fields into the URL (a default removes its parameter)."""
    spec = json.dumps([[field.key, field.default] for field in fields], ensure_ascii=False)
    return f"""(...values) => {{
  const fields = {spec};
  const url = new URL(window.location.href);
  fields.forEach(([key, first], i) => {{
    const value = values[i] ?? "";
    if (JSON.stringify(value) === JSON.stringify(first ?? "")) url.searchParams.delete(key);
    else url.searchParams.set(key, typeof value === "string" ? value : JSON.stringify(value));
  }});
  window.history.replaceState(window.history.state, "", url);
}}"""


def _tab_js(tab: str) -> str:
    # Gradio selects the first tab as the page mounts, before the link is read: that is no choice.
    return f"""() => {{
  if (!window.pgLinkRead) return;
  const url = new URL(window.location.href);
  url.searchParams.set({json.dumps(TAB_KEY)}, {json.dumps(tab)});
  window.history.replaceState(window.history.state, "", url);
}}"""


# After a link is restored: the link's parameters the page could not use leave the URL (the note
# names them), and the buttons that compute the tab's result are clicked once each is on the page (a
# tab's content is drawn when the tab is shown). ``after``: {"drop": [keys], "runs": [elem_ids]}.
_AFTER_JS = """(after) => {
  const {drop = [], runs = [], tab = null} = JSON.parse(after || "{}");
  if (drop.length || tab) {
    const url = new URL(window.location.href);
    drop.forEach((key) => url.searchParams.delete(key));
    if (tab) url.searchParams.set("tab", tab);
    window.history.replaceState(window.history.state, "", url);
  }
  const wanted = [...runs];
  const started = Date.now();
  const press = () => {
    const left = wanted.filter((id) => {
      const button = document.getElementById(id);
      if (button) button.click();
      return !button;
    });
    wanted.splice(0, wanted.length, ...left);
    if (wanted.length && Date.now() - started < 10000) setTimeout(press, 200);
  };
  if (wanted.length) setTimeout(press, 300);
}"""


# The link of the view as it is now: into the clipboard where the browser allows it (a secure page),
# and into the box beside the button in any case (to select and copy by hand).
_COPY_JS = """() => {
  const link = window.location.href;
  if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(link).catch(() => {});
  return link;
}"""


def copy_control() -> None:
    """The "copy link" button and the box that shows the link it copied."""
    with gr.Row(elem_id="link-row", equal_height=True):
        button = gr.Button(t("link.copy"), size="sm", elem_id="link-copy", scale=0, min_width=160)
        box = gr.Textbox(
            label=t("link.box"),
            show_label=False,
            interactive=False,
            placeholder=t("link.placeholder"),
            elem_id="link-box",
            scale=4,
            container=False,
        )
    button.click(None, outputs=[box], js=_COPY_JS, api_visibility="private", queue=False)


def attach(page: Page, tab_bar: gr.Tabs, modules: Sequence, note: gr.Markdown, demo: gr.Blocks) -> None:
    """Write every tab's fields into the URL as they change, and restore a link when the page loads.
    The page's links are ``demo.link_page`` afterwards (a class step's state is read with them)."""
    demo.link_page = page
    tab_ids = [module.ID for module in modules]
    for tab_block, module in zip(tab_bar.children, modules, strict=True):
        fields = page.add_tab(tab_block, module)
        tab_block.select(None, js=_tab_js(module.ID), api_visibility="private", queue=False)
        if fields:
            gr.on(
                [field.component.change for field in fields],
                None,
                inputs=[field.component for field in fields],
                js=_writer_js(fields),
                trigger_mode="multiple",  # no deferral: an "always_last" pair defers without end
                api_visibility="private",
                queue=False,
            )
    _restoring(page, tab_bar, note, demo, tab_ids)


def _restoring(page: Page, tab_bar: gr.Tabs, note: gr.Markdown, demo: gr.Blocks, tab_ids) -> None:
    """The page's link is restored when it loads, and a query written into ``page.apply`` (a lesson's
    or a class's step) is restored the same way."""
    search = gr.Textbox(visible=False, elem_id="link-search")
    after = gr.Textbox(visible=False, elem_id="link-after")
    claimed = [component for component, _ in page.claimed.values()]
    outputs = [tab_bar, note, page.held, after, *claimed, *(field.component for field in page.fields)]
    restore = _note_function(page, tab_ids)
    private = {"api_visibility": "private", "queue": False}
    demo.load(
        restore,
        inputs=[search],
        outputs=outputs,
        js="() => { window.pgLinkRead = true; return window.location.search; }",
        **private,
    ).then(None, inputs=[after], js=_AFTER_JS, **private)
    page.apply.change(restore, inputs=[page.apply], outputs=outputs, **private).then(
        None, inputs=[after], js=_AFTER_JS, **private
    )


def _shown(param: str) -> str:
    """A link's parameter name as the note shows it: short, escaped, no Markdown of its own."""
    return "`" + html.escape(param[:40]).replace("`", "'") + "`"


def _note_function(page: Page, tab_ids: Sequence[str]):
    def restore_link(search: str):
        tab, now, held_values, bad = page.restore(search, tab_ids)
        query = dict(parse_qsl((search or "").lstrip("?")[:MAX_LINK_CHARS]))
        claimed = [gr.update(value=query[key]) if key in query else gr.skip() for key in page.claimed]
        if tab is None:
            tab = next((page.claimed[key][1] for key in page.claimed if key in query), None)
        updates = [gr.update(value=now[f.elem_id]) if f.elem_id in now else gr.skip() for f in page.fields]
        linked = {f.tab for f in page.fields if f.elem_id in now or f.elem_id in held_values}
        runs = list(page.runs.get(tab, ())) if tab is not None and tab in linked else []
        after = json.dumps({"drop": [key.split("=")[0] for key in bad], "runs": runs, "tab": tab})
        note = (
            gr.update(value=t("link.bad", params=", ".join(_shown(b) for b in bad[:10])), visible=True)
            if bad
            else gr.skip()
        )
        return (gr.Tabs(selected=tab) if tab else gr.skip(), note, held_values, after, *claimed, *updates)

    return handler(restore_link)
