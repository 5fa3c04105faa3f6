"""``reaper export-preds RUNS_DIR --out DIR``: one official predictions file per task, for the leaderboard.

The LaMP test golds are withheld: a test-partition grid is generated and analyzed here, and its
answers are submitted as ``{"task": "LaMP_N", "golds": [{"id", "output"}]}`` files (the outputs
format). Options choose which cell (model, retriever, k, method) feeds each task; more than one
match for a task is an error listing them, never a silent pick. A question without an answer (a
failed generation or a trace that never closed) is written as an empty string, and counted.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.errors import ReaperError
from harness.io import read_jsonl, write_json_atomic
from harness.progress import note
from harness.safe import path_component


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("runs_dir", help="a folder of run directories (any depth)")
    parser.add_argument("--out", required=True, help="folder for <task>_predictions.json files")
    parser.add_argument("--model", default=None, help="model name (summary run.model) to export")
    parser.add_argument("--retriever", default=None, help="retriever label, e.g. none, bm25, contriever")
    parser.add_argument("--k", type=int, default=None, help="retrieved items of the cell")
    parser.add_argument("--method", default=None, help="method, e.g. direct or r2p")
    parser.add_argument("--lenient", action="store_true", help="export the lenient parse instead of the strict answer")


def handle(ns: argparse.Namespace) -> None:
    from harness.reporting.runs import find_runs

    wanted = {"model": ns.model, "retriever": ns.retriever, "k": ns.k, "method": ns.method}
    runs = [r for r in find_runs(Path(ns.runs_dir)) if all(v is None or r.ident.get(f) == v for f, v in wanted.items())]
    if not runs:
        raise ReaperError(f"{ns.runs_dir}: no run matches {_describe(wanted)}")
    by_task: dict[str, list] = {}
    for run in runs:
        by_task.setdefault(run.task, []).append(run)
    for task, group in sorted(by_task.items()):
        if len(group) > 1:
            cells = "; ".join(f"{r.model} {r.setting} {r.method}" for r in group)
            raise ReaperError(
                f"{task}: {len(group)} runs match ({cells}); choose one with --model/--retriever/--k/--method"
            )
    out = Path(ns.out)
    for task, (run,) in sorted(by_task.items()):
        write_predictions(run.path, task, out / f"{path_component(task)}_predictions.json", ns.lenient)


def write_predictions(run_dir: Path, task: str, target: Path, lenient: bool) -> None:
    """The run's answers in question order; unanswered questions as "" (the scorer needs every id)."""
    field = "lenient_pred" if lenient else "strict_pred"
    rows = read_jsonl(run_dir / "samples.jsonl")
    golds = [{"id": row["id"], "output": row.get(field) or ""} for row in rows]
    empty = sum(not row.get(field) for row in rows)
    write_json_atomic(target, {"task": task, "golds": golds})
    note(f"{task}: {len(golds)} predictions from {run_dir.name} -> {target}"
         + (f" ({empty} without an answer, written as \"\")" if empty else ""))  # fmt: skip


def _describe(wanted: dict) -> str:
    chosen = [f"{k}={v}" for k, v in wanted.items() if v is not None]
    return ", ".join(chosen) if chosen else "(any)"
