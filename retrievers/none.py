"""No retrieval: the prompt is the input alone (the official k=0 baseline)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.registry import RETRIEVERS

if TYPE_CHECKING:
    from harness.config import RetrieverConfig


@RETRIEVERS.register("none")
class NoRetriever:
    """Returns no items whatever k is."""

    name = "none"

    def __init__(self, spec: RetrieverConfig, cache_dir: Path | None = None) -> None:
        pass

    def prepare(self, texts: Iterable[str]) -> None:
        """Nothing to precompute: ranking reads only the user's own items."""

    def rank(self, query: str, items: list[dict[str, Any]], texts: list[str], k: int) -> list[int]:
        """Always empty."""
        return []
