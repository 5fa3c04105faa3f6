"""Progress: tqdm bars on a terminal; a few quiet lines in CI or when stderr is not a TTY."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def interactive() -> bool:
    """Bars only for a person at a terminal: not in CI, not when output goes to a file."""
    return sys.stderr.isatty() and not os.environ.get("CI")


def progress(items: Iterable[T], total: int | None = None, desc: str = "") -> Iterator[T]:
    """Iterate with a bar (terminal) or with start/end lines (CI, pipes)."""
    if interactive():
        from tqdm import tqdm

        yield from tqdm(items, total=total, desc=desc, leave=False, dynamic_ncols=True)
        return
    start = time.perf_counter()
    count = 0
    for item in items:
        count += 1
        yield item
    if total is None or total >= 50 or desc.startswith("generate"):
        print(f"[reaper] {desc}: {count} done in {time.perf_counter() - start:.1f}s", file=sys.stderr)


def note(message: str) -> None:
    """One status line on stderr (both modes)."""
    print(f"[reaper] {message}", file=sys.stderr)
