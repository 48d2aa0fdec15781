"""Rows that are not package lines: totals and subtotals (labelled, or only numbers that add
up to the rows above) and the header repeated on each page of a report."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from lotdesign.io.packages.cells import _omap
from lotdesign.io.packages.reading import _norm_header
from lotdesign.io.packages.schema import _TOTAL_LABEL, REQUIRED_COLUMNS, SET_ASIDE_REASONS
from lotdesign.io.values import is_blank


def _find_set_aside(
    raw: pd.DataFrame, mapping: Mapping[str, str], weekly: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """Totals rows and repeated header rows: (code per row or None, label per row)."""
    n = len(raw)
    code: list[str | None] = [None] * n
    label: list[str | None] = [None] * n
    originals = [c for c in raw.columns if c != "source_row"]

    def empty_or_total(v: object) -> bool:
        return is_blank(v) or (isinstance(v, str) and bool(_TOTAL_LABEL.search(v)))

    # A labelled totals row: no customer ID or postcode (or the label there), a label in a cell.
    unnamed = _omap(raw[mapping["customer_id"]], empty_or_total).to_numpy(dtype=bool)
    unnamed &= _omap(raw[mapping["postcode"]], empty_or_total).to_numpy(dtype=bool)
    for i in np.flatnonzero(unnamed):
        for v in raw.iloc[i][originals]:
            if isinstance(v, str) and _TOTAL_LABEL.search(v):
                code[i], label[i] = "total_row", v.strip()
                break
    # The header row again: every required column holds its own header.
    repeat = np.ones(n, dtype=bool)
    for name in REQUIRED_COLUMNS:
        want = _norm_header(mapping[name])
        column = raw[mapping[name]]
        same = _omap(column, lambda v, want=want: isinstance(v, str) and _norm_header(v) == want)
        repeat &= same.to_numpy(dtype=bool)
    for i in np.flatnonzero(repeat):
        code[i] = "header_repeat"
    # An unlabelled totals row: only numbers (no ID, postcode, name or date), and hours equal
    # to the sum of the rows since the last totals row (at least two of them).
    numbers = ("weekly_hours", "visits_per_week", "weekly_cost", "hourly_rate")
    numeric = {mapping[k] for k in numbers if k in mapping}
    candidates = unnamed.copy()
    for col in originals:
        if col not in numeric and candidates.any():
            candidates &= _omap(raw[col], is_blank).to_numpy(dtype=bool)
    values = weekly.to_numpy(dtype=float)
    finite = np.isfinite(values)
    candidates &= finite & (np.nan_to_num(values) > 0)
    if candidates.any():
        total = np.concatenate([[0.0], np.cumsum(np.where(finite, values, 0.0))])
        count = np.concatenate([[0], np.cumsum(finite)])
        resets = {i for i in range(n) if code[i] is not None}
        start = 0  # the first row after the last reset
        for i in sorted(resets | set(np.flatnonzero(candidates).tolist())):
            if i in resets:
                start = i + 1
                continue
            since, block = total[i] - total[start], count[i] - count[start]
            if block >= 2 and abs(values[i] - since) < 0.005:
                code[i] = "total_row"
                label[i] = f"no label; its hours equal the rows above ({values[i]:g})"
                start = i + 1
    return (
        pd.Series(code, index=raw.index, dtype=object),
        pd.Series(label, index=raw.index, dtype=object),
    )


def set_aside_rows(
    raw: pd.DataFrame, mapping: Mapping[str, str], originals: list[str], weekly: pd.Series
) -> tuple[pd.Series, pd.DataFrame, pd.Series, list[str]]:
    """Rows that are not package lines, found and described.

    Returns
    -------
    (mask, frame, hours, notes)
        Which rows are set aside; the ``set_aside_rows.csv`` frame (``source_row``,
        ``reason_code``, ``reason`` and the original cells); the hours written in totals
        rows; and a note comparing the extract's last totals row with the rows read.
    """
    aside_code, aside_label = _find_set_aside(raw, mapping, weekly)
    aside = aside_code.notna()
    set_aside = pd.concat(
        [
            pd.DataFrame(
                {
                    "source_row": raw["source_row"],
                    "reason_code": aside_code,
                    "reason": [
                        None if c is None else SET_ASIDE_REASONS[c].format(label=lab)
                        for c, lab in zip(aside_code, aside_label, strict=True)
                    ],
                }
            ),
            raw[originals],
        ],
        axis=1,
    )[aside].reset_index(drop=True)
    aside_hours = weekly[aside & (aside_code == "total_row")]
    notes: list[str] = []
    if aside.any():
        totals = aside_code == "total_row"
        last_total = raw.index[totals][-1] if totals.any() else None
        if last_total is not None and np.isfinite(weekly[last_total]):
            claimed = float(weekly[last_total])
            lines_sum = float(weekly[~aside].fillna(0.0).sum())
            verdict = (
                "they agree"
                if abs(claimed - lines_sum) < 0.005
                else f"they differ by {lines_sum - claimed:+,.2f}: check the extract"
            )
            notes.append(
                f"the extract's last totals row (row {int(raw.at[last_total, 'source_row'])}, "
                f"'{aside_label[last_total]}') says {claimed:,.2f} weekly hours; the rows read "
                f"sum to {lines_sum:,.2f}: {verdict}"
            )
    return aside, set_aside, aside_hours, notes
