"""LaMP_5, scholarly title generation in the researcher's own style."""

from __future__ import annotations

from harness.registry import TASKS
from harness.types import Item
from tasks.lamp_base import LampGenerationTask


@TASKS.register("LaMP_5")
class ScholarlyTitle(LampGenerationTask):
    """Items are the researcher's papers; the query is the new abstract (text after the first colon)."""

    name = "LaMP_5"
    item_fields = ("title", "abstract")
    output_field = "title"
    item_template = '"{title}" is a title for "{abstract}" '
    prompt_template = "{joined}. Following the given patterns {input}"
    budget_field = "abstract"

    def item_text(self, item: Item) -> str:
        return f"{item['title']} {item['abstract']}"
