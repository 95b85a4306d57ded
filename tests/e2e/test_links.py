"""Links to a view's exact state, in a real browser against the real app (issue 21): a link that sets
every input of a tab to a value other than the page's first one restores them all, in every tab and
in Telugu; the copy control gives the link of what is on screen; the same link gives the same seeded
result twice; a bad link falls back to defaults with a note and leaves the URL clean.

The inputs and their values come from the page's own /config (the declared components), not from a
list here: a tab's new input is in this test by itself."""

from __future__ import annotations

import json
import urllib.request
from urllib.parse import urlencode

import pytest

from playground import i18n
from playground.i18n import t
from playground.ui import tabs

pytestmark = [pytest.mark.e2e, pytest.mark.real]

TYPES = {"textbox", "slider", "number", "checkbox", "radio", "dropdown", "checkboxgroup"}
# Texts a field must parse (a list of lengths, a stop string): shorter and valid, where "+ too" is not.
TEXTS = {"cc-lengths": "64, 128", "lg-stop": ".", "qz-prompts": "The capital of France is"}


def _config(url: str) -> dict:
    with urllib.request.urlopen(f"{url.rstrip('/')}/config", timeout=30) as answer:
        return json.load(answer)


def page_fields(url: str) -> dict[str, list[dict]]:
    """Every tab's linked inputs, from the page's /config: {tab: [{elem_id, type, props}]}."""
    config = _config(url)
    components = {c["id"]: c for c in config["components"]}
    skipped = {elem_id for module in tabs.TABS for elem_id in getattr(module, "LINK_SKIP", {})}

    def inputs(node) -> list[dict]:
        found = []
        for child in node.get("children", []):
            component = components.get(child["id"], {"type": ""})
            props = component.get("props", {})
            elem_id = props.get("elem_id")
            linked = elem_id and "-" in elem_id and elem_id not in skipped and not elem_id.startswith("link-")
            if component["type"] in TYPES and linked and props.get("interactive") is not False:
                found.append({"elem_id": elem_id, "type": component["type"], "props": props})
            found += inputs(child)
        return found

    fields = {}

    def tabs_of(node) -> None:
        component = components.get(node["id"], {})  # the root is no component
        if component.get("type") == "tabitem":
            fields[component["props"]["id"]] = inputs(node)
            return
        for child in node.get("children", []):
            tabs_of(child)

    tabs_of(config["layout"])
    return fields


def _choice_values(props) -> list:
    return [choice[1] for choice in props["choices"]]


def other_value(field: dict):
    """A valid value other than the field's first one (None: the field has no other)."""
    props, kind, value = field["props"], field["type"], field["props"].get("value")
    if kind == "textbox":
        return TEXTS.get(field["elem_id"], (value or "") + " too")
    if kind == "checkbox":
        return not value
    if kind == "number":
        return int(value) + 1
    if kind == "slider":
        step, low, high = props["step"], props["minimum"], props["maximum"]
        other = value + step if value + step <= high else value - step
        other = round(other, 6)
        return int(other) if float(step).is_integer() and float(low).is_integer() else other
    if kind == "checkboxgroup":
        values = _choice_values(props)
        return value[:-1] if len(value) > 1 else [*value, next(v for v in values if v not in value)]
    others = [v for v in _choice_values(props) if v != value]
    if field["elem_id"] in ("in-token", "in-position"):  # chosen among the prompt's tokens
        return value + 1
    return others[0] if others else None


def link_for(tab: str, fields: list[dict]) -> tuple[str, dict]:
    values = {f["elem_id"]: other_value(f) for f in fields}
    values = {k: v for k, v in values.items() if v is not None}
    query = {"tab": tab} | {
        f"{tab}.{elem_id.split('-', 1)[1]}": v if isinstance(v, str) else json.dumps(v)
        for elem_id, v in values.items()
    }
    return "?" + urlencode(query), values


def shown(page, field: dict):
    """What the page shows for a field, as a value of the field's type."""
    root, kind = f"#{field['elem_id']}", field["type"]
    if kind in ("slider", "number"):
        return float(page.locator(f"{root} input[type=number]").input_value())
    if kind == "checkbox":
        return page.locator(f"{root} input[type=checkbox]").is_checked()
    if kind == "textbox":
        return page.locator(f"{root} textarea, {root} input").first.input_value()
    if kind == "radio":
        return page.locator(f"{root} input[type=radio]:checked").get_attribute("value")
    if kind == "checkboxgroup":
        return page.evaluate(
            "(root) => [...document.querySelectorAll(root + ' label')]"
            ".filter((l) => l.querySelector('input').checked).map((l) => l.innerText.trim())",
            root,
        )
    return page.locator(f"{root} input").input_value()  # a dropdown shows its choice's label


def expected(field: dict, value):
    kind, props = field["type"], field["props"]
    if kind in ("slider", "number"):
        return float(value)
    if kind == "radio":
        return json.dumps(value) if not isinstance(value, str) else value
    if kind == "checkboxgroup":
        labels = {v: label for label, v in props["choices"]}
        return [labels[v] for v in value]
    if kind == "dropdown" and field["elem_id"] not in ("in-token", "in-position"):
        return {v: label for label, v in props["choices"]}[value]
    return value


def _same(field: dict, want, got) -> bool:
    if field["type"] == "radio":
        return float(want) == float(got) if want.replace(".", "").isdigit() else want == got
    if field["elem_id"] in ("in-token", "in-position"):
        return got.startswith(f"{want}:")
    return want == got


def restored(page, fields: list[dict], values: dict, timeout_s: float = 60) -> list[str]:
    """The fields whose shown value is not the link's, once they all are or the time is up."""
    wrong = []
    for _ in range(int(timeout_s * 2)):
        wrong = []
        for field in fields:
            if field["elem_id"] not in values or field["props"].get("visible") is False:
                continue
            want, got = expected(field, values[field["elem_id"]]), shown(page, field)
            if not _same(field, want, got):
                wrong.append(f"{field['elem_id']}: {got!r} != {want!r}")
        if not wrong:
            return []
        page.wait_for_timeout(500)
    return wrong


@pytest.fixture(scope="module")
def fields(app_url) -> dict[str, list[dict]]:
    return page_fields(app_url)


def test_the_pages_inputs_are_the_links_fields(fields):
    assert set(fields) == set(tabs.IDS)
    assert all(fields[tab] for tab in tabs.IDS)
    assert "lg-temperature" in {f["elem_id"] for f in fields["logits"]}


@pytest.mark.parametrize("tab", tabs.IDS)
def test_a_link_restores_every_input_of_the_tab(browser, app_url, fields, tab):
    query, values = link_for(tab, fields[tab])
    others = [f for f in fields[tab] if other_value(f) is not None]
    assert len(values) == len(others) and (others or tab == "classroom")  # one lesson: no other value
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(app_url.rstrip("/") + "/" + query)
    selected = page.locator("[role=tab][aria-selected=true]")
    page.wait_for_function(
        "(name) => document.querySelector('[role=tab][aria-selected=true]')?.innerText.trim() === name",
        arg=t(f"tab.{tab}", lang="en"),
        timeout=30_000,
    )
    assert restored(page, fields[tab], values) == [], selected.inner_text()
    assert not page.locator("#link-note").is_visible()
    page.locator("#link-copy").click()
    copied = page.locator("#link-box input, #link-box textarea").first
    page.wait_for_function("() => document.querySelector('#link-box input, #link-box textarea').value")
    for key in ("tab", *(f"{tab}.{elem_id.split('-', 1)[1]}" for elem_id in values)):
        assert key + "=" in copied.input_value(), key
    assert errors == []
    context.close()


def test_the_same_link_gives_the_same_seeded_result_in_telugu(browser, app_url):
    """A sampled token and a speculative run with temperature and seed: equal in two fresh pages."""
    results = []
    for _ in range(2):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        query = {
            "tab": "speculative",
            "speculative.temperature": "0.8",
            "speculative.seed": "7",
            "speculative.max-new": "12",
            "logits.seed": "5",
        }
        page.goto(f"{app_url.rstrip('/')}/te/?{urlencode(query)}")
        empty = t("speculative.empty", lang="te")
        page.wait_for_function(
            "(empty) => { const s = document.querySelector('#sp-summary'); return s && s.innerText.trim()"
            " && !s.innerText.includes(empty.slice(0, 20)) }",
            arg=empty,
            timeout=120_000,
        )
        page.locator("#sp-rounds .pg-spec-row").first.wait_for(timeout=120_000)
        rounds = page.locator("#sp-rounds .pg-spec-row").all_inner_texts()  # the rounds, no timer
        page.get_by_role("tab", name=t("tab.logits", lang="te")).click()
        page.wait_for_timeout(1500)
        results.append((rounds, page.locator("#lg-summary [data-testid=markdown]").inner_text()))
        assert "tab=logits" in page.url  # choosing a tab is part of the link
        context.close()
    assert results[0] == results[1]
    assert len(results[0][0]) > 1


def test_a_bad_link_falls_back_with_a_note_in_its_language(browser, app_url, fields):
    first = next(f for f in fields["logits"] if f["elem_id"] == "lg-temperature")["props"]["value"]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{app_url.rstrip('/')}/te/?tab=logits&logits.temperature=99&logits.top-k=7&no.such=1")
    note = page.locator("#link-note")
    note.wait_for(state="visible", timeout=30_000)
    with i18n.use("te"):
        assert t("link.bad", params="").split("**")[1] in note.inner_text()
    assert "logits.temperature" in note.inner_text() and "no.such" in note.inner_text()
    assert page.locator("#lg-top-k input[type=number]").input_value() == "7"  # the rest is used
    assert float(page.locator("#lg-temperature input[type=number]").input_value()) == first
    page.wait_for_function("() => !location.search.includes('no.such')")
    assert "logits.temperature" not in page.url and "logits.top-k=7" in page.url
    context.close()
