"""Retrieval misuse: the retrieved profile items are in the prompt but do not shape the answer well.

Ignored (needs a trace): the reasoning neither refers to the user's history nor uses words specific
to the retrieved items; a short answer without a trace cannot show whether the profile was read, so
it is never judged. Contradicted: a label or rating against a clear majority of the items' labels
(sub-tag when the gold agrees with the profile). Copied: a generation answer that copies one item's
output nearly verbatim. Only the task's declared fields are read (``label_field``, ``output_field``);
a check whose field the task lacks is n/a. Without retrieved items the analyzer does not apply.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from harness.analyzers.common import (
    combine,
    context_of,
    item_field,
    item_text,
    label_field,
    not_applicable,
    output_field,
    result,
    trace_of,
)
from harness.registry import ANALYZERS
from harness.run.metrics import rouge_pair
from harness.text import as_label, content_words, labels_in, stem
from harness.types import Item, Sample, Task

NAME = "retrieval_misuse"
TAGS = ["retrieval.ignored", "retrieval.contradicted", "retrieval.contradicted_gold_agrees", "retrieval.copied"]
# References to the user's history are recognised by their grammar, not by a list of sentences: a person
# (the user, this author, they...) or a possessive, with a word marking the past or the habitual, and a noun
# for the user's records or ways. The input is also the user's (their review, the author's title), so a
# possessive with one singular record noun is not a reference to the history; plural or qualified ones are.
_WHO = r"(?:user|person|author|reviewer|customer|journalist|writer|cook|researcher|poster|critic|viewer|buyer|owner)"
_PERSON = rf"(?:(?:the|this|that|our) {_WHO}|they|he|she)"
_POSSESSIVE = rf"(?:(?:the|this|that|our) {_WHO}(?:'s|’s|s')|their|his|her)"
_PAST = r"(?:earlier|previous|prior|past|other|older|former|usual|typical|recent|historical|existing|given|provided|retrieved|listed|own)"
_RECORD = (
    r"ratings?|scores?|reviews?|posts?|picks?|choices?|tags?|labels?|headlines?|titles?|tweets?|papers?|articles?|"
    r"works?|publications?|writing|movies?|films?|products?|purchases?|examples?|items?|entries|entry|records?|"
    r"subjects?|emails?|abstracts?|recipes?|ones|grades?|stars|marks"
)
_RECORDS = (
    r"ratings|scores|reviews|posts|picks|choices|tags|labels|headlines|titles|tweets|papers|articles|works|"
    r"publications|movies|films|products|purchases|examples|items|entries|records|subjects|emails|abstracts|"
    r"recipes|ones|grades|stars|marks|answers|outputs|texts|citations|references|[1-5]s"
)
_WAYS = (
    r"history|profile|track record|pattern|patterns|habit|habits|tendenc(?:y|ies)|taste|tastes|preferences?|"
    r"style|voice|usual|norm|norms|scale|vocabulary|range|logic|rule|standards?|yardstick|behaviou?r|data|sample"
)
_HABITUAL = r"(?:usually|often|always|typically|generally|mostly|normally|consistently|never|rarely|seldom|frequently|tends? to|tended to|likes? to)"
# Acts of labelling have no object in the input, so they always refer to the history; writing does (the
# input is the user's own review or tweet), so "they wrote" counts only as a past act ("had written").
_GIVING = (
    r"tagged|rated|gave|given|scored|graded|picked|chose|chosen|liked|disliked|loved|hated|labell?ed|cited|"
    r"titled|marked|assigned|preferred|favou?red|reserved|awarded|docked"
)
_WRITING = r"wrote|written|posted|tweeted|published|reviewed"
# Bare markers of the past (no possessive): temporal words only; "a typical paper" is generic.
_BARE_PAST = r"(?:earlier|previous|prior|past|older|former|recent|historical|retrieved|provided|listed|other)"
_BARE_RECORD = _RECORD.replace("|ones", "")
# "the user kept a 4", "they went with comedy": a person, a verb in the past, and one of the task's labels.
_PERSON_PAST = re.compile(
    rf"\b{_PERSON}\s+(?:has |had |only )*(?:\w+ed|gave|kept|put|got|chose|went with|stuck with|"
    r"took|made|left|wrote|gone with)\b[^.;!?]*",
    re.IGNORECASE,
)
# "The user wrote 'Mayor Unveils Budget...'": writing counts when what follows quotes the items, not the input.
_PERSON_WROTE = re.compile(rf"\b{_PERSON}\s+(?:\w+\s+)?(?:{_WRITING})\b[^.;!?]*(?:[.;!?][^.;!?]*)?", re.IGNORECASE)
_REFERENCE_CUE = re.compile(
    rf"\b(?:{_POSSESSIVE}\s+(?:[\w-]+\s+){{0,2}}?(?:{_RECORDS}|{_WAYS})\b|"
    rf"{_POSSESSIVE}\s+{_PAST}\s+(?:[\w-]+\s+)?(?:{_RECORD})\b|"
    rf"{_BARE_PAST}\s+(?:[\w-]+\s+)?(?:{_BARE_RECORD})\b|"
    rf"{_PERSON}\s+(?:has |have |had |also |already |previously |once |still |just )*(?:{_GIVING})\b|"
    rf"{_PERSON}\s+(?:has |have |had |already |previously |once )+(?:{_WRITING})\b|"
    rf"{_PERSON}\s+(?:{_WRITING})\s+(?:\w+\s+){{0,8}}?(?:before|earlier|previously|in the past|last (?:year|month|week|time)|\w+ ago)\b|"
    rf"{_PERSON}\s+(?!would|might|could|may)(?:\w+\s+)?{_HABITUAL}\b|"
    rf"{_PERSON}\s+(?:writes|uses|likes|prefers|rates|tags|gives|scores|grades|favou?rs|loves|enjoys|posts|tweets|cites|reviews|reserves|keeps|calls|marks|picks|chooses|sticks)\b|"
    rf"\b(?:profile|history|track record)\b|\bin the (?:examples?|items?|profile|data|retrieved)\b|"
    r"(?:the|these|those) (?:examples?|items?|ones) (?:above|given|provided|listed|retrieved|shown|show)|"
    r"similar (?:movies?|reviews?|ones|items?|products?|posts?|tweets?|headlines?|papers?|films?|titles?))",
    re.IGNORECASE,
)


@ANALYZERS.register(NAME)
class RetrievalMisuse:
    """Checks of how the answer (and its reasoning) relates to the retrieved profile items."""

    name = NAME

    def __init__(
        self, min_shared_words: int = 2, common_zipf: float = 4.3, majority_share: float = 0.75,
        majority_min_items: int = 3, rating_margin: float = 1.0, copy_rouge_l: float = 0.9,
    ) -> None:  # fmt: skip
        self.min_shared_words = min_shared_words  # words specific to the items a trace must reuse
        self.common_zipf = common_zipf  # wordfreq Zipf frequency at which a word is common English, not specific
        self.majority_share = majority_share  # the top label's share among the items for a clear signal
        self.majority_min_items = majority_min_items  # fewer labelled items: no majority signal
        self.rating_margin = rating_margin  # a rating this far from the majority score contradicts it
        self.copy_rouge_l = copy_rouge_l  # ROUGE-L F against one item's output that counts as copying

    def tag_names(self, task: Task) -> list[str]:
        """Every tag, always: those the task cannot have (no label_field, no output_field) are n/a."""
        return TAGS

    def population(self, tag: str) -> str:
        """Ignoring is read in the trace, so it counts over every generated trace (a truncated one too)."""
        return "generated" if tag == "retrieval.ignored" else "ok"

    def analyze(self, samples: list[Sample], task: Task) -> dict[str, dict[str, Any]]:
        return {s.id: self.check(s, task) for s in samples}

    def check(self, sample: Sample, task: Task) -> dict[str, Any]:
        items = context_of(sample).retrieved_items
        if items is None:
            return not_applicable("retrieved items unknown")
        if not items:
            return not_applicable("no retrieved items (retriever none or k=0)")
        if sample.status == "failed":
            return not_applicable("status failed: nothing was generated")
        if sample.status != "ok":  # a trace without an answer: only whether it read the profile can be judged
            ignored = self._ignored(sample, task, items)
            if ignored is None:
                return not_applicable(f"status {sample.status}: no answer and no trace to judge")
            tagged = ignored[0] >= 1.0
            return result(["retrieval.ignored"] if tagged else [], ignored[0], [ignored[1]] if tagged else [],
                          [t for t in TAGS if t != "retrieval.ignored"])  # fmt: skip
        tags: list[str] = []
        evidence: list[Any] = []
        scores: list[float] = []
        na: list[str] = []
        ignored = self._ignored(sample, task, items)
        if ignored is None:
            na.append("retrieval.ignored")
        else:
            scores.append(ignored[0])
            if ignored[0] >= 1.0:
                tags.append("retrieval.ignored")
                evidence.append(ignored[1])
        contradicted = self._contradicted(sample, task, items)
        if contradicted is None:
            na += ["retrieval.contradicted", "retrieval.contradicted_gold_agrees"]
        elif contradicted[0]:
            tags += contradicted[0]
            evidence.append(contradicted[1])
            scores.append(1.0)
        copied = self._copied(sample, task, items)
        if copied is None:
            na.append("retrieval.copied")
        elif copied[0] >= self.copy_rouge_l:
            tags.append("retrieval.copied")
            evidence.append(copied[1])
            scores.append(copied[0])
        if sample.gold is None or contradicted is None:
            na.append("retrieval.contradicted_gold_agrees")
        return result(tags, combine(scores), evidence, na)

    def _ignored(self, sample: Sample, task: Task, items: list[Item]) -> tuple[float, str] | None:
        """(1.0 when ignored, else the share of the needed overlap missing; a note); None = no trace."""
        trace = trace_of(sample)
        if not trace:
            return None  # an answer alone cannot show whether the profile was read
        written = f"{trace}\n{sample.answer or ''}"  # reasoning left in the answer is reasoning too
        item_words = {w for i in items for w in content_words(item_text(i))} - set(
            content_words(context_of(sample).input)
        )
        cue = (
            _REFERENCE_CUE.search(written)
            or next((m for m in _PERSON_PAST.finditer(written) if labels_in(m.group(0), task)), None)
            or next(
                (m for m in _PERSON_WROTE.finditer(written) if len(item_words & set(content_words(m.group(0)))) >= 2),
                None,
            )
        )
        if cue:
            return 0.0, f"refers to the history: {cue.group(0)[:80]!r}"
        specific = self.specific_words(sample, task, items)
        shared = sorted({w for w in content_words(written) if stem(w) in specific})
        if len(shared) >= self.min_shared_words:
            return max(0.0, 1.0 - len(shared) / (2 * self.min_shared_words)), ""
        return 1.0, f"ignored: the trace uses {len(shared)} word(s) specific to the items {shared} and names no history"

    def specific_words(self, sample: Sample, task: Task, items: list[Item]) -> set[str]:
        """Content words of the items that are not in the input, the labels, the task's item template or common English."""
        from wordfreq import zipf_frequency

        ctx = context_of(sample)
        banned = set(content_words(ctx.input)) | {w for label in task.labels or () for w in content_words(label)}
        banned |= set(content_words(_template_text(task, items)))
        found = {w for item in items for w in content_words(item_text(item))}
        found = {w for w in found if zipf_frequency(w, "en") < self.common_zipf}
        return {stem(w) for w in found} - {stem(w) for w in banned}

    def _contradicted(self, sample: Sample, task: Task, items: list[Item]) -> tuple[list[str], str] | None:
        """(tags, note) where a clear majority exists ([] when the answer agrees); None when it cannot apply."""
        field = label_field(task)
        pred_label = as_label((sample.lenient_pred or "").strip(), task, ignore_case=True)
        if field is None or task.kind == "generation" or pred_label is None:
            return None
        labels = [as_label(item_field(i, field), task, ignore_case=True) for i in items if item_field(i, field).strip()]
        labels = [label for label in labels if label is not None]
        if len(labels) < self.majority_min_items:
            return None
        top, count = Counter(labels).most_common(1)[0]
        if count / len(labels) < self.majority_share:
            return None  # no clear majority: nothing to contradict
        if task.kind == "rating":
            against = abs(float(pred_label or 0) - float(str(top))) >= self.rating_margin
        else:
            against = pred_label != top
        if not against:
            return [], ""
        tags = ["retrieval.contradicted"]
        gold = as_label(sample.gold or "", task, ignore_case=True)
        if gold is not None and gold == top:
            tags.append("retrieval.contradicted_gold_agrees")
        note = f"contradicted: {count} of {len(labels)} retrieved items say {top!r}, the answer is {pred_label!r}"
        return tags, note + (f"; gold {gold!r}" if gold is not None else "")

    def _copied(self, sample: Sample, task: Task, items: list[Item]) -> tuple[float, str] | None:
        """(best ROUGE-L F against one item's own output, note); None when the task has no output field."""
        field = output_field(task)
        answer = (sample.lenient_pred or sample.answer or "").strip()
        outputs = [i for i in items if item_field(i, field).strip()] if field else []
        if task.kind != "generation" or not answer or not outputs:
            return None
        score, item = max(((rouge_pair(answer, item_field(i, field))[1], i) for i in outputs), key=lambda x: x[0])
        return score, f"copied: ROUGE-L {score:.2f} with item {item.get('id')}: {item_field(item, field)[:160]!r}"


def _template_text(task: Task, items: list[Item]) -> str:
    """The task's own words around an item (its render template with the fields blanked): boilerplate."""
    try:
        return task.render_item({k: "" for k in items[0]})
    except (KeyError, IndexError, ValueError, TypeError):
        return ""
