"""Cold start: loading from the shipped GGUF (dequantise + convert) vs from the converted cache.

Each load runs in a fresh Python process, so imports and file caches count as a user sees them.
Reported as a ratio measured in this one run: converted-cache start vs GGUF start.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

LOAD = (
    "import json, time; t = time.perf_counter(); "
    "from playground.runner import ModelRunner; r = ModelRunner.load(); "
    "print(json.dumps({'kind': r.source.kind, 'load_s': r.source.load_s, "
    "'total_s': time.perf_counter() - t}))"
)


def load_once(cache: str) -> dict:
    env = os.environ | {"PLAYGROUND_CACHE": cache, "PLAYGROUND_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
    env.pop("PLAYGROUND_MODEL", None)
    out = subprocess.run([sys.executable, "-c", LOAD], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    with tempfile.TemporaryDirectory() as cache:
        gguf = load_once(cache)
        cached = [load_once(cache) for _ in range(3)]
    assert gguf["kind"] == "gguf" and all(c["kind"] == "cache" for c in cached)
    best = min(cached, key=lambda c: c["total_s"])
    print(
        f"GGUF start (dequantise + convert + save): "
        f"load {gguf['load_s']:.1f} s, process {gguf['total_s']:.1f} s"
    )
    print(
        f"converted-cache start (best of 3):        "
        f"load {best['load_s']:.1f} s, process {best['total_s']:.1f} s"
    )
    print(f"ratio: the cache starts {gguf['total_s'] / best['total_s']:.1f}x faster")


if __name__ == "__main__":
    main()
