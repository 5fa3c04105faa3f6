"""A static, self-contained HTML report of run directories: tables, plots and a sample browser.

One file that opens anywhere without a network: CSS and JS are inline, plots are data-URI SVG
images (an <img> never runs scripts). Model output is hostile input here: it is HTML-escaped
wherever Python writes it, and sample data travels as JSON inside a non-executed
``application/json`` block with ``<``, ``>`` and ``&`` written as ``\\u003c``-style escapes, so a
trace containing ``</script>`` cannot close the block. The page's Content-Security-Policy admits
only the report's own script (by hash) as a second line of defence.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from harness.errors import ReaperError
from harness.io import write_text_atomic
from harness.reporting.disagreements import MARGIN, disagreements
from harness.reporting.frame import Table
from harness.reporting.report_page import CSS, JS, PAGE
from harness.reporting.runs import Run, Warn, find_runs, warn_stderr
from harness.reporting.tables import build, compared_methods
from harness.run.run_files import read_samples

LONG_TABLE = 30  # rows; a longer table is folded in a <details>
SAMPLE_FIELDS = ("id", "status", "prompt", "retrieved_ids", "reasoning", "answer", "gold", "strict_pred",
                 "lenient_pred", "metrics", "lenient_metrics", "prompt_tokens", "reasoning_tokens",
                 "answer_tokens", "truncated", "tags", "raw_output", "finish_reason")  # fmt: skip
# what the harness did to a sample, shown apart from what the model wrote
HARNESS_FIELDS = ("inserted", "interventions", "trace_closed_by", "candidates", "chosen", "consolidation",
                  "consolidation_skipped", "prompted_reasoning", "token_parts")  # fmt: skip


def json_for_html(data: Any) -> str:
    """JSON that is inert inside <script>: no '<', '>' or '&' survives, so no '</script>' either."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def fill(template: str, values: dict[str, str]) -> str:
    """Replace every @@NAME@@ in one pass: inserted text is never scanned for placeholders again."""
    return re.sub(r"@@([A-Z_]+)@@", lambda m: values[m.group(1)], template)


def report_tables(runs: list[Run], parse: str, method: str, warn: Warn) -> list[Table | str]:
    """T1 (+ paired), T2/T3 where such runs exist, T4, T5, T6; a layout that cannot be built becomes a note."""
    layouts = ["lrm-vs-llm", "paired"]
    if len(compared_methods(runs, ablation=False)) > 1:
        layouts.append("methods")
    if len(compared_methods(runs, ablation=True)) > 1:
        layouts.append("ablation")
    out: list[Table | str] = []
    for layout in [*layouts, "tokens", "failures", "retrieval-effect"]:
        try:
            out += build(layout, runs, parse, method, ci=layout == "lrm-vs-llm")
        except ReaperError as err:
            warn(f"report: {layout} table skipped: {err}")
            out.append(f"{layout}: {err}")
    return out


def plots_html(runs: list[Run], parse: str, method: str) -> str:
    from harness.reporting.plots import figures, svg_text

    parts = []
    for name, fig in figures(runs, parse, method).items():
        data = base64.b64encode(svg_text(fig).encode("utf-8")).decode("ascii")
        parts.append(f'<figure><img alt="{html.escape(name)}" src="data:image/svg+xml;base64,{data}">'
                     f"<figcaption>{html.escape(name)}</figcaption></figure>")  # fmt: skip
    return "".join(parts) or '<p class="note">No plots: no runs with a metric.</p>'


def sample_data(runs: list[Run], per_run: int) -> tuple[dict[str, Any], int]:
    """Runs (labels) and samples (fields the browser shows, pointing at their run); and the total count."""
    records, total = [], 0
    meta = []
    for index, run in enumerate(runs):
        meta.append({"task": run.task, "model": run.model, "type": run.model_type, "setting": run.setting,
                     "method": run.method, "dir": run.path.name})  # fmt: skip
        rows = read_samples(run.path) if (run.path / "samples.jsonl").exists() else []
        total += len(rows)
        for row in rows[:per_run] if per_run > 0 else rows:
            extra = row.get("extra") or {}
            harness = {k: extra[k] for k in HARNESS_FIELDS if k in extra}
            records.append({"run": index, **{k: row.get(k) for k in SAMPLE_FIELDS}, "harness": harness})
    return {"runs": meta, "samples": records}, total


def runs_html(runs: list[Run]) -> str:
    head = "".join(f"<th>{h}</th>" for h in ("run directory", "task", "model", "type", "retrieval", "method",
                                              "samples", "ok", "unscorable", "failed"))  # fmt: skip
    rows = []
    for run in runs:
        counts = run.summary.get("counts", {})
        cells = [run.path.name, run.task, run.model, run.model_type, run.setting, run.method,
                 run.summary.get("n_samples", ""), counts.get("ok", ""), counts.get("unscorable", ""), counts.get("failed", "")]  # fmt: skip
        rows.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
    return f'<table class="runs"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def build_report(runs_dir: Path, out: Path, parse: str = "strict", method: str = "direct", per_run: int = 100,
                 warn: Warn = warn_stderr) -> Path:  # fmt: skip
    """Write the report for every run under ``runs_dir`` to ``out`` and return its path."""
    from harness.reporting.render import to_html

    runs = find_runs(runs_dir, warn)
    tables = []
    for item in report_tables(runs, parse, method, warn):
        if isinstance(item, str):
            tables.append(f'<p class="note">{html.escape(item)}</p>')
            continue
        block = f'<div class="scroll">{to_html(item)}</div>'
        if len(item.frame.index) > LONG_TABLE:  # long tables fold so the rest of the report stays in reach
            block = f'<details class="long"><summary>{html.escape(item.title)} ({len(item.frame.index)} rows)</summary>{block}</details>'
        tables.append(block)
    data, total = sample_data(runs, per_run)
    data["disagreements"] = disagreements(runs, parse)
    shown = len(data["samples"])
    note = f"{shown} of {total} samples embedded" + (f" (the first {per_run} of each run; --samples-per-run to change)." if shown < total else ".")  # fmt: skip
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    subtitle = f"{len(runs)} runs from {runs_dir} · {parse} parse · method {method} for T1 · generated {stamp}"
    script_hash = base64.b64encode(hashlib.sha256(JS.encode("utf-8")).digest()).decode("ascii")
    page = fill(PAGE, {
        "SCRIPT_HASH": f"sha256-{script_hash}", "CSS": CSS, "JS": JS, "SUBTITLE": html.escape(subtitle),
        "TABLES": "".join(tables), "PLOTS": plots_html(runs, parse, method), "SAMPLE_NOTE": html.escape(note),
        "DATA": json_for_html(data), "RUNS": runs_html(runs), "MARGIN": f"{MARGIN:g}",
    })  # fmt: skip
    write_text_atomic(out, page)
    return out
