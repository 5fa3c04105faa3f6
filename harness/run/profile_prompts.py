"""Prompts with an optional token budget for the profile part (the input is never shortened).

Without a budget the prompt is the task's official construction, byte for byte. With one, the
item field the official code truncates (``task.budget_field``) is cut so the rendered items fit,
using the official allocation: an equal share per item, with unused tokens carried forward.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from harness.types import Example, Item, Task


@dataclass(frozen=True)
class TokenCounter:
    """Encode/decode pair used for budgets: whitespace words by default, or a model's tokenizer."""

    encode: Callable[[str], list]
    decode: Callable[[list], str]


WHITESPACE = TokenCounter(encode=str.split, decode=" ".join)


@lru_cache(maxsize=4)
def hf_counter(name_or_path: str) -> TokenCounter:
    """A transformers tokenizer as a budget counter (special tokens excluded)."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(name_or_path)
    return TokenCounter(
        encode=lambda text: tok.encode(text, add_special_tokens=False),
        decode=lambda ids: str(tok.decode(ids, skip_special_tokens=True)),
    )


def build_prompt(
    task: Task, example: Example, items: list[Item], budget: int | None = None, counter: TokenCounter = WHITESPACE
) -> str:
    """The task's prompt for these items, item texts shortened to ``budget`` tokens when given."""
    if budget is None or not items:
        return task.prompt(example, items)
    return task.prompt(example, fit_items(task, items, budget, counter))


def build_prompts(
    task: Task, examples: list[Example], retrieved: dict[str, list[Item]], budget: int | None = None,
    counter: TokenCounter = WHITESPACE,
) -> list[str]:  # fmt: skip
    """One prompt per question for its retrieved items (``harness.run.cached_retrieval.retrieve_items``): what `reaper run`,
    `reaper prompts` and the lm-eval hooks share."""
    return [build_prompt(task, e, retrieved[e.id], budget, counter) for e in examples]


def fit_items(task: Task, items: list[Item], budget: int, counter: TokenCounter) -> list[Item]:
    """Copies of the items whose budget field is cut to share ``budget`` tokens fairly."""
    field = task.budget_field
    separators = len(counter.encode(", and")) * (len(items) - 1)
    share = max(0, (budget - separators) // len(items))
    saved = 0
    fitted = []
    for item in items:
        overhead = len(counter.encode(task.render_item({**item, field: ""})))
        allowed = max(0, share + saved - overhead)
        tokens = counter.encode(str(item[field]))
        kept = tokens[:allowed]
        saved = max(0, saved + share - len(kept) - overhead)
        fitted.append({**item, field: counter.decode(kept) if len(kept) < len(tokens) else item[field]})
    return fitted
