"""A table ready to render: a value frame, an absent-cell mask and how to show them.

Kept apart from the table builders so that the renderers and the paired bootstrap depend on the
shape of a table, not on each other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


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
