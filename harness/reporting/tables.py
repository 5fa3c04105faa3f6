"""Comparison tables (T1–T5) built from run directories, the way the paper compares models.

Every number is read from a run's summary.json (written by the scoring code), and every metric's
direction and display name from the metric metadata stored there, never from this module. A cell
that some models have and others lack is kept as an explicit absent cell (rendered "—"), never
dropped: silently missing rows are how comparison tables lie. Rendering lives in
``harness.reporting.render``; the paired bootstrap in ``harness.reporting.paired``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from harness.errors import ReaperError
from harness.reporting.frame import Table, grid
from harness.reporting.paired import paired_table
from harness.reporting.runs import Run, metric_keys, metric_meta, select_method, setting_sort_key

TYPE_ORDER = ("reasoning", "prompted-reasoning", "general")
METHOD_ORDER = ("direct", "cot", "hrt", "rpi", "srm", "r2p")
ABLATION_PREFIX = "r2p_no_"
LAYOUTS = ("lrm-vs-llm", "methods", "ablation", "tokens", "failures", "paired")
TOKEN_COLUMNS = {  # summary["tokens"] key -> column label
    "reasoning_tokens_mean": "reasoning tokens",
    "answer_tokens_mean": "answer tokens",
    "total_tokens_mean": "total tokens",
    "truncation_rate": "truncation rate",
}


def _models(runs: Iterable[Run]) -> list[tuple[str, str]]:
    """(type, model) pairs, reasoning models first, then prompted-reasoning, then general."""
    pairs = {(r.model_type, r.model) for r in runs}
    return sorted(pairs, key=lambda p: (TYPE_ORDER.index(p[0]) if p[0] in TYPE_ORDER else 9, p[0], p[1]))


def lrm_vs_llm(runs: list[Run], parse: str = "strict", method: str = "direct") -> Table:
    """T1: rows task × metric; columns model (grouped by type) × retrieval setting."""
    runs = select_method(runs, method)
    info: dict[str, tuple[str, bool]] = {}
    cells: dict[tuple[tuple, tuple], float | None] = {}
    rows: dict[tuple, None] = {}
    for run in sorted(runs, key=lambda r: r.task):
        for key in metric_keys(run, parse):
            info[key] = metric_meta(run, key)
            rows[(run.task, key)] = None
            cells[((run.task, key), (run.model_type, run.model, run.setting))] = run.summary["metrics"][key]["value"]
    settings = sorted({r.setting for r in runs}, key=setting_sort_key)
    cols = [(t, m, s) for t, m in _models(runs) for s in settings]
    frame, absent = grid(list(rows), cols, cells, ["task", "metric"], ["type", "model", "setting"])
    title = f"T1. Reasoning vs general models ({parse} parse, method {method})"
    return Table("lrm-vs-llm", title, frame, absent, "metric", info, bold_best=True)


def compared_methods(runs: list[Run], ablation: bool) -> list[str]:
    """Methods of T2 (known order, then plugins) or T3 (r2p and its r2p_no_* ablations)."""
    found = {r.method for r in runs}
    if ablation:
        return [m for m in ["r2p", *sorted(m for m in found if m.startswith(ABLATION_PREFIX))] if m in found]
    extra = sorted(m for m in found if m not in METHOD_ORDER and not m.startswith(ABLATION_PREFIX))
    return [m for m in METHOD_ORDER if m in found] + extra


def methods_table(runs: list[Run], parse: str = "strict", ablation: bool = False) -> Table:
    """T2 (methods) or T3 (ablation): rows task × metric × model × setting; columns method.

    Rows are the (model, task, setting) combinations where some compared method other than the
    baseline ran; within them every method that ran anywhere is a column, "—" where absent.
    """
    methods = compared_methods(runs, ablation)
    if len(methods) < 2:
        name = "ablation (r2p and r2p_no_*)" if ablation else "method"
        raise ReaperError(f"no {name} runs to compare (methods found: {', '.join(sorted({r.method for r in runs}))})")
    baseline = methods[0]
    chosen = [r for r in runs if r.method in methods]
    combos = {(r.task, r.model_type, r.model, r.setting) for r in chosen if r.method != baseline}
    info: dict[str, tuple[str, bool]] = {}
    cells: dict[tuple[tuple, tuple], float | None] = {}
    rows: set[tuple] = set()
    for run in chosen:
        if (run.task, run.model_type, run.model, run.setting) not in combos:
            continue
        for key in metric_keys(run, parse):
            info[key] = metric_meta(run, key)
            row = (run.task, key, run.model_type, run.model, run.setting)
            rows.add(row)
            cells[(row, (run.method,))] = run.summary["metrics"][key]["value"]
    order = {m: i for i, (_, m) in enumerate(_models(chosen))}
    ordered = sorted(rows, key=lambda r: (r[0], r[1], order[r[3]], setting_sort_key(r[4])))
    frame, absent = grid(
        ordered, [(m,) for m in methods], cells, ["task", "metric", "type", "model", "setting"], ["method"]
    )
    title = f"T3. R2P ablation ({parse} parse)" if ablation else f"T2. Methods compared ({parse} parse)"
    return Table("ablation" if ablation else "methods", title, frame, absent, "metric", info, bold_best=True)


def run_rows(runs: list[Run]) -> list[tuple[str, str, str, str, str]]:
    """(task, type, model, setting, method) rows: per task and method, every setting × every model
    that ran that task and method, so a model lacking one setting shows as an absent row."""
    rows = []
    for task, method in sorted({(r.task, r.method) for r in runs}, key=lambda tm: (tm[0], _method_rank(tm[1]))):
        scope = [r for r in runs if r.task == task and r.method == method]
        settings = sorted({r.setting for r in scope}, key=setting_sort_key)
        rows += [(task, t, m, s, method) for t, m in _models(scope) for s in settings]
    return rows


def _method_rank(method: str) -> tuple[int, str]:
    return (METHOD_ORDER.index(method) if method in METHOD_ORDER else len(METHOD_ORDER), method)


def _by_row(runs: list[Run]) -> dict[tuple, Run]:
    return {(r.task, r.model_type, r.model, r.setting, r.method): r for r in runs}


ROW_NAMES = ["task", "type", "model", "setting", "method"]


def tokens_table(runs: list[Run]) -> Table:
    """T4: mean reasoning, answer and total generated tokens per run, and the truncation rate."""
    cols = [(label,) for label in TOKEN_COLUMNS.values()]
    cells: dict[tuple[tuple, tuple], float | None] = {}
    rows = run_rows(runs)
    for row, run in _by_row(runs).items():
        tokens = run.summary.get("tokens") or {}
        for key, label in TOKEN_COLUMNS.items():
            cells[(row, (label,))] = tokens.get(key)
    frame, absent = grid(rows, cols, cells, ROW_NAMES, ["quantity"])
    formats = {label: ".1f" for label in TOKEN_COLUMNS.values()} | {"truncation rate": ".3f"}
    return Table("tokens", "T4. Generated tokens per sample (means) and truncation rate", frame, absent,
                 formats=formats)  # fmt: skip


def failures_table(runs: list[Run]) -> Table:
    """T5: failure-mode rates (share of scored samples) per task × model × setting × method.

    A run the analyzers never saw has no ``failure_modes``: its cells are absent ("—"), not zero.
    """
    analysed = [r for r in runs if isinstance(r.summary.get("failure_modes"), dict)]
    tags = sorted({tag for r in analysed for tag in r.summary["failure_modes"]})
    notes = [] if analysed else ["No run has failure-mode analysis yet (run `reaper analyze RUN_DIR`)."]
    cols = [(tag,) for tag in tags] + [("n",)]
    cells: dict[tuple[tuple, tuple], float | None] = {}
    for row, run in _by_row(runs).items():
        modes = run.summary.get("failure_modes")
        if not isinstance(modes, dict):
            continue
        for tag in tags:
            if tag in modes:
                cells[(row, (tag,))] = modes[tag]
        n = run.summary.get("failure_modes_n")
        cells[(row, ("n",))] = n if isinstance(n, int | float) else run.summary.get("counts", {}).get("ok")
    frame, absent = grid(run_rows(runs), cols, cells, ROW_NAMES, ["failure mode"])
    formats = dict.fromkeys(tags, ".3f") | {"n": ".0f"}
    return Table("failures", "T5. Failure-mode rates (share of scored samples)", frame, absent,
                 formats=formats, notes=notes)  # fmt: skip


def build(layout: str, runs: list[Run], parse: str = "strict", method: str = "direct", **paired: Any) -> Table:
    """The table of a layout name (the --layout values)."""
    if layout == "lrm-vs-llm":
        return lrm_vs_llm(runs, parse, method)
    if layout in ("methods", "ablation"):
        return methods_table(runs, parse, ablation=layout == "ablation")
    if layout == "tokens":
        return tokens_table(runs)
    if layout == "failures":
        return failures_table(runs)
    if layout == "paired":
        return paired_table(runs, parse, method, **paired)
    raise ReaperError(f"unknown layout {layout!r}; choose one of {', '.join(LAYOUTS)}")
