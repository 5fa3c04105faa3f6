"""The user's newest profile items first (only meaningful where items carry a ``date``).

Dates are parsed, not compared as strings, so mixed formats sort correctly: ISO 8601 (dates and
date-times, with or without a zone), a bare year or year-month, a few common written forms and
Unix timestamps. Equal dates keep profile order (Python's sort is stable under ``reverse``).
No dateutil: the formats below cover LaMP and keep the dependency list short.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.errors import ReaperError
from harness.registry import RETRIEVERS

if TYPE_CHECKING:
    from harness.config import RetrieverConfig

_FORMATS = (
    "%Y",
    "%Y-%m",
    "%Y/%m/%d",
    "%Y/%m",
    "%m/%d/%Y",
    "%d.%m.%Y",
    "%B %d, %Y",
    "%b %d, %Y",
    "%d %B %Y",
    "%d %b %Y",
)


class ItemFieldError(ReaperError):
    """A problem with one field of one profile item; ``field`` names it, e.g. ``profile[3].date``."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def parse_date(value: Any) -> datetime | None:
    """A naive UTC datetime, or None when the value is not a date we know."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, timezone.utc).replace(tzinfo=None)
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        for fmt in _FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            return None
    return parsed.astimezone(timezone.utc).replace(tzinfo=None) if parsed.tzinfo else parsed


@RETRIEVERS.register("recency")
class RecencyRetriever:
    """Newest first by ``item["date"]``."""

    name = "recency"

    def __init__(self, spec: RetrieverConfig, cache_dir: Path | None = None) -> None:
        pass

    def prepare(self, texts: Iterable[str]) -> None:
        """Nothing to precompute: ranking reads only the user's own items."""

    def rank(self, query: str, items: list[dict[str, Any]], texts: list[str], k: int) -> list[int]:
        """Indices of the k newest items; every item must have a readable date."""
        dates = []
        for i, item in enumerate(items):
            value = item.get("date")
            if value is None or value == "":
                raise ItemFieldError(
                    f"recency retrieval needs a 'date' on every profile item; item {item.get('id')} has none",
                    f"profile[{i}].date",
                )
            parsed = parse_date(value)
            if parsed is None:
                raise ItemFieldError(f"cannot read the date {value!r} of item {item.get('id')}", f"profile[{i}].date")
            dates.append(parsed)
        return sorted(range(len(items)), key=dates.__getitem__, reverse=True)[: max(k, 0)]
