"""The stages: each a small pure function from logits to new logits, with its formula and a worked number.

Penalties (repetition, frequency, presence), temperature, top-k, top-p (nucleus), min-p, and the
variants where vLLM's or llama.cpp's definition differs from transformers'. Every function returns a
new tensor and leaves its input alone; filters set removed tokens to ``-inf``, so softmax gives them
probability exactly 0. ``entropy_bits`` measures what a stage left.
"""

from __future__ import annotations

import math

import numpy as np
import torch


def token_counts(context_ids, vocab_size: int) -> torch.Tensor:
    """How many times each vocabulary id occurs in the context. Shape (vocab,)."""
    ids = torch.as_tensor(list(context_ids), dtype=torch.long)
    return torch.bincount(ids, minlength=vocab_size)[:vocab_size]


def apply_repetition_penalty(logits: torch.Tensor, counts: torch.Tensor, penalty: float) -> torch.Tensor:
    """CTRL's repetition penalty, as transformers' ``RepetitionPenaltyLogitsProcessor``.

    For every token already in the context (once, however often it occurs):
    ``logit / penalty`` if the logit is positive, ``logit * penalty`` if negative.
    penalty > 1 discourages repeats, 1 is off. E.g. penalty 2: logit 4 -> 2, logit -1 -> -2.
    """
    if penalty == 1.0:
        return logits.clone()
    penalised = torch.where(logits < 0, logits * penalty, logits / penalty)
    return torch.where(counts > 0, penalised, logits)


def apply_repetition_penalty_vllm(logits: torch.Tensor, counts: torch.Tensor, penalty: float) -> torch.Tensor:
    """The repetition penalty as vLLM computes it: multiply by ``1 / penalty`` or by ``penalty``.

    vLLM's ``apply_repetition_penalties_torch`` (``vllm/_custom_ops.py``) builds a per-token
    factor, ``1 / penalty`` where the logit is positive and ``penalty`` elsewhere, and multiplies.
    The same rule as CTRL's; the reciprocal can differ from a division in the last bit.
    """
    if penalty == 1.0:
        return logits.clone()
    penalties = torch.where(counts > 0, torch.tensor(penalty, dtype=logits.dtype), 1.0)
    return logits * torch.where(logits > 0, 1.0 / penalties, penalties)


def apply_frequency_penalty(logits: torch.Tensor, counts: torch.Tensor, frequency: float) -> torch.Tensor:
    """``logit - frequency * count``: grows with every repeat (the OpenAI API's formula; transformers
    has no such processor). E.g. a token seen 3 times with frequency 0.5 loses 1.5.
    """
    return logits - frequency * counts.to(logits.dtype)


def apply_presence_penalty(logits: torch.Tensor, counts: torch.Tensor, presence: float) -> torch.Tensor:
    """``logit - presence * (count > 0)``: paid once by any token already counted, however often."""
    return logits - presence * (counts > 0).to(logits.dtype)


def apply_presence_frequency(
    logits: torch.Tensor, counts: torch.Tensor, presence: float, frequency: float
) -> torch.Tensor:
    """Both penalties, frequency first: ``logit - frequency * count - presence * (count > 0)``.

    E.g. a token seen 3 times with frequency 0.5 and presence 1 loses 0.5 * 3 + 1 = 2.5.
    """
    return apply_presence_penalty(apply_frequency_penalty(logits, counts, frequency), counts, presence)


def apply_temperature(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """``logits / temperature``, as transformers' ``TemperatureLogitsWarper``.

    Below 1 the distribution sharpens (0 would be argmax: greedy, handled by the pipeline),
    above 1 it flattens. The order of tokens never changes.
    """
    if temperature == 0:
        return logits.clone()
    return logits / temperature


def apply_temperature_llama_cpp(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """llama.cpp's ``llama_sampler_temp_impl``: ``logits / temperature``; at 0, only the first
    highest logit survives (every other token is set to -inf), which is greedy decoding.
    """
    if temperature > 0:
        return logits / temperature
    kept = torch.full_like(logits, -math.inf)
    best = int(torch.argmax(logits))  # the first maximum, as llama.cpp's strict ">" scan finds
    kept[best] = logits[best]
    return kept


def top_k_filter(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Keep the k highest logits, as transformers' ``TopKLogitsWarper`` (0 = off).

    Tokens tied with the k-th value are kept too, so a tie can keep more than k.
    """
    if k <= 0:
        return logits.clone()
    k = min(k, logits.size(-1))
    kth = torch.topk(logits, k)[0][..., -1, None]
    return logits.masked_fill(logits < kth, -math.inf)


def top_k_exact(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Keep exactly k tokens, as llama.cpp's ``llama_sampler_top_k_impl`` (0 = off).

    llama.cpp sorts the candidates and cuts the list at k, so of tokens tied with the k-th
    value only as many as fit are kept. Its partial sort leaves the order of ties unspecified;
    here the lower token id comes first.
    """
    if k <= 0 or k >= logits.size(-1):
        return logits.clone()
    kth = torch.topk(logits, k).values[-1]
    keep = logits > kth
    tied = torch.nonzero(logits == kth).flatten()  # ascending ids: the lower id is kept first
    keep[tied[: k - int(keep.sum())]] = True
    return logits.masked_fill(~keep, -math.inf)


def top_p_filter(logits: torch.Tensor, p: float) -> torch.Tensor:
    """Nucleus: keep the smallest set of most likely tokens whose probability reaches p.

    As transformers' ``TopPLogitsWarper``: sort ascending, drop tokens while the cumulative
    probability of what is dropped stays <= 1 - p; the most likely token always stays. 1 = off.
    """
    if p >= 1.0:
        return logits.clone()
    if logits.dim() == 1 and logits.device.type == "cpu" and logits.dtype == torch.float32:
        fast = _top_p_by_threshold(logits, p)
        if fast is not None:
            return fast
    sorted_logits, sorted_indices = torch.sort(logits, descending=False)
    cumulative = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
    sorted_remove = cumulative <= (1 - p)
    sorted_remove[..., -1:] = False
    remove = sorted_remove.scatter(-1, sorted_indices, sorted_remove)
    return logits.masked_fill(remove, -math.inf)


def _top_p_by_threshold(logits: torch.Tensor, p: float) -> torch.Tensor | None:
    """``top_p_filter``'s answer without its argsort (5 ms for 49,152 tokens on one core; sorting the
    values alone takes 0.15 ms): the same sorted values give the same cumulative sums, and what is
    dropped is a run of the smallest, every token up to a threshold value. None when tokens tied
    with that value fall on both sides of the cut: which of them ``torch.sort`` puts first decides
    then, so the caller sorts as transformers does."""
    values = torch.from_numpy(np.sort(logits.detach().numpy()))
    cumulative = values.softmax(dim=-1).cumsum(dim=-1)
    sorted_remove = cumulative <= (1 - p)
    sorted_remove[-1] = False
    dropped = int(sorted_remove.sum())  # cumulative sums only grow: the dropped are the first ones
    if dropped == 0:
        return logits.clone()
    threshold = values[dropped - 1]
    if values[dropped] == threshold:
        return None
    return logits.masked_fill(logits <= threshold, -math.inf)


def top_p_llama_cpp(logits: torch.Tensor, p: float) -> torch.Tensor:
    """Nucleus as llama.cpp's ``llama_sampler_top_p_apply`` computes it (1 = off).

    Softmax over the candidates left, most likely first, and add probabilities until the running
    sum is at least p; the token that reaches p is kept. In exact arithmetic this is the same set
    as transformers' rule (a token stays when the mass above it is below p); only rounding differs.
    Ties are ordered lower id first.
    """
    if p >= 1.0:
        return logits.clone()
    probs = torch.softmax(logits, dim=-1)
    order = torch.sort(logits, descending=True, stable=True).indices
    running = torch.cumsum(probs[order], dim=-1)
    before = torch.cat([running.new_zeros(1), running[:-1]])  # the running sum before each token
    remove_sorted = before >= p
    remove = torch.zeros_like(remove_sorted).scatter(-1, order, remove_sorted)
    return logits.masked_fill(remove, -math.inf)


def min_p_filter(logits: torch.Tensor, min_p: float) -> torch.Tensor:
    """Keep tokens whose probability is at least ``min_p`` times the top token's, as
    transformers' ``MinPLogitsWarper`` (0 = off). E.g. top 0.6, min_p 0.1: keep p >= 0.06.
    """
    if min_p <= 0.0:
        return logits.clone()
    probs = torch.softmax(logits, dim=-1)
    remove = probs < min_p * probs.amax(dim=-1, keepdim=True)
    remove[..., torch.argmax(probs, dim=-1)] = False
    return logits.masked_fill(remove, -math.inf)


def min_p_llama_cpp(logits: torch.Tensor, min_p: float) -> torch.Tensor:
    """Min-p on logits, as llama.cpp's ``llama_sampler_min_p_apply``: keep ``logit >= max + log(min_p)``.

    The same threshold as ``p >= min_p * p_max`` without a softmax; in llama.cpp's default order
    it runs before temperature, on unscaled logits.
    """
    if min_p <= 0.0:
        return logits.clone()
    threshold = logits.max() + torch.tensor(math.log(min_p), dtype=logits.dtype)
    return logits.masked_fill(logits < threshold, -math.inf)


def entropy_bits(logits: torch.Tensor) -> float:
    """Shannon entropy of softmax(logits), in bits: 0 for a certain choice, log2(n) for n equal ones."""
    logits = logits[torch.isfinite(logits)]  # removed tokens add nothing; skipping them is faster
    if logits.numel() == 0:
        return 0.0
    logp = torch.log_softmax(logits.double(), dim=-1)
    p = logp.exp()
    bits = float(-(p * torch.where(p > 0, logp, torch.zeros_like(logp))).sum() / math.log(2))
    return max(0.0, bits)  # never "-0.00 bits": one certain token sums to -0.0, rounding to -1e-17


def top_ids(values: torch.Tensor, n: int) -> list[int]:
    """The ids of the ``n`` largest finite values, largest first (fewer when fewer are finite)."""
    finite = torch.isfinite(values)
    n = min(n, int(finite.sum()))
    return [int(i) for i in torch.topk(values.masked_fill(~finite, -math.inf), n).indices] if n else []
