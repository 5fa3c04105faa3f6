"""``reaper report RUNS_DIR [--out FILE]``: a self-contained HTML report (tables, plots, sample browser).

pandas and matplotlib are imported only inside ``handle``: the CLI imports this module at startup.
"""

from __future__ import annotations

import argparse
from pathlib import Path

DEFAULT_OUT = "results/reports/report.html"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("runs_dir", help="folder searched recursively for run directories (summary.json)")
    p.add_argument("--out", default=DEFAULT_OUT, help=f"HTML file to write (default {DEFAULT_OUT})")
    p.add_argument("--metrics", choices=("strict", "lenient"), default="strict", help="which answer parse to report")
    p.add_argument("--method", default="direct", help="method of T1, the paired table and plots (default direct)")
    p.add_argument("--samples-per-run", type=int, default=100,
                   help="samples of each run embedded in the browser (0 = all; default 100)")  # fmt: skip


def handle(ns: argparse.Namespace) -> None:
    from harness.reporting.report import build_report
    from harness.safe import check_folder

    check_folder("--out", Path(ns.out).expanduser().parent)
    path = build_report(Path(ns.runs_dir), Path(ns.out), ns.metrics, ns.method, ns.samples_per_run)
    print(path)
