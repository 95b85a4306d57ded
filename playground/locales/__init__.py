"""String tables, one module per area: EN and TE dicts with the same keys (see playground/i18n.py)."""
