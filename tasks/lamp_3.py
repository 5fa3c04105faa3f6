"""LaMP_3, product rating: which score from 1 to 5 would this user give this review?"""

from __future__ import annotations

import re

from harness.registry import TASKS
from harness.text import as_label
from tasks.lamp_base import LampTask

_SCALE_PHRASES = re.compile(r"\b(?:out of|/)\s*5\b|\b1\s*(?:to|-|–)\s*5\b|\bscale of\b", re.IGNORECASE)
_RATING = re.compile(r"(?<![\d.])([1-5](?:\.\d+)?)(?![\d])")


@TASKS.register("LaMP_3")
class ProductRating(LampTask):
    """Items are the user's past reviews with their scores; the query is the new review."""

    name = "LaMP_3"
    kind = "rating"
    labels = ("1", "2", "3", "4", "5")
    metrics = ("MAE", "RMSE")
    item_fields = ("text", "score")
    label_field = "score"
    query_marker = "review:"
    item_template = '{score} is the score for "{text}" '
    budget_field = "text"

    def parse_lenient(self, text: str) -> str:
        """The first rating in the text once scale phrases ("out of 5", "1 to 5") are removed."""
        strict = str(text).strip()
        if _is_number(strict):
            return strict
        match = _RATING.search(_SCALE_PHRASES.sub(" ", strict))
        return match.group(1) if match else strict

    def check_gold(self, gold: str) -> str | None:
        """Golds are 1..5 (numbers such as "4.0" included); anything else is a data error."""
        if as_label(gold, self) is not None:
            return None
        return f"{gold!r} is not a rating from 1 to 5"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
