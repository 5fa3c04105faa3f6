"""Benchmark: the embedded SmolLM2 through VllmBackend, one batched engine call vs one request at a time.

Why: the harness sends each batch to vLLM in a single call so continuous batching can work; this
shows what that buys on the machine at hand (goal: >= 5x the throughput of sequential requests).

    python bench/bench_vllm_batching.py [--n 16] [--max-new-tokens 48] [--engine enforce_eager=false]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ARTICLES = [
    "The city council voted to double the number of protected bike lanes downtown.",
    "A local bakery won a national award for its sourdough after ten years in business.",
    "Researchers found that a new battery design charges electric buses in six minutes.",
    "The school board approved free breakfast for every student starting next fall.",
    "Heavy rain flooded three subway stations and delayed the morning commute for hours.",
    "A retired teacher opened a free library in her garage that now lends 4,000 books.",
    "The state museum returned a collection of ancient pottery to its country of origin.",
    "Volunteers planted 10,000 trees along the river to slow erosion after last year's floods.",
]
PROFILE = (
    '"Bus Riders Win Longer Night Service" is the title for "Routes 4 and 9 will run until 2 a.m.", and '
    '"Farmers Market Moves to the Old Rail Yard" is the title for "The Saturday market gets a bigger home."'
)


def prompts(n: int) -> list[str]:
    """LaMP-4-style headline prompts (profile examples + the article), all distinct."""
    return [
        f"{PROFILE}\n\nGenerate a headline for the following article: {ARTICLES[i % len(ARTICLES)]} (story {i + 1})"
        for i in range(n)
    ]


def _parse_engine(items: list[str]) -> dict[str, object]:
    """``key=value`` pairs for vllm.LLM (true/false/ints converted)."""
    out: dict[str, object] = {}
    for item in items:
        key, _, raw = item.partition("=")
        value: object = {"true": True, "false": False}.get(raw.lower(), raw)
        if isinstance(value, str) and value.lstrip("-").isdigit():
            value = int(value)
        out[key] = value
    return out


def main() -> None:
    from harness.backends.vllm_backend import VllmBackend
    from harness.config import GenerationConfig, ModelConfig
    from harness.types import Request

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=16)
    parser.add_argument("--max-new-tokens", type=int, default=48)
    parser.add_argument("--model", default="embedded:smollm2")
    parser.add_argument("--engine", nargs="*", default=[], help="vllm.LLM overrides, e.g. enforce_eager=false")
    args = parser.parse_args()

    gen = GenerationConfig(max_new_tokens=args.max_new_tokens, temperature=0.0)
    requests = [Request(id=f"b{i}", messages=[{"role": "user", "content": p}]) for i, p in enumerate(prompts(args.n))]
    model = ModelConfig(path=args.model, engine=_parse_engine(args.engine))
    with VllmBackend(model) as backend:
        print(f"engine start: {backend.start_s:.1f} s  ({model.path}, engine={model.engine or 'defaults'})")
        backend.generate(requests[:2], GenerationConfig(max_new_tokens=4))  # warm-up

        started = time.perf_counter()
        batched = backend.generate(requests, gen)
        batched_s = time.perf_counter() - started
        started = time.perf_counter()
        sequential = [backend.generate([r], gen)[0] for r in requests]
        sequential_s = time.perf_counter() - started

    for label, gens, seconds in (("batched (1 call)", batched, batched_s), ("one at a time", sequential, sequential_s)):
        tokens = sum(g.extra["completion_tokens"] for g in gens)
        print(f"{label:>17}: {tokens:5d} tokens in {seconds:6.2f} s = {tokens / seconds:7.1f} tokens/s")
    ratio = (sum(g.extra["completion_tokens"] for g in batched) / batched_s) / (
        sum(g.extra["completion_tokens"] for g in sequential) / sequential_s
    )
    print(f"throughput ratio batched / sequential: {ratio:.1f}x (goal >= 5x)")
    print(f"example: {requests[0].messages[0]['content'][-80:]!r}\n      -> {batched[0].answer!r}")


if __name__ == "__main__":  # vLLM spawns engine processes: the guard keeps them from re-running this
    main()
