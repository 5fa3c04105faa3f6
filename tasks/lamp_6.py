"""LaMP_6, email subject generation. Format only: its data (Avocado) is licensed, none is shipped."""

from __future__ import annotations

from harness.registry import TASKS
from tasks.lamp_base import LampGenerationTask


@TASKS.register("LaMP_6")
class EmailSubject(LampGenerationTask):
    """Items are the user's emails with their subjects; the query is the new email."""

    name = "LaMP_6"
    item_fields = ("text", "title")
    output_field = "title"
    item_template = '"{title}" is the title for "{text}" '
    budget_field = "text"
