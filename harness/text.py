"""Small text rules shared by the methods' monitor, the analyzers and the tasks' lenient parsing.

One implementation each, so that "a content word", "a sentence" or "a preamble" means the same
thing wherever the harness looks at a trace or an answer.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harness.types import Task

_STOP_TEXT = """a about above after again against all am an and any are as at be because been before being below between
both but by can could did do does doing down during each few for from further had has have having he her here
hers herself him himself his how i if in into is it its itself just let me more most my myself no nor not now of
off on once only or other our ours out over own same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up very was we were what when where which
while who whom why will with would you your yours okay ok maybe also like one two well think see need seems seem
might must may really yes make makes get gets going something thing things way much many lot"""
STOPWORDS = frozenset(_STOP_TEXT.split())
_WORD = re.compile(r"[a-z0-9]+(?:['’-][a-z0-9]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]*\s+|\n+")
# A polite opener before the real answer ("Here is a headline:", "Sure!", "Okay, here…").
PREAMBLE = re.compile(
    r"^\W*(?:\*\*)?(?:here is|here's|here are|below is|sure\b|certainly\b|of course\b|(?:okay|ok)[!,.]\s*here)",
    re.IGNORECASE,
)
# A label before the answer itself ("Headline:", "**New title:**", "Here is my answer:").
LABEL_PREFIX = re.compile(
    r"^(?:\*\*)?(?:(?:here is|here's)\s+)?(?:(?:a|the|my)\s+)?(?:(?:new|suggested|final|personalized|paraphrased)\s+)*"
    r"(?:headline|title|subject|paraphrase|tweet|answer|output)\s*(?:\*\*)?\s*:\s*",
    re.IGNORECASE,
)


def sentences(text: str | None) -> list[str]:
    """Sentences and lines of a text (punctuation or newline boundaries), stripped, non-empty."""
    if not text:
        return []
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def words(text: str | None) -> list[str]:
    """Lower-cased word tokens (letters and digits, inner apostrophes and hyphens kept)."""
    return _WORD.findall((text or "").lower())


def content_words(text: str | None) -> list[str]:
    """Words that carry content: not stopwords, at least 3 letters, not pure numbers."""
    return [w for w in words(text) if len(w) >= 3 and w not in STOPWORDS and not w.isdigit()]


def stem(word: str) -> str:
    """A crude common form ("graphs", "graph's" -> "graph"): a plural of an input word is the input's topic too."""
    word = word.removesuffix("'s").removesuffix("’s")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def as_label(text: str, task: Task, ignore_case: bool = False) -> str | None:
    """The task label that ``text`` is, in the task's own spelling, or None when it is not one.

    Ratings are read as numbers, as the official scorer reads floats: "4.0" is the label "4".
    """
    text = str(text).strip()
    labels = task.labels or ()
    if task.kind == "rating":
        try:
            value = float(text)
        except ValueError:
            return None
        spelled = str(int(value)) if value.is_integer() else None
        return spelled if spelled in labels else None
    if text in labels:
        return text
    return {label.lower(): label for label in labels}.get(text.lower()) if ignore_case else None


# "Answer:", "Final answer is -", "Tag:", "Rating:": what follows the last one is the answer proper.
ANSWER_MARKER = re.compile(
    r"\b(?:final answer|answer|tag|label|rating|score|reference|citation)\s*(?:is)?\s*[:\-]\s*", re.IGNORECASE
)


def after_answer_marker(text: str) -> str:
    """The text after the last "Answer:"-style marker, or the whole text when it has none."""
    matches = list(ANSWER_MARKER.finditer(text))
    return text[matches[-1].end() :] if matches else text


def label_mentions(text: str | None, labels: tuple[str, ...] | None) -> list[str]:
    """The distinct labels a text names, in order of first mention.

    Labels match as whole phrases, case-insensitively; overlapping names keep the longest, so
    "dark comedy" is one mention and not also "comedy".
    """
    lowered = (text or "").lower()
    spans: list[tuple[int, int, str]] = []
    for label in labels or ():
        pattern = re.escape(label.lower())
        if label[:1].isalnum():
            pattern = rf"(?<![\w-]){pattern}(?![\w-])"
        spans += [(m.start(), m.end(), label) for m in re.finditer(pattern, lowered)]
    spans.sort(key=lambda span: (span[0], span[0] - span[1]))
    named: list[str] = []
    end = -1
    for start, stop, label in spans:
        if start >= end:
            end = stop
            if label not in named:
                named.append(label)
    return named


def labels_in(text: str | None, task: Task) -> list[str]:
    """The distinct labels ``text`` names in ``task``'s own reading (``Task.labels_in``).

    One reading serves the lenient parse (exactly one label is recoverable, two or more are
    ambiguous), the format checks (several candidates) and the divergent check (candidate answers).
    """
    return list(task.labels_in(text or ""))
