"""Comparison tables (T1–T5) built from run directories, the way the paper compares models.

Every number is read from a run's summary.json (written by the scoring code), and every metric's
direction and display name from the metric metadata stored there, never from this module. A cell
that some models have and others lack is kept as an explicit absent cell (rendered "—"), never
dropped: silently missing rows are how comparison tables lie. Rendering lives in
``harness.table_render``; the paired bootstrap in ``harness.paired``.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.errors import ReaperError
from harness.metrics import METRICS

if TYPE_CHECKING:
    import pandas as pd

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
Warn = Callable[[str], None]


def warn_stderr(message: str) -> None:
    print(f"reaper: {message}", file=sys.stderr)


@dataclass(frozen=True)
class Run:
    """One run directory as the tables see it: where it is, its summary, and when it was scored."""

    path: Path
    summary: dict[str, Any]
    mtime: float

    @property
    def ident(self) -> dict[str, Any]:
        return self.summary["run"]

    @property
    def task(self) -> str:
        return str(self.ident["task"])

    @property
    def model(self) -> str:
        return str(self.ident["model"])

    @property
    def model_type(self) -> str:
        return str(self.ident.get("model_type", "general"))

    @property
    def method(self) -> str:
        return str(self.ident.get("method", "direct"))

    @property
    def setting(self) -> str:
        return setting_label(str(self.ident["retriever"]), int(self.ident.get("k", 0)))

    @property
    def cell(self) -> tuple[str, str, str, str]:
        """What makes two runs the same table cell (the spec hash does not)."""
        return (self.task, self.model, self.setting, self.method)


def setting_label(retriever: str, k: int) -> str:
    """``bm25 k=4``; retrieval off is just ``none``."""
    return "none" if retriever == "none" or k == 0 else f"{retriever} k={k}"


def setting_sort_key(label: str) -> tuple[int, str, int]:
    name, _, k = label.partition(" k=")
    return (0 if name == "none" else 1, name, int(k) if k else 0)


def find_runs(runs_dir: Path, warn: Warn = warn_stderr) -> list[Run]:
    """Every run under ``runs_dir`` (any depth); of duplicates of one cell, the newest summary wins."""
    if not runs_dir.is_dir():
        raise ReaperError(f"{runs_dir}: no such directory")
    runs: dict[tuple[str, str, str, str], list[Run]] = {}
    for path in sorted(runs_dir.rglob("summary.json")):
        try:
            summary = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as err:
            raise ReaperError(f"{path}: unreadable summary ({err})") from err
        if not isinstance(summary, dict) or "run" not in summary or "metrics" not in summary:
            warn(f"{path}: not a run summary (no 'run'/'metrics'); skipped")
            continue
        run = Run(path.parent, summary, path.stat().st_mtime)
        runs.setdefault(run.cell, []).append(run)
    if not runs:
        raise ReaperError(f"{runs_dir}: no run directories (no summary.json with a 'run' entry)")
    chosen = []
    for cell, group in runs.items():
        group.sort(key=lambda r: r.mtime, reverse=True)
        if len(group) > 1:
            others = ", ".join(str(r.path) for r in group[1:])
            warn(f"{len(group)} runs for {' / '.join(cell)}: using the newest, {group[0].path} (ignored: {others})")
        chosen.append(group[0])
    return sorted(chosen, key=lambda r: r.path.name)


@dataclass
class Table:
    """A table ready to render: values, which cells no run provides, and how to show them.

    ``frame`` holds floats (NaN where a run exists but has no value, e.g. nothing scorable);
    ``absent`` is True where no run provides the cell. ``metric_level`` names the index level that
    holds metric keys: it drives the ↑/↓ labels and, with ``bold_best``, the best value per row.
    """

    key: str
    title: str
    frame: pd.DataFrame
    absent: pd.DataFrame
    metric_level: str | None = None
    metric_info: dict[str, tuple[str, bool]] = field(default_factory=dict)  # key -> (display, higher is better)
    bold_best: bool = False
    formats: dict[str, str] = field(default_factory=dict)  # last column level value -> format spec
    notes: list[str] = field(default_factory=list)

    def missing_cells(self) -> list[str]:
        """Absent cells as 'row | column' strings, for --strict errors."""
        out = []
        for r, row in enumerate(self.absent.index):
            for c, col in enumerate(self.absent.columns):
                if self.absent.iat[r, c]:
                    out.append(f"{_label(row)} | {_label(col)}")
        return out

    def best_mask(self) -> pd.DataFrame:
        """True at the best value of each row (ties all win), respecting the metric's direction."""
        mask = self.absent.copy() & False
        if not (self.bold_best and self.metric_level):
            return mask
        level = self.frame.index.names.index(self.metric_level)
        for r, row in enumerate(self.frame.index):
            higher = self.metric_info[row[level]][1]
            values = [(c, v) for c, v in enumerate(self.frame.iloc[r]) if not self.absent.iat[r, c] and _ok(v)]
            if len(values) < 2:
                continue
            best = max(v for _, v in values) if higher else min(v for _, v in values)
            for c, v in values:
                mask.iat[r, c] = v == best
        return mask


def _ok(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _label(key: Any) -> str:
    return " / ".join(map(str, key)) if isinstance(key, tuple) else str(key)


def grid(rows: list[tuple], cols: list[tuple], cells: dict[tuple[tuple, tuple], float | None],
         row_names: list[str], col_names: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """Frame and absent mask for the given row/column keys; a key pair not in ``cells`` is absent."""
    import pandas as pd

    index = pd.MultiIndex.from_tuples(rows, names=row_names) if rows else _empty_index(row_names)
    columns = pd.MultiIndex.from_tuples(cols, names=col_names) if cols else _empty_index(col_names)
    values = [[_float(cells.get((r, c))) for c in cols] for r in rows]
    absent = [[(r, c) not in cells for c in cols] for r in rows]
    return (pd.DataFrame(values, index=index, columns=columns, dtype=float),
            pd.DataFrame(absent, index=index, columns=columns, dtype=bool))  # fmt: skip


def _empty_index(names: list[str]) -> pd.MultiIndex:
    import pandas as pd

    return pd.MultiIndex.from_arrays([[] for _ in names], names=names)


def _float(value: Any) -> float:
    return float(value) if _ok(value) else math.nan


def metric_keys(run: Run, parse: str) -> list[str]:
    """The run's metric keys for a parse (strict keys have no '@'), in the summary's order."""
    keys = run.summary["metrics"]
    return [k for k in keys if "@" not in k] if parse == "strict" else [k for k in keys if k.endswith("@lenient")]


def metric_meta(run: Run, key: str) -> tuple[str, bool]:
    """Display name and direction: from the summary entry, else from the metric registry."""
    entry = run.summary["metrics"][key]
    base = METRICS.get(key.split("@")[0])
    display = entry.get("display") or (base.display if base else key)
    higher = entry.get("higher_is_better", base.higher_is_better if base else None)
    if higher is None:
        raise ReaperError(f"{run.path}: metric {key!r} declares no direction (higher_is_better)")
    return (f"{display} (lenient)" if key.endswith("@lenient") else display), bool(higher)


def _models(runs: Iterable[Run]) -> list[tuple[str, str]]:
    """(type, model) pairs, reasoning models first, then prompted-reasoning, then general."""
    pairs = {(r.model_type, r.model) for r in runs}
    return sorted(pairs, key=lambda p: (TYPE_ORDER.index(p[0]) if p[0] in TYPE_ORDER else 9, p[0], p[1]))


def select_method(runs: list[Run], method: str) -> list[Run]:
    chosen = [r for r in runs if r.method == method]
    if not chosen:
        known = ", ".join(sorted({r.method for r in runs}))
        raise ReaperError(f"no runs with method {method!r} (methods found: {known})")
    return chosen


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
        from harness.paired import paired_table

        return paired_table(runs, parse, method, **paired)
    raise ReaperError(f"unknown layout {layout!r}; choose one of {', '.join(LAYOUTS)}")
