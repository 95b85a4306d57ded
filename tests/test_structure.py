"""The shape of the code, as the README's file map promises it: tabs are layout and events, the tab
list is one list, and a tab module declares what the app takes from it."""

from __future__ import annotations

import ast
from pathlib import Path

from playground.ui import tabs

ROOT = Path(__file__).resolve().parent.parent
MAX_UI_FUNCTION_LINES = 60


def test_no_function_under_ui_or_in_app_is_longer_than_60_lines():
    long = []
    for path in [*sorted((ROOT / "playground" / "ui").rglob("*.py")), ROOT / "app.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_UI_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines} lines)")
    assert not long, long


def test_every_tab_declares_its_id_first_view_and_build():
    for tab in tabs.TABS:
        assert isinstance(tab.ID, str) and tab.ID, tab
        assert callable(tab.first_view) and callable(tab.build), tab.ID
    assert len(set(tabs.IDS)) == len(tabs.TABS)


def test_the_tab_list_is_written_once():
    """app.py and the browser tests take the list from playground/ui/tabs.py."""
    app_source = (ROOT / "app.py").read_text(encoding="utf-8")
    assert "tabs.build_all" in app_source
    for tab in tabs.TABS:
        assert f"{tab.ID}.build(" not in app_source
