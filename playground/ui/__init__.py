"""One module per tab, each ``build(runner) -> None`` inside a gr.Tab: wiring only."""
