"""The tabs, in the order the page shows them: the one list the app and the browser tests take.

Each tab module declares ``ID`` (its ``gr.Tab`` id, and ``#tab-<ID>`` on the page), ``first_view(runner)``
(the model work its first view needs, computed once per server and shared by every language's page),
and ``build(runner, first)`` (its layout, events and endpoints, inside the Blocks being built).
A new tab is a module with these three names and a line here. Its inputs go into links of the view
by themselves (playground/ui/links.py: ``LINK_SKIP``, ``LINK_FOLLOWS`` and ``LINK_RUNS`` where needed).
"""

from __future__ import annotations

from playground.ui import (
    attention,
    beam,
    classroom,
    context,
    decode,
    inside,
    links,
    logits,
    quantize,
    serving,
    speculative,
    tokenizer,
)

TABS = (
    tokenizer,
    logits,
    attention,
    inside,
    decode,
    serving,
    beam,
    context,
    quantize,
    speculative,
    classroom,
)
IDS = tuple(tab.ID for tab in TABS)


def first_views(runner) -> dict:
    """Every tab's first view, by tab id: the model runs for them once, whatever the languages."""
    return {tab.ID: tab.first_view(runner) for tab in TABS}


def build_stages() -> None:
    """What a tab shows above the tab bar (``build_stage()``, where a tab has one: a lesson's step)."""
    for tab in TABS:
        if hasattr(tab, "build_stage"):
            tab.build_stage()


def build_all(runner, firsts: dict) -> None:
    links.current().tab_ids = IDS  # a tab that lists the others (the class's "push this tab") reads them
    for tab in TABS:
        tab.build(runner, firsts[tab.ID])
