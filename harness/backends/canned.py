"""An instant backend that returns canned text: for flow tests and the harness-overhead benchmark.

It never loads a model. Its reply is fixed per call config (``engine.reply``, default "comedy"),
or per request id (``engine.replies``: id -> text, the rest get ``reply``), optionally wrapped in a
think block (``engine.think``) so the reasoning path is exercised too;
``engine.delay_s`` sleeps per batch, so tests can interrupt a run between two stored batches.

``engine.traces: true`` gives every request its own reasoning trace instead: seeded by the request
content and ``engine.trace_seed`` (the same request always gets the same trace), with a length
drawn log-uniformly between ``engine.trace_words`` [min, max] (default 500-8000, the range of real
LRM traces) from sentences that restate, hedge and loop as LRM traces do. Benchmarks and tests
use it to exercise storage, scoring and the analyzers at the scale of real traces.
"""

from __future__ import annotations

import hashlib
import math
import random
import time
from dataclasses import dataclass, field
from typing import Any

from harness.backends.base import build_generation, model_identity
from harness.config import GenerationConfig, ModelConfig, engine_settings
from harness.registry import BACKENDS
from harness.types import Generation, Request

CALLS = {"batches": 0, "requests": 0}


@dataclass
class CannedEngine:
    """``model.engine`` of backend=canned (checked by harness.config.engine_settings)."""

    reply: str = "comedy"
    """the answer of every request without its own reply"""
    replies: dict[str, Any] = field(default_factory=dict)
    """request id -> its own answer"""
    think: str | None = None
    """a fixed trace put in <think></think> before every answer"""
    traces: bool = False
    """give every request its own seeded, LRM-like trace instead"""
    trace_seed: int = 0
    """seed of the traces"""
    trace_words: list[int] = field(default_factory=lambda: [500, 8000])
    """[min, max] words of a trace (drawn log-uniformly)"""
    delay_s: float = 0.0
    """seconds slept per batch (tests interrupt a run between two stored batches)"""


SENTENCES = (
    "Okay, let me think about what the user is asking for here.",
    "The task wants a short answer in a fixed format, so I should keep that in mind.",
    "Looking at the profile, the user seems to prefer concise and direct phrasing.",
    "Wait, maybe I misread the question; let me go back and check it again.",
    "Hmm, the retrieved items talk about a similar topic, which could be a useful pattern.",
    "Alternatively, the answer could depend on the tone of the earlier entries.",
    "Let me compare the two options once more before deciding.",
    "So the most likely answer follows the pattern of the user's past items.",
    "But I should double-check whether the format allows any explanation.",
    "Actually, the instructions say to answer without further explanation.",
    "Let me count the key words again to make sure nothing is missed.",
    "I think that settles it, although one detail still looks a little odd.",
)


def canned_trace(request: Request, seed: int, words: tuple[int, int]) -> str:
    """A deterministic trace for this request: the same content and seed give the same text."""
    content = request.raw_prompt or "\n".join(m.get("content", "") for m in request.messages)
    rng = random.Random(hashlib.sha256(f"{seed}\n{content}".encode()).digest())
    low, high = max(1, int(words[0])), max(1, int(words[1]))
    target = int(math.exp(rng.uniform(math.log(low), math.log(max(low, high)))))
    out: list[str] = []
    count = 0
    while count < target:
        sentence = rng.choice(SENTENCES)
        out.append(sentence)
        count += len(sentence.split())
    return " ".join(out)


@BACKENDS.register("canned")
class CannedBackend:
    """Answers every request instantly with the configured text."""

    name = "canned"
    engine_schema = CannedEngine
    supports_raw_prompt = True
    supports_continue_final_message = True
    tokenizer = None  # no tokenizer: token counts are word counts
    model: ModelConfig
    model_id: str

    def __init__(self, model: ModelConfig) -> None:
        self.model = model
        self.model_id = model_identity(model)

    def generate(self, requests: list[Request], gen: GenerationConfig) -> list[Generation]:
        CALLS["batches"] += 1
        engine = engine_settings(CannedEngine, self.model.engine, "canned")
        time.sleep(engine.delay_s)
        CALLS["requests"] += len(requests)
        return [
            build_generation(
                request,
                self.model,
                self._text(request, engine),
                finish_reason="stop",
                latency_s=0.0,
                prompt_tokens=len((request.raw_prompt or request.messages[-1]["content"]).split()),
                count_tokens=lambda s: len(s.split()),
            )  # fmt: skip
            for request in requests
        ]

    def _text(self, request: Request, engine: CannedEngine) -> str:
        replies = {str(k): str(v) for k, v in engine.replies.items()}
        reply = replies.get(request.id, engine.reply)
        if engine.traces:
            low, high = engine.trace_words
            think = canned_trace(request, engine.trace_seed, (low, high))
        else:
            think = engine.think or ""
        return f"<think>{think}</think>{reply}" if think else reply

    def close(self) -> None:
        """Nothing to release."""
