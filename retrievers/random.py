"""Random profile items: a baseline that shows what retrieval adds over any k items.

The shuffle is seeded from ``spec.seed``, the query and the item ids through SHA-256 (Python's
``hash()`` changes between processes), so each question gets its own order and reruns repeat it.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.registry import RETRIEVERS

if TYPE_CHECKING:
    from harness.config import RetrieverConfig


@RETRIEVERS.register("random")
class RandomRetriever:
    """k items of a per-question seeded shuffle (a prefix of the full shuffle, so k nests)."""

    name = "random"

    def __init__(self, spec: RetrieverConfig, cache_dir: Path | None = None) -> None:
        self.seed = int(spec.seed)

    def prepare(self, texts: Iterable[str]) -> None:
        """Nothing to precompute: ranking reads only the user's own items."""

    def rank(self, query: str, items: list[dict[str, Any]], texts: list[str], k: int) -> list[int]:
        """Indices of k shuffled items."""
        material = json.dumps([self.seed, query, [str(item.get("id")) for item in items]])
        order = list(range(len(items)))
        random.Random(int.from_bytes(hashlib.sha256(material.encode()).digest()[:8], "big")).shuffle(order)
        return order[: max(k, 0)]
