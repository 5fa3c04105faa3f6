"""Instructed single generations (cot, hrt, and srm candidates without rpi) and their explicit split.

cot and hrt append an instruction after the official LaMP prompt asking for reasoning inside
``<think></think>`` and then the answer alone. Reasoning models already split their traces through
the model's parser; a general model (parser ``none``) puts the tags in its answer text, so the
method splits them itself: otherwise every cot trace would be scored as part of the answer. The
split follows the think-tag rules of harness.backends.reasoning_parsers: an opened trace that never closed has no
answer (unscorable), never a trace scored as an answer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from harness.backends.reasoning_parsers import CLOSE, OPEN, split_reasoning
from harness.config import GenerationConfig
from harness.methods.instructions import Templates, with_instruction
from harness.types import Example, GenerateFn, Generation, Request, Task

Count = Callable[[str], int]


def instructed_messages(
    templates: Templates, template: str, task: Task, prompts: list[str]
) -> list[list[dict[str, str]]]:
    """One user message per question: the official prompt, a blank line, the template's instruction."""
    instruction = templates.instruction(template, task)
    return [[{"role": "user", "content": with_instruction(p, instruction)}] for p in prompts]


def resplit(g: Generation, count: Count | None) -> Generation:
    """Split think tags the model's parser left in the answer (general models); recount both parts.

    Without a tokenizer (hosted APIs) the parts cannot be counted apart: both counts become unknown
    (None) and the server's completion count stays in ``extra``.
    """
    if g.error is not None or g.reasoning is not None or (CLOSE not in g.raw_text and OPEN not in g.raw_text):
        return g
    split = split_reasoning(g.raw_text, "think_tags", finish_reason=g.finish_reason)
    if split.reasoning is None:
        return g
    return dataclasses.replace(
        g,
        reasoning=split.reasoning,
        answer=split.answer,
        reasoning_tokens=count(split.reasoning) if count else None,
        answer_tokens=(count(split.answer) if split.answer else 0) if count else None,
        truncated=g.truncated or split.truncated,
        extra={**g.extra, "split_by_method": True},
    )


def generate_once(
    generate: GenerateFn,
    examples: list[Example],
    messages: list[list[dict[str, str]]],
    gen: GenerationConfig,
    count: Count | None,
) -> list[Generation]:
    """One batched, store-backed generation per question, split explicitly."""
    requests = [Request(id=e.id, messages=m) for e, m in zip(examples, messages, strict=True)]
    return [resplit(g, count) for g in generate(requests, gen)]


def generated_tokens(g: Generation) -> int:
    """Tokens this generation cost (rpi records its own sum, discarded text included)."""
    recorded = g.extra.get("generated_tokens")
    if isinstance(recorded, int):
        return recorded
    parts = (g.reasoning_tokens or 0) + (g.answer_tokens or 0)
    completion = g.extra.get("completion_tokens")
    # The engine's count also covers tags and EOS; a merged two-phase generation reports only its
    # last phase there, so the larger of the two is what the sample cost.
    return max(parts, completion) if isinstance(completion, int) else parts
