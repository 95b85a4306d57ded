"""The Gradio internals playground/ui/gradio_internals.py relies on are still there, in the shape it uses.

Pinned to the Gradio version the module was written against: an upgrade fails here first, with a
message naming what moved, instead of as a refused request or a session that never expires. And no
other module of the app reads a private attribute of a Gradio object.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections import OrderedDict
from pathlib import Path

import gradio as gr
import pytest
from gradio import queueing, routes, state_holder
from gradio.components.api_component import Api

from playground.ui import gradio_internals
from tests.helpers import run_async

ROOT = Path(__file__).resolve().parent.parent
# Names of Gradio's that are not its public API; only gradio_internals may use them.
GRADIO_PRIVATE_NAMES = {
    "state_holder",
    "session_data",
    "time_last_used",
    "delete_state",
    "stop_event",
    "event_queue_per_concurrency_id",
    "active_jobs",
    "default_config",
    "config_values",
}


def moved(what: str) -> str:
    return f"Gradio {gr.__version__}: {what} moved; update playground/ui/gradio_internals.py"


def echo(text: str) -> str:
    return text


@pytest.fixture(scope="module")
def demo():
    with gr.Blocks() as blocks:
        gr.State(None)
        gr.Textbox("first", elem_id="box")
        gr.api(echo, api_name="echo", concurrency_id="model")
    blocks.queue()
    return blocks


def test_the_installed_gradio_is_the_version_the_internals_were_written_against():
    pinned = re.search(r"^gradio==(\S+)$", (ROOT / "requirements.txt").read_text(), re.MULTILINE)
    assert pinned and pinned.group(1) == gradio_internals.GRADIO_VERSION, (
        "requirements.txt and the module differ"
    )
    assert gr.__version__ == gradio_internals.GRADIO_VERSION, (
        f"Gradio {gr.__version__} is installed; gradio_internals was written against "
        f"{gradio_internals.GRADIO_VERSION}: check every private use there, then update GRADIO_VERSION"
    )


def test_the_queue_still_has_the_door_and_the_counts_the_admission_uses(demo):
    queue = demo._queue
    assert isinstance(queue, queueing.Queue), moved("Blocks._queue")
    assert list(inspect.signature(queueing.Queue.push).parameters) == [
        "self",
        "body",
        "request",
        "username",
    ], moved("Queue.push(body, request, username)")
    assert inspect.iscoroutinefunction(queueing.Queue.push), moved("Queue.push (no longer async)")
    assert isinstance(queue.event_queue_per_concurrency_id, dict), moved(
        "Queue.event_queue_per_concurrency_id"
    )
    assert isinstance(queue.active_jobs, list), moved("Queue.active_jobs")
    assert callable(queue.close), moved("Queue.close")
    fn = next(iter(demo.fns.values()))
    assert (fn.queue, fn.concurrency_id) == (True, "model"), moved("BlockFunction.queue / .concurrency_id")
    queue.create_event_queue_for_fn(fn)
    assert queue.event_queue_per_concurrency_id["model"].queue == [], moved("EventQueue.queue")
    event = queueing.Event("a-session", fn, None, None)
    assert (event.session_hash, event.concurrency_id) == ("a-session", "model"), moved("Event's fields")


def test_a_guarded_queue_refuses_with_a_validation_error_before_gradios_push(demo):
    with gr.Blocks() as blocks:
        gr.api(echo, api_name="echo", concurrency_id="model")
    blocks.queue()
    gradio_internals.guard_queue(blocks, lambda pool, session: f"no room in {pool} for {session}")
    body = routes.PredictBodyInternal(data=[], fn_index=0, session_hash="s1")
    joined, answer, kind = run_async(blocks._queue.push(body, None, None))
    assert (joined, kind) == (False, "validator_error")
    assert answer[0]["message"] == "no room in model for s1" and answer[0]["is_valid"] is False


def test_sessions_still_have_the_fields_the_sweep_and_the_lean_state_use(demo):
    holder = state_holder.StateHolder()
    holder.set_blocks(demo)
    assert isinstance(holder.session_data, OrderedDict), moved("StateHolder.session_data")
    assert isinstance(holder.time_last_used, dict), moved("StateHolder.time_last_used")
    assert hasattr(holder.lock, "acquire"), moved("StateHolder.lock")
    assert list(inspect.signature(holder.delete_state).parameters)[:1] == ["session_id"], moved(
        "StateHolder.delete_state(session_id)"
    )
    assert "SessionState(self.blocks)" in inspect.getsource(state_holder.StateHolder.__getitem__), moved(
        "StateHolder.__getitem__ (where a session is made)"
    )
    full, lean = state_holder.SessionState(demo), gradio_internals.LeanSessionState(demo)
    assert set(vars(full)) == set(vars(lean)), moved("SessionState.__init__'s fields")
    assert full.STATE_TTL_WHEN_CLOSED == lean.STATE_TTL_WHEN_CLOSED
    assert len(full.config_values) == len(demo.blocks) and lean.config_values == {}
    for name in ("_update_config", "_update_value_in_config", "components", "state_components"):
        assert hasattr(state_holder.SessionState, name), moved(f"SessionState.{name}")
    for step in (gr.Blocks.preprocess_data, gr.Blocks.postprocess_data):  # where values are kept
        assert "state._update_value_in_config(" in inspect.getsource(step), moved(f"{step.__name__}'s values")


def test_a_lean_session_builds_a_components_configuration_only_when_it_changes_it(demo):
    holder = state_holder.StateHolder()
    holder.set_blocks(demo)
    gradio_internals.keep_sessions_lean(holder)
    session = holder["s1"]
    assert isinstance(session, gradio_internals.LeanSessionState)
    box = next(block for block in demo.blocks.values() if isinstance(block, gr.Textbox))
    state = next(block for block in demo.blocks.values() if isinstance(block, gr.State))
    assert session[state._id] is None and list(session.components) == []
    session._update_value_in_config(box._id, "changed")
    assert [c["props"]["value"] for c in session.components] == ["changed"]
    assert box.value == "first"  # the page's own component is untouched
    assert gradio_internals.sessions_last_used(holder)[0][0] == "s1"
    endpoint = next(block for block in demo.blocks.values() if isinstance(block, Api))
    session[endpoint._id] = endpoint
    session._update_value_in_config(endpoint._id, {"tokens": list(range(1000))})
    assert [c["id"] for c in session.components] == [box._id]  # an API call's values are not kept
    gradio_internals.drop_session(holder, "s1")
    assert "s1" not in holder and "s1" not in holder.time_last_used


def test_the_app_still_has_its_stop_event_and_a_click_its_data():
    assert "self.stop_event" in inspect.getsource(routes.App.__init__), moved("App.stop_event")
    assert hasattr(routes.App, "get_blocks"), moved("App.get_blocks")
    assert list(inspect.signature(gr.EventData.__init__).parameters) == ["self", "target", "_data"], moved(
        "EventData(target, _data)"
    )
    assert gradio_internals.event_payload(gr.EventData(None, {"index": 3})) == {"index": 3}


def test_no_other_module_of_the_app_reads_gradios_private_attributes():
    """A ``x._name`` (but ``self``/``cls``) in a module that uses Gradio (the others, compute modules,
    never import it), or one of Gradio's undocumented names anywhere, outside the boundary."""
    internals = ROOT / "playground" / "ui" / "gradio_internals.py"
    files = [ROOT / "app.py", *sorted((ROOT / "playground").rglob("*.py"))]
    found = []
    for path in files:
        if path == internals:
            continue
        source = path.read_text(encoding="utf-8")
        uses_gradio = re.search(r"^(import|from) gradio", source, re.MULTILINE) is not None
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Attribute):
                private = uses_gradio and node.attr.startswith("_") and not node.attr.startswith("__")
                mine = isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
                if (private and not mine) or node.attr in GRADIO_PRIVATE_NAMES:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.attr}")
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                ("gradio.queueing", "gradio.state_holder", "gradio.routes", "gradio.route_utils")
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} from {node.module}")
    assert found == [], "Gradio internals used outside playground/ui/gradio_internals.py: " + ", ".join(found)
