"""Read and validate a council's care-package extract (CSV or XLSX).

Every row below the header ends in exactly one of four places:

* **used** — a valid package line active on the analysis date, geocoded;
* **excluded** — a valid line not active on the analysis date (ended, or not yet started);
* **rejected** — a line that cannot be used, written to ``rejected_rows.csv`` with the row
  number a spreadsheet shows, the column at fault and a plain-English reason;
* **set aside** — a row that is not a package line at all (a totals or subtotal row, the
  header repeated on each page of a report), written to ``set_aside_rows.csv`` and not
  counted as read.

Rows and hours reconcile: read = used + excluded + rejected.

How the file is opened (kind, encoding, delimiter, sheet, header row) is found by
:mod:`lotdesign.io.sniff`; how each cell is read (decimal mark, hours unit, date order,
postcodes) by :mod:`lotdesign.io.values`. What the extract does not declare is detected and
said (:attr:`Extract.detected`); where two readings are possible the read stops with the
config key to set. A value is never read as a different number without a word.

The modules: :mod:`~lotdesign.io.packages.schema` (column names, declarations, reason codes),
:mod:`~lotdesign.io.packages.reading` (raw cells and the column mapping),
:mod:`~lotdesign.io.packages.declarations` (decimal mark, date order, units and cost meaning),
:mod:`~lotdesign.io.packages.cells` (each distinct cell parsed once),
:mod:`~lotdesign.io.packages.totals` (totals and repeated headers set aside),
:mod:`~lotdesign.io.packages.duplicates`, :mod:`~lotdesign.io.packages.rejections` (one
reason a row), :mod:`~lotdesign.io.packages.validation` (the ordered pass),
:mod:`~lotdesign.io.packages.reconciliation`, :mod:`~lotdesign.io.packages.customers` and
:mod:`~lotdesign.io.packages.extract` (the result).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from lotdesign.io.packages.customers import summarise_customers
from lotdesign.io.packages.extract import Extract
from lotdesign.io.packages.reading import candidate_postcodes, read_extract
from lotdesign.io.packages.schema import (
    COST_MEANINGS,
    HOURS_PER,
    OPTIONAL_COLUMNS,
    REASONS,
    REQUIRED_COLUMNS,
    SET_ASIDE_REASONS,
)
from lotdesign.io.packages.validation import validate_extract
from lotdesign.io.values import parse_date, parse_number

__all__ = [
    "COST_MEANINGS",
    "HOURS_PER",
    "OPTIONAL_COLUMNS",
    "REASONS",
    "REQUIRED_COLUMNS",
    "SET_ASIDE_REASONS",
    "Extract",
    "candidate_postcodes",
    "parse_date",
    "parse_number",
    "read_extract",
    "read_packages",
    "summarise_customers",
    "validate_extract",
]


def read_packages(
    path: str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    sheet: str | int | None = None,
    header_row: int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    lookup: str | Path | list | pd.DataFrame = "packaged",
    as_of: dt.date | str | None = None,
    max_weekly_hours: float | None = None,
    hours_unit: str | None = None,
    hours_per: str | None = None,
    decimal_mark: str | None = None,
    cost_meaning: str | None = None,
    date_order: str | None = None,
) -> Extract:
    """Read, validate and geocode a care-package extract in one call.

    See :func:`read_extract` and :func:`validate_extract` for the parameters
    (``max_weekly_hours`` default: ``settings.MAX_WEEKLY_HOURS``).

    Examples
    --------
    >>> ex = read_packages("extract.xlsx", sheet="Packages",
    ...                    columns={"customer_id": "Person ID", "postcode": "Post Code",
    ...                             "weekly_hours": "Planned Mins/Wk"},
    ...                    hours_unit="minutes", as_of="2026-11-01")  # doctest: +SKIP
    >>> print(ex.reconciliation_text())  # doctest: +SKIP
    """
    raw = read_extract(
        path,
        columns=columns,
        sheet=sheet,
        header_row=header_row,
        encoding=encoding,
        delimiter=delimiter,
    )
    return validate_extract(
        raw,
        lookup=lookup,
        as_of=as_of,
        max_weekly_hours=max_weekly_hours,
        hours_unit=hours_unit,
        hours_per=hours_per,
        decimal_mark=decimal_mark,
        cost_meaning=cost_meaning,
        date_order=date_order,
    )
