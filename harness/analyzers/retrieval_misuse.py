"""Retrieval misuse: the retrieved profile items are in the prompt but do not shape the answer well.

Ignored: the reasoning (or the answer, for a generation task without reasoning) neither mentions
the profile nor shares distinctive words with the retrieved items. Contradicted: a label or rating
against a clear majority of the retrieved items' labels (sub-tag when the gold agrees with the
profile, i.e. using the profile would have been right). Copied: a generation answer that copies one
retrieved item's output nearly verbatim (ROUGE-L >= 0.9). Without retrieved items (retriever none)
the analyzer does not apply and the sample is left out of the rates.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from harness.analyzers.common import (
    LABEL_FIELD,
    OUTPUT_FIELD,
    combine,
    context_of,
    item_field,
    not_applicable,
    result,
)
from harness.registry import ANALYZERS
from harness.run.metrics import rouge_pair
from harness.text import as_label, content_words
from harness.types import Item, Sample, Task

NAME = "retrieval_misuse"
_USER_HABIT = (
    r"(?:tagged|tags|rated|rates|gave|gives|given|wrote|writes|written|tweets?|reviews?|headlines?|titles?|style|"
    r"ratings?|scores?|previous|past|other|own|history|profile|usually|tends?|often|seems|likes|prefers|uses|used|always|never)"
)
_REFERENCE_CUE = re.compile(
    rf"\b(?:the (?:user|author|journalist|writer)(?:'s)?\s+(?:\w+\s+)?{_USER_HABIT}|"
    r"their (?:previous|past|other|own|usual|tweets?|headlines?|titles?|reviews?|ratings?|tags?|style)|profile|"
    r"(?:previous|past) (?:tags?|reviews?|ratings?|headlines?|titles?|tweets?|examples?|movies?)|"
    r"(?:given|provided) examples?|examples? (?:given|provided|above)|similar (?:movies?|reviews?|ones))\b",
    re.IGNORECASE,
)


@ANALYZERS.register(NAME)
class RetrievalMisuse:
    """Checks of how the answer (and its reasoning) relates to the retrieved profile items."""

    name = NAME

    def __init__(
        self, min_shared_words: int = 2, min_shared_words_answer: int = 1, majority_share: float = 0.75,
        majority_min_items: int = 3, rating_margin: float = 1.0, copy_rouge_l: float = 0.9,
    ) -> None:  # fmt: skip
        self.min_shared_words = min_shared_words  # distinctive item words a reasoning trace must reuse
        self.min_shared_words_answer = min_shared_words_answer  # the same for an answer without reasoning
        self.majority_share = majority_share  # the top label's share among the items for a clear signal
        self.majority_min_items = majority_min_items  # fewer labelled items: no majority signal
        self.rating_margin = rating_margin  # a rating this far from the majority score contradicts it
        self.copy_rouge_l = copy_rouge_l  # ROUGE-L F against one item's output that counts as copying

    def tag_names(self, task: Task) -> list[str]:
        if task.kind == "generation":
            return ["retrieval.ignored", "retrieval.copied"]
        tags = ["retrieval.ignored"]
        if getattr(task, "name", "") in LABEL_FIELD:
            tags += ["retrieval.contradicted", "retrieval.contradicted_gold_agrees"]
        return tags

    def population(self, tag: str) -> str:
        return "ok"

    def analyze(self, samples: list[Sample], task: Task) -> dict[str, dict[str, Any]]:
        return {s.id: self.check(s, task) for s in samples}

    def check(self, sample: Sample, task: Task) -> dict[str, Any]:
        items = context_of(sample).retrieved_items
        if items is None:
            return not_applicable("retrieved items unknown")
        if not items:
            return not_applicable("no retrieved items (retriever none or k=0)")
        if sample.status != "ok":
            return not_applicable(f"status {sample.status}: no answer to judge")
        tags: list[str] = []
        evidence: list[Any] = []
        scores: list[float] = []
        ignored = self._ignored(sample, task, items)
        if ignored is not None:
            score, note = ignored
            scores.append(score)
            if score >= 1.0:
                tags.append("retrieval.ignored")
                evidence.append(note)
        if task.kind != "generation":
            contradicted = self._contradicted(sample, task, items)
            if contradicted:
                tags += contradicted[0]
                evidence.append(contradicted[1])
                scores.append(1.0)
        else:
            copied = self._copied(sample, task, items)
            if copied:
                tags.append("retrieval.copied")
                evidence.append(copied[1])
                scores.append(copied[0])
        return result(tags, combine(scores), evidence)

    def _ignored(self, sample: Sample, task: Task, items: list[Item]) -> tuple[float, str] | None:
        """(1.0 when ignored, else the share of the needed overlap missing; a note); None = not judged."""
        reasoning = (sample.reasoning or "").strip()
        if not reasoning and task.kind != "generation":
            return None  # a bare label cannot show whether the profile was used
        text = reasoning or (sample.lenient_pred or sample.answer or "")
        if reasoning and _REFERENCE_CUE.search(reasoning):
            return 0.0, ""
        ctx = context_of(sample)
        banned = set(content_words(ctx.input)) | {w for label in task.labels or () for w in content_words(label)}
        distinctive = {w for item in items for w in content_words(_item_text(item))} - banned
        shared = sorted(set(content_words(text)) & distinctive)
        need = self.min_shared_words if reasoning else self.min_shared_words_answer
        if len(shared) >= need:
            return max(0.0, 1.0 - len(shared) / (2 * need)), ""
        where = "reasoning" if reasoning else "answer"
        return (
            1.0,
            f"ignored: the {where} shares {len(shared)} distinctive word(s) with the items {shared} and names no profile",
        )

    def _contradicted(self, sample: Sample, task: Task, items: list[Item]) -> tuple[list[str], str] | None:
        field = LABEL_FIELD.get(sample.task)
        pred = (sample.lenient_pred or "").strip()
        if field is None or not pred or not task.labels:
            return None
        labels = [as_label(item_field(i, field), task, ignore_case=True) for i in items if item_field(i, field).strip()]
        labels = [label for label in labels if label is not None]
        pred_label = as_label(pred, task, ignore_case=True)
        if len(labels) < self.majority_min_items or pred_label is None:
            return None
        top, count = Counter(labels).most_common(1)[0]
        if count / len(labels) < self.majority_share:
            return None
        if task.kind == "rating":
            against = abs(float(pred_label) - float(top)) >= self.rating_margin
        else:
            against = pred_label != top
        if not against:
            return None
        tags = ["retrieval.contradicted"]
        gold = as_label(sample.gold or "", task, ignore_case=True)
        if gold is not None and gold == top:
            tags.append("retrieval.contradicted_gold_agrees")
        note = f"contradicted: {count} of {len(labels)} retrieved items say {top!r}, the answer is {pred_label!r}"
        return tags, note + (f"; gold {gold!r}" if gold is not None else "")

    def _copied(self, sample: Sample, task: Task, items: list[Item]) -> tuple[float, str] | None:
        field = OUTPUT_FIELD.get(sample.task)
        answer = (sample.lenient_pred or sample.answer or "").strip()
        if field is None or not answer:
            return None
        best = max(((rouge_pair(answer, item_field(i, field))[1], i) for i in items if item_field(i, field)),
                   key=lambda x: x[0], default=None)  # fmt: skip
        if best is None or best[0] < self.copy_rouge_l:
            return None
        score, item = best
        return score, f"copied: ROUGE-L {score:.2f} with item {item.get('id')}: {item_field(item, field)[:160]!r}"


def _item_text(item: Item) -> str:
    return " ".join(str(v) for k, v in item.items() if k not in ("id", "date") and isinstance(v, str))
