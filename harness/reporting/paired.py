"""Paired bootstrap intervals for reasoning − general differences on the same samples.

Two models' separate 95% intervals can overlap although one beats the other on nearly every
question; resampling the *pairs* (the same sample ids for both models) removes the variance that
comes from which questions were drawn. Only ids scored by both runs enter (an unscorable sample
of one model is not a loss of the other), and metrics without per-sample values (macro F1) are
left out with a note rather than approximated.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from harness.errors import ReaperError
from harness.io import read_jsonl
from harness.reporting.frame import Table, grid
from harness.reporting.runs import Run, metric_keys, metric_meta, select_method, setting_sort_key

COLUMNS = ("diff", "ci95 low", "ci95 high", "n")
ROW_NAMES = ["reasoning model", "general model", "task", "setting", "metric"]


def per_sample(run: Run, key: str, cache: dict[Path, list[dict[str, Any]]]) -> dict[str, float]:
    """Sample id -> value of one metric for the run's scored samples (strict or lenient parse)."""
    if run.path not in cache:
        cache[run.path] = read_jsonl(run.path / "samples.jsonl") if (run.path / "samples.jsonl").exists() else []
    name, _, parse = key.partition("@")
    field = "lenient_metrics" if parse == "lenient" else "metrics"
    return {
        s["id"]: float(s[field][name]) for s in cache[run.path] if s.get("status") == "ok" and name in s.get(field, {})
    }


def statistic(name: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Difference of the corpus metric along the last axis: RMSE is not a mean of its per-sample values."""
    if name == "RMSE":
        return np.sqrt((a**2).mean(axis=-1)) - np.sqrt((b**2).mean(axis=-1))
    return a.mean(axis=-1) - b.mean(axis=-1)


def paired_difference(
    name: str, a: list[float], b: list[float], resamples: int = 1000, seed: int = 0
) -> dict[str, Any]:
    """The observed difference a − b and a percentile bootstrap 95% interval over paired resamples."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    out: dict[str, Any] = {"diff": None, "low": None, "high": None, "n": len(x)}
    if len(x) == 0:
        return out
    out["diff"] = float(statistic(name, x, y))
    if resamples > 0 and len(x) > 1:
        idx = np.random.default_rng(seed).integers(0, len(x), (resamples, len(x)))
        values = statistic(name, x[idx], y[idx])
        out["low"], out["high"] = float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))
    return out


def paired_table(runs: list[Run], parse: str = "strict", method: str = "direct", resamples: int = 1000,
                 seed: int = 0) -> Table:  # fmt: skip
    """Every reasoning (or prompted-reasoning) model paired with every general model, per task × setting × metric."""
    runs = select_method(runs, method)
    cache: dict[Path, list[dict[str, Any]]] = {}
    cells: dict[tuple[tuple, tuple], float | None] = {}
    info: dict[str, tuple[str, bool]] = {}
    skipped: set[str] = set()
    rows = []
    cell_runs = {(r.task, r.setting, r.model): r for r in runs}
    for task, setting in sorted({(r.task, r.setting) for r in runs}, key=lambda ts: (ts[0], setting_sort_key(ts[1]))):
        scope = [r for r in runs if r.task == task and r.setting == setting]
        lrms = sorted(r.model for r in scope if r.model_type in ("reasoning", "prompted-reasoning"))
        llms = sorted(r.model for r in scope if r.model_type == "general")
        for lrm in lrms:
            for llm in llms:
                a_run, b_run = cell_runs[(task, setting, lrm)], cell_runs[(task, setting, llm)]
                for key in metric_keys(a_run, parse):
                    if key not in b_run.summary["metrics"]:
                        continue
                    a, b = per_sample(a_run, key, cache), per_sample(b_run, key, cache)
                    if not a and not b:
                        skipped.add(metric_meta(a_run, key)[0])
                        continue
                    info[key] = metric_meta(a_run, key)
                    ids = sorted(set(a) & set(b))
                    result = paired_difference(
                        key.split("@")[0], [a[i] for i in ids], [b[i] for i in ids], resamples, seed
                    )
                    row = (lrm, llm, task, setting, key)
                    rows.append(row)
                    for col, value in zip(
                        COLUMNS, (result["diff"], result["low"], result["high"], result["n"]), strict=True
                    ):
                        cells[(row, (col,))] = value
    if not rows:
        raise ReaperError(
            f"no reasoning and general models ran the same task and setting with method {method!r}: nothing to pair"
        )
    frame, absent = grid(rows, [(c,) for c in COLUMNS], cells, ROW_NAMES, ["statistic"])
    notes = [
        f"diff = reasoning − general on the samples both scored; paired bootstrap ({resamples} resamples, seed {seed})."
    ]
    notes += [f"{name}: no per-sample values, not paired." for name in sorted(skipped)]
    if any(r.model_type == "prompted-reasoning" for r in runs):
        notes.append("Prompted-reasoning models (general models told to think first; not LRMs) are paired on the "
                     "reasoning side; their type is in the T1 column headers.")  # fmt: skip
    title = f"T1b. Paired differences, reasoning − general ({parse} parse, method {method})"
    return Table("paired", title, frame, absent, "metric", info, formats={"n": ".0f"}, notes=notes)
