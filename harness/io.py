"""Atomic writes: a file either holds its complete content or does not exist (never half-written)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from harness.errors import ReaperError


def write_text_atomic(path: Path, text: str, durable: bool = True) -> None:
    """Write to a temporary file in the same folder, fsync (when ``durable``), then rename over the target.

    Files rebuilt from others (samples, per-run copies of stored generations) skip the fsync: the
    rename alone keeps them all-or-nothing, and the store holds the durable copy.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; results are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, data: Any, durable: bool = True) -> None:
    write_text_atomic(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n", durable)


def write_jsonl_atomic(path: Path, rows: Iterable[dict[str, Any]], durable: bool = True) -> None:
    write_text_atomic(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), durable)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The records of a JSON-lines file; a torn or edited line is one error naming the file and line."""
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as err:
                raise ReaperError(
                    f"{path}: line {number}: not a JSON record ({err}); the file is torn or edited"
                ) from None
            if not isinstance(row, dict):
                raise ReaperError(f"{path}: line {number}: a record must be a JSON object, got {type(row).__name__}")
            rows.append(row)
    return rows
