"""LaMP_4, news headline generation in the journalist's own style."""

from __future__ import annotations

from harness.registry import TASKS
from harness.types import Item
from tasks.lamp_base import LampGenerationTask


@TASKS.register("LaMP_4")
class NewsHeadline(LampGenerationTask):
    """Items are the journalist's articles with their headlines; the query is the new article."""

    name = "LaMP_4"
    item_fields = ("title", "text")
    output_field = "title"
    query_marker = "article:"
    item_template = '"{title}" is the title for "{text}" '
    budget_field = "text"

    def item_text(self, item: Item) -> str:
        return f"{item['title']} {item['text']}"
