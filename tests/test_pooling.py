"""A grid pools each model's requests across its cells: one pass through the engine per model, the
same generations as cell-by-cell, each cell still written (and resumable) on its own."""

import json
import re
from pathlib import Path

from test_grid import counters, reaper_run

GRID = ["-m", "model=canned", "model.path=a,b", "model.name=m", "retriever=none,bm25", "task=lamp2,lamp3"]


def generations(runs: Path) -> dict[str, str]:
    return {p.parent.name: p.read_text() for p in sorted(runs.glob("*/generations.jsonl"))}


def pooled_counts(stderr: str) -> list[tuple[int, int]]:
    return [(int(n), int(c)) for n, c in re.findall(r"pooling (\d+) requests of (\d+) cells", stderr)]


def test_grid_generates_each_models_cells_in_one_pool_with_the_same_results(tmp_path):
    pooled = reaper_run(tmp_path / "pooled", *GRID)
    assert pooled.returncode == 0, pooled.stderr
    runs = tmp_path / "pooled" / "runs"
    per_model: dict[str, int] = {}
    for spec in runs.glob("*/spec.json"):  # the questions of each model's cells, counted from what was written
        path = json.loads(spec.read_text())["config"]["model"]["path"]
        per_model[path] = per_model.get(path, 0) + len((spec.parent / "inputs.jsonl").read_text().splitlines())
    assert pooled_counts(pooled.stderr) == [(per_model["a"], 4), (per_model["b"], 4)]
    assert not re.search(r"^\[reaper\] generated [1-9]", pooled.stderr, re.M)  # the cells found everything stored
    assert counters(pooled.stderr) == {"cells": 8, "loads": 2, "retrievals": 2}
    alone = reaper_run(tmp_path / "alone", *GRID, "hydra/launcher=basic")
    assert alone.returncode == 0, alone.stderr
    assert "pooling" not in alone.stderr
    assert generations(runs) == generations(tmp_path / "alone" / "runs")  # byte for byte, cell by cell


def test_methods_that_build_requests_from_replies_are_not_pooled(tmp_path):
    result = reaper_run(tmp_path, "-m", "model=canned", "task=lamp2", "retriever=none,bm25", "method=direct,srm")
    assert result.returncode == 0, result.stderr
    assert pooled_counts(result.stderr) == [(2 * 15, 2)]  # the two direct cells of the bundled 15 questions
    assert len(list((tmp_path / "runs").glob("*/summary.json"))) == 4
