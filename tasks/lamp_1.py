"""LaMP_1, citation identification: which of two references would this author cite?"""

from __future__ import annotations

import re

from harness.errors import ReaperError
from harness.registry import TASKS
from harness.types import Example, Item
from tasks.lamp_base import LampClassificationTask

_CANDIDATES = re.compile(r'\[1\]: "(?P<ref1>.*)" \[2\]: "(?P<ref2>.*)"\s*$', re.DOTALL)


@TASKS.register("LaMP_1")
class CitationIdentification(LampClassificationTask):
    """Items are the author's papers; the query is the two candidate reference titles."""

    name = "LaMP_1"
    labels = ("[1]", "[2]")
    item_fields = ("title", "abstract")
    item_template = '"{title}"'
    budget_field = "title"

    def query(self, example: Example) -> str:
        """The two candidate titles joined by a space.

        They are read from their ``[1]: "…" [2]: "…"`` slots, so a quote inside the author's own
        title (a real LaMP quirk) cannot shift them, as it shifts the official quote counting.
        Inputs without those slots fall back to the 2nd and 3rd quoted strings.
        """
        match = _CANDIDATES.search(example.input)
        if match:
            return f"{match['ref1']} {match['ref2']}"
        quoted = _quoted_strings(example.input)
        if len(quoted) < 3:
            raise ReaperError("a LaMP_1 input needs the author's title and two quoted candidate titles")
        return f"{quoted[1]} {quoted[2]}"

    def item_text(self, item: Item) -> str:
        return f"{item['title']} {item['abstract']}"

    def prompt(self, example: Example, items: list[Item]) -> str:
        """Rendered titles go right after the first occurrence of "title", preceded by ", and "."""
        if not items:
            return example.input
        joined = ", and ".join(self.render_item(item) for item in items)
        at = example.input.find("title")
        if at < 0:
            return example.input
        cut = at + len("title")
        return example.input[:cut] + ", and " + joined + example.input[cut:]

    def labels_in(self, text: str) -> list[str]:
        """Also reads "1", "reference 2", "the first reference": each names a reference."""
        named: list[str] = []
        for m in _REFERENCE.finditer(str(text)):
            label = "[1]" if (m["digit"] or "") == "1" or (m["ordinal"] or "").lower() == "first" else "[2]"
            if label not in named:
                named.append(label)
        return named


_REFERENCE = re.compile(
    r"(?<![\d.])(?P<digit>[12])(?![\d.]*\d)|\b(?P<ordinal>first|second)\s+(?:reference|option|paper|one|title|candidate)\b",
    re.IGNORECASE,
)


def _quoted_strings(text: str) -> list[str]:
    """Strings between successive pairs of double quotes (the official procedure's reading)."""
    return text.split('"')[1::2][: text.count('"') // 2]
