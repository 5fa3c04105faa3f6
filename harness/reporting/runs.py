"""Run directories as the reporting code sees them: finding them, naming their cells, reading metric metadata.

Every number is read from a run's summary.json (written by the scoring code), and every metric's
direction and display name from the metric metadata stored there (falling back to the registry).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import ReaperError
from harness.run.metrics import METRICS

Warn = Callable[[str], None]


def warn_stderr(message: str) -> None:
    print(f"reaper: {message}", file=sys.stderr)


@dataclass(frozen=True)
class Run:
    """One run directory as the tables see it: where it is, its summary, and when it was scored."""

    path: Path
    summary: dict[str, Any]
    mtime: float

    @property
    def ident(self) -> dict[str, Any]:
        return self.summary["run"]

    @property
    def task(self) -> str:
        return str(self.ident["task"])

    @property
    def model(self) -> str:
        return str(self.ident["model"])

    @property
    def model_type(self) -> str:
        return str(self.ident.get("model_type", "general"))

    @property
    def method(self) -> str:
        return str(self.ident.get("method", "direct"))

    @property
    def setting(self) -> str:
        return setting_label(str(self.ident["retriever"]), int(self.ident.get("k", 0)))

    @property
    def cell(self) -> tuple[str, str, str, str]:
        """What makes two runs the same table cell (the spec hash does not)."""
        return (self.task, self.model, self.setting, self.method)


def setting_label(retriever: str, k: int) -> str:
    """``bm25 k=4``; retrieval off is just ``none``."""
    return "none" if retriever == "none" or k == 0 else f"{retriever} k={k}"


def setting_sort_key(label: str) -> tuple[int, str, int]:
    name, _, k = label.partition(" k=")
    return (0 if name == "none" else 1, name, int(k) if k else 0)


def family_of(tag: str) -> str:
    """``format.empty`` -> ``format``: the failure mode a tag belongs to (its name before the dot)."""
    return tag.split(".", 1)[0]


def tag_order(tag: str) -> tuple[str, bool, str]:
    """Failure tags grouped by mode; within a mode alphabetical, ``<mode>.any`` last."""
    return (family_of(tag), tag.endswith(".any"), tag)


def find_runs(runs_dir: Path, warn: Warn = warn_stderr) -> list[Run]:
    """Every run under ``runs_dir`` (any depth); of duplicates of one cell, the newest summary wins."""
    if not runs_dir.is_dir():
        raise ReaperError(f"{runs_dir}: no such directory")
    runs: dict[tuple[str, str, str, str], list[Run]] = {}
    for path in sorted(runs_dir.rglob("summary.json")):
        try:
            summary = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as err:
            raise ReaperError(f"{path}: unreadable summary ({err})") from err
        if not isinstance(summary, dict) or "run" not in summary or "metrics" not in summary:
            warn(f"{path}: not a run summary (no 'run'/'metrics'); skipped")
            continue
        run = Run(path.parent, summary, path.stat().st_mtime)
        runs.setdefault(run.cell, []).append(run)
    if not runs:
        raise ReaperError(f"{runs_dir}: no run directories (no summary.json with a 'run' entry)")
    chosen = []
    for cell, group in runs.items():
        group.sort(key=lambda r: r.mtime, reverse=True)
        if len(group) > 1:
            others = ", ".join(str(r.path) for r in group[1:])
            warn(f"{len(group)} runs for {' / '.join(cell)}: using the newest, {group[0].path} (ignored: {others})")
        chosen.append(group[0])
    return sorted(chosen, key=lambda r: r.path.name)


def metric_keys(run: Run, parse: str) -> list[str]:
    """The run's metric keys for a parse (strict keys have no '@'), in the summary's order."""
    keys = run.summary["metrics"]
    return [k for k in keys if "@" not in k] if parse == "strict" else [k for k in keys if k.endswith("@lenient")]


def metric_meta(run: Run, key: str) -> tuple[str, bool]:
    """Display name and direction: from the summary entry, else from the metric registry."""
    entry = run.summary["metrics"][key]
    base = METRICS.get(key.split("@")[0])
    display = entry.get("display") or (base.display if base else key)
    higher = entry.get("higher_is_better", base.higher_is_better if base else None)
    if higher is None:
        raise ReaperError(f"{run.path}: metric {key!r} declares no direction (higher_is_better)")
    return (f"{display} (lenient)" if key.endswith("@lenient") else display), bool(higher)


def select_method(runs: list[Run], method: str) -> list[Run]:
    chosen = [r for r in runs if r.method == method]
    if not chosen:
        known = ", ".join(sorted({r.method for r in runs}))
        raise ReaperError(f"no runs with method {method!r} (methods found: {known})")
    return chosen
