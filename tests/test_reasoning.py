"""The explicit reasoning parsers on each family's output shapes, with exact expected values."""

from __future__ import annotations

import pytest

from harness.backends.base import build_generation
from harness.backends.reasoning_parsers import Split, split_reasoning
from harness.config import ModelConfig
from harness.types import Request

CASES = [
    # (text, parser, kwargs, expected)
    ("The answer.", "none", {}, Split(None, "The answer.", False)),
    ("  [1]\n", "none", {"finish_reason": "length"}, Split(None, "[1]", True)),
    # R1-style: the template opened <think> in the prompt; the output holds only </think>.
    ("Let me see.\n</think>\n\n[2]", "deepseek_r1", {}, Split("Let me see.", "[2]", False)),
    ("<think>\nLet me see.\n</think>\n\n[2]", "deepseek_r1", {}, Split("Let me see.", "[2]", False)),
    (
        "Let me see... still thinking",
        "deepseek_r1",
        {"finish_reason": "length"},
        Split("Let me see... still thinking", None, True),
    ),
    ("Never closed", "deepseek_r1", {}, Split("Never closed", None, True)),
    # Qwen3 with thinking on behaves like R1; an empty trace is "" (thought nothing), not None.
    ("<think>\nHmm.\n</think>\n\n4", "qwen3", {}, Split("Hmm.", "4", False)),
    ("Hmm.\n</think>\n\n4", "qwen3", {}, Split("Hmm.", "4", False)),
    ("<think>\n\n</think>\n\n4", "qwen3", {}, Split("", "4", False)),
    ("Hmm, the user rated", "qwen3", {"finish_reason": "length"}, Split("Hmm, the user rated", None, True)),
    # Qwen3 with enable_thinking=False: the template closed an empty block; all output is the answer.
    ("4", "qwen3", {"thinking": False}, Split(None, "4", False)),
    ("<think>x</think>4", "qwen3", {"thinking": False}, Split("x", "4", False)),
    # think_tags (prompted reasoning, QwQ-style): the output opens and closes the tags itself.
    (
        "<think>\nstep 1\nstep 2\n</think>\nTitle: Bikes",
        "think_tags",
        {},
        Split("step 1\nstep 2", "Title: Bikes", False),
    ),
    ("No tags at all.", "think_tags", {}, Split(None, "No tags at all.", False)),
    ("<think>step 1 and then", "think_tags", {}, Split("step 1 and then", None, True)),
    ("<think>done</think>", "think_tags", {"finish_reason": "length"}, Split("done", "", True)),
    ("trace</think>answer", "think_tags", {}, Split("trace", "answer", False)),
    # api_field: the server split the trace into reasoning_content / reasoning.
    ("[1]", "api_field", {"reasoning_field": " The user cites X. "}, Split("The user cites X.", "[1]", False)),
    ("", "api_field", {"reasoning_field": "still going", "finish_reason": "length"}, Split("still going", None, True)),
    ("<think>t</think> 5", "api_field", {}, Split("t", "5", False)),
    ("5", "api_field", {}, Split(None, "5", False)),
    ("5", "api_field", {"reasoning_field": "short", "finish_reason": "length"}, Split("short", "5", True)),
]


@pytest.mark.parametrize(("text", "parser", "kwargs", "expected"), CASES)
def test_split_reasoning(text: str, parser: str, kwargs: dict, expected: Split) -> None:
    assert split_reasoning(text, parser, **kwargs) == expected


def test_unknown_parser_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown reasoning parser 'r1'"):
        split_reasoning("x", "r1")


def _words(text: str) -> int:
    return len(text.split())


def test_build_generation_counts_reasoning_and_answer_separately() -> None:
    model = ModelConfig(backend="vllm", reasoning=True, reasoning_parser="deepseek_r1")
    g = build_generation(
        Request(id="q1"),
        model,
        "one two three</think>four five",
        finish_reason="stop",
        latency_s=0.5,
        prompt_tokens=7,
        count_tokens=_words,
    )
    assert (g.id, g.reasoning, g.answer, g.reasoning_tokens, g.answer_tokens) == (
        "q1",
        "one two three",
        "four five",
        3,
        2,
    )
    assert (g.prompt_tokens, g.finish_reason, g.truncated, g.latency_s) == (7, "stop", False, 0.5)
    assert (g.backend, g.model) == ("vllm", "vllm:embedded:smollm2@default")


def test_build_generation_truncated_trace_has_no_answer() -> None:
    model = ModelConfig(reasoning=True, reasoning_parser="deepseek_r1")
    g = build_generation(
        Request(id="q"), model, "a b c d", finish_reason="length", latency_s=0, prompt_tokens=1, count_tokens=_words
    )
    assert (g.reasoning, g.answer, g.reasoning_tokens, g.answer_tokens, g.truncated) == ("a b c d", None, 4, 0, True)


def test_build_generation_empty_trace_counts_zero_tokens() -> None:
    model = ModelConfig(reasoning=True, reasoning_parser="qwen3")
    g = build_generation(
        Request(id="q"),
        model,
        "<think>\n\n</think>\n\nfour",
        finish_reason="stop",
        latency_s=0,
        prompt_tokens=1,
        count_tokens=_words,
    )
    assert (g.reasoning, g.answer, g.reasoning_tokens, g.answer_tokens) == ("", "four", 0, 1)


def test_build_generation_qwen3_thinking_off_from_chat_template_kwargs() -> None:
    model = ModelConfig(reasoning=True, reasoning_parser="qwen3", chat_template_kwargs={"enable_thinking": False})
    g = build_generation(
        Request(id="q"), model, "four", finish_reason="stop", latency_s=0, prompt_tokens=1, count_tokens=_words
    )
    assert (g.reasoning, g.answer, g.reasoning_tokens, g.answer_tokens, g.truncated) == (None, "four", 0, 1, False)


def test_prompted_reasoning_uses_think_tags() -> None:
    model = ModelConfig(prompted_reasoning=True, reasoning_parser="none")
    g = build_generation(
        Request(id="q"),
        model,
        "<think>a b</think> c",
        finish_reason="stop",
        latency_s=0,
        prompt_tokens=1,
        count_tokens=_words,
    )
    assert (g.reasoning, g.answer, g.reasoning_tokens, g.answer_tokens) == ("a b", "c", 2, 1)
