"""T6 and its plot: the counterfactual retrieval effect, reasoning and general models side by side.

Read from each retrieval run's ``retrieval_effect.json`` (written by ``reaper analyze RUNS_DIR``;
``harness.analyzers.retrieval_effect`` defines every quantity). A retrieval run never analysed
this way shows "—" (absent) with a note; one whose ``retriever=none`` twin does not exist shows
"n/a": not applicable, never 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from harness.errors import ReaperError
from harness.reporting.frame import Table, grid
from harness.reporting.runs import Run, metric_keys, metric_meta, setting_sort_key
from harness.run.metrics import METRICS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

STATS = ("unchanged", "toward", "gain", "ci95 low", "ci95 high", "n", "excluded")
ROW_NAMES = ["task", "setting", "method", "metric"]


def effects(runs: list[Run]) -> list[tuple[Run, dict[str, Any] | None]]:
    """Every run with retrieval and its effect record (None: never computed)."""
    from harness.analyzers.retrieval_effect import read_effect

    chosen = [r for r in runs if r.setting != "none"]
    if not chosen:
        raise ReaperError("no runs with retrieval: the retrieval effect compares a retrieval run with its none twin")
    return [(run, read_effect(run.path)) for run in chosen]


def _stat_values(parse_entry: dict[str, Any], metric: dict[str, Any] | None, excluded: Any) -> list[Any]:
    m = metric or {}
    return [parse_entry.get("unchanged"), parse_entry.get("toward"), m.get("gain"), m.get("low"), m.get("high"),
            m.get("n"), excluded]  # fmt: skip


def retrieval_effect_table(runs: list[Run], parse: str = "strict") -> Table:
    """T6: rows task × setting × method × metric; columns model type × model × statistic."""
    from harness.reporting.tables import _models

    found = effects(runs)
    info: dict[str, tuple[str, bool]] = {}
    cells: dict[tuple[tuple, tuple], float | None] = {}
    rows: set[tuple] = set()
    never, no_twin = [], []
    for run, record in found:
        if record is None:
            never.append(run.path.name)
            continue
        entry = record[parse]
        metrics = entry.get("metrics") or {}
        if record.get("twin") is None:
            no_twin.append(f"{run.model} / {run.task} / {run.setting} / {run.method}")
            metrics = {key: None for key in _metric_keys(run, parse)}
        for key, metric in metrics.items():
            info[key] = (metric["display"], metric["higher_is_better"]) if metric else metric_meta(run, key)
            row = (run.task, run.setting, run.method, key)
            rows.add(row)
            for stat, value in zip(STATS, _stat_values(entry, metric, record["counts"].get("excluded")), strict=True):
                cells[(row, (run.model_type, run.model, stat))] = value
    cols = [(t, m, s) for t, m in _models(r for r, _ in found) for s in STATS]
    ordered = sorted(rows, key=lambda r: (r[0], setting_sort_key(r[1]), r[2], r[3]))
    frame, absent = grid(ordered, cols, cells, ROW_NAMES, ["type", "model", "statistic"])
    notes = [
        "unchanged = share of paired samples whose parsed answer is the same without retrieval; toward = share that "
        "moved toward the retrieved items (majority label, mean score, or ROUGE-L to their outputs; over samples "
        "where it applies); gain = metric with − without retrieval, sign flipped for ↓ metrics so positive means "
        "retrieval helped, with a paired bootstrap 95% interval; n = paired samples; excluded = unscorable in "
        "either twin or not in the twin.",
    ]
    if no_twin:
        notes.append("No retriever=none twin (n/a): " + "; ".join(sorted(no_twin)) + ".")
    if never:
        notes.append(
            f"{len(never)} retrieval run(s) without a retrieval effect yet (—): run `reaper analyze RUNS_DIR`."
        )
    formats = {"unchanged": ".3f", "toward": ".3f", "n": ".0f", "excluded": ".0f"}
    title = f"T6. Counterfactual retrieval effect: each retrieval run vs its retriever=none twin ({parse} parse)"
    return Table("retrieval-effect", title, frame, absent, "metric", info, formats=formats, notes=notes)


def _metric_keys(run: Run, parse: str) -> list[str]:
    """Metrics with per-sample values (the ones a paired gain exists for), in the summary's order."""
    return [k for k in metric_keys(run, parse) if (m := METRICS.get(k.split("@")[0])) is None or m.per_sample]


def retrieval_effect_plot(runs: list[Run], parse: str = "strict") -> Figure | None:
    """Per task: the headline metric's paired gain (bars, 95% interval) and the unchanged share (dots) per model."""
    try:
        found = [(run, record) for run, record in effects(runs) if record is not None and record.get("twin")]
    except ReaperError:
        return None
    if not found:
        return None
    from matplotlib.figure import Figure

    from harness.reporting.plots import MARKERS, model_colors

    tasks = sorted({run.task for run, _ in found})
    fig = Figure(figsize=(max(4.6 * len(tasks), 5.0), 5.6), layout="constrained")
    axes = fig.subplots(2, len(tasks), squeeze=False, sharex="col")
    colors = model_colors(runs)
    for col, task in enumerate(tasks):
        scope = [(r, rec) for r, rec in found if r.task == task]
        labels = sorted({f"{r.setting} · {r.method}" for r, _ in scope})
        models = sorted({(r.model_type, r.model) for r, _ in scope}, key=lambda p: (p[0] != "reasoning", p))
        width = 0.8 / max(len(models), 1)
        gain_ax, same_ax = axes[0][col], axes[1][col]
        key = None
        for i, (model_type, model) in enumerate(models):
            for run, record in scope:
                if run.model != model:
                    continue
                x = labels.index(f"{run.setting} · {run.method}") + i * width - 0.4 + width / 2
                metrics = record[parse]["metrics"]
                key = key or next(iter(metrics), None)
                m = metrics.get(key) if key else None
                if m and m["gain"] is not None:
                    err = [[m["gain"] - m["low"]], [m["high"] - m["gain"]]] if m["low"] is not None else None
                    gain_ax.bar([x], [m["gain"]], width, yerr=err, capsize=3, color=colors[model])
                if record[parse]["unchanged"] is not None:
                    same_ax.scatter([x], [record[parse]["unchanged"]], color=colors[model],
                                    marker=MARKERS.get(model_type, "o"), edgecolors="black", linewidths=0.4)  # fmt: skip
            gain_ax.bar([], [], color=colors[model], label=f"{model} ({model_type})")
        display = next((rec[parse]["metrics"][key]["display"] for _, rec in scope if key in rec[parse]["metrics"]), key)
        gain_ax.axhline(0, color="black", linewidth=0.8)
        gain_ax.set_title(task)
        gain_ax.set_ylabel(f"{display} gain (+ = retrieval helped)")
        gain_ax.grid(axis="y", alpha=0.3)
        same_ax.set_ylim(-0.05, 1.05)
        same_ax.set_ylabel("share unchanged by retrieval")
        same_ax.set_xticks(range(len(labels)), labels, fontsize=8)
        same_ax.grid(axis="y", alpha=0.3)
        gain_ax.legend(fontsize=7, loc="best")
    return fig
