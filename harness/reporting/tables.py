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
from harness.reporting.frame import Table, float_grid, grid, object_grid
from harness.reporting.paired import paired_table
from harness.reporting.runs import Run, family_of, metric_keys, metric_meta, select_method, setting_sort_key, tag_order

TYPE_ORDER = ("reasoning", "prompted-reasoning", "general")
METHOD_ORDER = ("direct", "cot", "hrt", "rpi", "srm", "r2p")
ABLATION_PREFIX = "r2p_no_"
LAYOUTS = ("lrm-vs-llm", "methods", "ablation", "tokens", "failures", "paired", "retrieval-effect")
TOKEN_COLUMNS = {  # summary["tokens"] key -> column label (docs/tables.md defines each)
    "reasoning_tokens_mean": "reasoning tokens",
    "answer_tokens_mean": "answer tokens",
    "inserted_tokens_mean": "inserted tokens",
    "total_tokens_mean": "generated total",
    "trace_never_closed_rate": "trace never closed",
    "answer_hit_limit_rate": "answer hit the limit",
}
RATE_COUNTS = {"trace_never_closed_rate": "trace_never_closed_n", "answer_hit_limit_rate": "answer_hit_limit_n"}
LEGEND = ("— = no samples (no run for this cell, or the run was not analysed); "
          "n/a = does not apply (the run has no sample the value applies to).")  # fmt: skip
N_ROW = "n"  # T1's row of scored samples per cell


def _models(runs: Iterable[Run]) -> list[tuple[str, str]]:
    """(type, model) pairs, reasoning models first, then prompted-reasoning, then general."""
    pairs = {(r.model_type, r.model) for r in runs}
    return sorted(pairs, key=lambda p: (TYPE_ORDER.index(p[0]) if p[0] in TYPE_ORDER else 9, p[0], p[1]))


def lrm_vs_llm(runs: list[Run], parse: str = "strict", method: str = "direct", ci: bool = False) -> Table:
    """T1: rows task × metric (plus each task's n); columns model (grouped by type) × retrieval setting.

    ``n`` is the number of scored samples behind every metric of the cell (unscorable and failed
    samples are left out, never scored as wrong); ``ci`` prints each value's bootstrap 95% interval.
    """
    runs = select_method(runs, method)
    info: dict[str, tuple[str, bool | None]] = {N_ROW: ("n (scored samples)", None)}
    cells: dict[tuple[tuple, tuple], float | None] = {}
    bounds: dict[tuple[tuple, tuple], tuple[float, float] | None] = {}
    rows: dict[tuple, None] = {}
    for run in sorted(runs, key=lambda r: r.task):
        col = (run.model_type, run.model, run.setting)
        for key in metric_keys(run, parse):
            entry = run.summary["metrics"][key]
            info[key] = metric_meta(run, key)
            rows[(run.task, key)] = None
            cells[((run.task, key), col)] = entry["value"]
            bounds[((run.task, key), col)] = tuple(entry["ci95"]) if entry.get("ci95") else None
            cells[((run.task, N_ROW), col)] = entry.get("n")
    tasks = list(dict.fromkeys(task for task, _ in rows))
    ordered = [row for task in tasks for row in [*(r for r in rows if r[0] == task), (task, N_ROW)]]
    settings = sorted({r.setting for r in runs}, key=setting_sort_key)
    cols = [(t, m, s) for t, m in _models(runs) for s in settings]
    frame, absent = grid(ordered, cols, cells, ["task", "metric"], ["type", "model", "setting"])
    intervals = object_grid(frame, bounds) if ci else None
    title = f"T1. Reasoning vs general models ({parse} parse, method {method}" + (
        ", 95% bootstrap intervals)" if ci else ")"
    )
    notes = ["Bold: the single best value of a row (as printed); no bold where the best is tied.", LEGEND]
    return Table("lrm-vs-llm", title, frame, absent, "metric", info, bold_best=True, notes=notes,
                 intervals=intervals, row_formats={N_ROW: ".0f"})  # fmt: skip


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
    """T4: mean reasoning, answer and inserted tokens per sample, their sum, and two limit rates.

    Every call a method makes for a sample is summed (srm's candidates and consolidation, rpi's
    segments and rolled-back answers), so "generated total" is what a sample cost. The two rates
    carry their n (traced samples; answered samples): a trace cut at the limit has no answer, so
    the two can never be pooled into one "truncation rate".
    """
    cols = [(label,) for label in TOKEN_COLUMNS.values()]
    cells: dict[tuple[tuple, tuple], float | None] = {}
    counts: dict[tuple[tuple, tuple], float | None] = {}
    rows = run_rows(runs)
    for row, run in _by_row(runs).items():
        tokens = run.summary.get("tokens") or {}
        for key, label in TOKEN_COLUMNS.items():
            cells[(row, (label,))] = tokens.get(key)
            if key in RATE_COUNTS:
                counts[(row, (label,))] = tokens.get(RATE_COUNTS[key])
    frame, absent = grid(rows, cols, cells, ROW_NAMES, ["quantity"])
    rates = {TOKEN_COLUMNS[k] for k in RATE_COUNTS}
    formats = {label: ".3f" if label in rates else ".1f" for label in TOKEN_COLUMNS.values()}
    notes = ["Means over generated samples; generated total = reasoning + answer + inserted tokens "
             "(n/a reasoning counts as 0). Rates: share (n) of traced samples whose trace hit the token limit "
             "before the model closed it; share (n) of answered samples whose answer hit the limit. "
             "Definitions: docs/tables.md.", LEGEND]  # fmt: skip
    return Table("tokens", "T4. Tokens per sample (means) and token-limit rates", frame, absent,
                 formats=formats, notes=notes, counts=float_grid(frame, counts))  # fmt: skip


def failure_tables(runs: list[Run]) -> list[Table]:
    """T5, one table per failure mode (format, divergent, retrieval, …): rate (n) per tag.

    n is the number of samples the tag applies to (the rate's denominator). A tag the run's task
    does not have, or with no sample it applies to, is n/a; a run the analyzers never saw is "—".
    """
    analysed = [r for r in runs if isinstance(r.summary.get("failure_modes"), dict)]
    if not analysed:
        raise ReaperError("no run has failure-mode analysis yet (run `reaper analyze RUN_DIR`)")
    tags = sorted({tag for r in analysed for tag in r.summary["failure_modes"]}, key=tag_order)
    out = []
    for family in dict.fromkeys(family_of(t) for t in tags):
        out.append(_failure_table(runs, family, [t for t in tags if family_of(t) == family]))
    return out


def _failure_table(runs: list[Run], family: str, tags: list[str]) -> Table:
    cells: dict[tuple[tuple, tuple], float | None] = {}
    counts: dict[tuple[tuple, tuple], float | None] = {}
    for row, run in _by_row(runs).items():
        modes = run.summary.get("failure_modes")
        if not isinstance(modes, dict):
            continue  # never analysed: absent ("—")
        n = run.summary.get("failure_modes_n")
        for tag in tags:
            cells[(row, (tag,))] = modes.get(tag)  # not in the run: the task has no such check (n/a)
            counts[(row, (tag,))] = n.get(tag) if isinstance(n, dict) else n
    frame, absent = grid(run_rows(runs), [(t.split(".", 1)[-1],) for t in tags], _short(cells), ROW_NAMES,
                         ["tag"])  # fmt: skip
    notes = ["Each cell: rate (n), n = samples the tag applies to.", LEGEND]
    return Table(f"failures-{family}", f"T5 ({family}). Failure-mode rates: {family}.*", frame, absent,
                 formats=dict.fromkeys([t.split(".", 1)[-1] for t in tags], ".3f"), notes=notes,
                 counts=float_grid(frame, _short(counts)))  # fmt: skip


def failures_long(runs: list[Run]) -> Table:
    """T5 in long form (a row per run × tag, columns rate and n): the CSV that parses back in one frame."""
    cells: dict[tuple[tuple, tuple], float | None] = {}
    rows = []
    for row, run in _by_row(runs).items():
        modes, n = run.summary.get("failure_modes"), run.summary.get("failure_modes_n")
        if not isinstance(modes, dict):
            continue
        for tag in sorted(modes, key=tag_order):
            rows.append((*row, tag))
            cells[((*row, tag), ("rate",))] = modes[tag]
            cells[((*row, tag), ("n",))] = n.get(tag) if isinstance(n, dict) else n
    if not rows:
        raise ReaperError("no run has failure-mode analysis yet (run `reaper analyze RUN_DIR`)")
    frame, absent = grid(rows, [("rate",), ("n",)], cells, [*ROW_NAMES, "tag"], ["statistic"])
    return Table("failures", "T5. Failure-mode rates (long form)", frame, absent, formats={"n": ".0f"})


def _short(cells: dict[tuple[tuple, tuple], float | None]) -> dict[tuple[tuple, tuple], float | None]:
    """Column keys without the family prefix (the table's header names the family once)."""
    return {(row, (col[0].split(".", 1)[-1],)): v for (row, col), v in cells.items()}


def build(layout: str, runs: list[Run], parse: str = "strict", method: str = "direct", ci: bool = False,
          **paired: Any) -> list[Table]:  # fmt: skip
    """The tables of a layout name (the --layout values): one, except T5 (one per failure mode)."""
    if layout == "lrm-vs-llm":
        return [lrm_vs_llm(runs, parse, method, ci)]
    if layout in ("methods", "ablation"):
        return [methods_table(runs, parse, ablation=layout == "ablation")]
    if layout == "tokens":
        return [tokens_table(runs)]
    if layout == "failures":
        return failure_tables(runs)
    if layout == "paired":
        return [paired_table(runs, parse, method, **paired)]
    if layout == "retrieval-effect":  # T6, from retrieval_effect.json files (harness.reporting.retrieval_effect)
        from harness.reporting.retrieval_effect import retrieval_effect_table

        return [retrieval_effect_table(runs, parse)]
    raise ReaperError(f"unknown layout {layout!r}; choose one of {', '.join(LAYOUTS)}")
