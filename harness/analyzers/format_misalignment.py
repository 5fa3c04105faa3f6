"""Format misalignment: the answer breaks the task's output contract (docs/failure_modes.md).

A label or rating answer that is not exactly one label (recoverable by the lenient parse when it
names exactly one, else unrecoverable), several candidates, meta-text, quotes, reasoning left in
the answer, an empty answer, a length far outside the user's own outputs, or a trace truncated
before any answer. The official scorer reads answers verbatim, so each of these costs points even
when the model "knew" the answer. Only the task's declared fields are read (``output_field``).
"""

from __future__ import annotations

import re
from typing import Any

from harness.analyzers.common import combine, context_of, item_field, not_applicable, output_field, result
from harness.registry import ANALYZERS
from harness.text import LABEL_PREFIX, PREAMBLE, after_answer_marker, as_label, labels_in, words
from harness.types import Sample, Task

NAME = "format_misalignment"
LABEL_TAGS = ["format.not_a_label", "format.recoverable", "format.unrecoverable"]
GENERATION_TAGS = ["format.meta_text", "format.quoted", "format.length"]
COMMON_TAGS = ["format.multiple", "format.think_leak", "format.empty", "format.truncated"]
TAGS = LABEL_TAGS + GENERATION_TAGS + COMMON_TAGS
SEVERITY = {
    "format.unrecoverable": 1.0, "format.truncated": 1.0, "format.empty": 1.0, "format.think_leak": 0.8,
    "format.multiple": 0.7, "format.recoverable": 0.5, "format.not_a_label": 0.5, "format.length": 0.5,
    "format.meta_text": 0.4, "format.quoted": 0.3,
}  # fmt: skip

_THINK_TAG = re.compile(r"</?think>", re.IGNORECASE)
# A sentence of deliberation: the model thinking aloud rather than answering. Specific phrasings only,
# so a first-person tweet ("I need to sleep", "Let's go!", "Wait, what?") is not mistaken for one.
_DELIBERATION = re.compile(
    r"^(?:(?:okay|ok|alright|so|well)[,.]?\s+(?:so\b|let me|let's|i need|i should|i think|the user|first|now\b)|"
    r"hmm+\b|wait[,.]\s+(?:maybe|no\b|but|actually|the user|let|is it|that|i\b|perhaps)|"
    r"let me (?:think|see|check|consider|look|analy[sz]e|figure|recall|re-?read|re-?evaluate|go with|start|"
    r"break|reconsider|make sure|try|craft|come up|decide|determine|pick|choose)|"
    r"let's (?:see|think|consider|look|analy[sz]e|figure|break|check|start|go with|pick|choose)|"
    r"i need to (?:figure|decide|determine|choose|pick|think|come up|write|generate|create|make sure|consider|"
    r"find|look|analy[sz]e|identify|classify|predict|rate|tag)|"
    r"i(?: should|'ll| will|'d| would) (?:go with|pick|choose|answer|say|output|respond|write|generate|create|"
    r"consider|check|use|tag|rate|give)|"
    r"i think (?:the (?:answer|tag|label|rating|score|best|headline|title)|it(?:'s| is) (?:a |an )?(?:\[?\d|best))|"
    r"first,? (?:i|let)|"
    r"the user(?:'s)? (?:has|wants|tagged|seems|likes|gave|wrote|rated|previous|past|history|profile|tends|"
    r"prefers|usually|asked|is asking|often)|"
    r"the (?:task|question|instruction|prompt) (?:is|asks|wants|says|requires)|"
    r"looking at (?:the|their|his|her) (?:user|profile|previous|past|examples|history|reviews?|tags?)|"
    r"based on (?:the|their|his|her|this) (?:user|profile|previous|past|examples|history|reviews?|tags?|ratings?)|"
    r"step\s*\d+\s*[:.)-]|(?:reasoning|thought process|thinking|analysis|rationale)\s*(?:\*\*)?\s*:)",
    re.IGNORECASE,
)
# A justification that leads to the answer ("Since the user likes action films, ..."), recognised by
# its opening and by naming the user or the task's output.
_JUSTIFICATION = re.compile(r"^(?:since|because|given(?: that)?|as|considering|judging (?:by|from))\b", re.IGNORECASE)
_ABOUT_USER_OR_TASK = re.compile(
    r"\b(?:user|user's|author|profile|their (?:previous|past|other|usual|style|history)|previous|past|history|"
    r"style|answer|tag|label|rating|score|headline|title|tweet|paraphrase)\b",
    re.IGNORECASE,
)
_COMMENTARY = re.compile(
    r"^[(\[]?(?:this (?:headline|title|subject|tweet|paraphrase|version|captures|reflects|keeps)|"
    r"i (?:hope|chose|kept|tried|used|went with|focused)|note\b|explanation\b|let me know if|hope this|"
    r"the (?:headline|title|subject|tweet|paraphrase) (?:captures|reflects|keeps|uses|highlights|emphasi[sz]es|is))",
    re.IGNORECASE,
)
# A parenthesis closing a line that comments on the answer or how it was made, not part of it:
# "(kept the user's lower case and self-mocking tone)", "(lowercase like the user)", "(12 words)".
# An acronym "(GAN)" or a tweet's own aside "(again!)" names neither the making nor the user's style.
_ASIDE = re.compile(r"\(([^()]{2,200})\)\W*$")
_META_ASIDE = re.compile(
    r"^\s*(?:\d+\s+(?:words?|characters?|chars|syllables|tokens)\b|(?:kept|keeping|keeps|matched|matching|matches|"
    r"used|using|uses|mirrored|mirroring|mirrors|preserved|preserving|preserves|following|followed|imitating|"
    r"mimicking|echoing|styled|written|(?:all )?lower[- ]?case|in (?:the |their |his |her )?(?:user's |author's )?(?:style|tone|voice))\b)"
    r"|\b(?:the user|user's|the author|author's|the profile|their (?:style|tone|voice|usual|own)|"
    r"(?:like|as) (?:the user|they do|the author|in the profile)|word count|character count)\b",
    re.IGNORECASE,
)
_ENUMERATED = re.compile(r"^(?:\d+[.)]|[-*•]|option\s*\d*\s*[:.)-]|\(\w\))\s*\S", re.IGNORECASE)
_OR_ALTERNATIVE = re.compile(
    r"[\"”*]\s+or\s+[\"“*]|^(?:\*\*)?(?:or|alternatively|another option|other options?)\b\s*(?:\*\*)?[:,]?",
    re.IGNORECASE | re.MULTILINE,
)
_QUOTE_PAIRS = {'"': '"', "“": "”", "'": "'", "‘": "’", "«": "»", "`": "`"}
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
# A label or an announcement before the output, inside a line ("…, I'd say: X", "the headline should be: X").
_INLINE_PREFIX = re.compile(
    r"\b(?:headline|title|subject|paraphrase|tweet|answer|output)(?:\s+(?:should|would|will|could)\s+be|\s+is)?\s*:"
    r"|\bi(?:'d| would) (?:say|go with|suggest)\s*:",
    re.IGNORECASE,
)


@ANALYZERS.register(NAME)
class FormatMisalignment:
    """Rule-based checks of one answer against its task's output contract."""

    name = NAME

    def __init__(self, long_ratio: float = 2.0, short_ratio: float = 0.5, min_profile_items: int = 2) -> None:
        self.long_ratio = long_ratio  # longer than this x the user's longest output -> format.length
        self.short_ratio = (
            short_ratio  # shorter than this x the user's shortest output (1 / long_ratio) -> format.length
        )
        self.min_profile_items = min_profile_items  # fewer profile outputs than this: no length norm (n/a)

    def tag_names(self, task: Task) -> list[str]:
        """Every tag, always: those that cannot apply to the task are reported n/a, never 0.0."""
        return TAGS

    def population(self, tag: str) -> str:
        """Truncation is counted over every generated sample; the rest over answered (ok) samples."""
        return "generated" if tag == "format.truncated" else "ok"

    def analyze(self, samples: list[Sample], task: Task) -> dict[str, dict[str, Any]]:
        return {s.id: self.check(s, task) for s in samples}

    def check(self, sample: Sample, task: Task) -> dict[str, Any]:
        if sample.status == "failed":
            return not_applicable("backend error: nothing was generated")
        generation = task.kind == "generation"
        na = list(LABEL_TAGS if generation else GENERATION_TAGS)
        if sample.answer is None:
            tail = (sample.reasoning or sample.raw_output or "")[-200:]
            return result(["format.truncated"], 1.0, [f"no answer; reasoning ends: …{tail}"], na)
        answer = sample.answer.strip()
        content = _THINK_TAG.sub("\n", answer).strip()  # a leftover tag is a leak, not a second line
        found: dict[str, str] = {}
        if not content:
            found["format.empty"] = "empty answer"
        leak = _think_leak(answer, task)
        if leak:
            found["format.think_leak"] = leak
        if generation:  # an empty answer has no length to compare: it is format.empty, and length is n/a
            length = self._length(sample, task, content) if content else None
            if length is None:
                na.append("format.length")
            elif length:
                found["format.length"] = length
        if generation and content:
            found.update(_generation_checks(sample, task, content))
        elif not generation:
            found.update(_label_checks(task, answer))
        tags = [t for t in TAGS if t in found]
        return result(tags, combine([SEVERITY[t] for t in tags]), [f"{t}: {found[t]}" for t in tags], na)

    def _length(self, sample: Sample, task: Task, text: str) -> str | None:
        """ "" when the answer's length is within the user's norm, a note when not, None when no norm.

        The whole answer counts (every word the scorer reads: leaked reasoning, meta text and every
        candidate line included), against the user's own outputs: the whole profile when known, else
        the retrieved items.
        """
        lengths = _profile_output_lengths(sample, task)
        if len(lengths) < self.min_profile_items:
            return None
        n = len(words(text))
        if n > self.long_ratio * max(lengths):
            return f"{n} words > {self.long_ratio:g} x the user's longest ({max(lengths)} words)"
        if n < self.short_ratio * min(lengths):
            return f"{n} words < {self.short_ratio:g} x the user's shortest ({min(lengths)} words)"
        return ""


def _profile_outputs(sample: Sample, task: Task) -> list[str]:
    """The user's own outputs (the task's ``output_field``) in the profile, else in the retrieved items."""
    field = output_field(task)
    ctx = context_of(sample)
    items = ctx.profile if ctx.profile else (ctx.retrieved_items or [])
    return [text for text in (item_field(i, field).strip() for i in items) if text] if field else []


def _profile_output_lengths(sample: Sample, task: Task) -> list[int]:
    return [n for n in (len(words(t)) for t in _profile_outputs(sample, task)) if n > 0]


def _label_checks(task: Task, answer: str) -> dict[str, str]:
    """Not exactly a label; recoverable when the lenient parse finds exactly one; several candidates."""
    found: dict[str, str] = {}
    named = labels_in(after_answer_marker(_THINK_TAG.sub(" ", answer)), task)
    if len(named) >= 2:
        found["format.multiple"] = f"{len(named)} labels named: {', '.join(named[:6])}"
    if answer and as_label(answer, task) is not None:
        return found
    found["format.not_a_label"] = f"answer {answer[:120]!r} is not a label"
    lenient = task.parse_lenient(answer)
    if lenient and as_label(lenient, task) is not None:
        found["format.recoverable"] = f"lenient extraction -> {lenient!r}"
    elif len(named) >= 2:
        found["format.unrecoverable"] = f"ambiguous: {len(named)} distinct labels named, none is credited"
    else:
        found["format.unrecoverable"] = "no label can be extracted"
    return found


def _generation_checks(sample: Sample, task: Task, answer: str) -> dict[str, str]:
    found: dict[str, str] = {}
    meta, content = _split_meta([line.strip() for line in answer.splitlines() if line.strip()])
    meta += [x for line in content for x in _SENTENCE.split(line)[1:] if _COMMENTARY.match(x.strip())]
    meta += [m.group(0).strip() for m in map(_ASIDE.search, content) if m and _META_ASIDE.search(m.group(1))]
    inline = _INLINE_PREFIX.search(answer)
    if inline and not meta:
        meta.append(inline.group(0))
    if meta:
        found["format.meta_text"] = " | ".join(meta[:3])
    one_line = _profile_is_one_line(sample, task)
    multiple = _candidates(content, one_line)
    if multiple:
        found["format.multiple"] = multiple
    if content and _quoted(content[0]):
        found["format.quoted"] = content[0][:120]
    return found


def _profile_is_one_line(sample: Sample, task: Task) -> bool:
    """The user's own outputs are all single lines (titles, tweets): extra lines are extra candidates."""
    outputs = _profile_outputs(sample, task)
    return bool(outputs) and all("\n" not in text for text in outputs)


def _think_leak(answer: str, task: Task) -> str | None:
    """Think tags, numbered steps, a sentence of deliberation, or a justification leading to the answer."""
    tag = _THINK_TAG.search(answer)
    if tag:
        return f"think tag {tag.group(0)!r} in the answer"
    parts = [s.strip("*\"'“”# ").strip() for line in answer.splitlines() for s in _SENTENCE.split(line.strip())]
    parts = [p for p in parts if p]
    for i, part in enumerate(parts):
        if _DELIBERATION.match(part):
            return f"reasoning in the answer: {part[:120]!r}"
        leads = i < len(parts) - 1 or (task.kind != "generation" and bool(labels_in(part, task)))
        if _JUSTIFICATION.match(part) and _ABOUT_USER_OR_TASK.search(part) and leads:
            return f"justification before the answer: {part[:120]!r}"
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


def _candidates(content: list[str], one_line: bool) -> str | None:
    """Several candidate answers: an enumerated list, "or" alternatives, or extra lines for one-line outputs."""
    enumerated = [c for c in content if _ENUMERATED.match(c)]
    if len(enumerated) >= 2:
        return f"{len(enumerated)} enumerated candidates: " + " | ".join(enumerated[:3])
    joined = "\n".join(content)
    if _OR_ALTERNATIVE.search(joined):
        return f"alternatives joined by 'or': {joined[:160]!r}"
    if one_line and len(content) >= 2:
        return f"{len(content)} lines where the user's own outputs are one line: " + " | ".join(content[:3])
    return None


def _quoted(text: str) -> bool:
    text = text.strip().strip("*").strip()
    return len(text) >= 2 and text[0] in _QUOTE_PAIRS and text[-1] == _QUOTE_PAIRS[text[0]]
