"""Where the harness keeps caches (prepared models, retrieval and generation caches)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """``$REAPER_CACHE`` if set, else ``~/.cache/reaper``: one place that is safe to delete."""
    env = os.environ.get("REAPER_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "reaper"
