"""Links to a view's exact state (playground/ui/links.py), on a page built over the tiny model: every
input a tab's events read is in its links (or skipped with a reason), values from a link are checked
against their components, and a bad link falls back to defaults with the parameters named."""

from __future__ import annotations

import json

import gradio as gr
import pytest
from gradio.components.api_component import Api  # gr.api's inputs: an endpoint's, not the page's

from playground.ui import links, tabs

# Components that are no setting of a view: results, helpers, buttons, the session's own data.
NOT_SETTINGS = (
    gr.State,
    gr.Button,
    gr.Timer,
    gr.Plot,
    gr.HTML,
    gr.Markdown,
    gr.Code,
    gr.Dataframe,
    gr.File,
    gr.Dataset,
    Api,
)  # an example is a value for an input: it is the input that is linked


@pytest.fixture(scope="module")
def demo(tiny_runner):
    import app

    return app.build_demo(tiny_runner)


@pytest.fixture(scope="module")
def page(demo) -> links.Page:
    return demo.link_page


def _tab_blocks(demo) -> dict[str, gr.Tab]:
    return {block.id: block for block in demo.blocks.values() if isinstance(block, gr.Tab)}


def _inside(block) -> set[int]:
    found = set()
    for child in getattr(block, "children", None) or []:
        found |= {child._id} | _inside(child)
    return found


def test_every_input_a_tab_reads_is_in_its_links(demo, page):
    """Derived from the events, not from the link code: a component any event of a tab reads is a
    field of the tab's links, or the tab says why it is not (LINK_SKIP)."""
    read = {component._id: component for fn in demo.fns.values() for component in fn.inputs}
    fields = {field.component._id for field in page.fields}
    for module in tabs.TABS:
        tab = _tab_blocks(demo)[module.ID]
        settings = {
            component.elem_id or f"{type(component).__name__} #{key}"
            for key, component in read.items()
            if key in _inside(tab) and not isinstance(component, NOT_SETTINGS) and key not in fields
        }
        skipped = set(getattr(module, "LINK_SKIP", {}))
        assert settings == skipped, f"{module.ID}: inputs missing from links: {settings - skipped}"
        assert all(reason.strip() for reason in getattr(module, "LINK_SKIP", {}).values())
        assert page.of_tab(module.ID), module.ID


def test_links_cover_every_tab_and_name_their_fields_once(page):
    assert {field.tab for field in page.fields} == set(tabs.IDS)
    keys = [field.key for field in page.fields]
    assert len(keys) == len(set(keys))
    assert "logits.temperature" in keys and "attention.layer" in keys and "inside.position" in keys


def test_every_run_button_and_follow_target_exists(demo, page):
    buttons = {b.elem_id for b in demo.blocks.values() if isinstance(b, gr.Button)}
    elem_ids = {field.elem_id for field in page.fields}
    for module in tabs.TABS:
        assert set(page.runs[module.ID]) <= buttons, module.ID
        for follower, targets in getattr(module, "LINK_FOLLOWS", {}).items():
            assert follower in elem_ids and set(targets) <= elem_ids


def _as_browser_writes(value) -> str:
    """The text links.py's browser code writes for a value."""
    return value if isinstance(value, str) else json.dumps(value)


def test_every_default_reads_back_as_itself(page):
    for field in page.fields:
        if field.follows:
            continue
        assert field.parse(_as_browser_writes(field.default)) == field.default, field.key


def test_a_link_sets_its_tab_and_values(page):
    tab, now, held, bad = page.restore(
        "?tab=logits&logits.temperature=0.7&logits.top-k=5&logits.chat=true&logits.engine=vllm"
        "&logits.prompt=Bonjour&context.kv-dtype=1&tokenizer.compare-choice=%5B%22model%22%5D",
        tabs.IDS,
    )
    assert (tab, held, bad) == ("logits", {}, [])
    assert now == {
        "lg-temperature": 0.7,
        "lg-top-k": 5,
        "lg-chat": True,
        "lg-engine": "vllm",
        "lg-prompt": "Bonjour",
        "cc-kv-dtype": 1,
        "tok-compare-choice": ["model"],
    }
    assert isinstance(now["lg-top-k"], int)
    assert links.state_of(page.of_tab("logits"), now) == {
        "temperature": 0.7,
        "top-k": 5,
        "chat": True,
        "engine": "vllm",
        "prompt": "Bonjour",
    }


@pytest.mark.parametrize(
    "query, bad",
    [
        ("logits.temperature=9", "logits.temperature"),  # past the slider's end
        ("logits.temperature=warm", "logits.temperature"),
        ("logits.temperature=NaN", "logits.temperature"),
        ("logits.top-k=2.5", "logits.top-k"),  # a whole number's field
        ("logits.seed=-1", "logits.seed"),
        ("logits.chat=maybe", "logits.chat"),
        ("logits.engine=gpt", "logits.engine"),
        ("tokenizer.compare-choice=%5B%22nope%22%5D", "tokenizer.compare-choice"),
        ("tokenizer.compare-choice=model", "tokenizer.compare-choice"),
        ("inside.position=-3", "inside.position"),
        ("logits.nothing=1", "logits.nothing"),
        ("tab=nowhere", "tab=nowhere"),
        ("inside.step=2", "inside.step"),  # skipped: a frame of an animation is no setting
    ],
)
def test_a_bad_value_falls_back_and_is_named(page, query, bad):
    tab, now, held, named = page.restore(f"?{query}&logits.min-p=0.1", tabs.IDS)
    assert named == [bad]
    assert now == {"lg-min-p": 0.1}  # the rest of the link is used
    assert tab is None and held == {}


def test_a_token_chosen_among_the_prompts_waits_for_the_prompt(page):
    _, now, held, bad = page.restore("?inside.prompt=One%20two%20three&inside.position=2", tabs.IDS)
    assert (now, bad) == ({"in-prompt": "One two three"}, [])
    assert held == {"in-position": {"value": 2, "when": {"in-prompt": "One two three"}}}
    _, now, held, _ = page.restore("?inside.position=2", tabs.IDS)  # the page's own prompt: set at once
    assert (now, held) == ({"in-position": 2}, {})


def test_the_prompts_recompute_takes_the_held_position(tiny_runner):
    from playground.ui import inside

    held = {
        "in-position": {"value": 2, "when": {"in-prompt": "One two three four"}},
        "in-token": {"value": 99, "when": {"in-prompt": "One two three four", "in-chat": False}},
    }
    states, token, position = inside.compute_prompt(tiny_runner, "One two three four", False, held)
    last = len(states.ids) - 1
    assert (position["value"], token["value"]) == (2, last)  # 99 is past the prompt: its last
    # The chat switch recomputes too: the link's values hold while the prompt is the link's.
    _, token, position = inside.compute_prompt(tiny_runner, "One two three four", True, held)
    assert position["value"] == 2
    states, token, position = inside.compute_prompt(tiny_runner, "Something else", False, held)
    assert token["value"] == position["value"] == len(states.ids) - 1  # the learner's own prompt


def test_a_long_or_strange_link_is_read_without_failing(page):
    tab, _, _, bad = page.restore("?" + "x=1&" * 20_000 + "logits.prompt=%00%F0%9F%98%80", tabs.IDS)
    assert tab is None and len(bad) == 1  # one key past the limit is not read at all
    assert links._shown("`**<b>x</b>**" * 10).startswith("`'**&lt;b&gt;")
