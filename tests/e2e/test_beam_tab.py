"""The beam tab in a real browser: search, see the tree and the ranked hypotheses."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.real]


def test_search_draws_the_tree_and_ranks_hypotheses(page, artifacts):
    page.get_by_role("tab", name="Beam search tree").click()
    page.locator("#bm-run").click()
    page.locator("#bm-tree .js-plotly-plot").wait_for()
    page.wait_for_function(
        "() => document.querySelector('#bm-summary').innerText.includes('candidates drawn')"
    )
    summary = page.locator("#bm-summary").inner_text()
    assert "beam search found a more probable sequence" in summary
    assert "Every beam, candidate and pruned branch" in page.locator("#bm-tree .gtitle").text_content()
    assert page.locator("#bm-tree .scatterlayer .trace").count() >= 6
    table = page.locator("#bm-table").inner_text()
    assert "pizza" in table and "greedy" in table
    page.screenshot(path=str(artifacts / "beam-tab.png"), full_page=True)
