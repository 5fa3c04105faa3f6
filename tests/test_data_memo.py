"""A questions file is parsed once per process for a whole grid, and ``limit`` stops the parse early."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from harness.data import load
from harness.errors import DataError
from harness.registry import get_task


def _write(path: Path, rows: list) -> None:
    path.write_text(json.dumps(rows), encoding="utf-8")


def _row(i: int) -> dict:
    return {"id": f"q{i}", "input": f"Paraphrase the following tweet: t{i}", "profile": [{"id": f"p{i}", "text": "x"}]}


def test_a_file_is_parsed_once_until_it_changes(tmp_path: Path) -> None:
    load.clear_memo()
    path, task = tmp_path / "q.json", get_task("LaMP_7")
    _write(path, [_row(i) for i in range(4)])
    before = dict(load.READS)
    first = load.load_dataset(task, str(path))
    second = load.load_dataset(task, str(path))
    assert load.READS["parsed"] - before["parsed"] == 1 and load.READS["memo_hits"] - before["memo_hits"] == 1
    assert [e.id for e in first.examples] == [e.id for e in second.examples] == ["q0", "q1", "q2", "q3"]
    assert first.examples[0] is not second.examples[0]  # each cell gets its own records (golds differ)
    _write(path, [_row(i) for i in range(5)])
    os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)
    assert len(load.load_dataset(task, str(path)).examples) == 5
    assert load.READS["parsed"] - before["parsed"] == 2


def test_limit_stops_parsing_before_a_bad_record(tmp_path: Path) -> None:
    load.clear_memo()
    path, task = tmp_path / "q.json", get_task("LaMP_7")
    _write(path, [_row(0), _row(1), {"id": "q2", "input": 3}])
    dataset = load.load_dataset(task, str(path), limit=2)
    assert [e.id for e in dataset.examples] == ["q0", "q1"] and dataset.data_hash.endswith(":first2")
    with pytest.raises(DataError, match="q2.*input"):
        load.load_dataset(task, str(path))
