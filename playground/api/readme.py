"""The README's API table, made from the declarations: ``python -m playground.api.readme`` prints it.

tests/test_api_declarations.py checks that the README holds exactly this table between its markers,
so a declaration changed without the README (or the other way round) fails a test.
"""

from __future__ import annotations

from playground.api.endpoints import ENDPOINTS, Endpoint

BEGIN = "<!-- api-table: made by `python -m playground.api.readme`; edit the declarations -->"
END = "<!-- /api-table -->"


def row(endpoint: Endpoint) -> str:
    inputs = ", ".join(p.readme() for p in endpoint.params)
    return f"| `/{endpoint.name}` | {inputs} | {endpoint.returns} |"


def api_table() -> str:
    """The markdown table, one row per endpoint in the contract's order, with its markers."""
    rows = [row(e) for e in ENDPOINTS]
    return "\n".join([BEGIN, "| endpoint | inputs | returns |", "|---|---|---|", *rows, END])


if __name__ == "__main__":
    print(api_table())
