"""Explicit reasoning parsers: split a model's output into (reasoning trace, answer).

The parser is chosen per model family in its config, never guessed from the text alone, because
families differ in where the opening tag lives:

- ``none``: a general model; the whole output is the answer.
- ``think_tags``: the output itself opens and closes ``<think>`` (prompted reasoning, QwQ-style
  outputs). No opening tag means no reasoning; an opening tag without a closing one is truncated.
- ``deepseek_r1``: the chat template opens ``<think>`` inside the prompt, so the output holds only
  ``</think>``. Output without it is a trace that never closed: truncated, no answer.
- ``qwen3``: like ``deepseek_r1`` when thinking is on; with ``enable_thinking=False`` the template
  closes an empty think block in the prompt and the whole output is the answer.
- ``api_field``: the server returns the trace in a separate field (``reasoning_content`` or
  ``reasoning``); tags in the content are still split as a fallback.

A trace that never closed yields ``answer=None``: its text is never scored as an answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

OPEN, CLOSE = "<think>", "</think>"
# extra["trace_closed_by"] of a trace the harness closed because its token budget was spent
# (prompted two-phase reasoning, rpi's budget close); T4 counts these as "trace never closed".
CLOSED_AT_BUDGET = "harness (budget spent)"
CLOSED_BY_MODEL = "model"


class ReasoningParser(StrEnum):
    """The parsers ``model.reasoning_parser`` may name (a str: records and store keys hold the plain name)."""

    none = "none"
    think_tags = "think_tags"
    deepseek_r1 = "deepseek_r1"
    qwen3 = "qwen3"
    api_field = "api_field"


PARSERS = tuple(p.value for p in ReasoningParser)


@dataclass(frozen=True)
class Split:
    """The result of parsing one output."""

    reasoning: str | None
    answer: str | None
    truncated: bool  # the trace never closed, or generation hit its token limit


def split_reasoning(
    text: str,
    parser: str,
    *,
    thinking: bool = True,
    reasoning_field: str | None = None,
    finish_reason: str | None = None,
) -> Split:
    """Split ``text`` with the named parser; ``finish_reason == "length"`` also marks truncation."""
    if parser not in PARSERS:
        raise ValueError(f"unknown reasoning parser {parser!r}; known: {', '.join(PARSERS)}")
    hit_limit = finish_reason == "length"
    reasoning: str | None
    answer: str | None
    if parser == "none":
        reasoning, answer, unclosed = None, text, False
    elif parser == "think_tags":
        reasoning, answer, unclosed = _split_tags(text, opened_in_prompt=False)
    elif parser == "deepseek_r1" or (parser == "qwen3" and thinking):
        reasoning, answer, unclosed = _split_tags(text, opened_in_prompt=True)
    elif parser == "qwen3":
        reasoning, answer, unclosed = _split_tags(text, opened_in_prompt=False)
    else:
        reasoning, answer, unclosed = _split_api(text, reasoning_field, hit_limit)
    if answer is not None:
        answer = answer.strip()
    return Split(reasoning=reasoning, answer=answer, truncated=unclosed or hit_limit)


def _split_tags(text: str, *, opened_in_prompt: bool) -> tuple[str | None, str | None, bool]:
    """Return (reasoning, answer, never_closed) for tag-delimited traces."""
    start = text.find(OPEN)
    close = text.find(CLOSE)
    if close >= 0:
        begin = start + len(OPEN) if 0 <= start < close else 0
        if start < 0 and not opened_in_prompt and text[:close].strip() == "":
            begin = 0
        return text[begin:close].strip(), text[close + len(CLOSE) :], False
    if start >= 0:  # opened, never closed
        return text[start + len(OPEN) :].strip(), None, True
    if opened_in_prompt:  # the template opened the trace; it never closed
        return text.strip(), None, True
    return None, text, False


def _split_api(text: str, field: str | None, hit_limit: bool) -> tuple[str | None, str | None, bool]:
    """Servers with a reasoning parser put the trace in a field; fall back to tags in the content."""
    if field is None:
        return _split_tags(text, opened_in_prompt=False)
    if hit_limit and not text.strip():  # budget spent inside the trace: it never closed
        return field.strip(), None, True
    _, answer, unclosed = _split_tags(text, opened_in_prompt=False)
    return field.strip(), answer, unclosed
