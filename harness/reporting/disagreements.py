"""Paired disagreements: the samples where a reasoning model and a general model part ways.

T1b says by how much a reasoning model beats or trails a general one; this view shows on which
questions. For every reasoning (or prompted-reasoning) × general pair that ran the same task,
retrieval setting and method, each sample id both scored is compared on the task's headline
per-sample metric (the first metric with per-sample values):

- a metric with right/wrong values (accuracy: 1 or 0; MAE: an absolute error of 0 is right) is a
  disagreement when one side is right and the other wrong;
- a graded metric (ROUGE) has no "right"; a disagreement is a gap of at least ``MARGIN`` between
  the two values, the higher side winning.

Each record carries both answers, the gold, both values and the loser's failure tags with their
evidence, so the report can show them side by side.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.reporting.paired import per_sample
from harness.reporting.runs import Run, metric_keys, metric_meta

MARGIN = 0.2  # graded metrics: the least gap that counts as a disagreement
EXACT = {"accuracy": 1.0, "MAE": 0.0, "RMSE": 0.0}  # metric -> the per-sample value that is right
REASONING_TYPES = ("reasoning", "prompted-reasoning")


def headline(run: Run, parse: str) -> str | None:
    """The first metric of the run with per-sample values (macro F1 has none)."""
    for key in metric_keys(run, parse):
        if key.split("@")[0] != "f1":
            return key
    return None


def disagreements(runs: list[Run], parse: str = "strict") -> list[dict[str, Any]]:
    """Every paired disagreement, grouped by pair (task, setting, method, reasoning model, general model)."""
    cache: dict[Path, list[dict[str, Any]]] = {}
    rows: dict[Path, dict[str, dict[str, Any]]] = {}
    out = []
    groups: dict[tuple[str, str, str], list[Run]] = {}
    for run in runs:
        groups.setdefault((run.task, run.setting, run.method), []).append(run)
    for (task, setting, method), scope in sorted(groups.items()):
        for lrm in sorted((r for r in scope if r.model_type in REASONING_TYPES), key=lambda r: r.model):
            for llm in sorted((r for r in scope if r.model_type == "general"), key=lambda r: r.model):
                key = headline(lrm, parse)
                if key is None or key not in llm.summary["metrics"]:
                    continue
                a, b = per_sample(lrm, key, cache), per_sample(llm, key, cache)
                display, higher = metric_meta(lrm, key)
                pair = {"task": task, "setting": setting, "method": method, "metric": display,
                        "reasoning_model": lrm.model, "general_model": llm.model}  # fmt: skip
                for sid in sorted(set(a) & set(b)):
                    winner = _winner(key.split("@")[0], a[sid], b[sid], higher)
                    if winner is None:
                        continue
                    loser = llm if winner == "reasoning" else lrm
                    out.append({**pair, "id": sid, "winner": winner,
                                "reasoning": _side(lrm, sid, a[sid], rows, cache),
                                "general": _side(llm, sid, b[sid], rows, cache),
                                "loser_tags": _tags(_row(loser, sid, rows, cache))})  # fmt: skip
    return out


def _winner(name: str, a: float, b: float, higher: bool) -> str | None:
    """ "reasoning", "general" or None (no disagreement) for one sample's two values."""
    if name in EXACT:
        right_a, right_b = a == EXACT[name], b == EXACT[name]
        return None if right_a == right_b else ("reasoning" if right_a else "general")
    if abs(a - b) < MARGIN:
        return None
    return "reasoning" if (a > b) == higher else "general"


def _row(run: Run, sid: str, rows: dict[Path, dict[str, dict[str, Any]]], cache: dict) -> dict[str, Any]:
    if run.path not in rows:
        rows[run.path] = {s["id"]: s for s in cache.get(run.path, [])}
    return rows[run.path].get(sid, {})


def _side(run: Run, sid: str, value: float, rows: dict, cache: dict) -> dict[str, Any]:
    row = _row(run, sid, rows, cache)
    return {"answer": row.get("answer"), "gold": row.get("gold"), "value": value,
            "reasoning_tokens": row.get("reasoning_tokens")}  # fmt: skip


def _tags(row: dict[str, Any]) -> list[dict[str, Any]]:
    """The sample's failure tags with their evidence (analyzers that found nothing are left out)."""
    out = []
    for analyzer, entry in (row.get("tags") or {}).items():
        if isinstance(entry, dict) and entry.get("tags") and not entry.get("na"):
            out.append({"analyzer": analyzer, "tags": list(entry["tags"]),
                        "evidence": [e if isinstance(e, str) else str(e) for e in entry.get("evidence") or []]})  # fmt: skip
    return out
