"""Beam search that records the whole tree, with transformers' semantics.

Beam search keeps the ``k`` best partial sequences (beams) by total log-probability. At each step
every beam is extended by every vocabulary token; of all ``k x vocab`` continuations, the best
``2k`` are weighed (so that k beams survive even if some end here):

- a continuation that ends (EOS, or the length limit) and ranks in the top ``k`` becomes a
  finished hypothesis, scored ``sum of log-probs / (new tokens) ** length_penalty``; the best
  ``k`` hypotheses are kept;
- the best ``k`` continuations that do not end become the next step's beams.

The search stops when every continuation ends; or, with ``early_stopping=True``, as soon as ``k``
hypotheses are finished; or, with ``early_stopping=False``, when the best beam can no longer beat
the worst finished hypothesis (transformers' heuristic: the beam's score divided by its current
length ** length_penalty). This is ``model.generate(num_beams=k)``'s algorithm step for step; the
beams of a step run as one batched forward pass, and the KV cache is reordered as beams are chosen.

Beam search keeps its own loop rather than the serving batch: its k beams are a batch of their
own whose cache rows are reordered (and repeated) at every step as beams are chosen, and that
batch of k rows is part of what the lesson shows (``forward_s``: one pass of k rows per step).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import torch

from playground import config
from playground.api.params import LENGTH_PENALTY, NUM_BEAMS
from playground.budget import Deadline
from playground.errors import UserError
from playground.validate import whole_number

NEG_INF = -1.0e9  # transformers' "impossible" score


class BeamError(UserError):
    """A setting the user can fix; the message says how."""


@dataclass(frozen=True)
class BeamParams:
    num_beams: int = NUM_BEAMS.default
    max_new_tokens: int = 12
    length_penalty: float = 1.0
    early_stopping: bool = False
    candidates_per_beam: int = config.BEAM_CANDIDATES_PER_BEAM  # extra candidates recorded for the tree

    def validate(self) -> BeamParams:
        """These settings as numbers of the right kind, or a sentence that says what to change."""
        return replace(
            self,
            num_beams=NUM_BEAMS.check(self.num_beams, error=BeamError),
            max_new_tokens=whole_number(
                self.max_new_tokens,
                "safety.param.max_new_tokens",
                1,
                config.MAX_BEAM_NEW_TOKENS,
                error=BeamError,
            ),
            length_penalty=LENGTH_PENALTY.check(self.length_penalty, error=BeamError),
            candidates_per_beam=whole_number(
                self.candidates_per_beam,
                "safety.param.candidates_per_beam",
                0,
                config.MAX_CANDIDATES_PER_BEAM,
                error=BeamError,
            ),
            early_stopping=bool(self.early_stopping),
        )


@dataclass
class Node:
    id: int
    parent: int | None  # None: a first token, continuing the prompt
    step: int  # 0 = the first new token
    token_id: int
    logprob: float  # this token's log-probability given its beam
    score: float  # the sequence's total log-probability so far
    status: str = "pruned"  # "kept" (became a beam), "finished" (a returned hypothesis) or "pruned"


@dataclass(frozen=True)
class Hypothesis:
    node: int  # the node of its last token
    token_ids: tuple[int, ...]  # the new tokens, EOS included when it ended with one
    score: float  # sum of log-probs / len ** length_penalty, as transformers' sequences_scores
    sum_logprobs: float


@dataclass
class BeamResult:
    nodes: list[Node]
    hypotheses: list[Hypothesis]  # best first
    steps: int
    stopped_because: str  # "all_ended", "early_stopping", "no_improvement"
    forward_s: list[float] = field(default_factory=list)

    def to_api(self, label, decode) -> dict:
        """The /beam_search answer (the README's API table); ``label(id)`` names a token,
        ``decode(ids)`` makes text."""
        return {
            "nodes": [
                {
                    "id": n.id,
                    "parent": n.parent,
                    "step": n.step,
                    "token_id": n.token_id,
                    "token": label(n.token_id),
                    "logprob": n.logprob,
                    "score": n.score,
                    "status": n.status,
                }
                for n in self.nodes
            ],
            "sequences": [
                {"text": decode(list(h.token_ids)), "token_ids": list(h.token_ids), "score": h.score}
                for h in self.hypotheses
            ],
        }

    def path(self, node_id: int) -> list[int]:
        """Node ids from the first token to ``node_id``."""
        path = []
        current: int | None = node_id
        while current is not None:
            path.append(current)
            current = self.nodes[current].parent
        return path[::-1]


def _add_node(nodes: list[Node], parent: int | None, step: int, token: int, score: float) -> int:
    parent_score = 0.0 if parent is None else nodes[parent].score
    nodes.append(Node(len(nodes), parent, step, token, score - parent_score, score))
    return len(nodes) - 1


def beam_search(runner, prompt_ids: list[int], params: BeamParams) -> BeamResult:
    params = params.validate()
    k = params.num_beams
    eos_ids = set(runner.eos_token_ids)
    prompt_len = len(prompt_ids)
    max_length = prompt_len + params.max_new_tokens

    nodes: list[Node] = []
    finished: list[tuple[float, Hypothesis]] = []  # at most k, best first
    # The running beams: the node of their last token (None before the first), their tokens.
    beam_nodes: list[int | None] = [None] * k
    beam_tokens: list[list[int]] = [[] for _ in range(k)]
    # As transformers: all k beams start as copies of the prompt, and all but one are "impossible",
    # so the first step does not pick the same continuation k times.
    running_scores = torch.full((k,), NEG_INF, dtype=torch.float32)
    running_scores[0] = 0.0
    improvement_possible = True

    first = runner.prefill(prompt_ids)
    cache = first.cache
    if k > 1:
        cache.batch_repeat_interleave(k)
    logits = first.logits.reshape(1, -1).expand(k, -1)
    forward_s = [first.seconds]
    stopped_because = "all_ended"
    cur_len = prompt_len
    step = 0
    deadline = Deadline("serving.error.beam_deadline")

    while True:
        deadline.check()  # no request holds the model past its budget
        vocab = logits.shape[-1]
        log_probs = torch.log_softmax(logits.float(), dim=-1)
        accumulated = (log_probs + running_scores[:, None]).reshape(-1)
        top_scores, top_indices = torch.topk(accumulated, k=2 * k)
        source_beams = (top_indices // vocab).tolist()
        token_ids = (top_indices % vocab).tolist()
        ends = [t in eos_ids or cur_len + 1 >= max_length for t in token_ids]

        # Record the candidates: the 2k weighed, plus each live beam's best few, for the picture.
        candidate_node: dict[tuple[int, int], int] = {}
        pairs = list(zip(source_beams, token_ids, strict=True))
        live = [b for b in range(k) if float(running_scores[b]) > NEG_INF / 2]
        if params.candidates_per_beam:
            per_beam = torch.topk(log_probs[live], params.candidates_per_beam, dim=-1).indices.tolist()
            pairs += [(beam, token) for beam, tokens in zip(live, per_beam, strict=True) for token in tokens]
        for beam, token in pairs:
            if (beam, token) not in candidate_node:
                candidate_node[beam, token] = _add_node(
                    nodes, beam_nodes[beam], step, token, float(accumulated[beam * vocab + token])
                )

        # Next beams: the best k continuations that do not end.
        masked = top_scores + torch.tensor(ends, dtype=torch.float32) * NEG_INF
        next_order = torch.topk(masked, k=k).indices.tolist()

        # Finished hypotheses: continuations that end and rank in the top k, unless the search is
        # already full (early stopping) or can no longer improve.
        full = len(finished) == k and params.early_stopping is True
        if improvement_possible and not full:
            length = cur_len + 1 - prompt_len
            for rank in range(k):
                if not ends[rank]:
                    continue
                beam, token = source_beams[rank], token_ids[rank]
                normalised = float(top_scores[rank] / (length**params.length_penalty))
                node = candidate_node[(beam, token)]
                hypothesis = Hypothesis(
                    node, (*beam_tokens[beam], token), normalised, float(top_scores[rank])
                )
                finished.append((normalised, hypothesis))
            finished.sort(key=lambda pair: -pair[0])
            del finished[k:]

        new_nodes, new_tokens = [], []
        for order in next_order:
            beam, token = source_beams[order], token_ids[order]
            node = candidate_node[(beam, token)]
            if not ends[order]:
                nodes[node].status = "kept"
            new_nodes.append(node)
            new_tokens.append([*beam_tokens[beam], token])
        beam_index = torch.tensor([source_beams[o] for o in next_order])
        running_scores = masked[next_order].clone()
        beam_nodes, beam_tokens = new_nodes, new_tokens
        cur_len += 1
        step += 1

        # transformers' heuristic: can the best running beam still beat the worst finished one?
        if len(finished) == k:
            best_possible = float(running_scores[0] / ((cur_len - prompt_len) ** params.length_penalty))
            improvement_possible = improvement_possible and best_possible > finished[-1][0]
        if all(ends):
            stopped_because = "all_ended"
            break
        if not improvement_possible:
            stopped_because = "no_improvement"
            break
        if len(finished) == k and params.early_stopping is True:
            stopped_because = "early_stopping"
            break

        cache.reorder_cache(beam_index)
        step_result = runner.decode_batch([tokens[-1] for tokens in beam_tokens], cache)
        logits, cache = step_result.logits, step_result.cache
        forward_s.append(step_result.seconds)

    hypotheses = [h for _, h in finished]
    for hypothesis in hypotheses:
        nodes[hypothesis.node].status = "finished"
    return BeamResult(nodes, hypotheses, step, stopped_because, forward_s)


@dataclass(frozen=True)
class GreedyPath:
    token_ids: tuple[int, ...]
    logprobs: tuple[float, ...]  # each token's log-probability given the tokens before it

    @property
    def sum_logprobs(self) -> float:
        return sum(self.logprobs)

    def score(self, length_penalty: float) -> float:
        """Scored as a beam hypothesis would be, for a fair comparison."""
        return self.sum_logprobs / (len(self.token_ids) ** length_penalty) if self.token_ids else 0.0


def greedy_path(runner, prompt_ids: list[int], max_new_tokens: int) -> GreedyPath:
    """Always the most likely next token (what beam search with one beam also finds), with the
    log-probability of each, to set beside the beams."""
    eos_ids = set(runner.eos_token_ids)
    step = runner.prefill(prompt_ids)
    ids, logprobs = [], []
    for _ in range(max_new_tokens):
        log_probs = torch.log_softmax(step.logits.float(), dim=-1)
        token = int(log_probs.argmax())
        ids.append(token)
        logprobs.append(float(log_probs[token]))
        if token in eos_ids or len(ids) == max_new_tokens:
            break
        step = runner.decode_step(token, step.cache)
    return GreedyPath(tuple(ids), tuple(logprobs))


def tree_view(result: BeamResult, greedy: GreedyPath, label) -> dict:
    """Plain data for the tree chart: nodes with x (step) and y (a lane), the best path, greedy.

    Leaves get lanes top to bottom in depth-first order, best-scored child first; a parent sits
    at the mean lane of its children. Greedy decoding gets its own lane below the tree.
    """
    children: dict[int | None, list[int]] = {}
    for node in result.nodes:
        children.setdefault(node.parent, []).append(node.id)
    lanes: dict[int, float] = {}
    next_lane = 0

    def place(node_id: int) -> float:
        nonlocal next_lane
        kids = sorted(children.get(node_id, []), key=lambda c: -result.nodes[c].score)
        if not kids:
            lanes[node_id] = next_lane
            next_lane += 1
        else:
            lanes[node_id] = sum(place(c) for c in kids) / len(kids)
        return lanes[node_id]

    roots = sorted(children.get(None, []), key=lambda c: -result.nodes[c].score)
    for root in roots:
        place(root)
    best = set(result.path(result.hypotheses[0].node)) if result.hypotheses else set()
    nodes = [
        {
            "id": n.id,
            "parent": n.parent,
            "x": n.step + 1,
            "y": lanes[n.id],
            "label": label(n.token_id),
            "logprob": n.logprob,
            "score": n.score,
            "status": n.status,
            "best": n.id in best,
        }
        for n in result.nodes
    ]
    greedy_lane = next_lane + 1
    return {
        "root_y": sum(lanes[r] for r in roots) / len(roots) if roots else 0.0,
        "nodes": nodes,
        "lanes": next_lane,
        "greedy": [
            {"x": i + 1, "y": greedy_lane, "label": label(t), "logprob": lp}
            for i, (t, lp) in enumerate(zip(greedy.token_ids, greedy.logprobs, strict=True))
        ],
        "greedy_lane": greedy_lane,
    }
