"""``reaper table RUNS_DIR --layout L --format F``: the paper's comparison tables from run directories.

Heavy imports (pandas) stay inside ``handle``: the CLI imports this module at startup.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.errors import ReaperError

LAYOUTS = ("lrm-vs-llm", "methods", "ablation", "tokens", "failures", "paired", "retrieval-effect")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("runs_dir", help="folder searched recursively for run directories (summary.json)")
    p.add_argument("--layout", choices=LAYOUTS, default="lrm-vs-llm",
                   help="T1 lrm-vs-llm | T2 methods | T3 ablation | T4 tokens | T5 failures | paired differences"
                        " | T6 retrieval-effect (after `reaper analyze RUNS_DIR`)")  # fmt: skip
    p.add_argument("--format", choices=("markdown", "latex", "csv"), default="markdown")
    p.add_argument("--out", default=None, help="write here instead of stdout")
    p.add_argument("--metrics", choices=("strict", "lenient"), default="strict", help="which answer parse to report")
    p.add_argument("--method", default="direct", help="lrm-vs-llm and paired: the method compared (default direct)")
    p.add_argument("--strict", action="store_true", help="a missing cell is an error instead of '—'")
    p.add_argument("--ci", action="store_true", help="lrm-vs-llm: print each value's bootstrap 95%% interval")
    p.add_argument("--paired", action="store_true",
                   help="lrm-vs-llm: add the paired bootstrap differences (csv: written to OUT.paired.csv)")  # fmt: skip
    p.add_argument("--resamples", type=int, default=1000, help="paired bootstrap resamples")
    p.add_argument("--seed", type=int, default=0, help="paired bootstrap seed")


def handle(ns: argparse.Namespace) -> None:
    from harness.reporting.render import render
    from harness.reporting.runs import find_runs
    from harness.reporting.tables import build

    runs = find_runs(Path(ns.runs_dir))
    tables = build(ns.layout, runs, ns.metrics, ns.method, ci=ns.ci, resamples=ns.resamples, seed=ns.seed)
    if ns.strict:
        for table in tables:
            missing = table.missing_cells()
            if missing:
                shown = "; ".join(missing[:5]) + (f"; … ({len(missing)} in all)" if len(missing) > 5 else "")
                raise ReaperError(f"--strict: {len(missing)} missing cell(s) in {table.key}: {shown}")
    if ns.paired and ns.layout == "lrm-vs-llm":
        tables += build("paired", runs, ns.metrics, ns.method, resamples=ns.resamples, seed=ns.seed)
    if ns.format == "csv" and ns.layout == "failures":  # one long CSV (a row per run and tag), not 3 headers
        from harness.reporting.tables import failures_long

        tables = [failures_long(runs)]
    if ns.format == "csv" and len(tables) > 1:
        if not ns.out:
            raise ReaperError("--paired with --format csv needs --out (the paired table goes to OUT.paired.csv)")
        out = Path(ns.out)
        _write(out.with_name(f"{out.stem}.paired{out.suffix or '.csv'}"), render(tables[1], "csv"))
        tables = tables[:1]
    _write(Path(ns.out) if ns.out else None, "\n".join(render(t, ns.format) for t in tables))


def _write(path: Path | None, text: str) -> None:
    if path is None:
        sys.stdout.write(text)
        return
    from harness.io import write_text_atomic

    write_text_atomic(path, text)
    print(f"wrote {path}", file=sys.stderr)
