"""LaMP_3, product rating: which score from 1 to 5 would this user give this review?"""

from __future__ import annotations

import re

from harness.registry import TASKS
from harness.text import after_answer_marker, as_label
from tasks.lamp_base import LampTask

_SCALE_PHRASES = re.compile(r"\b(?:out of|/)\s*(?:5|five)\b|\b1\s*(?:to|-|–)\s*5\b|\bscale of\b", re.IGNORECASE)
# A score named in text: a number 1–5 (decimals kept: "4.5" is a score, not a label), or "five stars";
# counts ("3 reviews", "2 weeks", "5%") are not scores.
_RATING = re.compile(
    r"(?<![\d.,])(?P<value>[1-5](?:\.\d+)?)(?![\d])(?![.,]\d)"
    r"(?!\s*(?:%|percent|x\b|times|weeks?|days?|months?|years?|hours?|minutes?|reviews?|items?|products?|people|"
    r"pieces?|units?|pack|inch(?:es)?|feet|ft|lbs?|oz|cm|mm|kg|g\b|ml|am\b|pm\b))"
    r"|\b(?P<word>one|two|three|four|five)(?=\s+stars?\b)",
    re.IGNORECASE,
)
_WORD_VALUE = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5"}


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
        """The one score the answer names (after its last "Rating:" marker, scale phrases removed).

        Two or more distinct scores ("4 or 5") are ambiguous: the answer stays as it is, which is
        not a label, so it is counted as unrecoverable and never credited.
        """
        strict = str(text).strip()
        if _is_number(strict):
            return strict
        named = self.labels_in(after_answer_marker(strict))
        return named[0] if len(named) == 1 else strict

    def labels_in(self, text: str) -> list[str]:
        """Every distinct score the text names ("4.0" read as "4"; "4.5" kept as a non-label score)."""
        named: list[str] = []
        for m in _RATING.finditer(_SCALE_PHRASES.sub(" ", str(text))):
            value = _WORD_VALUE[m["word"].lower()] if m["word"] else m["value"]
            value = str(int(float(value))) if float(value).is_integer() else value
            if value not in named:
                named.append(value)
        return named

    def check_gold(self, gold: str) -> str | None:
        """Golds are 1..5 (numbers such as "4.0" included); anything else is a data error."""
        if as_label(gold, self) is not None:  # type: ignore[arg-type]  # ClassVar members satisfy Task at run time
            return None
        return f"{gold!r} is not a rating from 1 to 5"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
