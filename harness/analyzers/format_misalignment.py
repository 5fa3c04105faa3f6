"""Format misalignment: the answer breaks the task's output contract.

A classification answer that is not exactly a label (recoverable by lenient extraction or not), a
rating that is not an integer 1–5, meta-text, quotes, several candidates, leftover think tags or
reasoning in a generation answer, an empty answer, a length far outside the user's own profile
outputs, or a reasoning trace truncated before any answer. The official scorer reads answers
verbatim, so each of these costs points even when the model "knew" the answer.
"""

from __future__ import annotations

import re
from typing import Any

from harness.analyzers.common import OUTPUT_FIELD, combine, context_of, item_field, not_applicable, result
from harness.registry import ANALYZERS
from harness.text import LABEL_PREFIX, PREAMBLE, as_label, words
from harness.types import Sample, Task

NAME = "format_misalignment"
LABEL_TAGS = ["format.not_a_label", "format.recoverable", "format.unrecoverable"]
GENERATION_TAGS = ["format.meta_text", "format.quoted", "format.multiple", "format.length"]
COMMON_TAGS = ["format.think_leak", "format.empty", "format.truncated"]
SEVERITY = {
    "format.unrecoverable": 1.0, "format.truncated": 1.0, "format.empty": 1.0, "format.think_leak": 0.8,
    "format.multiple": 0.7, "format.recoverable": 0.5, "format.not_a_label": 0.5, "format.length": 0.5,
    "format.meta_text": 0.4, "format.quoted": 0.3,
}  # fmt: skip

_THINK_TAG = re.compile(r"</?think>", re.IGNORECASE)
_REASONING_START = re.compile(
    r"^(?:(?:okay|ok|alright),?\s+(?:so|let|i|the user|first)|hmm+|wait|let me|let's|but wait|alternatively|"
    r"i need to|i should|i'll|i will|looking at the|the user(?:'s)? (?:has|wants|tagged|seems|likes|gave|wrote)|"
    r"based on the user)\b",
    re.IGNORECASE,
)
_COMMENTARY = re.compile(
    r"^[(\[]?(?:this (?:headline|title|subject|tweet|paraphrase|version)|i (?:hope|chose|kept|tried|used)|"
    r"note|explanation|let me know|hope this|the (?:headline|title|tweet|paraphrase) (?:captures|reflects|keeps|uses))\b",
    re.IGNORECASE,
)
_ENUMERATED = re.compile(r"^(?:\d+[.)]|[-*•]|option\s*\d*\s*[:.)-]|\(\w\))\s*", re.IGNORECASE)
_OR_ALTERNATIVE = re.compile(r"[\"”]\s+or\s+[\"“]|^(?:or|alternatively)\b[:,]?", re.IGNORECASE | re.MULTILINE)
_QUOTE_PAIRS = {'"': '"', "“": "”", "'": "'", "‘": "’", "«": "»", "`": "`"}


@ANALYZERS.register(NAME)
class FormatMisalignment:
    """Rule-based checks of one answer against its task's output contract."""

    name = NAME

    def __init__(self, long_ratio: float = 2.0, short_ratio: float = 0.3, min_profile_items: int = 2) -> None:
        self.long_ratio = long_ratio  # longer than this x the user's longest output -> format.length
        self.short_ratio = short_ratio  # shorter than this x the user's shortest output -> format.length
        self.min_profile_items = min_profile_items  # fewer profile outputs than this: no length norm

    def tag_names(self, task: Task) -> list[str]:
        kind_tags = GENERATION_TAGS if task.kind == "generation" else LABEL_TAGS
        return kind_tags + COMMON_TAGS

    def population(self, tag: str) -> str:
        """Truncation is counted over every generated sample; the rest over answered (ok) samples."""
        return "generated" if tag == "format.truncated" else "ok"

    def analyze(self, samples: list[Sample], task: Task) -> dict[str, dict[str, Any]]:
        return {s.id: self.check(s, task) for s in samples}

    def check(self, sample: Sample, task: Task) -> dict[str, Any]:
        if sample.status == "failed":
            return not_applicable("backend error: nothing was generated")
        if sample.answer is None:
            tail = (sample.reasoning or sample.raw_output or "")[-200:]
            return result(["format.truncated"], 1.0, [f"no answer; reasoning ends: …{tail}"])
        answer = sample.answer.strip()
        found: dict[str, str] = {}
        if not answer:
            found["format.empty"] = "empty answer"
        leak = _think_leak(answer)
        if leak:
            found["format.think_leak"] = leak
        if task.kind == "generation":
            content = _THINK_TAG.sub("\n", answer).strip()  # a leftover tag is a leak, not a second line
            if content:
                found.update(self._generation(sample, task, content, skip_length=bool(leak)))
        else:
            found.update(_label_checks(sample, task, answer))
        tags = [t for t in self.tag_names(task) if t in found]
        return result(tags, combine([SEVERITY[t] for t in tags]), [f"{t}: {found[t]}" for t in tags])

    def _generation(self, sample: Sample, task: Task, answer: str, skip_length: bool) -> dict[str, str]:
        found: dict[str, str] = {}
        meta, content = _split_meta([line.strip() for line in answer.splitlines() if line.strip()])
        if meta:
            found["format.meta_text"] = " | ".join(meta[:3])
        multiple = _candidates(content, task.name)
        if multiple:
            found["format.multiple"] = multiple
        first = content[0] if content else ""
        if _quoted(first):
            found["format.quoted"] = first[:120]
        if not skip_length and first:
            length = self._length(sample, _unquote(first))
            if length:
                found["format.length"] = length
        return found

    def _length(self, sample: Sample, text: str) -> str | None:
        """Answer words against the user's own outputs (whole profile when known, else retrieved items)."""
        ctx = context_of(sample)
        items = ctx.profile if ctx.profile else (ctx.retrieved_items or [])
        lengths = [len(words(item_field(i, OUTPUT_FIELD.get(sample.task)))) for i in items]
        lengths = [n for n in lengths if n > 0]
        if len(lengths) < self.min_profile_items:
            return None
        n = len(words(text))
        if n > self.long_ratio * max(lengths):
            return f"{n} words > {self.long_ratio:g} x the user's longest ({max(lengths)} words)"
        if n < self.short_ratio * min(lengths):
            return f"{n} words < {self.short_ratio:g} x the user's shortest ({min(lengths)} words)"
        return None


def _label_checks(sample: Sample, task: Task, answer: str) -> dict[str, str]:
    """Not exactly a label (ratings: an integer 1–5, "4.0" allowed as the scorer reads floats)."""
    if answer and as_label(answer, task) is not None:
        return {}
    lenient = task.parse_lenient(answer)
    sub = "format.recoverable" if lenient and as_label(lenient, task) is not None else "format.unrecoverable"
    how = f"lenient extraction -> {lenient!r}" if sub == "format.recoverable" else "no label can be extracted"
    return {"format.not_a_label": f"answer {answer[:120]!r} is not a label", sub: how}


def _think_leak(answer: str) -> str | None:
    """Think tags, or a sentence that is reasoning rather than answer (at the start of a line or sentence)."""
    tag = _THINK_TAG.search(answer)
    if tag:
        return f"think tag {tag.group(0)!r} in the answer"
    for line in answer.splitlines():
        for sentence in re.split(r"(?<=[.!?])\s+", line.strip()):
            if _REASONING_START.match(sentence.strip("*\"' ")):
                return f"reasoning in the answer: {sentence[:120]!r}"
    return None


def _split_meta(lines: list[str]) -> tuple[list[str], list[str]]:
    """Meta lines (preambles, "Headline:" prefixes, commentary) and the content lines, prefixes cut off."""
    meta, content = [], []
    for line in lines:
        prefixed = LABEL_PREFIX.match(line) or (PREAMBLE.match(line) and ":" in line)
        if prefixed or PREAMBLE.match(line) or _COMMENTARY.match(line):
            meta.append(line)
            rest = line.split(":", 1)[1].strip().strip("*").strip() if prefixed else ""
            if rest:
                content.append(rest)
        else:
            content.append(line)
    return meta, content


def _candidates(content: list[str], task_name: str) -> str | None:
    """Several candidate answers: an enumerated list, "or" alternatives, or extra lines for one-line titles."""
    enumerated = [c for c in content if _ENUMERATED.match(c)]
    if len(enumerated) >= 2:
        return f"{len(enumerated)} enumerated candidates: " + " | ".join(enumerated[:3])
    joined = "\n".join(content)
    if _OR_ALTERNATIVE.search(joined):
        return f"alternatives joined by 'or': {joined[:160]!r}"
    if task_name in OUTPUT_FIELD and task_name != "LaMP_7" and len(content) >= 2:
        return f"{len(content)} lines for a one-line {OUTPUT_FIELD[task_name]}: " + " | ".join(content[:3])
    return None


def _quoted(text: str) -> bool:
    text = text.strip().strip("*").strip()
    return len(text) >= 2 and text[0] in _QUOTE_PAIRS and text[-1] == _QUOTE_PAIRS[text[0]]


def _unquote(text: str) -> str:
    text = text.strip().strip("*").strip()
    return text[1:-1] if _quoted(text) else text
