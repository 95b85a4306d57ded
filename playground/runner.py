"""ModelRunner: the one loaded model, shared by every tab.

It owns the model, the tokenizer, the device and the lock that serialises heavy work. Its methods
take and return plain data (token ids, tensors, small frozen dataclasses), so every tab and every
test goes through the same path. The lock is private: the model is taken through ``hold()`` (one
call: a forward, a step) or ``alone()`` (a whole block), never otherwise. The batch of generations
is the model service's (``playground/serving/service.py``), which a runner alone does not need.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field

import torch

from playground import config, models, tokens


@dataclass(frozen=True)
class Encoding:
    text: str  # the string that was tokenized (the chat-wrapped prompt when chat=True)
    ids: list[int]  # (T,)
    offsets: list[tuple[int, int]]  # (T, 2) character offsets into `text`
    special: list[bool]  # (T,) whether each token is a special token


@dataclass(frozen=True)
class ForwardResult:
    logits: torch.Tensor  # (T, vocab) float32
    attentions: tuple[torch.Tensor, ...] | None  # layers x (heads, T, T), when asked for
    # (layers + 1, T, hidden), when asked for: the embedding output, then each layer's output; the
    # last entry is already through the final norm, as transformers returns it (output_capturing.py)
    hidden_states: torch.Tensor | None = None


@dataclass(frozen=True)
class StepResult:
    logits: torch.Tensor  # (vocab,) float32: the scores for the next token; (batch, vocab) for a batch
    cache: object  # transformers Cache holding keys and values for every position so far
    seconds: float


@dataclass
class ModelRunner:
    model: torch.nn.Module
    tokenizer: object
    source: models.ModelSource
    name: str
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    spec: models.ModelSpec | None = None  # the registry entry, when the model came from it
    service: object = None  # its ModelService (playground.serving), made by ModelService.of
    # Set while the batch runs in another process (playground/serving/engine_process.py): a context
    # manager that takes the batch off the machine's cores for ``alone``'s block.
    pause_batch: Callable[[], AbstractContextManager] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)  # the model: see ``hold``
    _owner: int | None = None  # the thread holding ``_lock``
    _tokenizers: dict = field(default_factory=dict)  # registry tokenizers loaded so far
    _tokenizers_lock: threading.Lock = field(default_factory=threading.Lock)
    # Threads waiting for the lock ahead of the serving scheduler's next step (see ``hold``).
    _gate: threading.Condition = field(default_factory=threading.Condition)
    _waiting: int = 0

    @classmethod
    def load(cls, name: str | None = None) -> ModelRunner:
        torch.set_num_threads(config.num_threads())
        model, tokenizer, spec, source = models.load_model(name)
        model.eval()
        label = spec.name if spec else source.location
        return cls(model=model, tokenizer=tokenizer, source=source, name=label, spec=spec)

    # --- what the model is --------------------------------------------------------------------

    @property
    def entry(self) -> models.ModelSpec:
        """Its registry entry (the defaults of a Llama-shaped model when loaded from a folder)."""
        return self.spec or models.FOLDER_SPEC

    @property
    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.model.parameters())

    @property
    def dtype(self) -> torch.dtype:
        return self.model.dtype

    @property
    def dtype_name(self) -> str:
        """The weights' number format as code writes it: "float32", "bfloat16"."""
        return str(self.model.dtype).removeprefix("torch.")

    @property
    def dtype_bytes(self) -> int:
        return self.model.dtype.itemsize

    @property
    def head_dim(self) -> int:
        cfg = self.model.config
        return getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads

    @property
    def max_context(self) -> int:
        """Positions the model was trained for (its config's ``max_position_embeddings``)."""
        return self.model.config.max_position_embeddings

    @property
    def final_norm(self) -> torch.nn.Module:
        """The norm applied after the last layer, found at the registry entry's path."""
        return self.model.get_submodule(self.entry.final_norm)

    @property
    def inside_token(self) -> int:
        """The Inside tab's first token in its default prompt (the registry entry's)."""
        return self.entry.inside_token

    @property
    def projected_models(self) -> list[str]:
        """The models the context tab projects costs for by default (the registry entry's)."""
        return list(self.entry.projected)

    # --- tokens -----------------------------------------------------------------------------

    @property
    def vocab_len(self) -> int:
        """Tokens the tokenizer knows (added tokens included; may be fewer than ``vocab_size``)."""
        return len(self.tokenizer)

    def token_label(self, token_id: int) -> str:
        """One token's readable text (``tokens.token_label``: ␣ for a space, ‹hex› for a byte)."""
        return tokens.token_label(self.tokenizer, token_id)

    def decode(self, ids, skip_special_tokens: bool = True) -> str:
        """Token ids back to text."""
        return self.tokenizer.decode(list(ids), skip_special_tokens=skip_special_tokens)

    @property
    def num_layers(self) -> int:
        return self.model.config.num_hidden_layers

    @property
    def num_heads(self) -> int:
        """Query heads per layer."""
        return self.model.config.num_attention_heads

    @property
    def num_kv_heads(self) -> int:
        """Key/value heads per layer (fewer than query heads with grouped-query attention)."""
        return getattr(self.model.config, "num_key_value_heads", None) or self.num_heads

    @property
    def vocab_size(self) -> int:
        """Scores per position in the logits (the embedding rows, which may exceed the tokenizer's)."""
        return self.model.config.vocab_size

    def token_text(self, token_id: int) -> str:
        """One token's text on its own, special tokens included (bytes of an unfinished character
        show as U+FFFD): what an OpenAI answer lists for a token."""
        return self.decode([int(token_id)], skip_special_tokens=False)

    @property
    def eos_token_ids(self) -> list[int]:
        eos = self.model.generation_config.eos_token_id
        if eos is None:
            eos = self.tokenizer.eos_token_id
        return [eos] if isinstance(eos, int) else list(eos or [])

    def apply_chat_template(self, messages: list[dict], add_generation_prompt: bool = True) -> str:
        """The messages as the model sees them: the chat template rendered to one string."""
        return self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=add_generation_prompt, tokenize=False
        )

    def tokenize(self, text: str, chat: bool = False, parse_special: bool = False) -> Encoding:
        """Token ids and character offsets; with chat=True the text is wrapped as a user message.

        The user's text is text: a special token typed in it (``<|im_start|>``) is tokenized as the
        characters it is made of, and only the chat template's own special tokens are control
        tokens, as transformers' ``apply_chat_template(..., sanitize_control_tokens=True)`` does
        (transformers/utils/chat_template_utils.py, ``encode_marked_chat``). ``parse_special=True``
        reads typed special tokens as control tokens: the prompt injection the tokenizer tab shows.
        """
        user_start, user_end = 0, len(text)
        if chat:
            message = text
            text = self.apply_chat_template([{"role": "user", "content": message}])
            user_start = self._message_start(text, message)
            user_end = user_start + len(message)
        enc = self.tokenizer(text, return_offsets_mapping=True, add_special_tokens=not chat)
        ids, offsets = list(enc["input_ids"]), [tuple(o) for o in enc["offset_mapping"]]
        if not parse_special:
            ids, offsets = self._typed_special_as_text(text, ids, offsets, user_start, user_end)
        special_ids = set(self.tokenizer.all_special_ids)
        return Encoding(text=text, ids=ids, offsets=offsets, special=[i in special_ids for i in ids])

    def tokenize_messages(self, messages: list[dict]) -> Encoding:
        """A conversation as the model sees it: the chat template with the generation prompt, each
        message's text kept as text (a special token typed in a message is its characters, as in
        ``tokenize``), the template's own special tokens as control tokens."""
        text = self.apply_chat_template(messages)
        enc = self.tokenizer(text, return_offsets_mapping=True, add_special_tokens=False)
        ids, offsets = list(enc["input_ids"]), [tuple(o) for o in enc["offset_mapping"]]
        position = 0
        for message in messages:
            content = message.get("content") or ""
            start = text.find(content, position)
            if not content or start < 0:
                continue
            ids, offsets = self._typed_special_as_text(text, ids, offsets, start, start + len(content))
            position = start + len(content)
        special_ids = set(self.tokenizer.all_special_ids)
        return Encoding(text=text, ids=ids, offsets=offsets, special=[i in special_ids for i in ids])

    def _message_start(self, rendered: str, message: str) -> int:
        """Where the user's message starts in the rendered chat: the template rendered around a
        marker gives the text before it."""
        marker = "\ue000playground-message\ue000"
        prefix = self.apply_chat_template([{"role": "user", "content": marker}]).split(marker)[0]
        if not rendered.startswith(prefix + message):
            raise ValueError("the chat template changes the message's text; cannot tell it apart")
        return len(prefix)

    def _typed_special_as_text(self, text, ids, offsets, start: int, end: int):
        """Every added token whose characters lie in ``text[start:end]`` (what the user typed)
        re-encoded as plain text; tokenizers split text at added tokens first and encode the
        pieces between them on their own, so every other token stays as it was."""
        added = set(self.tokenizer.added_tokens_encoder.values())
        out_ids, out_offsets = [], []
        for token_id, (s, e) in zip(ids, offsets, strict=True):
            if token_id in added and start <= s and e <= end:
                piece = self.tokenizer(
                    text[s:e],
                    return_offsets_mapping=True,
                    add_special_tokens=False,
                    split_special_tokens=True,
                )
                out_ids += piece["input_ids"]
                out_offsets += [(s + a, s + b) for a, b in piece["offset_mapping"]]
            else:
                out_ids.append(token_id)
                out_offsets.append((s, e))
        return out_ids, out_offsets

    def tokenizer_for(self, name: str):
        """A registry tokenizer (Hub ones loaded once, then kept); the model's own for "model"."""
        spec = models.TOKENIZERS[name]
        if spec.kind == "model":
            return self.tokenizer
        if spec.kind != "hub":
            raise ValueError(f"{name!r} is not a learned tokenizer")
        with self._tokenizers_lock:
            if name not in self._tokenizers:
                self._tokenizers[name] = models.load_hub_tokenizer(spec)
            return self._tokenizers[name]

    # --- who has the model ---------------------------------------------------------------------

    @contextmanager
    def hold(self, background: bool = False) -> Iterator[None]:
        """The model lock. A background holder (the serving scheduler, one step at a time) lets every
        thread already waiting go first, so short forwards run between decode steps, never behind
        a whole generation. A thread that already holds it (inside ``alone``) just goes on."""
        me = threading.get_ident()
        if self._owner == me:  # only this thread sets or clears its own ident here
            yield
            return
        with self._gate:
            if background:
                while self._waiting:
                    self._gate.wait()
            else:
                self._waiting += 1
        try:
            self._lock.acquire()
        finally:
            if not background:
                with self._gate:
                    self._waiting -= 1
                    self._gate.notify_all()
        self._owner = me
        try:
            yield
        finally:
            self._owner = None
            self._lock.release()

    @contextmanager
    def alone(self) -> Iterator[float]:
        """The model to this thread alone for the whole block (timing lessons, Simulate a class):
        waits for the step in progress, pauses the batch until the block ends, and yields the
        seconds it waited. Model calls inside the block (``hold``) go straight in."""
        start = time.perf_counter()
        outermost = self._owner != threading.get_ident()
        pause = self.pause_batch if outermost and self.pause_batch is not None else contextlib.nullcontext
        with self.hold(), pause():
            yield time.perf_counter() - start

    # --- model calls --------------------------------------------------------------------------

    def _ids_tensor(self, ids) -> torch.Tensor:
        return torch.as_tensor(ids, dtype=torch.long, device=self.device).reshape(1, -1)

    @torch.inference_mode()
    def forward(self, ids, attentions: bool = False, hidden_states: bool = False) -> ForwardResult:
        """Logits for every position; attention weights (from eager attention) and the hidden
        states after the embedding and after every layer too, when asked."""
        input_ids = self._ids_tensor(ids)
        with self.hold():
            if not attentions:
                out = self.model(input_ids=input_ids, use_cache=False, output_hidden_states=hidden_states)
                states = torch.stack([h[0].float() for h in out.hidden_states]) if hidden_states else None
                return ForwardResult(logits=out.logits[0].float(), attentions=None, hidden_states=states)
            # SDPA never materialises the weights: switch to eager for this call only.
            previous = self.model.config._attn_implementation
            self.model.set_attn_implementation("eager")
            try:
                out = self.model(input_ids=input_ids, use_cache=False, output_attentions=True)
            finally:
                self.model.set_attn_implementation(previous)
        return ForwardResult(
            logits=out.logits[0].float(), attentions=tuple(a[0].float() for a in out.attentions)
        )

    @torch.inference_mode()
    def _cached_step(self, input_ids: torch.Tensor, cache) -> StepResult:
        """One timed forward pass that reads and extends ``cache``; logits of each row's last position."""
        with self.hold():
            start = time.perf_counter()
            out = self.model(input_ids=input_ids, past_key_values=cache, use_cache=True)
            logits = out.logits[:, -1].float()
            seconds = time.perf_counter() - start
        return StepResult(logits=logits, cache=out.past_key_values, seconds=seconds)

    def prefill(self, ids) -> StepResult:
        """Run the whole prompt once, filling a new KV cache; logits (vocab,) for the token after it."""
        from transformers import DynamicCache

        step = self._cached_step(self._ids_tensor(ids), DynamicCache(config=self.model.config))
        return StepResult(logits=step.logits[0], cache=step.cache, seconds=step.seconds)

    def decode_step(self, token_id: int, cache) -> StepResult:
        """Feed one token, reusing the cache for every earlier position; logits (vocab,)."""
        step = self._cached_step(self._ids_tensor([token_id]), cache)
        return StepResult(logits=step.logits[0], cache=step.cache, seconds=step.seconds)

    def decode_batch(self, token_ids: list[int], cache) -> StepResult:
        """One step for several sequences at once (beam search, batching): token i continues cache
        row i; logits (batch, vocab)."""
        input_ids = torch.as_tensor(token_ids, dtype=torch.long, device=self.device).reshape(-1, 1)
        return self._cached_step(input_ids, cache)

    # --- inside the model: embeddings and the logit lens ---------------------------------------

    @property
    def hidden_size(self) -> int:
        """Numbers in each token's vector (the embedding width, kept through every layer)."""
        return self.model.config.hidden_size

    @property
    def tied_embeddings(self) -> bool:
        """Whether the output layer reuses the input embedding matrix (the config's word)."""
        return bool(getattr(self.model.config, "tie_word_embeddings", False))

    @property
    def rope_theta(self) -> float | None:
        """RoPE's base frequency when the model encodes position by rotating queries and keys."""
        cfg = self.model.config
        params = getattr(cfg, "rope_parameters", None) or {}
        theta = params.get("rope_theta", getattr(cfg, "rope_theta", None))
        return float(theta) if theta is not None else None

    @property
    def embedding_matrix(self) -> torch.Tensor:
        """(vocab, hidden): row i is token i's vector, the first thing the model does with a token."""
        return self.model.get_input_embeddings().weight.detach()

    @torch.inference_mode()
    def lens_logits(self, states: torch.Tensor) -> torch.Tensor:
        """The model's own output head read at every depth: (layers + 1, hidden) -> (layers + 1, vocab).

        Each row is ``lm_head(norm(h))`` as ``LlamaForCausalLM.forward`` computes it
        (transformers/models/llama/modeling_llama.py); the last row of ``forward(hidden_states=True)``
        is already normalised, so only the rows before it go through the final norm.
        """
        with self.hold():
            normed = torch.cat([self.final_norm(states[:-1]), states[-1:]])
            return self.model.get_output_embeddings()(normed).float()

    def new_cache(self):
        from transformers import DynamicCache

        return DynamicCache(config=self.model.config)

    @torch.inference_mode()
    def batch_step(self, input_ids, attention_mask, position_ids, cache) -> StepResult:
        """One forward pass for a padded batch (the serving scheduler's step), taken in the
        background (see ``hold``): input_ids (batch, T), attention_mask (batch, past + T) with 0 on
        padding, position_ids (batch, T). Logits (batch, vocab) of each row's last position."""
        with self.hold(background=True):
            start = time.perf_counter()
            out = self.model(
                input_ids=input_ids,
                attention_mask=attention_mask,
                position_ids=position_ids,
                past_key_values=cache,
                use_cache=True,
                logits_to_keep=1,  # only the last position's scores are needed: skip the rest
            )
            logits = out.logits[:, -1].float()
            seconds = time.perf_counter() - start
        return StepResult(logits=logits, cache=out.past_key_values, seconds=seconds)

    @staticmethod
    def cache_bytes(cache) -> int:
        """Bytes actually held by the cache's key and value tensors."""
        total = 0
        for layer in cache.layers:
            for tensor in (layer.keys, layer.values):
                if tensor is not None:
                    total += tensor.numel() * tensor.element_size()
        return total
