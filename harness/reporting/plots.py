"""Plots from run directories: metric vs k by model type, reasoning tokens vs score, failure-mode rates.

Figures are built with ``matplotlib.figure.Figure`` directly (no pyplot, no global state, no
display needed), so the CLI, the report and tests can make them in any process. Colours encode
the model type (reds: reasoning, blues: general, greens: prompted reasoning) because the type is
the comparison the project exists for; each model gets its own shade.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from harness.reporting.runs import Run, metric_keys, metric_meta

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PALETTES = {"reasoning": "Reds", "general": "Blues", "prompted-reasoning": "Greens"}
MARKERS = {"reasoning": "o", "general": "s", "prompted-reasoning": "^"}


def _figure(ncols: int, width: float = 4.2, height: float = 3.4) -> tuple[Figure, list]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(max(width * ncols, 5.0), height), layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, list(axes)


def model_colors(runs: Iterable[Run]) -> dict[str, tuple]:
    """A shade of the type's palette per model, stable across figures."""
    from matplotlib import colormaps

    by_type: dict[str, list[str]] = {}
    for run in runs:
        names = by_type.setdefault(run.model_type, [])
        if run.model not in names:
            names.append(run.model)
    colors = {}
    for model_type, names in by_type.items():
        cmap = colormaps[PALETTES.get(model_type, "Greys")]
        for i, name in enumerate(sorted(names)):
            colors[name] = cmap(0.45 + 0.45 * (i + 1) / (len(names) + 1))
    return colors


def primary_metric(runs: list[Run], parse: str) -> str | None:
    """The task's first metric (the official key order puts the headline metric first)."""
    for run in runs:
        keys = metric_keys(run, parse)
        if keys:
            return keys[0]
    return None


def _value(run: Run, key: str) -> float | None:
    entry = run.summary["metrics"].get(key) or {}
    return entry.get("value")


def metric_vs_k(runs: list[Run], task: str, parse: str = "strict", method: str = "direct") -> Figure | None:
    """One panel per retriever: the task's headline metric against k; k=0 is the no-retrieval run.

    Thin lines are single models, thick lines the mean of each model type at each k.
    """
    scope = [r for r in runs if r.task == task and r.method == method]
    key = primary_metric(scope, parse)
    retrievers = sorted({r.setting.split(" k=")[0] for r in scope if r.setting != "none"})
    if key is None or not retrievers:
        return None
    from matplotlib.ticker import MaxNLocator

    display, higher = metric_meta(scope[0], key)
    colors = model_colors(runs)
    fig, axes = _figure(len(retrievers))
    for ax, retriever in zip(axes, retrievers, strict=True):
        points: dict[tuple[str, str], dict[int, float]] = {}
        for run in scope:
            name = run.setting.split(" k=")[0]
            value = _value(run, key)
            if value is not None and name in (retriever, "none"):
                points.setdefault((run.model_type, run.model), {})[
                    int(run.ident.get("k", 0)) if name != "none" else 0
                ] = value
        for (model_type, model), series in sorted(points.items()):
            ks = sorted(series)
            ax.plot(ks, [series[k] for k in ks], color=colors[model], marker=MARKERS.get(model_type, "o"),
                    linewidth=1, alpha=0.6, label=model)  # fmt: skip
        for model_type in sorted({t for t, _ in points}):
            by_k: dict[int, list[float]] = {}
            for (t, _), series in points.items():
                for k, v in series.items():
                    if t == model_type:
                        by_k.setdefault(k, []).append(v)
            ks = sorted(by_k)
            ax.plot(ks, [sum(by_k[k]) / len(by_k[k]) for k in ks], color=_type_color(model_type), linewidth=3,
                    label=f"{model_type} (mean)")  # fmt: skip
        ax.set_title(f"{task} · {retriever}")
        ax.set_xlabel("k (retrieved profile items)")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(f"{display} {'↑' if higher else '↓'}")
        ax.grid(alpha=0.3)
    axes[-1].legend(fontsize=7, loc="best")
    return fig


def _type_color(model_type: str) -> tuple:
    from matplotlib import colormaps

    return colormaps[PALETTES.get(model_type, "Greys")](0.95)


def tokens_vs_score(runs: list[Run], parse: str = "strict") -> Figure | None:
    """One point per run: mean reasoning tokens against the headline metric, a panel per task."""
    tasks = sorted({r.task for r in runs})
    if not tasks:
        return None
    colors = model_colors(runs)
    fig, axes = _figure(len(tasks))
    for ax, task in zip(axes, tasks, strict=True):
        scope = [r for r in runs if r.task == task]
        key = primary_metric(scope, parse)
        if key is None:
            continue
        seen: set[str] = set()
        for run in scope:
            value = _value(run, key)
            if value is None:
                continue
            tokens = (run.summary.get("tokens") or {}).get("reasoning_tokens_mean") or 0.0
            ax.scatter([tokens], [value], color=colors[run.model], marker=MARKERS.get(run.model_type, "o"),
                       label=None if run.model in seen else run.model, edgecolors="black", linewidths=0.4)  # fmt: skip
            seen.add(run.model)
        display, higher = metric_meta(scope[0], key)
        ax.set_title(task)
        ax.set_xlabel("reasoning tokens per sample (mean; 0 = no trace)")
        ax.set_ylabel(f"{display} {'↑' if higher else '↓'}")
        ax.grid(alpha=0.3)
    axes[-1].legend(fontsize=7, loc="best")
    return fig


def failure_rates(runs: list[Run], method: str = "direct") -> Figure | None:
    """Grouped bars per task: each failure mode's rate per model (mean over its retrieval settings)."""
    analysed = [r for r in runs if r.method == method and isinstance(r.summary.get("failure_modes"), dict)]
    if not analysed:
        return None
    tasks = sorted({r.task for r in analysed})
    colors = model_colors(runs)
    fig, axes = _figure(len(tasks), width=5.0)
    for ax, task in zip(axes, tasks, strict=True):
        scope = [r for r in analysed if r.task == task]
        tags = sorted({t for r in scope for t in r.summary["failure_modes"]})
        models = sorted({(r.model_type, r.model) for r in scope}, key=lambda p: (p[0] != "reasoning", p))
        width = 0.8 / max(len(models), 1)
        top = 0.0
        for i, (_, model) in enumerate(models):
            rates = []
            for tag in tags:
                values = [
                    r.summary["failure_modes"][tag]
                    for r in scope
                    if r.model == model and r.summary["failure_modes"].get(tag) is not None  # None: not applicable
                ]
                rates.append(sum(values) / len(values) if values else 0.0)
            top = max([top, *rates])
            ax.bar(
                [j + i * width - 0.4 + width / 2 for j in range(len(tags))],
                rates,
                width,
                color=colors[model],
                label=model,
            )
        ax.set_xticks(range(len(tags)), [t.replace("_", "\n") for t in tags], fontsize=8)
        ax.set_ylim(0, min(1.0, top * 1.15 + 0.05))
        ax.set_title(f"{task} · {method}")
        ax.set_ylabel("rate (share of scored samples)")
        ax.grid(axis="y", alpha=0.3)
    axes[-1].legend(fontsize=7, loc="best")
    return fig


def figures(runs: list[Run], parse: str = "strict", method: str = "direct") -> dict[str, Figure]:
    """Every plot that the runs support, by file stem."""
    out: dict[str, Figure] = {}
    for task in sorted({r.task for r in runs}):
        fig = metric_vs_k(runs, task, parse, method)
        if fig is not None:
            out[f"metric_vs_k_{slug(task)}"] = fig
    for name, fig in (
        ("tokens_vs_score", tokens_vs_score(runs, parse)),
        ("failure_rates", failure_rates(runs, method)),
    ):
        if fig is not None:
            out[name] = fig
    return out


def save_all(figs: dict[str, Figure], out_dir: Path, formats: Iterable[str] = ("png", "svg")) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, fig in figs.items():
        for fmt in formats:
            path = out_dir / f"{name}.{fmt}"
            fig.savefig(path, format=fmt, dpi=150, metadata=_metadata(fmt))
            paths.append(path)
    return paths


def svg_text(fig: Figure) -> str:
    """The figure as SVG markup (text drawn as paths, so no font or script is referenced)."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata=_metadata("svg"))
    return buffer.getvalue()


def _metadata(fmt: str) -> dict[str, str | None]:
    return {"Date": None} if fmt == "svg" else {}


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")
