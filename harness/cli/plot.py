"""``reaper plot RUNS_DIR --out DIR``: PNG and SVG plots from run directories.

matplotlib is imported only inside ``handle``: the CLI imports this module at startup.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.errors import ReaperError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("runs_dir", help="folder searched recursively for run directories (summary.json)")
    p.add_argument("--out", default="results/plots", help="output folder (default results/plots)")
    p.add_argument("--metrics", choices=("strict", "lenient"), default="strict", help="which answer parse to plot")
    p.add_argument("--method", default="direct", help="method of the metric-vs-k and failure plots (default direct)")
    p.add_argument("--formats", default="png,svg", help="comma-separated: png,svg")


def handle(ns: argparse.Namespace) -> None:
    from harness.reporting.plots import figures, save_all
    from harness.reporting.runs import find_runs

    formats = [f.strip() for f in ns.formats.split(",") if f.strip()]
    unknown = sorted(set(formats) - {"png", "svg"})
    if unknown:
        raise ReaperError(f"--formats: unknown format(s) {', '.join(unknown)} (png, svg)")
    figs = figures(find_runs(Path(ns.runs_dir)), ns.metrics, ns.method)
    if not figs:
        raise ReaperError(f"{ns.runs_dir}: nothing to plot (no runs with method {ns.method!r} and a metric)")
    for path in save_all(figs, Path(ns.out), formats):
        print(path)
