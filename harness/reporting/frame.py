"""A table ready to render: a value frame, an absent-cell mask and how to show them.

Kept apart from the table builders so that the renderers and the paired bootstrap depend on the
shape of a table, not on each other.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class Table:
    """A table ready to render: values, which cells no run provides, and how to show them.

    ``frame`` holds floats (NaN where a run exists but has no value, e.g. nothing scorable);
    ``absent`` is True where no run provides the cell. ``metric_level`` names the index level that
    holds metric keys: it drives the ↑/↓ labels and, with ``bold_best``, the best value per row
    (a metric without a direction, such as T1's ``n`` row, gets neither). ``intervals`` (low, high
    per cell) and ``counts`` (the n behind a rate) are optional companions of ``frame`` that every
    renderer prints beside the value; ``row_formats`` overrides the column format for a metric key.
    """

    key: str
    title: str
    frame: pd.DataFrame
    absent: pd.DataFrame
    metric_level: str | None = None
    metric_info: Mapping[str, tuple[str, bool | None]] = field(
        default_factory=dict
    )  # key -> (display, higher is better)
    bold_best: bool = False
    formats: dict[str, str] = field(default_factory=dict)  # last column level value -> format spec
    notes: list[str] = field(default_factory=list)
    intervals: pd.DataFrame | None = None  # object frame: (low, high) or None per cell
    counts: pd.DataFrame | None = None  # float frame: the n of each rate (NaN: unknown)
    row_formats: dict[str, str] = field(default_factory=dict)  # metric key -> format spec

    def format_of(self, r: int, c: int) -> str:
        """The format spec of one cell: the row's metric format, else the column's, else 4 decimals."""
        if self.metric_level and self.row_formats:
            key = self.frame.index[r][self.frame.index.names.index(self.metric_level)]
            if key in self.row_formats:
                return self.row_formats[key]
        col = self.frame.columns[c]
        return self.formats.get(col[-1] if isinstance(col, tuple) else col, ".4f")

    def missing_cells(self) -> list[str]:
        """Absent cells as 'row | column' strings, for --strict errors."""
        out = []
        for r, row in enumerate(self.absent.index):
            for c, col in enumerate(self.absent.columns):
                if self.absent.iat[r, c]:
                    out.append(f"{_label(row)} | {_label(col)}")
        return out

    def best_mask(self) -> pd.DataFrame:
        """True at the single best value of each row, respecting the metric's direction.

        Values are compared as printed: when two cells show the same best number nobody is bold,
        because a bold cell claims a winner the reader can check (a column of bold 0.0000 claims none).
        """
        mask = self.absent.copy() & False
        if not (self.bold_best and self.metric_level):
            return mask
        level = self.frame.index.names.index(self.metric_level)
        for r, row in enumerate(self.frame.index):
            higher = self.metric_info[row[level]][1]
            shown = [
                (c, float(format(v, self.format_of(r, c))))
                for c, v in enumerate(self.frame.iloc[r])
                if not self.absent.iat[r, c] and _ok(v)
            ]
            if higher is None or len(shown) < 2:
                continue
            best = max(v for _, v in shown) if higher else min(v for _, v in shown)
            winners = [c for c, v in shown if v == best]
            if len(winners) == 1:
                mask.iat[r, winners[0]] = True
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


def object_grid(frame: pd.DataFrame, cells: dict[tuple[tuple, tuple], Any]) -> pd.DataFrame:
    """A companion of ``frame`` holding arbitrary objects (e.g. (low, high) intervals); None elsewhere."""
    import pandas as pd

    values = [[cells.get((r, c)) for c in frame.columns] for r in frame.index]
    return pd.DataFrame(values, index=frame.index, columns=frame.columns, dtype=object)


def float_grid(frame: pd.DataFrame, cells: dict[tuple[tuple, tuple], Any]) -> pd.DataFrame:
    """A float companion of ``frame`` (e.g. the n behind each rate); NaN where unknown."""
    import pandas as pd

    values = [[_float(cells.get((r, c))) for c in frame.columns] for r in frame.index]
    return pd.DataFrame(values, index=frame.index, columns=frame.columns, dtype=float)


def _empty_index(names: list[str]) -> pd.MultiIndex:
    import pandas as pd

    return pd.MultiIndex.from_arrays([[] for _ in names], names=names)


def _float(value: Any) -> float:
    return float(value) if _ok(value) else math.nan
