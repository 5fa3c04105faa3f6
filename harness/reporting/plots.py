"""Plots from run directories: metric vs k by model type, reasoning tokens vs score, failure-mode heatmaps.

Figures are built with ``matplotlib.figure.Figure`` directly (no pyplot, no global state, no
display needed), so the CLI, the report and tests can make them in any process. Colours encode
the model type (reds: reasoning, blues: general, greens: prompted reasoning) because the type is
the comparison the project exists for; each model gets its own shade.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.reporting.runs import Run, family_of, metric_keys, metric_meta, setting_sort_key, tag_order
from harness.safe import path_component

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
            ax.annotate(f"{model} {series[ks[-1]]:.3f}", (ks[-1], series[ks[-1]]), xytext=(5, 0),
                        textcoords="offset points", fontsize=7, va="center", color=colors[model])  # fmt: skip
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
        ax.set_xlabel("k (retrieved profile items; 0 = no retrieval)")
        integer_ticks(ax, sorted({k for series in points.values() for k in series}))
        ax.set_ylabel(f"{display} {'↑' if higher else '↓'}")
        ax.grid(alpha=0.3)
    axes[-1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return fig


def _type_color(model_type: str) -> tuple:
    from matplotlib import colormaps

    return colormaps[PALETTES.get(model_type, "Greys")](0.95)


def integer_ticks(ax, ks: list[int]) -> None:
    """Ticks exactly at the k values that ran (never 1.9…2.1 around a single k), with room either side."""
    if not ks:
        return
    ax.set_xticks(ks, [str(k) for k in ks])
    span = max(ks) - min(ks) or 1
    ax.set_xlim(min(ks) - 0.15 * span, max(ks) + 0.45 * span)  # right margin: the point labels


def tokens_vs_score(runs: list[Run], parse: str = "strict", method: str = "direct") -> Figure | None:
    """One point per run of ``method``: mean reasoning tokens against the headline metric; a panel per
    task × retrieval setting, so a point never pools settings. Each point is labelled with its model.
    """
    from matplotlib.figure import Figure

    runs = [r for r in runs if r.method == method]
    tasks = sorted({r.task for r in runs})
    if not tasks:
        return None
    settings = sorted({r.setting for r in runs}, key=setting_sort_key)
    colors = model_colors(runs)
    fig = Figure(figsize=(max(3.4 * len(settings), 5.0), 3.0 * len(tasks)), layout="constrained")
    grid = fig.subplots(len(tasks), len(settings), squeeze=False)
    for row, task in enumerate(tasks):
        key = primary_metric([r for r in runs if r.task == task], parse)
        for col, setting in enumerate(settings):
            ax = grid[row][col]
            scope = [r for r in runs if r.task == task and r.setting == setting]
            if key is None or not scope:
                ax.set_axis_off()
                continue
            _token_points(ax, scope, key, colors)
            display, higher = metric_meta(scope[0], key)
            ax.set_title(f"{task} · retrieval {setting} · {scope[0].method}", fontsize=9)
            ax.set_xlabel("reasoning tokens / sample (mean)", fontsize=8)
            ax.set_ylabel(f"{display} {'↑' if higher else '↓'}", fontsize=8)
            ax.grid(alpha=0.3)
    return fig


def _token_points(ax, scope: list[Run], key: str, colors: dict[str, tuple]) -> None:
    for run in sorted(scope, key=lambda r: (r.model_type, r.model)):
        value = _value(run, key)
        if value is None:
            continue
        tokens = (run.summary.get("tokens") or {}).get("reasoning_tokens_mean") or 0.0
        ax.scatter([tokens], [value], color=colors[run.model], marker=MARKERS.get(run.model_type, "o"),
                   edgecolors="black", linewidths=0.4, zorder=3)  # fmt: skip
        ax.annotate(run.model, (tokens, value), xytext=(4, 3), textcoords="offset points", fontsize=6.5)
    ax.margins(x=0.25, y=0.15)


def failure_heatmaps(runs: list[Run], method: str = "direct") -> dict[str, Figure]:
    """Per task, a heatmap of failure-mode rates: a row per model × retrieval setting, a column per tag.

    Columns are grouped by failure mode (format, divergent, retrieval…) with the mode named above
    its group; each cell prints its rate and the n it is over (samples the tag applies to). A tag
    that does not apply (no such sample, or not a check of this task) is grey "n/a", never 0.
    """
    analysed = [r for r in runs if r.method == method and isinstance(r.summary.get("failure_modes"), dict)]
    out: dict[str, Figure] = {}
    for task in sorted({r.task for r in analysed}):
        scope = sorted((r for r in analysed if r.task == task),
                       key=lambda r: (r.model_type != "reasoning", r.model_type, r.model, setting_sort_key(r.setting)))  # fmt: skip
        tags = sorted({t for r in scope for t in r.summary["failure_modes"]}, key=tag_order)
        out[f"failure_rates_{path_component(task)}"] = _heatmap(task, method, scope, tags)
    return out


def _rates_and_counts(scope: list[Run], tags: list[str]) -> tuple[Any, Any]:
    import numpy as np

    rates = np.full((len(scope), len(tags)), np.nan)
    counts = np.zeros((len(scope), len(tags)), dtype=int)
    for i, run in enumerate(scope):
        n = run.summary.get("failure_modes_n")
        for j, tag in enumerate(tags):
            value = run.summary["failure_modes"].get(tag)
            rates[i, j] = np.nan if value is None else value
            counts[i, j] = int((n.get(tag) if isinstance(n, dict) else n) or 0)
    return rates, counts


def _heatmap(task: str, method: str, scope: list[Run], tags: list[str]) -> Figure:
    import numpy as np
    from matplotlib import colormaps
    from matplotlib.figure import Figure

    rates, counts = _rates_and_counts(scope, tags)
    fig = Figure(figsize=(3.2 + 0.8 * len(tags), 1.6 + 0.42 * len(scope)), layout="constrained")
    ax = fig.subplots()
    cmap = colormaps["OrRd"].with_extremes(bad="#e6e8eb")
    image = ax.imshow(np.ma.masked_invalid(rates), cmap=cmap, vmin=0.0, vmax=1.0, aspect="auto")
    for i in range(len(scope)):
        for j in range(len(tags)):
            missing = bool(np.isnan(rates[i, j]))
            text = "n/a" if missing else f"{rates[i, j]:.2f}\nn={counts[i, j]}"
            dark = not missing and rates[i, j] > 0.6
            ax.text(j, i, text, ha="center", va="center", fontsize=6.5, color="white" if dark else "#1d2330")
    ax.set_xticks(range(len(tags)), [t.split(".", 1)[-1] for t in tags], rotation=40, ha="right", fontsize=7.5)
    ax.set_yticks(range(len(scope)), [f"{r.model} ({r.model_type}) · {r.setting}" for r in scope], fontsize=7.5)
    for family in dict.fromkeys(family_of(t) for t in tags):
        cols = [j for j, t in enumerate(tags) if family_of(t) == family]
        ax.text((cols[0] + cols[-1]) / 2, -0.75, family, ha="center", va="bottom", fontsize=8.5, fontweight="bold")
        if cols[0] > 0:
            ax.axvline(cols[0] - 0.5, color="white", linewidth=3)
    ax.set_ylim(len(scope) - 0.5, -1.3)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.set_title(f"{task} · method {method} · rows: model · retrieval setting\n"
                 "rate = share of the n samples the tag applies to; grey n/a = does not apply", fontsize=8.5)  # fmt: skip
    fig.colorbar(image, ax=ax, shrink=0.8, label="rate")
    return fig


def figures(runs: list[Run], parse: str = "strict", method: str = "direct") -> dict[str, Figure]:
    """Every plot that the runs support, by file stem."""
    out: dict[str, Figure] = {}
    for task in sorted({r.task for r in runs}):
        fig = metric_vs_k(runs, task, parse, method)
        if fig is not None:
            out[f"metric_vs_k_{path_component(task)}"] = fig
    fig = tokens_vs_score(runs, parse, method)
    if fig is not None:
        out["tokens_vs_score"] = fig
    out.update(failure_heatmaps(runs, method))
    from harness.reporting.retrieval_effect import retrieval_effect_plot

    fig = retrieval_effect_plot(runs, parse)  # T6's plot (retrieval_effect.json files)
    if fig is not None:
        out["retrieval_effect"] = fig
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
