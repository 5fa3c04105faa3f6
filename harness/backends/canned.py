"""An instant backend that returns canned text: for flow tests and the harness-overhead benchmark.

It never loads a model. Its reply is fixed per call config (``engine.reply``, default "comedy"),
or per request id (``engine.replies``: id -> text, the rest get ``reply``), optionally wrapped in a think block (``engine.think``) so the reasoning path is exercised too;
``engine.delay_s`` sleeps per batch, so tests can interrupt a run between two stored batches.
"""

from __future__ import annotations

import time

from harness.backends.base import build_generation, model_identity
from harness.config import GenerationConfig, ModelConfig
from harness.registry import BACKENDS
from harness.types import Generation, Request

CALLS = {"batches": 0, "requests": 0}


@BACKENDS.register("canned")
class CannedBackend:
    """Answers every request instantly with the configured text."""

    name = "canned"
    supports_raw_prompt = True

    def __init__(self, model: ModelConfig) -> None:
        self.model = model
        self.model_id = model_identity(model)

    def generate(self, requests: list[Request], gen: GenerationConfig) -> list[Generation]:
        CALLS["batches"] += 1
        time.sleep(float(self.model.engine.get("delay_s", 0.0)))
        CALLS["requests"] += len(requests)
        reply = str(self.model.engine.get("reply", "comedy"))
        replies = {str(k): str(v) for k, v in (self.model.engine.get("replies") or {}).items()}
        think = self.model.engine.get("think")

        def text(request: Request) -> str:
            answer = replies.get(request.id, reply)
            return f"<think>{think}</think>{answer}" if think else answer

        return [
            build_generation(
                request,
                self.model,
                text(request),
                finish_reason="stop",
                latency_s=0.0,
                prompt_tokens=len((request.raw_prompt or request.messages[-1]["content"]).split()),
                count_tokens=lambda s: len(s.split()),
            )  # fmt: skip
            for request in requests
        ]

    def close(self) -> None:
        """Nothing to release."""
