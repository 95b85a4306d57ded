"""Series for the Serving view: plain data from the scheduler's records (playground/charts.py draws them)."""

from __future__ import annotations


def timeline_rows(requests: list[dict], now: float = 0.0) -> list[dict]:
    """Each request's phases as (phase, start, end): waiting (queued), prefill (until its first
    token), decoding (until it finished, or ``now`` while it runs). Unfinished phases end at now."""
    rows = []
    for r in requests:
        marks = [r["submitted"], r["admitted"], r["first_token"], r["finished"]]
        phases = []
        for phase, start, end in zip(("waiting", "prefill", "decoding"), marks, marks[1:], strict=False):
            if start is None:
                break
            phases.append({"phase": phase, "start": start, "end": now if end is None else end})
        rows.append(
            {"id": r["id"], "own": r.get("own", False), "outcome": r.get("outcome"), "phases": phases}
        )
    return rows


def throughput_bins(steps: list[dict], bin_s: float = 2.0) -> list[dict]:
    """Tokens/s in bins of ``bin_s``: the server's total (every row's token, first tokens included),
    and one request's (each running request gets one token per decode step)."""
    bins: dict[int, dict] = {}
    for s in steps:
        b = bins.setdefault(int(s["start"] // bin_s), {"tokens": 0, "steps": 0})
        b["tokens"] += s["batch"] + s.get("prefill_rows", 0)
        b["steps"] += 1 if s["batch"] else 0
    return [
        {
            "time": (index + 0.5) * bin_s,
            "total_tokens_per_s": b["tokens"] / bin_s,
            "request_tokens_per_s": b["steps"] / bin_s,
        }
        for index, b in sorted(bins.items())
    ]
