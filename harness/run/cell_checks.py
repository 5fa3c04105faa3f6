"""Settings of a cell that no schema can reject, checked before its data is read or an engine starts.

Sizes must be positive (``task.limit=-1`` would silently drop the last question, ``retriever.k=0``
would run a retriever that puts nothing in the prompt: only ``retriever=none`` has no items), and
the folders a cell writes into must not sit under a regular file.
"""

from __future__ import annotations

from harness.config import RunConfig
from harness.errors import ReaperError
from harness.paths import cache_dir
from harness.safe import check_folder


def check_cell(cfg: RunConfig) -> None:
    """One line naming the setting and its fix for the first bad one."""
    for setting, value, fix in (
        ("task.limit", cfg.task.limit, "task.limit=null keeps every question"),
        ("task.sample", cfg.task.sample, "task.sample=null keeps every question"),
    ):
        if value is not None and value < 1:
            raise ReaperError(f"{setting}={value}: must be 1 or more ({fix})")
    if cfg.retriever.name != "none" and cfg.retriever.k < 1:
        raise ReaperError(
            f"retriever.k={cfg.retriever.k}: retriever {cfg.retriever.name!r} needs k >= 1 "
            "(retriever=none runs without profile items)"
        )
    check_folder("runs_dir", cfg.runs_dir)
    if cfg.cache_dir:
        check_folder("cache_dir", cfg.cache_dir)
    else:
        check_folder("REAPER_CACHE", cache_dir())
