"""Rendering a ``Table`` as Markdown, LaTeX (booktabs), CSV or an HTML fragment.

All four share one rule set so they never disagree: an absent cell is "—" ("---" in LaTeX,
empty in CSV so numbers parse back), a run without a value is "n/a", the best value per row is
bold where the table asks for it, and metric rows carry ↑/↓ from the metric's own metadata.
CSV keeps full precision and the metric key plus a ``higher_is_better`` column instead of arrows.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable

from harness.reporting.frame import Table

MISSING = "—"
NOT_AVAILABLE = "n/a"


def render(table: Table, fmt: str) -> str:
    if fmt == "markdown":
        return to_markdown(table)
    if fmt == "latex":
        return to_latex(table)
    if fmt == "csv":
        return to_csv(table)
    raise ValueError(f"unknown format {fmt!r}")


def cell_text(table: Table, r: int, c: int) -> str | None:
    """The formatted number (with its interval and n when the table has them), or None when absent.

    Each renderer spells absence its own way; "n/a" is a run that exists but has no value.
    """
    if table.absent.iat[r, c]:
        return None
    value = table.frame.iat[r, c]
    if not _number(value):
        return NOT_AVAILABLE
    spec = table.format_of(r, c)
    text = format(value, spec)
    interval = table.intervals.iat[r, c] if table.intervals is not None else None
    if interval is not None and all(_number(v) for v in interval):
        text += f" [{format(interval[0], spec)}, {format(interval[1], spec)}]"
    n = table.counts.iat[r, c] if table.counts is not None else None
    if _number(n):
        text += f" ({n:.0f})"
    return text


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not (isinstance(value, float) and math.isnan(value))


def row_labels(table: Table, arrows: tuple[str, str] = ("↑", "↓")) -> list[list[str]]:
    """Index values as text; the metric level shows the display name and its direction arrow."""
    names = list(table.frame.index.names)
    level = names.index(table.metric_level) if table.metric_level in names else None
    out = []
    for row in table.frame.index:
        labels = [str(v) for v in (row if isinstance(row, tuple) else (row,))]
        if level is not None:
            display, higher = table.metric_info[row[level]]
            labels[level] = display if higher is None else f"{display} {arrows[0] if higher else arrows[1]}"
        out.append(labels)
    return out


def _cells(table: Table, missing: str, bold: Callable[[str], str]) -> list[list[str]]:
    best = table.best_mask()
    rows = []
    for r in range(len(table.frame.index)):
        row = []
        for c in range(len(table.frame.columns)):
            text = cell_text(table, r, c)
            row.append(missing if text is None else (bold(text) if best.iat[r, c] else text))
        rows.append(row)
    return rows


def _col_labels(table: Table) -> list[tuple[str, ...]]:
    return [tuple(map(str, c)) if isinstance(c, tuple) else (str(c),) for c in table.frame.columns]


def to_markdown(table: Table) -> str:
    def esc(text: str) -> str:
        return text.replace("|", "\\|")

    header = [*map(str, table.frame.index.names), *(" / ".join(c) for c in _col_labels(table))]
    n_index = len(table.frame.index.names)
    lines = [f"### {table.title}", "", "| " + " | ".join(esc(h) for h in header) + " |"]
    lines.append("|" + "|".join(["---"] * n_index + ["---:"] * (len(header) - n_index)) + "|")
    for labels, cells in zip(row_labels(table), _cells(table, MISSING, lambda t: f"**{t}**"), strict=True):
        lines.append("| " + " | ".join(esc(x) for x in labels + cells) + " |")
    lines += [""] + [f"_{note}_" for note in table.notes] if table.notes else []
    return "\n".join(lines) + "\n"


_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                  "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                  "—": "---", "−": "$-$", "↑": r"$\uparrow$", "↓": r"$\downarrow$"}  # fmt: skip


def latex_escape(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in text)


def _spans(labels: list[tuple[str, ...]], depth: int) -> list[tuple[str, int, int]]:
    """Runs of equal column-label prefixes at one header level: (label, first column, width)."""
    spans: list[tuple[str, int, int]] = []
    for i, label in enumerate(labels):
        if spans and labels[spans[-1][1]][: depth + 1] == label[: depth + 1]:
            spans[-1] = (spans[-1][0], spans[-1][1], spans[-1][2] + 1)
        else:
            spans.append((label[depth], i, 1))
    return spans


def to_latex(table: Table) -> str:
    """A booktabs table: grouped column headers with cmidrules, repeated row labels blanked."""
    n_index = len(table.frame.index.names)
    labels = _col_labels(table)
    depth = len(labels[0]) if labels else 1
    out = [f"% {table.title} (needs \\usepackage{{booktabs}})", r"\begin{table}[t]", r"\centering", rf"\caption{{{latex_escape(table.title)}}}",
           rf"\begin{{tabular}}{{{'l' * n_index}{'r' * len(labels)}}}", r"\toprule"]  # fmt: skip
    for level in range(depth - 1):
        spans = _spans(labels, level)
        heads = [
            rf"\multicolumn{{{w}}}{{c}}{{{latex_escape(text)}}}" if w > 1 else latex_escape(text)
            for text, _, w in spans
        ]
        out.append(" & " * n_index + " & ".join(heads) + r" \\")
        out.append(" ".join(rf"\cmidrule(lr){{{n_index + s + 1}-{n_index + s + w}}}" for _, s, w in spans if w > 1))
    last = [*map(str, table.frame.index.names), *(c[-1] for c in labels)]
    out += [" & ".join(latex_escape(h) for h in last) + r" \\", r"\midrule"]
    previous: list[str] = []
    cells = _cells(table, "---", lambda t: rf"\textbf{{{t}}}")
    for row, values in zip(row_labels(table), cells, strict=True):
        shown = [("" if j < n_index - 1 and row[: j + 1] == previous[: j + 1] else text) for j, text in enumerate(row)]
        previous = row
        out.append(
            " & ".join([latex_escape(x) for x in shown] + [latex_escape(v) if v == "---" else v for v in values])
            + r" \\"
        )
    out += [r"\bottomrule", r"\end{tabular}"]
    out += [rf"\par\smallskip\footnotesize {latex_escape(note)}" for note in table.notes]
    return "\n".join([*out, r"\end{table}"]) + "\n"


def to_csv(table: Table) -> str:
    """Flat CSV, full float precision; absent cells and missing values are empty fields.

    A table's intervals and counts become their own columns after each value column
    (``<column> ci95 low``, ``<column> ci95 high``, ``<column> n``), so every number parses back.
    """
    import pandas as pd

    names = [" / ".join(c) for c in _col_labels(table)]
    columns: dict[str, list] = {}
    for c, name in enumerate(names):
        columns[name] = list(table.frame.iloc[:, c])
        if table.intervals is not None:
            bounds = [iv if iv is not None else (math.nan, math.nan) for iv in table.intervals.iloc[:, c]]
            columns[f"{name} ci95 low"] = [b[0] for b in bounds]
            columns[f"{name} ci95 high"] = [b[1] for b in bounds]
        if table.counts is not None:
            columns[f"{name} n"] = list(table.counts.iloc[:, c])
    flat = pd.DataFrame(columns, index=table.frame.index).reset_index()
    if table.metric_level:
        position = flat.columns.get_loc(table.metric_level) + 1
        flat.insert(position, "higher_is_better", [table.metric_info[k][1] for k in flat[table.metric_level]])
    return flat.to_csv(index=False)


def to_html(table: Table) -> str:
    """An HTML fragment for the report; every label and value is escaped."""
    esc = html.escape
    n_index = len(table.frame.index.names)
    labels = _col_labels(table)
    depth = len(labels[0]) if labels else 1
    head = []
    for level in range(depth):
        cells = [f'<th colspan="{w}">{esc(text)}</th>' for text, _, w in _spans(labels, level)]
        names = (
            [f"<th>{esc(str(n))}</th>" for n in table.frame.index.names]
            if level == depth - 1
            else [f'<th colspan="{n_index}"></th>']
        )
        head.append("<tr>" + "".join(names + cells) + "</tr>")
    best = table.best_mask()
    starts = {s for _, s, _ in _spans(labels, depth - 2)} - {0} if depth > 1 else set()
    body = []
    for r, row in enumerate(row_labels(table)):
        tds = [f"<th>{esc(x)}</th>" for x in row]
        for c in range(len(labels)):
            text = cell_text(table, r, c)
            classes = ["absent" if text is None else ("best" if best.iat[r, c] else "")] + (
                ["group"] if c in starts else []
            )
            cls = f' class="{" ".join(x for x in classes if x)}"' if any(classes) else ""
            tds.append(f"<td{cls}>{esc(MISSING if text is None else text)}</td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    notes = "".join(f'<p class="note">{esc(n)}</p>' for n in table.notes)
    return (f'<table class="results" data-table="{esc(table.key)}"><caption>{esc(table.title)}</caption>'
            f"<thead>{''.join(head)}</thead><tbody>{''.join(body)}</tbody></table>{notes}")  # fmt: skip
