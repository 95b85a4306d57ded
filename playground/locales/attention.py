"""Attention heatmaps tab."""

EN = {
    "tab.attention": "Attention heatmaps",
    "attention.explain": "### Where each token looks\nIn every layer, each of SmolLM2's 9 attention heads lets every token gather information from the tokens before it. Token $i$ scores each earlier token $j$ with $q_i \\cdot k_j / \\sqrt{d}$, and a softmax turns the scores of row $i$ into weights that sum to 1. A token never sees later tokens, so everything above the diagonal is zero (drawn blank). The 9 query heads share 3 key/value heads (grouped-query attention), yet each has its own pattern.\n\nThe **last row** matters most for generation: it is the position that predicts the next token. Many heads put most of their attention on the first token, an *attention sink* that works as a place to park attention a head does not need. Attention shows where information flows, not why the model decides: it is a clue, not an explanation.",
    "attention.prompt": "Prompt",
    "attention.chat": "Wrap in the chat template",
    "attention.layer": "Layer",
    "attention.head": "Head",
    "attention.mean_head": "all heads (mean)",
    "attention.head_n": "head {head}",
    "attention.heatmap_title": "Layer {layer}, {head}: query (row) attends to key (column)",
    "attention.next_heading": "What the next-token prediction looks at",
    "attention.next_explain": "The prompt's tokens shaded by the last position's attention in the chosen layer and head; the number under each token is its weight.",
    "attention.skip_first": "Leave the first token (attention sink) out of the shading",
    "attention.predicts": "→ predicts {token} ({prob:.0%})",
    "attention.token_tooltip": "position {position}: weight {weight:.4f}",
    "attention.grid_heading": "All layers x heads at a glance",
    "attention.grid_explain": "One cell per head (rows: layers 0–29, columns: heads 0–8), coloured by the measure chosen. Click a cell to open that head above.",
    "attention.grid_metric": "Measure",
    "attention.metric.first_token": "attention on the first token (sink)",
    "attention.metric.previous_token": "attention on the previous token",
    "attention.metric.entropy": "entropy (how spread, bits)",
    "attention.metric.last_focus": "the next-token prediction's largest weight on an earlier word (not the first token, not itself)",
    "attention.strongest": "Jump to the head that looks hardest at one earlier token",
    "attention.cell_tooltip": "layer {layer}, head {head}: {value}",
    "attention.grid_corner": "L \\ H",
}

TE = {
    "tab.attention": "అటెన్షన్ హీట్\u200cమ్యాప్\u200cలు",
}
