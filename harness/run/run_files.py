"""The trace lives once in a run directory: in ``generations.jsonl``, not again in ``samples.jsonl``.

``samples.jsonl`` is the scored view of the generations (parses, metrics, tags). Its rows carry
every field of ``harness.types.Sample`` except ``raw_output`` and ``reasoning``, which
``read_samples`` joins back by id from ``generations.jsonl`` (where ``raw_text`` holds the trace
once; see ``Generation.to_record``). Run directories written before this rule kept the trace in
both files; ``read_samples`` reads them unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.io import read_jsonl, write_jsonl_atomic
from harness.types import Generation

TRACE_FIELDS = ("raw_output", "reasoning")


def write_samples(run_dir: Path, rows: list[dict[str, Any]], durable: bool = True) -> None:
    """samples.jsonl without the trace fields (generations.jsonl holds them)."""
    stripped = ({k: v for k, v in row.items() if k not in TRACE_FIELDS} for row in rows)
    write_jsonl_atomic(Path(run_dir) / "samples.jsonl", stripped, durable=durable)


def read_samples(run_dir: Path) -> list[dict[str, Any]]:
    """samples.jsonl rows with ``raw_output`` and ``reasoning`` restored from generations.jsonl."""
    run_dir = Path(run_dir)
    rows = read_jsonl(run_dir / "samples.jsonl")
    if not rows or all(field in rows[0] for field in TRACE_FIELDS):
        return rows  # nothing to join, or written before the trace moved out
    generations = run_dir / "generations.jsonl"
    by_id = {g["id"]: Generation.from_dict(g) for g in read_jsonl(generations)} if generations.exists() else {}
    for row in rows:
        gen = by_id.get(row["id"])
        row["raw_output"] = gen.raw_text if gen is not None else None
        row["reasoning"] = gen.reasoning if gen is not None else None
    return rows
