"""What the seven LaMP tasks share: the official prompt assembly, strict parsing and gold checks.

Each LaMP task module subclasses ``LampTask`` and states only its facts (fields, templates,
labels). The prompt construction follows the official one character for character: items are
rendered by the task's template, joined with ``", and "`` and placed around the input.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from harness.text import LABEL_PREFIX, PREAMBLE, after_answer_marker, label_mentions
from harness.types import Example, Item, TaskKind


class LampTask:
    """Base for LaMP tasks; subclasses set the class attributes and override what differs."""

    name: ClassVar[str]
    kind: ClassVar[TaskKind]
    labels: ClassVar[tuple[str, ...] | None] = None
    metrics: ClassVar[tuple[str, ...]]
    item_fields: ClassVar[tuple[str, ...]]
    query_marker: ClassVar[str] = ":"  # the query is the input after the first occurrence of this
    item_template: ClassVar[str]  # str.format template of one rendered item
    prompt_template: ClassVar[str] = "{joined}. {input}"
    budget_field: ClassVar[str]  # the item field the token budget shortens (as the official code)
    output_field: ClassVar[str | None] = None  # the item field holding the user's own output (generation)
    label_field: ClassVar[str | None] = None  # the item field holding the user's own label or score
    sample_dir: ClassVar[Path | None] = None  # the bundled sample is tasks/data/<name>/

    def query(self, example: Example) -> str:
        """The text after the task's marker; the whole input when the marker is missing.

        An input without its marker (a real LaMP_2 dev quirk, id "110") has no official query:
        the official code does not handle it and fails with an error on such an input, so there is
        no official behaviour to match. The whole input is the query here, so the question still runs.
        """
        text = example.input
        at = text.find(self.query_marker)
        return text[at + len(self.query_marker) :].strip() if at >= 0 else text.strip()

    def item_text(self, item: Item) -> str:
        """The item's text for retrieval (a single field unless the task says otherwise)."""
        return str(item[self.item_fields[0]])

    def render_item(self, item: Item) -> str:
        """One profile item as the official prompt writes it."""
        return self.item_template.format(**{k: str(v) for k, v in item.items() if isinstance(k, str)})

    def prompt(self, example: Example, items: list[Item]) -> str:
        """The profile-augmented prompt; without items the input alone (as the official k=0 path)."""
        if not items:
            return example.input
        joined = ", and ".join(self.render_item(item) for item in items)
        return self.prompt_template.format(joined=joined, input=example.input)

    def parse_strict(self, text: str) -> str:
        """Exactly the official scorer: ``str(x).strip()``, nothing else."""
        return str(text).strip()

    def parse_lenient(self, text: str) -> str:
        """Forgiving extraction recorded beside the strict parse; tasks refine it."""
        return str(text).strip()

    def labels_in(self, text: str) -> list[str]:
        """The distinct labels the text names, first mention first (none for free-text tasks)."""
        return label_mentions(text, self.labels) if self.labels else []

    def check_gold(self, gold: str) -> str | None:
        """None if the gold is a valid answer of the task, else why it is not."""
        if self.labels is not None and gold.strip() not in self.labels:
            return f"{gold!r} is not a label of {self.name} ({', '.join(self.labels)})"
        return None


class LampClassificationTask(LampTask):
    """LaMP_1 and LaMP_2: a fixed label list; lenient parsing finds a label in free text."""

    kind: ClassVar[TaskKind] = "classification"
    metrics: ClassVar[tuple[str, ...]] = ("accuracy", "f1")

    def parse_lenient(self, text: str) -> str:
        """The one label the answer names (after its last "Answer:" marker); else the answer unchanged.

        Two or more distinct labels are ambiguous (an echo of the label list, "[1] and [2]"): the
        answer stays as it is, which is not a label, so it is counted as unrecoverable and never
        credited.
        """
        strict = str(text).strip()
        assert self.labels is not None
        if strict in self.labels:
            return strict
        tail = after_answer_marker(strict)
        by_lower = {label.lower(): label for label in self.labels}
        cleaned = _clean(tail).lower()
        if cleaned in by_lower:
            return by_lower[cleaned]
        named = self.labels_in(tail)
        return named[0] if len(named) == 1 else strict


class LampGenerationTask(LampTask):
    """LaMP_4…7: free text scored by ROUGE; lenient parsing drops meta-text and quotes."""

    kind: ClassVar[TaskKind] = "generation"
    metrics: ClassVar[tuple[str, ...]] = ("rouge-1", "rouge-L")

    def parse_lenient(self, text: str) -> str:
        """First non-empty line after a "Here is a headline:"-style preamble, quotes removed."""
        lines = [line.strip() for line in str(text).strip().splitlines() if line.strip()]
        if not lines:
            return ""
        first = lines[0]
        if PREAMBLE.match(first) and len(lines) > 1 and first.rstrip().endswith(":"):
            first = lines[1]
        first = LABEL_PREFIX.sub("", first, count=1)
        return _strip_quotes(first)


_QUOTES = "\"'“”‘’`*"


def _clean(text: str) -> str:
    """Strip whitespace, quotes, markdown emphasis and trailing punctuation."""
    return text.strip().strip(_QUOTES).strip().rstrip(".!;,").strip().strip(_QUOTES).strip()


def _strip_quotes(text: str) -> str:
    """Remove one pair of surrounding quotes (straight or curly) and markdown emphasis."""
    stripped = text.strip().strip("*").strip()
    if len(stripped) >= 2 and stripped[0] in _QUOTES and stripped[-1] in _QUOTES:
        stripped = stripped[1:-1].strip()
    return stripped
