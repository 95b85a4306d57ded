"""Beam search tree tab."""

EN = {
    "tab.beam": "Beam search tree",
    "beam.explain": "### Keeping several candidates at once\nGreedy decoding takes the single most likely token at each step, and can walk into a dead end: a likely first word followed by unlikely ones. **Beam search** keeps the $k$ best partial sequences (*beams*) by their total log-probability $\\sum \\log p$. Each step extends every beam by every token, weighs the best $2k$ continuations, keeps the best $k$ that go on, and sets aside those that end (end-of-sequence, or max new tokens) as finished hypotheses.\n\nFinished hypotheses are ranked by $\\sum \\log p \\,/\\, \\text{length}^{\\alpha}$, where $\\alpha$ is the **length penalty**: 0 ranks by total probability (short answers win), 1 by the average per token, and larger values favour longer answers. With **early stopping**, the search ends as soon as $k$ hypotheses are finished; without it, it goes on while a beam could still beat them. This is exactly what `model.generate(num_beams=k)` does, and the tests check the same hypotheses and scores.",
    "beam.prompt": "Prompt",
    "beam.chat": "Wrap in the chat template",
    "beam.num_beams": "Beams (k)",
    "beam.max_new_tokens": "Max new tokens",
    "beam.length_penalty": "Length penalty (α)",
    "beam.early_stopping": "Early stopping",
    "beam.candidates": "Extra candidates drawn per beam",
    "beam.run": "Search",
    "beam.empty": "Choose the settings and press **Search** to grow the tree.",
    "beam.summary": "**{steps}** steps · **{nodes:,}** candidates drawn ({kept:,} kept as beams, {pruned:,} pruned) · {stopped} · best hypothesis score **{best:.3f}** · greedy **{greedy:.3f}** ({verdict}) · {forwards} batched forward passes",
    "beam.stopped.all_ended": "stopped when every continuation ended",
    "beam.stopped.early_stopping": "stopped early: k hypotheses finished",
    "beam.stopped.no_improvement": "stopped: no beam could beat the finished hypotheses",
    "beam.verdict.better": "beam search found a more probable sequence",
    "beam.verdict.same": "the same as greedy",
    "beam.verdict.worse": "greedy scores higher here",
    "beam.table": "Finished hypotheses, best first (greedy last, for comparison)",
    "beam.col.rank": "rank",
    "beam.col.text": "text",
    "beam.col.score": "score",
    "beam.col.sum": "sum log p",
    "beam.col.length": "tokens",
    "beam.greedy_row": "greedy",
}

TE = {
    "tab.beam": "బీమ్ సెర్చ్ ట్రీ",
}
