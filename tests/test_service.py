"""The model service: one way to each use of the model, one lock discipline, nothing above reaching in."""

from __future__ import annotations

import ast
import re
import threading
from pathlib import Path

import pytest
import torch

from playground import cost, generation, serving, tokens
from playground.generation import GenerationParams
from playground.runner import ModelRunner
from playground.sampling import SamplingParams
from playground.serving import ModelService, Scheduler
from tests.helpers import run_async

ROOT = Path(__file__).resolve().parent.parent
GREEDY = SamplingParams(temperature=0.0)


def fresh_runner(runner: ModelRunner) -> ModelRunner:
    """Another runner over the same weights: its own lock and no service yet."""
    return ModelRunner(model=runner.model, tokenizer=runner.tokenizer, source=runner.source, name=runner.name)


def test_a_service_not_started_steps_the_batch_in_the_callers_thread(tiny_runner):
    runner = fresh_runner(tiny_runner)
    service = ModelService.of(runner)
    assert ModelService.of(runner) is service and not service.running
    ids = runner.tokenize("The capital of France is").ids
    params = GenerationParams(sampling=GREEDY, max_new_tokens=6, min_new_tokens=6)
    batched = serving.generate(runner, ids, params)
    alone = generation.generate(runner, ids, params)
    assert [t.id for t in batched.tokens] == [t.id for t in alone.tokens]
    assert [r.new_tokens for r in service.scheduler.requests] == [6]  # it went through the scheduler
    assert not service.running  # and started no thread


def test_the_lifespan_starts_and_stops_the_service_and_leaves_a_running_one_to_its_starter(tiny_runner):
    runner = fresh_runner(tiny_runner)
    service = ModelService.of(runner)

    async def serve() -> bool:
        async with service.lifespan():
            return service.running

    assert run_async(serve()) and not service.running
    service.start()
    try:
        assert run_async(serve()) and service.running  # someone else started it: still running
    finally:
        service.stop()
    assert not service.running


def test_a_step_in_the_background_inside_alone_runs_although_others_wait(tiny_runner):
    """A simulated class steps its own scheduler while it holds the model alone: the step's
    background hold must not wait for threads that wait for the model it already holds."""
    runner = fresh_runner(tiny_runner)
    ids = runner.tokenize("Hello there").ids
    done = threading.Event()
    with runner.alone():
        waiter = threading.Thread(target=lambda: (runner.forward(ids), done.set()))
        waiter.start()
        while not runner._waiting:  # the other thread waits for the model now
            threading.Event().wait(0.01)
        scheduler = Scheduler(runner)
        request = scheduler.submit(ids, GenerationParams(sampling=GREEDY, max_new_tokens=2))
        while scheduler.step():  # this thread holds the model: its background holds go straight in
            pass
        assert request.done and not done.is_set()
    waiter.join(timeout=30)
    assert done.is_set()


def test_the_simulation_takes_the_model_alone_and_says_how_long_it_waited(service, real_runner):
    params = GenerationParams(sampling=GREEDY, max_new_tokens=200, min_new_tokens=200)
    request = service.submit(real_runner.tokenize("Describe a long river").ids, params)
    stream = service.scheduler.stream(request)
    next(s for s in stream if s is not None)  # it is decoding now
    before = len(request.decoder.tokens)
    result = serving.simulate_class(real_runner, 2, 8, 3)
    during = len(request.decoder.tokens) - before
    stream.close()
    assert result["waited_s"] >= 0
    # While the class was simulated the live row made at most the token of the step in flight
    # and those of steps taken between our synthetic prompt and the start of the simulation.
    assert during <= 2


def test_the_runner_tells_the_ui_what_it_needs(real_runner):
    assert real_runner.token_label(real_runner.tokenize(" France").ids[0]) == tokens.token_label(
        real_runner.tokenizer, real_runner.tokenize(" France").ids[0]
    )
    assert real_runner.vocab_len == len(real_runner.tokenizer)
    assert real_runner.num_parameters == sum(p.numel() for p in real_runner.model.parameters())
    assert real_runner.dtype_name == str(real_runner.model.dtype).removeprefix("torch.")
    assert real_runner.dtype_bytes == real_runner.model.dtype.itemsize
    assert real_runner.final_norm is real_runner.model.model.norm
    assert real_runner.decode(real_runner.tokenize("Hello world").ids) == "Hello world"
    assert cost.ModelShape.of_runner(real_runner) == cost.ModelShape.of(real_runner.model, real_runner.name)


def test_the_registry_entry_gives_the_first_views_model_facts(real_runner):
    ids = real_runner.tokenize("The capital of France is").ids
    assert real_runner.token_label(ids[real_runner.inside_token]) == "␣France"
    assert set(real_runner.projected_models) <= set(cost.known_models())


def test_nothing_above_the_compute_modules_reaches_into_the_model_or_the_tokenizer():
    files = [ROOT / "app.py", *(ROOT / "playground" / "ui").glob("*.py")]
    reaching = re.compile(r"runner\.(model|tokenizer)\b")
    found = [
        f"{p.name}:{n}"
        for p in files
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if reaching.search(line)
    ]
    assert found == []


def test_the_model_lock_is_taken_only_through_hold_and_alone(tiny_runner):
    assert not hasattr(tiny_runner, "lock")
    for path in [ROOT / "app.py", *(ROOT / "playground").rglob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("lock", "_lock"):
                owner = ast.unparse(node.value)
                # ``self._lock`` in the runner (hold), Gradio's own state holder lock at the boundary
                assert (path.name, owner) in {("runner.py", "self"), ("gradio_internals.py", "holder")}, (
                    f"{path.name}: {ast.unparse(node)}"
                )


def test_a_runner_alone_needs_no_service(tiny_runner):
    runner = fresh_runner(tiny_runner)
    ids = runner.tokenize("Hi").ids
    logits = runner.forward(ids).logits
    assert logits.shape == (len(ids), runner.vocab_size) and torch.isfinite(logits).all()
    assert runner.service is None


def test_the_attention_limit_is_a_memory_budget_that_follows_the_models_shape():
    from playground import attention, config

    assert attention.max_tokens(30, 9) == config.MAX_ATTENTION_TOKENS  # SmolLM2-135M: 17 MiB fit
    bigger = attention.max_tokens(32, 32)
    assert bigger < config.MAX_ATTENTION_TOKENS
    assert attention.attention_bytes(bigger, 32, 32) <= config.ATTENTION_STATE_BYTES
    assert attention.attention_bytes(bigger + 1, 32, 32) > config.ATTENTION_STATE_BYTES


def test_the_inside_limits_are_memory_budgets_that_follow_the_models_shape(tiny_runner):
    from playground import config, lens

    # SmolLM2-135M in float32: 30 layers, hidden 576, 9 heads; the budgets fit more than the caps.
    assert lens.max_tokens(30, 576) == config.MAX_LENS_TOKENS
    assert lens.max_writing_tokens(30, 9, config.MAX_LENS_TOKENS) == config.MAX_WRITING_NEW_TOKENS
    # A 1.7B shape (24 layers, hidden 2048, 32 heads): the same bytes hold fewer tokens.
    prompt = lens.max_tokens(24, 2048)
    assert prompt < config.MAX_LENS_TOKENS
    assert (24 + 1) * prompt * 2048 * 4 <= config.LENS_STATE_BYTES < (24 + 1) * (prompt + 1) * 2048 * 4
    new = lens.max_writing_tokens(24, 32, prompt)
    assert 1 <= new < config.MAX_WRITING_NEW_TOKENS
    assert 24 * 32 * new * (prompt + new) * 4 <= config.WRITING_STATE_BYTES
    assert 24 * 32 * (new + 1) * (prompt + new + 1) * 4 > config.WRITING_STATE_BYTES
    # The runner's own shape gives its limits, and the checks use them.
    limit = lens.token_limit(tiny_runner)
    assert limit == lens.max_tokens(tiny_runner.num_layers, tiny_runner.hidden_size, tiny_runner.dtype_bytes)
    lens.check_length(tiny_runner, limit)
    with pytest.raises(lens.InsideError):
        lens.check_length(tiny_runner, limit + 1)
