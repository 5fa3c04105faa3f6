"""An example task plugin that is not LaMP: recipe tagging, personalised by the cook's own tags.

It implements the Task protocol of ``harness.types`` directly (no LaMP base class) and registers
through the ``reaper.tasks`` entry point in this package's pyproject.toml: installing the package
is all it takes for ``reaper run task=recipe_tag`` and ``reaper score --task recipe_tag``.
"""

from __future__ import annotations

from pathlib import Path

from harness.text import label_mentions
from harness.types import Example, Item

TAGS = ("vegetarian", "dessert", "quick weeknight", "comfort food", "spicy", "healthy")


class RecipeTag:
    """Classification over a fixed tag list; profile items are the cook's past tagged recipes."""

    name = "recipe_tag"
    kind = "classification"
    labels = TAGS
    metrics = ("accuracy", "f1")
    item_fields = ("recipe", "tag")
    label_field = "tag"  # the item field with the cook's own tag (analyses that compare with the profile)
    output_field = None
    budget_field = "recipe"
    sample_dir = Path(__file__).parent / "data"

    def query(self, example: Example) -> str:
        at = example.input.find("recipe:")
        return example.input[at + len("recipe:") :].strip() if at >= 0 else example.input

    def item_text(self, item: Item) -> str:
        return str(item["recipe"])

    def render_item(self, item: Item) -> str:
        return f'the cook tagged "{item["recipe"]}" as "{item["tag"]}"'

    def prompt(self, example: Example, items: list[Item]) -> str:
        if not items:
            return example.input
        return "; ".join(self.render_item(i) for i in items) + ". " + example.input

    def parse_strict(self, text: str) -> str:
        return str(text).strip()

    def parse_lenient(self, text: str) -> str:
        """The one tag the answer names; two or more are ambiguous and leave the answer as it is."""
        named = self.labels_in(text)
        return named[0] if len(named) == 1 else str(text).strip()

    def labels_in(self, text: str) -> list[str]:
        return label_mentions(text, TAGS)

    def check_gold(self, gold: str) -> str | None:
        return None if gold.strip() in TAGS else f"{gold!r} is not one of {', '.join(TAGS)}"
