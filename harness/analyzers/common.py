"""Text utilities and the per-sample context every failure-mode analyzer shares.

Analyzers see only saved samples (the ``Analyzer`` protocol), so ``harness.analyzers.run_analysis`` attaches what
a sample does not store — the question's input and the retrieved items' fields — under
``sample.extra[CONTEXT_KEY]`` on in-memory copies; it is never written back to samples.jsonl.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from harness.types import Item, Sample, Task

CONTEXT_KEY = "_analysis_context"


@dataclass
class Context:
    """What an analyzer needs besides the sample: the question input and items (None = unknown)."""

    input: str = ""
    query: str = ""
    retrieved_items: list[Item] | None = None  # None: unknown; []: the retriever gave none (retriever none)
    profile: Sequence[Item] | None = None  # the user's whole profile when known (length norms); may be packed
    extra: dict[str, Any] = field(default_factory=dict)


def context_of(sample: Sample) -> Context:
    """The context attached by the orchestrator, or an empty one (input taken from the prompt)."""
    ctx = sample.extra.get(CONTEXT_KEY)
    return ctx if isinstance(ctx, Context) else Context(input=sample.prompt, query=sample.prompt)


def attach_context(sample: Sample, ctx: Context) -> Sample:
    """Attach ``ctx`` on a fresh ``extra`` dict, so the row the sample was read from stays serialisable."""
    sample.extra = {**sample.extra, CONTEXT_KEY: ctx}
    return sample


def ngrams(tokens: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def repeated_ngrams(tokens: list[str], n: int, min_count: int) -> list[tuple[tuple[str, ...], int]]:
    """N-grams occurring at least ``min_count`` times, most frequent first."""
    counts = Counter(ngrams(tokens, n))
    return [(g, c) for g, c in counts.most_common() if c >= min_count]


def coverage(tokens: list[str], grams: set[tuple[str, ...]], n: int) -> float:
    """Share of token positions covered by one of ``grams`` (how much of a text is repetition)."""
    if not tokens or not grams:
        return 0.0
    covered = np.zeros(len(tokens), dtype=bool)
    for i, gram in enumerate(ngrams(tokens, n)):
        if gram in grams:
            covered[i : i + n] = True
    return float(covered.mean())


def item_field(item: Item, name: str | None) -> str:
    return "" if name is None or item.get(name) is None else str(item[name])


def item_text(item: Item) -> str:
    """Every string field of a profile item but its id and date: what the model could read of it."""
    return " ".join(str(v) for k, v in item.items() if k not in ("id", "date") and isinstance(v, str))


def output_field(task: Task) -> str | None:
    """The profile-item field with the user's own output, as the task declares it (None: no such field)."""
    return task.output_field


def label_field(task: Task) -> str | None:
    """The profile-item field with the user's own label, as the task declares it (None: no such field)."""
    return task.label_field


def trace_of(sample: Sample) -> str:
    """The sample's reasoning trace, stripped ("" when it has none)."""
    return (sample.reasoning or "").strip()


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else 0.0


def combine(scores: list[float]) -> float:
    """Noisy-or of per-check scores in [0, 1]: any strong signal makes the analyzer's score high."""
    rest = 1.0
    for s in scores:
        rest *= 1.0 - min(1.0, max(0.0, s))
    return round(1.0 - rest, 4)


def result(tags: list[str], score: float, evidence: list[Any], na_tags: list[str] | tuple[str, ...] = (), **more: Any) -> dict[str, Any]:  # fmt: skip
    """One analyzer's per-sample record as written into ``sample.tags[name]``.

    ``na_tags``: the tags that cannot apply to this sample (no trace, no clear profile majority, no
    length norm...); the summary leaves the sample out of those tags' denominators.
    """
    out = {"tags": tags, "score": round(float(score), 4), "evidence": evidence, **more}
    return {**out, "na_tags": sorted(set(na_tags))} if na_tags else out


def not_applicable(why: str) -> dict[str, Any]:
    """A sample the analyzer cannot judge (e.g. no reasoning, no retrieved items): left out of rates."""
    return {"tags": [], "score": 0.0, "evidence": [why], "na": True}
