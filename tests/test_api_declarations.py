"""The declarations are the API: the app's endpoints, their signatures and the README's table come
from playground/api/endpoints.py, and these tests fail when one of them drifts."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from playground.api import endpoints, readme
from playground.api.params import NUM_BEAMS, Param

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_holds_the_table_made_from_the_declarations():
    text = README.read_text(encoding="utf-8")
    assert readme.api_table() in text, "README's API table differs: run `python -m playground.api.readme`"


def test_the_readme_table_renders_as_one_table():
    text = README.read_text(encoding="utf-8")
    block = text[text.index(readme.BEGIN) : text.index(readme.END)].splitlines()[1:]
    assert block and all(line.startswith("|") for line in block), "a blank or stray line splits the table"
    assert len(block) == 2 + len(endpoints.ENDPOINTS)


def test_a_changed_declaration_changes_the_table():
    changed = dataclasses.replace(endpoints.TOKENIZE, returns="something else")
    assert readme.row(changed) != readme.row(endpoints.TOKENIZE)
    assert readme.row(changed) not in README.read_text(encoding="utf-8")


def test_every_endpoint_has_unique_parameter_names_and_a_docstring():
    for endpoint in endpoints.ENDPOINTS:
        names = [p.name for p in endpoint.params]
        assert len(names) == len(set(names)), endpoint.name
        assert endpoint.summary, endpoint.name


def test_a_request_takes_the_declared_defaults():
    request = endpoints.BEAM_SEARCH.request(prompt="Hi")
    assert request.num_beams == NUM_BEAMS.default == 4
    assert request.max_new_tokens == 12 and request.early_stopping is False
    with pytest.raises(TypeError):
        endpoints.BEAM_SEARCH.request()  # the prompt has no default


def test_a_param_checks_its_range_with_a_sentence():
    assert NUM_BEAMS.check("3") == 3
    with pytest.raises(ValueError, match="8"):
        NUM_BEAMS.check(9)
    assert Param("text", str).check("as is") == "as is"


def test_knob_parameters_follow_the_registry():
    from playground import sampling

    assert [p.name for p in endpoints.KNOBS] == [k.name for k in sampling.knobs()]
    assert [p.default for p in endpoints.KNOBS] == [k.default for k in sampling.knobs()]


@pytest.mark.real
def test_the_app_serves_exactly_the_declared_signatures(real_runner):
    import app

    demo = app.build_demo(real_runner)
    served = demo.get_api_info()["named_endpoints"]
    assert set(served) == {f"/{e.name}" for e in endpoints.ENDPOINTS}
    for endpoint in endpoints.ENDPOINTS:
        parameters = served[f"/{endpoint.name}"]["parameters"]
        assert [p["parameter_name"] for p in parameters] == [p.name for p in endpoint.params]
        for param, info in zip(endpoint.params, parameters, strict=True):
            assert info["parameter_has_default"] == (not param.required), param.name
            if not param.required:
                assert info["parameter_default"] == param.default, (endpoint.name, param.name)
