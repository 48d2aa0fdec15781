"""The data dictionary and the rounding of shared tables.

Every shared table (the reports folder's CSVs and the sheets of ``tables.xlsx``) is rounded
by its columns' registered units (:func:`lotdesign.columns.decimals`): hours, miles and
minutes to 0.1, money to the penny, shares from 0 to 1 to three places (a tenth of a
percentage point), counts to whole numbers. Rounding comes after the disclosure control and
only ever drops digits: a suppressed count (``"1–7"``, ``"[c]"``) stays as it is.

The data dictionary says, for every column written, what it means, its unit, how it is
rounded and where it comes from, all read from the column registry
(:mod:`lotdesign.columns`); it is the workbook's ``Dictionary`` sheet and ``dictionary.csv``
beside the CSVs (:func:`write_dictionary`).
"""

from __future__ import annotations

import math
import warnings
import zipfile
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lotdesign import columns as registry
from lotdesign.errors import ValidationError

__all__ = [
    "DICTIONARY_COLUMNS",
    "data_dictionary",
    "read_tables",
    "round_for_sharing",
    "unit_text",
    "write_dictionary",
]

#: Columns of the data dictionary, in order.
DICTIONARY_COLUMNS: tuple[str, ...] = (
    "column",
    "heading",
    "meaning",
    "unit",
    "rounding",
    "source",
    "appears_in",
)
#: Headings of the dictionary's columns in the workbook.
_DICTIONARY_HEADINGS: dict[str, str] = {
    "column": "Column (CSV name)",
    "heading": "Heading in tables.xlsx",
    "meaning": "Meaning",
    "unit": "Unit",
    "rounding": "Rounded to",
    "source": "Source / derivation",
    "appears_in": "Appears in",
}
DICTIONARY_SHEET = "Dictionary"
#: How a workbook sheet is named among the files in ``appears_in`` (``tables.xlsx:lots``).
_PREFIX = "tables.xlsx:"
#: Columns whose values are in the unit named by the row's ``metric`` (the P10/P50/P90 table).
_BY_METRIC = ("base", "p10", "p50", "p90")
_KEY_VALUE = ["item", "value"]


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float | np.integer | np.floating)
        and not isinstance(value, bool | np.bool_)
        and not (isinstance(value, float | np.floating) and math.isnan(value))
    )


def round_value(value: Any, places: int | None, *, significant: bool = False) -> Any:
    """One value rounded to ``places`` decimals (a whole number: an ``int``).

    Text (a suppressed count's ``"1–7"``), booleans and missing values are returned as they
    are; ``places=None`` keeps the value unless ``significant``, which keeps
    :data:`~lotdesign.columns.SIGNIFICANT_FIGURES` significant figures.
    """
    if not _is_number(value):
        return value
    number = float(value)
    if places is None:
        if not significant or number == 0 or math.isinf(number):
            return value
        return float(f"{number:.{registry.SIGNIFICANT_FIGURES}g}")
    if math.isinf(number):
        return number
    # Halves away from zero, as a reader rounds (936.75 -> 936.8), on the shortest decimal
    # that is the float (so 0.1 + 0.2 is 0.3, not 0.30000000000000004).
    step = Decimal(1).scaleb(-places)
    rounded = Decimal(repr(number)).quantize(step, rounding=ROUND_HALF_UP)
    if places == 0:
        return int(rounded)
    return float(rounded) + 0.0  # + 0.0: no "-0.0"


def _places(name: str) -> tuple[int | None, bool]:
    """Decimals for a registered column, and whether it is kept to significant figures."""
    entry = registry.get(name)
    if entry is None or entry.format is None:
        return None, False
    places = registry.decimals(name)
    return places, places is None


def _round_as(name: str, value: Any) -> Any:
    """One value rounded as registered column ``name`` is."""
    places, significant = _places(name)
    return round_value(value, places, significant=significant)


def _round_series(series: pd.Series, places: int | None, significant: bool) -> pd.Series:
    if places is None and not significant:
        return series
    if pd.api.types.is_bool_dtype(series.dtype):
        return series
    if pd.api.types.is_numeric_dtype(series.dtype):
        values = pd.to_numeric(series, errors="coerce").astype(float)
        rounded = values.map(lambda v: round_value(v, places, significant=significant))
        return rounded.astype("Int64") if places == 0 else rounded.astype(float)
    # Mixed text and numbers (a suppressed count beside shown ones): round the numbers only.
    return series.map(lambda v: round_value(v, places, significant=significant)).astype(object)


def round_for_sharing(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a shared table rounded by its columns' registered units.

    Hours, miles and minutes to 0.1, money to 0.01, shares from 0 to 1 to 0.001, counts to
    whole numbers (:func:`lotdesign.columns.decimals`); a figure whose unit varies by row (a
    sensitivity's input value) to :data:`~lotdesign.columns.SIGNIFICANT_FIGURES`
    significant figures. Text, including suppressed counts (``"1–7"``, ``"[c]"``), and
    unregistered columns are left as they are; an ``item``/``value`` table rounds each value
    by its item, and the ``base``/``p10``/``p50``/``p90`` of a table with a ``metric`` column
    by that row's metric where it is registered.

    Parameters
    ----------
    frame
        A table that has been through the disclosure control.

    Returns
    -------
    pandas.DataFrame
        The rounded copy: whole-number columns as integers (``Int64``), so that no count is
        written with a fraction.

    Examples
    --------
    >>> frame = pd.DataFrame({"hours": [936.75], "customers": [70.0], "share_hours": [0.0309]})
    >>> round_for_sharing(frame).to_dict("records")
    [{'hours': 936.8, 'customers': 70, 'share_hours': 0.031}]
    """
    if not isinstance(frame, pd.DataFrame):
        raise ValidationError(f"round_for_sharing needs a DataFrame, got {type(frame).__name__}.")
    out = frame.copy()
    if [str(c) for c in out.columns] == _KEY_VALUE:
        out["value"] = [
            _round_as(str(k), v) if registry.get(str(k)) else v
            for k, v in zip(out["item"], out["value"], strict=True)
        ]
        out["value"] = out["value"].astype(object)
        return out
    by_metric = "metric" in out.columns
    for name in out.columns:
        key = str(name)
        if by_metric and key in _BY_METRIC:
            out[name] = [
                _round_as(str(m) if registry.get(str(m)) else key, v)
                for m, v in zip(out["metric"], out[name], strict=True)
            ]
            continue
        places, significant = _places(key)
        out[name] = _round_series(out[name], places, significant)
    return out


def unit_text(name: str) -> str:
    """Column ``name``'s unit for the dictionary (a 0-1 share says it is one)."""
    entry = registry.get(name)
    if entry is None:
        return ""
    if entry.format is not None and entry.format.rstrip().endswith("%}"):
        return "share from 0 to 1 (shown as %)"
    if entry.unit == "%":
        return "percent"
    return entry.unit or ""


def data_dictionary(places: Mapping[str, Iterable[Any]]) -> pd.DataFrame:
    """The data dictionary of the columns written to some places.

    Parameters
    ----------
    places
        Where each column appears: ``{"lot_summary.csv": ["lot_id", ...], "tables.xlsx:lots":
        [...]}``.

    Returns
    -------
    pandas.DataFrame
        One row per column, in the order first met: :data:`DICTIONARY_COLUMNS` (``column``,
        ``heading``, ``meaning``, ``unit``, ``rounding``, ``source``, ``appears_in``). A
        column not in the registry says so in its meaning.
    """
    seen: dict[str, list[str]] = {}
    for place, names in places.items():
        for name in names:
            where = seen.setdefault(str(name), [])
            if place not in where:
                where.append(place)
    rows = []
    for name, where in seen.items():
        entry = registry.get(name)
        if entry is None:
            unknown = "Not in the column registry (lotdesign.columns)."
            rows.append((name, name, unknown, "", "", "", "; ".join(where)))
            continue
        rows.append(
            (
                name,
                registry.heading(name),
                entry.meaning or "",
                unit_text(name),
                registry.precision(name) if entry.format is not None else "",
                entry.source or "",
                "; ".join(where),
            )
        )
    return pd.DataFrame(rows, columns=list(DICTIONARY_COLUMNS), dtype=object)


def _csv_columns(path: Path) -> list[str]:
    return [str(c) for c in pd.read_csv(path, nrows=0).columns]


def write_dictionary(folder: str | Path) -> Path:
    """Write ``dictionary.csv``: every column of every CSV and workbook sheet in ``folder``.

    The CSVs' columns are read from their headers; the workbook's (``tables.xlsx``) from its
    ``Dictionary`` sheet (:func:`~lotdesign.report.write_tables` writes it), so the two
    dictionaries say the same of every column.

    Parameters
    ----------
    folder
        A reports folder (or a sweep's folder).

    Returns
    -------
    pathlib.Path
        ``folder / "dictionary.csv"``.

    Raises
    ------
    ValidationError
        If ``folder`` is not a folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValidationError(f"write_dictionary needs a folder; {folder} is not one.")
    path = folder / "dictionary.csv"
    places: dict[str, list[str]] = {}
    for csv in sorted(folder.glob("*.csv")):
        if csv.name != path.name:
            places[csv.name] = _csv_columns(csv)
    workbook = folder / "tables.xlsx"
    if workbook.exists():
        for name, where in _workbook_dictionary(workbook):
            for place in where:
                places.setdefault(_PREFIX + place.removeprefix(_PREFIX), []).append(name)
    data_dictionary(places).to_csv(path, index=False)
    return path


def _workbook_dictionary(path: Path) -> list[tuple[str, list[str]]]:
    """(column, places) of a workbook's Dictionary sheet; none for a workbook without one
    (an older run's) or one that cannot be read (the privacy scan reports that file)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
        warnings.warn(
            f"{path.name} cannot be read ({error}), so dictionary.csv leaves it out.",
            UserWarning,
            stacklevel=3,
        )
        return []
    try:
        if DICTIONARY_SHEET not in book.sheetnames:
            return []
        rows = list(book[DICTIONARY_SHEET].iter_rows(values_only=True))
    finally:
        book.close()
    header = list(rows[0]) if rows else []
    if _DICTIONARY_HEADINGS["column"] not in header:
        return []
    name_at = header.index(_DICTIONARY_HEADINGS["column"])
    where_at = header.index(_DICTIONARY_HEADINGS["appears_in"])
    return [
        (str(row[name_at]), [p.strip() for p in str(row[where_at] or "").split(";") if p.strip()])
        for row in rows[1:]
        if row[name_at]
    ]


def read_tables(path: str | Path) -> dict[str, pd.DataFrame]:
    """The tables of a workbook written by :func:`~lotdesign.report.write_tables`.

    Headings are read back to column names through the workbook's ``Dictionary`` sheet, so
    the frames have the same columns as the CSVs (and a plan summary's items their names).

    Parameters
    ----------
    path
        The ``tables.xlsx`` file.

    Returns
    -------
    dict of str to pandas.DataFrame
        One frame per table sheet (not ``README`` or ``Dictionary``), keyed by sheet name;
        numbers stay numbers, a suppressed count is its label.
    """
    from openpyxl import load_workbook

    book = load_workbook(Path(path), read_only=True)
    try:
        sheets = {
            sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
            for sheet in book.worksheets
        }
    finally:
        book.close()
    names: dict[str, dict[str, str]] = {}
    dictionary = sheets.pop(DICTIONARY_SHEET, [])
    if dictionary:
        header = dictionary[0]
        at = {key: header.index(heading) for key, heading in _DICTIONARY_HEADINGS.items()}
        for row in dictionary[1:]:
            for place in str(row[at["appears_in"]] or "").split(";"):
                sheet = place.strip().removeprefix(_PREFIX)
                names.setdefault(sheet, {})[str(row[at["heading"]])] = str(row[at["column"]])
    sheets.pop("README", None)
    tables = {}
    for title, rows in sheets.items():
        lookup = names.get(title, {})
        header = [_column_of(str(h), lookup) for h in rows[0]] if rows else []
        frame = pd.DataFrame(rows[1:], columns=header, dtype=object)
        if header == _KEY_VALUE:
            frame["item"] = [lookup.get(str(i), i) for i in frame["item"]]
        tables[title] = frame
    return tables


def _column_of(heading: str, lookup: Mapping[str, str]) -> str:
    """A sheet heading's column: by the dictionary, or a ``"... [name]"`` heading's name."""
    if heading in lookup:
        return lookup[heading]
    if heading.endswith("]") and " [" in heading:
        return heading[heading.rindex(" [") + 2 : -1]
    return heading
