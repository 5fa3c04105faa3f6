"""The data root's manifest: what was downloaded, from where, and the bytes it must still have.

``manifest.json`` in the root holds one entry per file (task, split, partition, kind, URL, size,
sha256, UTC date), keyed by the file's path under the root. It is rewritten atomically after each
file, so an interrupted fetch never leaves an entry for a file that is not complete. ``verify``
re-hashes the files: a researcher can check that the dev set a table was computed on is intact.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from harness.data.load import file_hash_fast
from harness.errors import ReaperError
from harness.io import write_json_atomic

MANIFEST = "manifest.json"
VERSION = 1


@dataclass(frozen=True)
class Entry:
    """One downloaded file as recorded in the manifest."""

    path: str  # under the root, "/"-separated (the URL path under the base)
    task: str
    split: str
    partition: str
    kind: str  # questions | outputs
    url: str
    size: int
    sha256: str
    date: str  # UTC, ISO 8601, when the download completed


def read(root: Path) -> dict[str, Entry]:
    """The manifest's entries by path; an absent manifest is empty, a broken one an error."""
    path = root / MANIFEST
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {row["path"]: Entry(**row) for row in data["files"]}
    except (ValueError, KeyError, TypeError) as err:
        raise ReaperError(f"{path}: not a reaper data manifest ({err}); delete it and fetch again") from None


def record(root: Path, entry: Entry) -> None:
    """Add or replace one entry and rewrite the manifest atomically."""
    entries = read(root)
    entries[entry.path] = entry
    rows: list[dict[str, Any]] = [asdict(e) for _, e in sorted(entries.items())]
    write_json_atomic(root / MANIFEST, {"version": VERSION, "files": rows})


def status(root: Path, entry: Entry, check_hash: bool = True) -> str:
    """``ok``, ``missing``, or why the file no longer matches what was downloaded."""
    path = root / entry.path
    if not path.is_file():
        return "missing"
    size = path.stat().st_size
    if size != entry.size:
        return f"modified (size {size}, expected {entry.size})"
    if check_hash and file_hash_fast(path) != entry.sha256:
        return "modified (sha256 differs)"
    return "ok"


def unrecorded(root: Path, entries: dict[str, Entry]) -> list[str]:
    """LaMP-style data files under the root that no manifest entry describes (copied by hand)."""
    found = [p for pattern in ("*_questions.json", "*_outputs.json") for p in root.rglob(pattern)]
    return sorted(rel for p in found if (rel := p.relative_to(root).as_posix()) not in entries)
