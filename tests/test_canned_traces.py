"""The canned backend's seeded traces: one per request, reproducible, with LRM-like lengths."""

from __future__ import annotations

from harness.backends.canned import CannedBackend
from harness.config import GenerationConfig, ModelConfig
from harness.types import Request


def _requests(n: int) -> list[Request]:
    return [Request(id=f"q{i}", messages=[{"role": "user", "content": f"question {i}"}]) for i in range(n)]


def test_each_request_gets_its_own_reproducible_trace_within_the_word_range() -> None:
    model = ModelConfig(backend="canned", path="canned", reasoning_parser="think_tags",
                        engine={"reply": "3", "traces": True, "trace_words": [500, 8000]})  # fmt: skip
    out = CannedBackend(model).generate(_requests(40), GenerationConfig())
    again = CannedBackend(model).generate(_requests(40), GenerationConfig())
    words = [len(g.reasoning.split()) for g in out]
    assert all(500 <= w <= 8000 + 20 for w in words)  # the last sentence may run past the target
    assert len({g.reasoning for g in out}) == 40 and max(words) > 2 * min(words)
    assert [g.reasoning for g in out] == [g.reasoning for g in again]
    assert all(g.answer == "3" and g.reasoning_tokens == len(g.reasoning.split()) for g in out)
    other_seed = ModelConfig(**{**model.__dict__, "engine": {**model.engine, "trace_seed": 1}})
    assert CannedBackend(other_seed).generate(_requests(1), GenerationConfig())[0].reasoning != out[0].reasoning
