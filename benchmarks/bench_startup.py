"""Start-up: the time to build the app (both languages) over a loaded model, and how many forward
passes of the model that takes (the first views). Run: PYTHONPATH=. python benchmarks/bench_startup.py"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


def main() -> None:
    import app
    from playground.runner import ModelRunner

    runner = ModelRunner.load()
    calls = []
    model = runner.model
    handle = model.register_forward_pre_hook(lambda module, args: calls.append(1))
    start = time.perf_counter()
    app.create_app(runner)
    seconds = time.perf_counter() - start
    handle.remove()
    print(f"create_app (both languages): {seconds:.2f} s, {len(calls)} forward passes of the model")


if __name__ == "__main__":
    main()
