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

    def parse_lenient(self, text: str) -> str:
        """Also reads "1", "Answer: 2", "reference [2]" and "[2]." as labels."""
        found = super().parse_lenient(text)
        if found in self.labels:
            return found
        digits = re.findall(r"(?<![\d.])([12])(?![\d.])", str(text))
        return f"[{digits[-1]}]" if len(set(digits)) == 1 else found


def _quoted_strings(text: str) -> list[str]:
    """Strings between successive pairs of double quotes (the official procedure's reading)."""
    return text.split('"')[1::2][: text.count('"') // 2]
