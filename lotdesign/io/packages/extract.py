"""The result of reading an extract, and how it writes and tells its reconciliation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from lotdesign.io.packages.reconciliation import _reconciles
from lotdesign.io.values import show


@dataclass
class Extract:
    """The result of reading an extract.

    Attributes
    ----------
    packages
        Used package lines (active on ``as_of``, geocoded), one row per line, with
        ``source_row`` and the customers-contract columns.
    customers
        Used customers: the lines summed per customer (see :func:`summarise_customers`).
    rejected
        Rejected rows: ``source_row``, ``column``, ``reason_code``, ``reason`` and the
        original cells.
    excluded
        Valid rows not active on ``as_of``, with ``source_row`` and ``exclusion``.
    reconciliation
        Rows and hours read, used, excluded and rejected, and the rows set aside.
    notes
        Plain-English notes on soft problems (terminated postcodes, customers whose lines
        give different postcodes, postcodes corrected, an extract's own total).
    set_aside
        Rows that are not package lines (totals, repeated headers): ``source_row``,
        ``reason_code``, ``reason`` and the original cells.
    detected
        How the file was read: kind, encoding, delimiter, sheet, header row, decimal mark,
        hours unit, cost meaning and date order, each saying whether it was declared.
    """

    packages: pd.DataFrame
    customers: pd.DataFrame
    rejected: pd.DataFrame
    excluded: pd.DataFrame
    reconciliation: pd.DataFrame
    source: str
    as_of: dt.date | None
    lookup_source: str
    notes: list[str] = field(default_factory=list)
    set_aside: pd.DataFrame = field(default_factory=pd.DataFrame)
    detected: dict[str, str] = field(default_factory=dict)

    def write(self, processed_dir: str | Path) -> dict[str, Path]:
        """Write ``rejected_rows.csv``, ``excluded_rows.csv``, ``set_aside_rows.csv`` and
        ``reconciliation.csv``.

        These stay on the analyst's machine: rejected and excluded rows hold personal data.
        """
        out = Path(processed_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = {
            "rejected_rows": out / "rejected_rows.csv",
            "excluded_rows": out / "excluded_rows.csv",
            "set_aside_rows": out / "set_aside_rows.csv",
            "reconciliation": out / "reconciliation.csv",
        }
        self.rejected.map(_cell_text).to_csv(paths["rejected_rows"], index=False)
        self.excluded.map(_cell_text).to_csv(paths["excluded_rows"], index=False)
        self.set_aside.map(_cell_text).to_csv(paths["set_aside_rows"], index=False)
        self.reconciliation.to_csv(paths["reconciliation"], index=False)
        return paths

    def reconciliation_text(self) -> str:
        """How the file was read and the reconciliation, for the terminal or a log."""
        rec = self.reconciliation.set_index("stage")
        lines = [f"Reconciliation of {self.source}:"]
        if self.detected:
            lines.append("  read as:")
            lines.extend(f"    {k:<13}{v}" for k, v in self.detected.items())
        for stage in ("read", "used", "excluded", "rejected"):
            lines.append(
                f"  {stage:<9}{int(rec.loc[stage, 'rows']):>8,} rows "
                f"{rec.loc[stage, 'hours']:>12,.2f} hours"
            )
        ok = "yes" if _reconciles(self.reconciliation) else "NO"
        lines.append(f"  read = used + excluded + rejected: {ok}")
        if "set_aside" in rec.index and int(rec.loc["set_aside", "rows"]):
            codes = self.set_aside["reason_code"].value_counts()
            names = {"total_row": "totals row(s)", "header_repeat": "repeated header row(s)"}
            what = ", ".join(f"{n} {names.get(c, c)}" for c, n in codes.items())
            lines.append(
                f"  set aside {int(rec.loc['set_aside', 'rows']):>6,} rows: {what}, not package "
                f"lines and not counted as read (the hours written in them add up to "
                f"{rec.loc['set_aside', 'hours']:,.2f})"
            )
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)


def _cell_text(value: object) -> object:
    """Cells as a spreadsheet shows them, for the CSVs the analyst reads."""
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return show(value)
    return value
