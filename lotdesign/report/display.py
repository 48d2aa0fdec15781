"""Display formatting: a shared table as header labels, cell texts and rule-check marks.

Labels and number formats come from the column registry (:mod:`lotdesign.columns`); the
tables reaching this module hold registered columns only (:mod:`lotdesign.report.tables`
leaves the others out).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lotdesign import columns as registry
from lotdesign.report.text import _rule_columns, _status

# A key-value table (the plan summary): each row's item is a registered column, which gives
# the row its label and its value's format.
_KEY_VALUE = ["item", "value"]


@dataclass
class _Display:
    """A table ready to render: header labels, cell texts and a status per cell."""

    caption: str
    headers: list[str]
    cells: list[list[str]]
    status: list[list[str | None]]
    wide: bool = False
    #: Per column: its cells are numbers (right-aligned, never wrapped).
    numeric: list[bool] = field(default_factory=list)
    #: A table's kind, for its style: "key" (measure and figure), "params" (parameters).
    kind: str = ""

    def __post_init__(self) -> None:
        if not self.numeric:
            self.numeric = [False] * len(self.headers)


def _display(
    frame: pd.DataFrame,
    caption: str,
    *,
    columns: Sequence[str] | None = None,
) -> _Display:
    if columns is not None:
        keep = [c for c in columns if c in frame.columns]
        frame = frame[keep] if keep else frame
    if list(frame.columns) == _KEY_VALUE:
        return _key_value_display(frame, caption)
    # Keep identifiers first and free-text reasons last.
    front = [c for c in ("section", "level", "area", "lot_id", "tier") if c in frame.columns]
    back = [c for c in ("reason", "reasons") if c in frame.columns]
    middle = [c for c in frame.columns if c not in front and c not in back]
    frame = frame[[*front, *middle, *back]]
    rules = set(_rule_columns(frame))
    entries = [registry.column(c) for c in frame.columns]
    cells, status = [], []
    for row in frame.itertuples(index=False, name=None):
        texts, marks = [], []
        for entry, value in zip(entries, row, strict=True):
            mark = _status(value) if entry.name in rules else None
            if mark is not None and isinstance(value, bool | np.bool_):
                texts.append("Pass" if value else "Fail")
            elif mark is not None:
                texts.append(str(value).strip().capitalize())
            else:
                texts.append(entry.fmt(value))
            marks.append(mark)
        cells.append(texts)
        status.append(marks)
    return _Display(
        caption=caption,
        headers=[e.label for e in entries],
        cells=cells,
        status=status,
        wide=len(frame.columns) > 8,
        numeric=[e.format is not None and not e.rule for e in entries],
    )


def _key_value_display(frame: pd.DataFrame, caption: str) -> _Display:
    cells, status = [], []
    for item, value in frame.itertuples(index=False, name=None):
        entry = registry.column(str(item))
        mark = _status(value) if entry.rule else None
        cells.append([entry.label, entry.fmt(value)])
        status.append([None, mark])
    return _Display(
        caption=caption,
        headers=[registry.label(c) for c in _KEY_VALUE],
        cells=cells,
        status=status,
        numeric=[False, True],
    )
