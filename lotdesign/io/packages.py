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

Why one long module: :func:`validate_extract` is one ordered pass over the rows, and the
order of its checks decides each row's single reason; its helpers sit beside it. Cutting the
pass into stage modules (parse, classify, geocode, summarise) is the next step.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from lotdesign import postcodes as pc
from lotdesign import rurality, settings
from lotdesign.errors import ValidationError
from lotdesign.io import sniff
from lotdesign.io.lookups import geocode, read_postcode_lookup
from lotdesign.io.values import (
    DATE_ORDERS,
    DECIMAL_MARKS,
    HOURS_UNITS,
    MonthFirstDate,
    ValueProblem,
    clean_postcode,
    date_order_evidence,
    decimal_mark_evidence,
    is_blank,
    parse_date,
    parse_end_date,
    parse_hours,
    parse_number,
    postcode_corrections,
    show,
)

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

REQUIRED_COLUMNS: tuple[str, ...] = ("customer_id", "postcode", "weekly_hours")
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "weekly_cost",
    "hourly_rate",
    "provider",
    "gp_practice",
    "start_date",
    "end_date",
    "service_type",
    "visits_per_week",
)
#: What the hours column counts: hours a week, or hours a visit (times visits a week).
HOURS_PER: tuple[str, ...] = ("week", "visit")
#: What the cost column (``columns.weekly_cost``) holds, and the factor that makes it weekly.
#: ``hourly_rate`` means the column is a rate per contact hour (cost = rate x hours).
COST_MEANINGS: tuple[str, ...] = ("weekly", "four_weekly", "monthly", "annual", "hourly_rate")

#: Reason codes, in the order rows are checked, with the plain-English reason shown.
#: A row gets the first reason that applies.
REASONS: dict[str, str] = {
    "row_misaligned": "the row has {n} cells where the header has {width}: a value probably "
    "holds an unquoted {delimiter} (as '£1,234.50' does in a comma-separated file), which "
    "shifts every cell after it; quote the value or export the file again",
    "duplicate_row": "the same line as row {dup_of} once case, spacing and the way postcodes, "
    "numbers, money and dates are written are set aside; counted once, from row {dup_of}",
    "customer_id_missing": "customer ID is blank",
    "customer_id_invalid": "customer ID '{value}' was turned into a rounded number by Excel "
    "(scientific notation), so it no longer names one person; export the ID column as text",
    "postcode_missing": "postcode is blank",
    "postcode_invalid": "'{value}' is not a valid UK postcode format and is not in the "
    "postcode lookup",
    "hours_missing": "{what} are blank",
    "hours_not_numeric": "{what}: {why}",
    "visits_missing": "visits a week are blank (the hours are per visit: inputs.hours_per)",
    "visits_not_numeric": "visits a week: {why}",
    "visits_not_positive": "visits a week must be more than zero (got {value})",
    "hours_not_positive": "weekly hours must be more than zero (got {value})",
    "hours_implausible": "{value} weekly hours is more than the plausible maximum of {limit:g} "
    "(two carers round the clock); check the extract",
    "cost_not_numeric": "{column}: {why}",
    "cost_negative": "{column} is negative ({value})",
    "date_invalid": "{column}: {why}",
    "date_month_first": "{column}: {why}",
    "end_before_start": "end date {end} is before start date {start}",
    "postcode_not_found": "postcode {value} has a valid format but is not in the postcode "
    "lookup ({lookup}); check it for typos or use a newer lookup",
    "postcode_no_grid": "postcode {value} is in the lookup but has no grid reference",
}

#: Rows that are not package lines: set aside with their own count, not read.
SET_ASIDE_REASONS: dict[str, str] = {
    "total_row": "a totals row ('{label}'), not a package line",
    "header_repeat": "the header row again (reports repeat it on each page), not a package line",
}

_COST_FACTOR: dict[str, float | None] = {
    "weekly": 1.0,
    "four_weekly": 0.25,
    "monthly": None,  # 12 / WEEKS_PER_YEAR, read when called
    "annual": None,  # 1 / WEEKS_PER_YEAR
    "hourly_rate": None,
}
_COST_WORDS = {
    "weekly": "a cost a week",
    "four_weekly": "a cost per four weeks, divided by 4",
    "monthly": "a cost a month, times 12 / weeks a year",
    "annual": "a cost a year, divided by weeks a year",
    "hourly_rate": "an hourly rate, times the weekly hours",
}
_HOURS_WORDS = {"hours": "hours", "minutes": "minutes", "hh:mm": "hours:minutes"}

_TOTAL_LABEL = re.compile(
    r"^\s*(?:grand\s+|sub[\s-]?)?totals?\b|\btotals?\s*:?\s*$|^\s*sum\s*:?\s*$", re.IGNORECASE
)
_SCIENTIFIC_ID = re.compile(r"^\d(?:\.\d+)?[eE]\+\d+$")
_HINTS: dict[str, re.Pattern[str]] = {
    "minutes": re.compile(r"\bmins?\b|minute", re.IGNORECASE),
    "hh:mm": re.compile(r"\bh{1,2}\s*[:.]\s*mm\b", re.IGNORECASE),
    "visit": re.compile(r"visit|\bcalls?\b", re.IGNORECASE),
    "hourly_rate": re.compile(r"\brate\b|per\s*h(?:ou)?r|/\s*h(?:ou)?r\b|hourly", re.IGNORECASE),
    "annual": re.compile(r"annual|yearly|per\s*annum|\byear", re.IGNORECASE),
    "four_weekly": re.compile(r"\b(?:4|four)[\s-]*(?:weeks?|wks?|weekly)\b|28[\s-]*days?", re.I),
    "monthly": re.compile(r"month|\bpcm\b", re.IGNORECASE),
}


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


# --- reading -----------------------------------------------------------------------------------


def _norm_header(name: object) -> str:
    return re.sub(r"[\s_\-]+", "", str(name)).lower()


def _check_names(columns: Mapping[str, str | None] | None) -> dict[str, str]:
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    out = {}
    for name, header in (columns or {}).items():
        if name not in known:
            raise ValidationError(
                f"inputs.columns: '{name}' is not a lotdesign column. Allowed: "
                f"{', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}."
            )
        if header is not None:
            out[name] = str(header).strip()
    return out


def _scorer(columns: Mapping[str, str]) -> Callable[[Iterable[object]], tuple[int, int]]:
    required = [_norm_header(columns.get(n, n)) for n in REQUIRED_COLUMNS]
    optional = [_norm_header(h) for n, h in columns.items() if n not in REQUIRED_COLUMNS]

    def score(cells: Iterable[object]) -> tuple[int, int]:
        found = {_norm_header(c) for c in cells if not is_blank(c)}
        n_req = sum(h in found for h in required)
        return n_req, n_req + sum(h in found for h in optional)

    return score


def read_extract(
    path: str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    sheet: str | int | None = None,
    header_row: int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> pd.DataFrame:
    """Read the raw extract, keeping every cell as the council wrote it.

    Parameters
    ----------
    path
        A delimited text file (``.csv``, ``.txt``, ``.tsv``) or an Excel workbook
        (``.xlsx``/``.xlsm``); the kind is told from the content, not the name.
    columns
        Mapping from lotdesign's names (``customer_id``, ``postcode``, ``weekly_hours`` …) to
        the extract's headers. Without it, the headers must be lotdesign's names (matched
        without regard to case, spaces or underscores).
    sheet
        Worksheet name or 0-based index (XLSX only). Default: the sheet that holds the
        mapped headers.
    header_row
        Spreadsheet row number (1 = the first line) of the header. Default: the first row
        that holds the mapped headers of the required columns.
    encoding
        Text files only: ``utf-8``, ``utf-8-sig``, ``utf-16``, ``utf-16-le``, ``utf-16-be``,
        ``cp1252`` or ``latin-1``. Default: detected.
    delimiter
        Text files only: ``","``, ``";"``, ``"\\t"`` or ``"|"``. Default: detected.

    Returns
    -------
    pandas.DataFrame
        The original cells (``object`` dtype) plus ``source_row`` (the spreadsheet row
        number). ``frame.attrs`` holds ``mapping`` (lotdesign name -> header), ``path``,
        ``detected`` (how the file was read) and ``overflow`` (rows of a text file with
        more cells than the header).

    Raises
    ------
    lotdesign.ValidationError
        The file is missing, empty, of a kind that cannot be read (HTML, old ``.xls``,
        damaged workbook) or ambiguous; a mapped or required column is absent.
    """
    path = Path(path)
    if not path.exists():
        raise ValidationError(
            f"Care-package extract {path} does not exist. Check inputs.packages in the config "
            "(relative paths are read from the config file's folder)."
        )
    if path.stat().st_size == 0:
        raise ValidationError(f"Care-package extract {path} is empty (0 bytes).")
    named = _check_names(columns)
    try:
        grid = sniff.open_grid(
            path,
            score=_scorer(named),
            n_required=len(REQUIRED_COLUMNS),
            sheet=sheet,
            header_row=header_row,
            encoding=encoding,
            delimiter=delimiter,
        )
    except (ValidationError, MemoryError, KeyboardInterrupt):
        raise
    except Exception as exc:  # a parser's own error is never shown as a traceback
        raise ValidationError(
            f"{path} could not be read ({type(exc).__name__}: {exc}). If it opens in Excel, "
            "save it again as 'CSV UTF-8' or 'Excel Workbook (.xlsx)' and point "
            "inputs.packages at the new file; if that fails too, send this message to the "
            "lotdesign developers."
        ) from exc
    if not grid.rows:
        raise ValidationError(
            f"{path} has a header row (row {grid.header_row}) but no data rows below it. "
            "Export the extract again."
        )
    raw = pd.DataFrame([cells for _, cells in grid.rows], columns=grid.header, dtype=object).astype(
        object
    )
    raw.insert(0, "source_row", np.array([n for n, _ in grid.rows], dtype=np.int64))
    raw.attrs["mapping"] = _resolve_mapping(path, grid, named)
    raw.attrs["path"] = str(path)
    raw.attrs["detected"] = dict(grid.detected)
    raw.attrs["overflow"] = dict(grid.overflow)
    raw.attrs["delimiter"] = grid.delimiter
    return raw


def _how_read(grid: sniff.Grid) -> str:
    return "; ".join(f"{k}: {v}" for k, v in grid.detected.items())


def _resolve_mapping(path: Path, grid: sniff.Grid, named: Mapping[str, str]) -> dict[str, str]:
    headers = list(grid.header)
    how = f" (read as {_how_read(grid)})"
    by_norm: dict[str, list[str]] = {}
    for h in headers:
        by_norm.setdefault(_norm_header(h), []).append(h)
    mapping: dict[str, str] = {}
    for name, header in named.items():
        if header not in headers:
            if _norm_header(header) in by_norm:
                header = by_norm[_norm_header(header)][0]
            else:
                close = difflib.get_close_matches(header, headers, n=1, cutoff=0.5)
                hint = f" The closest header is '{close[0]}'." if close else ""
                raise ValidationError(
                    f"{path}: column '{header}' (mapped to {name}) is not in the file.{hint} "
                    f"Headers found on row {grid.header_row}: {', '.join(headers)}. Fix "
                    f"inputs.columns.{name} in the config, or set inputs.header_row if the "
                    f"headers are on another row{how}."
                )
        if len(by_norm.get(_norm_header(header), [])) > 1:
            twins = by_norm[_norm_header(header)]
            raise ValidationError(
                f"{path}: the header '{header}' (mapped to {name}) appears more than once "
                f"({', '.join(repr(t) for t in twins)}); rename one in the file so it is "
                "clear which column holds the values."
            )
        mapping[name] = header
    for name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
        header = by_norm.get(_norm_header(name), [None])[0]
        # A header the config maps to another name is not taken for this one as well.
        if name not in mapping and header is not None and header not in mapping.values():
            mapping[name] = header
    missing = [n for n in REQUIRED_COLUMNS if n not in mapping]
    if missing:
        hints = []
        for name in missing:
            close = difflib.get_close_matches(name, headers, n=1, cutoff=0.3)
            hints.append(f"{name} (closest header: '{close[0]}')" if close else name)
        raise ValidationError(
            f"{path}: required column(s) not found: {', '.join(hints)}. Map them in the "
            'config under inputs.columns, e.g. columns: {customer_id: "Person ID"}. Headers '
            f"found on row {grid.header_row}: {', '.join(headers[:15])}"
            f"{' ...' if len(headers) > 15 else ''}{how}."
        )
    return mapping


def candidate_postcodes(raw: pd.DataFrame) -> set[str]:
    """Every postcode a raw extract could resolve to (as written, cleaned, and corrected).

    What to ask a postcode lookup for before :func:`validate_extract`.
    """
    column = raw[raw.attrs["mapping"]["postcode"]]
    out: set[str] = set()
    for value in pd.unique(column.to_numpy(dtype=object)):
        cleaned = clean_postcode(value)
        if cleaned is None:
            continue
        out.add(cleaned)
        if not pc.is_valid(cleaned):
            out.update(postcode_corrections(cleaned))
    return out


# --- cell parsing ------------------------------------------------------------------------------


_TYPE_OF = np.frompyfunc(type, 1, 1)


def _distinct(values: pd.Series) -> tuple[np.ndarray, list[object]] | None:
    """(codes, distinct cells) so that each distinct cell is handled once; blanks (None, NaN)
    get the last code. None when the column holds True/False, which compare equal to 1/0."""
    cells = values.to_numpy(dtype=object)
    if len(cells) and (_TYPE_OF(cells) == bool).any():  # noqa: E721 - type, not isinstance
        return None
    codes, uniques = pd.factorize(cells, use_na_sentinel=True)
    return codes, [*uniques, None]


def _parse_cells(values: pd.Series, parser: Callable[[object], object]) -> tuple[list, list]:
    """(parsed values, problems) per cell; each distinct cell is parsed once."""

    def one(v: object) -> tuple[object, ValueProblem | None]:
        try:
            return parser(v), None
        except ValueProblem as exc:
            return None, exc

    found = _distinct(values)
    if found is None:
        pairs = [one(v) for v in values.to_numpy(dtype=object)]
    else:
        codes, uniques = found
        table = [one(u) for u in uniques]
        pairs = [table[c] for c in codes.tolist()]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def _series(values: list, index: pd.Index, dtype: object = object) -> pd.Series:
    return pd.Series(values, index=index, dtype=dtype)


def _omap(values: pd.Series, func: Callable[[object], object]) -> pd.Series:
    """``func`` on each cell, kept as Python objects (pandas would make None a NaN in a
    string column); each distinct cell is computed once."""
    found = _distinct(values)
    if found is None:
        out = np.array([func(v) for v in values.to_numpy(dtype=object)] + [None], dtype=object)
        return pd.Series(out[:-1], index=values.index, dtype=object)
    codes, uniques = found
    table = np.empty(len(uniques), dtype=object)
    table[:] = [func(u) for u in uniques]
    return pd.Series(table[codes], index=values.index, dtype=object)


def _first_evidence(
    raw: pd.DataFrame, columns: list[str], judge: Callable[[object], str | None]
) -> dict[str, tuple[int, str, str]]:
    """For each verdict ``judge`` gives some cell: its first (row, column, text)."""
    first: dict[str, tuple[int, str, str]] = {}
    for col in columns:
        values = raw[col]
        verdicts = {}
        for v in pd.unique(values.to_numpy(dtype=object)):
            try:
                verdicts[v] = judge(v)
            except TypeError:
                continue
        for verdict in {x for x in verdicts.values() if x is not None}:
            cells = {v for v, x in verdicts.items() if x == verdict}
            at = np.flatnonzero(values.isin(cells).to_numpy())
            if at.size:
                row = int(raw["source_row"].iloc[at[0]])
                candidate = (row, col, str(values.iloc[at[0]]).strip())
                if verdict not in first or row < first[verdict][0]:
                    first[verdict] = candidate
    return first


def _sniff_decimal_mark(raw: pd.DataFrame, columns: list[str]) -> tuple[str, str]:
    """The decimal mark the numeric columns' text can only have been written with."""
    first = _first_evidence(raw, columns, decimal_mark_evidence)
    if "," in first and "." in first:
        (r1, c1, v1), (r2, c2, v2) = first[","], first["."]
        raise ValidationError(
            f"{raw.attrs.get('path', 'extract')}: the numbers mix decimal marks: '{v1}' (row "
            f"{r1}, {c1}) only reads with a decimal comma and '{v2}' (row {r2}, {c2}) only "
            "with a decimal point. Set inputs.decimal_mark to ',' or '.' (values written the "
            "other way are then rejected with a reason), or fix the file."
        )
    if "," in first:
        r, c, v = first[","]
        return ",", f"',' (found: '{v}' in row {r}, {c}, reads only with a decimal comma)"
    if "." in first:
        r, c, v = first["."]
        return ".", f"'.' (found: '{v}' in row {r}, {c}, reads only with a decimal point)"
    if "either" in first:
        r, c, v = first["either"]
        raise ValidationError(
            f"{raw.attrs.get('path', 'extract')}: '{v}' (row {r}, {c}) is a different number "
            "with a decimal point than with a decimal comma, and no value in the file says "
            "which the file uses. Set inputs.decimal_mark to '.' or ','."
        )
    return ".", "'.' (default; no value is written with a decimal mark)"


def _sniff_date_order(raw: pd.DataFrame, columns: list[str]) -> tuple[str, str]:
    first = _first_evidence(raw, columns, date_order_evidence)
    if "month_first" in first and "day_first" not in first:
        r, c, v = first["month_first"]
        raise ValidationError(
            f"{raw.attrs.get('path', 'extract')}: dates look month-first: '{v}' (row {r}, "
            f"{c}) only fits MM/DD/YYYY and no date needs DD/MM/YYYY, so dates such as "
            "03/04/2025 would be read the wrong way round. Set inputs.date_order: "
            "month_first (or day_first, if that date is a one-off typo)."
        )
    if "day_first" in first:
        r, c, v = first["day_first"]
        return "day_first", f"day first (found: '{v}' in row {r}, {c})"
    return "day_first", "day first (default; no date says otherwise)"


def _declared(value: object) -> str:
    return "declared" if value is not None else "default"


def _hint_errors(
    source: str,
    mapping: Mapping[str, str],
    hours_unit: str | None,
    hours_per: str | None,
    cost_meaning: str | None,
) -> None:
    """Headers that say the values are in another unit than the one assumed: stop."""
    header = mapping["weekly_hours"]
    if hours_unit is None:
        for unit in ("minutes", "hh:mm"):
            if _HINTS[unit].search(header):
                raise ValidationError(
                    f"{source}: the hours column '{header}' looks like {_HOURS_WORDS[unit]}, "
                    "but inputs.hours_unit is not set, so plain numbers in it would be read as "
                    f"hours. Set inputs.hours_unit: {unit} (or hours, if it really holds hours)."
                )
    if hours_per is None and _HINTS["visit"].search(header):
        raise ValidationError(
            f"{source}: the hours column '{header}' looks like hours per visit, but "
            "inputs.hours_per is not set, so its values would be read as hours a week. Set "
            "inputs.hours_per: visit and map columns.visits_per_week (or hours_per: week)."
        )
    cost = mapping.get("weekly_cost")
    if cost is not None and cost_meaning is None:
        for meaning in ("hourly_rate", "four_weekly", "monthly", "annual"):
            if _HINTS[meaning].search(cost):
                raise ValidationError(
                    f"{source}: the cost column '{cost}' (mapped as weekly_cost) looks like "
                    f"{_COST_WORDS[meaning].split(',')[0]}, but inputs.cost_meaning is not set, "
                    f"so it would be read as a cost a week. Set inputs.cost_meaning: {meaning} "
                    "(or weekly, if it really is a weekly cost)."
                )


def _check_declarations(
    source: str,
    mapping: Mapping[str, str],
    hours_unit: str | None,
    hours_per: str | None,
    decimal_mark: str | None,
    cost_meaning: str | None,
    date_order: str | None,
) -> None:
    for key, value, allowed in (
        ("hours_unit", hours_unit, HOURS_UNITS),
        ("hours_per", hours_per, HOURS_PER),
        ("decimal_mark", decimal_mark, DECIMAL_MARKS),
        ("cost_meaning", cost_meaning, COST_MEANINGS),
        ("date_order", date_order, DATE_ORDERS),
    ):
        if value is not None and value not in allowed:
            raise ValidationError(
                f"inputs.{key} {value!r} is not one of {', '.join(repr(a) for a in allowed)}."
            )
    if hours_per == "visit" and "visits_per_week" not in mapping:
        raise ValidationError(
            f"{source}: inputs.hours_per is 'visit', so the visits a week are needed: map "
            'columns.visits_per_week to their column (e.g. visits_per_week: "Visits/Wk").'
        )
    rate_only = cost_meaning == "hourly_rate" and "hourly_rate" in mapping
    if cost_meaning is not None and "weekly_cost" not in mapping and not rate_only:
        raise ValidationError(
            f"{source}: inputs.cost_meaning describes columns.weekly_cost, which is not "
            "mapped. Map the cost column as weekly_cost, or remove inputs.cost_meaning."
        )
    if cost_meaning == "hourly_rate" and {"weekly_cost", "hourly_rate"} <= set(mapping):
        raise ValidationError(
            f"{source}: inputs.cost_meaning is 'hourly_rate' but columns.hourly_rate is mapped "
            "too. Map the rate as columns.hourly_rate and remove inputs.cost_meaning."
        )


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


def validate_extract(
    raw: pd.DataFrame,
    *,
    lookup: str | Path | list | pd.DataFrame = "packaged",
    as_of: dt.date | str | None = None,
    max_weekly_hours: float | None = None,
    hours_unit: str | None = None,
    hours_per: str | None = None,
    decimal_mark: str | None = None,
    cost_meaning: str | None = None,
    date_order: str | None = None,
) -> Extract:
    """Validate, filter to ``as_of`` and geocode a raw extract from :func:`read_extract`.

    Parameters
    ----------
    raw
        The frame :func:`read_extract` returns.
    lookup
        A postcode lookup frame (from :func:`lotdesign.io.read_postcode_lookup`) or what to
        pass to it (``"packaged"``, a path, a list of paths).
    as_of
        Analysis date: only packages active on it (start on or before, end blank or on or
        after) are used; the others are excluded and counted. None uses every valid row.
    max_weekly_hours
        Hours above this are implausible and rejected; default
        ``settings.MAX_WEEKLY_HOURS`` (:data:`lotdesign.settings.MAX_WEEKLY_HOURS`).
    hours_unit
        What a plain number in the hours column is: ``"hours"``, ``"minutes"`` or
        ``"hh:mm"`` (see :func:`lotdesign.io.values.parse_hours`). None: hours, but a header
        that says minutes or hh:mm, or a median line over
        ``settings.UNDECLARED_MAX_MEDIAN_HOURS``, stops the read.
    hours_per
        ``"week"`` or ``"visit"`` (then ``visits_per_week`` must be mapped, and weekly hours
        are hours a visit times visits a week). None: week, but a header that says visits
        stops the read.
    decimal_mark
        ``"."`` or ``","``. None: detected from the numeric columns' text; mixed marks stop
        the read.
    cost_meaning
        What ``columns.weekly_cost`` holds: one of :data:`COST_MEANINGS`. None: weekly, but
        a header that says otherwise, or a median implied rate outside
        ``settings.UNDECLARED_RATE_BAND``, stops the read.
    date_order
        ``"day_first"`` or ``"month_first"`` for numeric dates. None: day first, but a date
        column whose dates only fit month-first stops the read.

    Returns
    -------
    Extract

    Raises
    ------
    lotdesign.ValidationError
        No row is usable, a declaration is missing or ambiguous, or the values contradict
        what is assumed.
    """
    if max_weekly_hours is None:
        max_weekly_hours = settings.MAX_WEEKLY_HOURS
    mapping: dict[str, str] = raw.attrs.get("mapping") or {n: n for n in REQUIRED_COLUMNS}
    source = str(raw.attrs.get("path", "extract"))
    detected: dict[str, str] = dict(raw.attrs.get("detected") or {})
    overflow: dict[int, int] = dict(raw.attrs.get("overflow") or {})
    if isinstance(as_of, str):
        try:
            as_of = parse_date(as_of)
        except ValueError as exc:
            raise ValidationError(
                f"as_of '{as_of}' is not a date; write it as YYYY-MM-DD."
            ) from exc
    _check_declarations(
        source, mapping, hours_unit, hours_per, decimal_mark, cost_meaning, date_order
    )
    _hint_errors(source, mapping, hours_unit, hours_per, cost_meaning)
    unit = hours_unit or "hours"
    per = hours_per or "week"
    meaning = cost_meaning or ("hourly_rate" if "weekly_cost" not in mapping else "weekly")
    originals = [c for c in raw.columns if c != "source_row"]

    def header(name: str) -> str:
        return f"{mapping[name]} ({name})" if mapping[name] != name else name

    # --- how numbers and dates are written --------------------------------------------------
    numeric_cols = [
        mapping[n]
        for n in ("weekly_hours", "visits_per_week", "weekly_cost", "hourly_rate")
        if n in mapping
    ]
    if decimal_mark is None:
        mark, said = _sniff_decimal_mark(raw, numeric_cols)
    else:
        mark, said = decimal_mark, f"'{decimal_mark}' (declared)"
    detected["decimal mark"] = said
    date_cols = [mapping[n] for n in ("start_date", "end_date") if n in mapping]
    if date_order is None:
        order, said = _sniff_date_order(raw, date_cols)
    else:
        order, said = date_order, f"{date_order.replace('_', ' ')} (declared)"
    if date_cols:
        detected["dates"] = said
    per_words = "a week" if per == "week" else "a visit, times visits a week"
    detected["hours"] = f"{_HOURS_WORDS[unit]} {per_words} ({_declared(hours_unit or hours_per)})"
    if "weekly_cost" in mapping or "hourly_rate" in mapping:
        detected["cost"] = f"{_COST_WORDS[meaning]} ({_declared(cost_meaning)})"

    # --- hours, needed to spot totals rows -----------------------------------------------------
    index = raw.index
    hcol = mapping["weekly_hours"]
    h_vals, h_bad = _parse_cells(raw[hcol], lambda v: parse_hours(v, unit=unit, decimal_mark=mark))
    hours = pd.to_numeric(_series(h_vals, index), errors="coerce").astype(float)
    hours_problem = _series(h_bad, index)
    if per == "visit":
        vcol = mapping["visits_per_week"]
        v_vals, v_bad = _parse_cells(raw[vcol], lambda v: parse_number(v, decimal_mark=mark))
        visits = pd.to_numeric(_series(v_vals, index), errors="coerce").astype(float)
        visits_problem = _series(v_bad, index)
        weekly = hours * visits
    else:
        weekly = hours

    # --- rows that are not package lines --------------------------------------------------------
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
    keep = ~aside
    raw = raw[keep]
    index = raw.index
    hours, hours_problem, weekly = hours[keep], hours_problem[keep], weekly[keep]
    if per == "visit":
        visits, visits_problem = visits[keep], visits_problem[keep]
    if raw.empty:
        raise ValidationError(
            f"{source}: every row below the header is a totals or header row; no package "
            "lines to read."
        )
    n = len(raw)
    reason = pd.Series([None] * n, index=index, dtype=object)
    column = pd.Series([None] * n, index=index, dtype=object)
    detail = pd.Series([None] * n, index=index, dtype=object)

    def flag(mask: pd.Series, code: str, col: str | None, message: Callable[[int], str]):
        todo = mask & reason.isna()
        for i in index[todo.to_numpy()]:
            reason[i] = code
            column[i] = col
            detail[i] = message(i)

    # --- cells shifted by an unquoted delimiter ---------------------------------------------------
    if overflow:
        char = raw.attrs.get("delimiter") or ","
        delim = f"{sniff.DELIMITERS.get(char, repr(char))} ({char!r})"
        shifted = raw["source_row"].isin(list(overflow))
        row_of = dict(zip(index, raw["source_row"], strict=True))
        flag(
            shifted,
            "row_misaligned",
            "(whole row)",
            lambda i: REASONS["row_misaligned"].format(
                n=overflow[int(row_of[i])], width=len(originals), delimiter=delim
            ),
        )

    # --- identifiers ---------------------------------------------------------------------------
    cid_raw = _omap(raw[mapping["customer_id"]], _id_text)
    scientific = _omap(
        cid_raw, lambda v: isinstance(v, str) and bool(_SCIENTIFIC_ID.match(v))
    ).astype(bool)
    cid, merged_ids = _canonical(cid_raw)
    pcol = mapping["postcode"]
    cleaned = _omap(raw[pcol], clean_postcode)

    # --- the postcode lookup (a postcode in it is valid whatever its format era) ----------------
    wanted = set(cleaned.dropna())
    for p in {p for p in wanted if not pc.is_valid(p)}:
        wanted.update(postcode_corrections(p))
    if isinstance(lookup, pd.DataFrame):
        lk = lookup
    else:
        lk = read_postcode_lookup(lookup, postcodes=sorted(wanted))
    lookup_source = lk.attrs.get("source", "postcode lookup")
    known = set(lk["postcode"])
    postcode, corrected = _resolve_postcodes(cleaned, known)

    # --- numbers -----------------------------------------------------------------------------
    money: dict[str, pd.Series] = {}
    money_problem: dict[str, pd.Series] = {}
    for name in ("weekly_cost", "hourly_rate"):
        if name not in mapping:
            continue
        vals, bad = _parse_cells(raw[mapping[name]], lambda v: parse_number(v, decimal_mark=mark))
        money[name] = pd.to_numeric(_series(vals, index), errors="coerce").astype(float)
        money_problem[name] = _series(bad, index)

    # --- dates ------------------------------------------------------------------------------------
    dates: dict[str, pd.Series] = {}
    date_problem: dict[str, pd.Series] = {}
    open_ended = 0
    for name in ("start_date", "end_date"):
        if name not in mapping:
            dates[name] = _series([None] * n, index)
            date_problem[name] = _series([None] * n, index)
            continue
        parser = parse_end_date if name == "end_date" else parse_date
        vals, bad = _parse_cells(raw[mapping[name]], lambda v, p=parser: p(v, order=order))
        dates[name] = _series(vals, index)
        date_problem[name] = _series(bad, index)
        if name == "end_date":
            open_ended = int(
                (dates[name].isna() & ~_omap(raw[mapping[name]], is_blank).astype(bool)).sum()
                - date_problem[name].notna().sum()
            )

    # --- duplicates, after normalising every cell -------------------------------------------------
    keys = _normalised_keys(
        raw, mapping, originals, cid, postcode, weekly, money, dates, mark, hours_problem
    )
    dup = keys.duplicated(keep="first")
    first_row = raw["source_row"].groupby(keys, sort=False).transform("first")
    flag(dup, "duplicate_row", None, lambda i: REASONS["duplicate_row"].format(dup_of=first_row[i]))

    flag(
        cid.isna(),
        "customer_id_missing",
        header("customer_id"),
        lambda i: REASONS["customer_id_missing"],
    )
    flag(
        scientific,
        "customer_id_invalid",
        header("customer_id"),
        lambda i: REASONS["customer_id_invalid"].format(value=cid_raw[i]),
    )
    flag(
        cleaned.isna(),
        "postcode_missing",
        header("postcode"),
        lambda i: REASONS["postcode_missing"],
    )
    flag(
        postcode.isna(),
        "postcode_invalid",
        header("postcode"),
        lambda i: REASONS["postcode_invalid"].format(value=show(raw.at[i, pcol])),
    )

    what = "weekly hours" if per == "week" else "hours per visit"
    flag(
        hours.isna() & hours_problem.isna(),
        "hours_missing",
        header("weekly_hours"),
        lambda i: REASONS["hours_missing"].format(what=what),
    )
    flag(
        hours_problem.notna(),
        "hours_not_numeric",
        header("weekly_hours"),
        lambda i: REASONS["hours_not_numeric"].format(what=what, why=hours_problem[i]),
    )
    if per == "visit":
        vh = header("visits_per_week")
        flag(
            visits.isna() & visits_problem.isna(),
            "visits_missing",
            vh,
            lambda i: REASONS["visits_missing"],
        )
        flag(
            visits_problem.notna(),
            "visits_not_numeric",
            vh,
            lambda i: REASONS["visits_not_numeric"].format(why=visits_problem[i]),
        )
        flag(
            visits <= 0,
            "visits_not_positive",
            vh,
            lambda i: REASONS["visits_not_positive"].format(value=f"{visits[i]:g}"),
        )
    flag(
        weekly <= 0,
        "hours_not_positive",
        header("weekly_hours"),
        lambda i: REASONS["hours_not_positive"].format(value=f"{weekly[i]:g}"),
    )
    flag(
        weekly > max_weekly_hours,
        "hours_implausible",
        header("weekly_hours"),
        lambda i: REASONS["hours_implausible"].format(
            value=f"{weekly[i]:g}", limit=max_weekly_hours
        ),
    )

    for name, vals in money.items():
        problem = money_problem[name]
        flag(
            problem.notna(),
            "cost_not_numeric",
            header(name),
            lambda i, name=name, problem=problem: REASONS["cost_not_numeric"].format(
                column=header(name), why=problem[i]
            ),
        )
        flag(
            vals < 0,
            "cost_negative",
            header(name),
            lambda i, vals=vals, name=name: REASONS["cost_negative"].format(
                column=header(name), value=f"{vals[i]:g}"
            ),
        )

    for name in ("start_date", "end_date"):
        if name not in mapping:
            continue
        problem = date_problem[name]
        month_first = _omap(problem, lambda p: isinstance(p, MonthFirstDate)).astype(bool)
        flag(
            problem.notna() & ~month_first,
            "date_invalid",
            header(name),
            lambda i, name=name, problem=problem: REASONS["date_invalid"].format(
                column=header(name), why=problem[i]
            ),
        )
        flag(
            month_first,
            "date_month_first",
            header(name),
            lambda i, name=name, problem=problem: REASONS["date_month_first"].format(
                column=header(name), why=problem[i]
            ),
        )
    start, end = dates["start_date"], dates["end_date"]
    before = pd.Series(
        [s is not None and e is not None and e < s for s, e in zip(start, end, strict=True)],
        index=index,
        dtype=bool,
    )
    flag(
        before,
        "end_before_start",
        header("end_date") if "end_date" in mapping else None,
        lambda i: REASONS["end_before_start"].format(end=show(end[i]), start=show(start[i])),
    )

    # --- values that contradict what was assumed stop the read ------------------------------------
    _check_medians(
        source, mapping, weekly, money, reason.isna(), hours_unit, hours_per, cost_meaning
    )

    # Exclusion by date happens before geocoding: an inactive package is not analysed.
    exclusion = pd.Series([None] * n, index=index, dtype=object)
    if as_of is not None:
        valid = reason.isna()
        ended = valid & _omap(end, lambda d: d is not None and d < as_of).astype(bool)
        future = valid & _omap(start, lambda d: d is not None and d > as_of).astype(bool)
        exclusion[ended] = f"ended before {as_of.isoformat()}"
        exclusion[future & exclusion.isna()] = f"starts after {as_of.isoformat()}"

    to_geocode = reason.isna() & exclusion.isna()
    coords = geocode(postcode, lk)
    found = coords["in_lookup"]
    flag(
        to_geocode & ~found,
        "postcode_not_found",
        header("postcode"),
        lambda i: REASONS["postcode_not_found"].format(value=postcode[i], lookup=lookup_source),
    )
    no_grid = to_geocode & found & coords["easting"].isna()
    flag(
        no_grid,
        "postcode_no_grid",
        header("postcode"),
        lambda i: REASONS["postcode_no_grid"].format(value=postcode[i]),
    )

    # --- partition --------------------------------------------------------------------------------
    rejected_mask = reason.notna()
    excluded_mask = ~rejected_mask & exclusion.notna()
    used_mask = ~rejected_mask & ~excluded_mask

    rejected = pd.concat(
        [
            pd.DataFrame(
                {
                    "source_row": raw["source_row"],
                    "column": column,
                    "reason_code": reason,
                    "reason": detail,
                }
            ),
            raw[originals],
        ],
        axis=1,
    )[rejected_mask].reset_index(drop=True)
    excluded = pd.concat(
        [pd.DataFrame({"source_row": raw["source_row"], "exclusion": exclusion}), raw[originals]],
        axis=1,
    )[excluded_mask].reset_index(drop=True)

    used = pd.DataFrame(
        {
            "source_row": raw["source_row"],
            "customer_id": cid,
            "postcode": postcode,
            "weekly_hours": weekly,
        }
    )
    weekly_cost, hourly_rate = _weekly_money(money, weekly, meaning)
    used["weekly_cost"] = weekly_cost
    used["hourly_rate"] = hourly_rate
    # A missing cost is worked out from the rate, and the rate from the cost.
    used["weekly_cost"] = used["weekly_cost"].fillna(used["weekly_hours"] * used["hourly_rate"])
    used["hourly_rate"] = used["hourly_rate"].fillna(used["weekly_cost"] / used["weekly_hours"])
    merged_names: dict[str, int] = {}
    for name in ("provider", "gp_practice", "service_type"):
        if name in mapping:
            text = _omap(raw[mapping[name]], _text)
            used[name], merged_names[name] = _canonical(text)
        else:
            used[name] = None
    if "gp_practice" in mapping:
        used["gp_practice"] = _omap(
            used["gp_practice"], lambda v: v.upper() if isinstance(v, str) else v
        )
    used["start_date"] = start
    used["end_date"] = end
    for col in ("easting", "northing", "district", "lsoa", "ruc", "imd_decile", "terminated"):
        used[col] = coords[col]
    used = used[used_mask].reset_index(drop=True)
    used["terminated"] = used["terminated"].fillna(False).astype(bool)
    used["rurality"] = rurality.from_ruc_series(used["ruc"])
    used["postcode_sector"] = pc.sector_series(used["postcode"])
    used["postcode_district"] = pc.district_series(used["postcode"])

    if used.empty:
        top = rejected["reason_code"].value_counts().head(3)
        why = ", ".join(f"{k} ({v})" for k, v in top.items()) or "every row excluded by date"
        raise ValidationError(
            f"{source}: no usable rows ({len(rejected)} rejected, {len(excluded)} excluded; "
            f"main reasons: {why}). Check the column mapping, the postcode lookup and as_of."
        )

    # --- reconciliation ---------------------------------------------------------------------------
    all_hours = weekly.fillna(0.0)
    rec = pd.DataFrame(
        {
            "stage": ["read", "used", "excluded", "rejected", "set_aside"],
            "rows": [
                n,
                int(used_mask.sum()),
                int(excluded_mask.sum()),
                int(rejected_mask.sum()),
                len(set_aside),
            ],
            "hours": [
                float(all_hours.sum()),
                float(all_hours[used_mask].sum()),
                float(all_hours[excluded_mask].sum()),
                float(all_hours[rejected_mask].sum()),
                float(aside_hours.fillna(0.0).sum()),
            ],
        }
    )
    rec["customers"] = [
        int(cid.dropna().nunique()),
        int(used["customer_id"].nunique()),
        np.nan,
        np.nan,
        np.nan,
    ]
    if not _reconciles(rec):  # pragma: no cover - a bug, not a data problem
        raise AssertionError(f"reconciliation failed:\n{rec}")

    unreadable = int((hours.isna()).sum())
    if unreadable:
        notes.append(f"{unreadable} row(s) had blank or unreadable hours, counted as 0 hours")
    if corrected:
        rows = ", ".join(str(int(raw.at[i, "source_row"])) for i in corrected[:5])
        more = " ..." if len(corrected) > 5 else ""
        notes.append(
            f"{len(corrected)} postcode(s) had O/0 or I/1 typed for each other and were "
            f"corrected where only one reading is a valid postcode (rows {rows}{more})"
        )
    if merged_ids:
        notes.append(
            f"{merged_ids} customer ID(s) are written in more than one case (e.g. 'ab12' and "
            "'AB12'); each is taken as one customer"
        )
    for name, k in merged_names.items():
        if k:
            notes.append(
                f"{k} {name.replace('_', ' ')} name(s) are written in more than one way (case "
                "or spacing); each is taken as one, in its first spelling"
            )
    if open_ended:
        notes.append(f"{open_ended} end date(s) such as 31/12/9999 or 'Ongoing' mean no end date")
    n_term = int(used["terminated"].sum())
    if n_term:
        notes.append(f"{n_term} used line(s) have terminated postcodes (still geocoded)")
    imputed = int(used["weekly_cost"].isna().sum())
    if imputed and ("weekly_cost" in mapping or "hourly_rate" in mapping):
        notes.append(f"{imputed} used line(s) have no weekly cost or hourly rate")

    customers = summarise_customers(used)
    multi_pc = int((used.groupby("customer_id")["postcode"].nunique() > 1).sum())
    if multi_pc:
        notes.append(
            f"{multi_pc} customer(s) have lines at different postcodes; the postcode of the "
            "line with most hours is used"
        )
    return Extract(
        packages=used,
        customers=customers,
        rejected=rejected,
        excluded=excluded,
        reconciliation=rec,
        source=source,
        as_of=as_of,
        lookup_source=lookup_source,
        notes=notes,
        set_aside=set_aside,
        detected=detected,
    )


def _id_text(value: object) -> str | None:
    """A customer ID as text: Excel's 123.0 is "123"."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text[:-2] if re.fullmatch(r"\d+\.0", text) else text


def _text(value: object) -> str | None:
    if is_blank(value):
        return None
    return re.sub(r"\s+", " ", str(value)).strip()


def _canonical(values: pd.Series) -> tuple[pd.Series, int]:
    """Values that differ only in case or spacing, given their first spelling; and how many."""
    cells = values.to_numpy(dtype=object)
    codes, uniques = pd.factorize(cells, use_na_sentinel=True)  # in order of appearance
    first: dict[str, str] = {}
    spellings: dict[str, int] = {}
    table = np.empty(len(uniques) + 1, dtype=object)
    for k, v in enumerate(uniques):
        key = re.sub(r"\s+", " ", str(v)).strip().casefold()
        table[k] = first.setdefault(key, v)
        spellings[key] = spellings.get(key, 0) + 1
    table[-1] = None
    merged = sum(n > 1 for n in spellings.values())
    return pd.Series(table[codes], index=values.index, dtype=object), merged


def _resolve_postcodes(cleaned: pd.Series, known: set[str]) -> tuple[pd.Series, list]:
    """Valid postcodes (format, or in the lookup), with O/0 and I/1 slips corrected."""
    resolved: dict[str, str | None] = {}
    was_corrected: set[str] = set()
    for p in set(cleaned.dropna()):
        if pc.is_valid(p) or p in known:
            resolved[p] = p
            continue
        options = postcode_corrections(p)
        in_lookup = [o for o in options if o in known]
        if len(in_lookup) == 1:
            resolved[p] = in_lookup[0]
        elif len(options) == 1:
            resolved[p] = options[0]
        else:
            resolved[p] = None
        if resolved[p] is not None:
            was_corrected.add(p)
    out = _omap(cleaned, lambda p: None if p is None else resolved[p])
    corrected = [i for i, p in cleaned.items() if p in was_corrected]
    return out.astype(object), corrected


def _normalised_keys(
    raw: pd.DataFrame,
    mapping: Mapping[str, str],
    originals: list[str],
    cid: pd.Series,
    postcode: pd.Series,
    weekly: pd.Series,
    money: Mapping[str, pd.Series],
    dates: Mapping[str, pd.Series],
    mark: str,
    hours_problem: pd.Series,
) -> pd.Series:
    """One key per row (a group number): its cells with case, spacing and number, money and
    date forms normalised, so lines that say the same thing get the same key."""

    def where(parsed_values: pd.Series, ok: pd.Series, column: str) -> pd.Series:
        out = parsed_values.astype(object)
        if not ok.all():
            out = out.copy()
            out[~ok] = _omap(raw.loc[~ok, column], _generic)
        return out

    parsed: dict[str, pd.Series] = {}
    parsed[mapping["customer_id"]] = _omap(cid, lambda v: v.casefold() if isinstance(v, str) else v)
    pcol = mapping["postcode"]
    parsed[pcol] = where(postcode, postcode.notna(), pcol)
    hcol = mapping["weekly_hours"]
    parsed[hcol] = where(weekly.round(9), hours_problem.isna() & weekly.notna(), hcol)
    for name, vals in money.items():
        parsed[mapping[name]] = where(vals.round(9), vals.notna(), mapping[name])
    for name, vals in dates.items():
        if name in mapping:
            parsed[mapping[name]] = where(vals, vals.notna(), mapping[name])
    codes = []
    for c in originals:
        column = parsed[c] if c in parsed else _omap(raw[c], lambda v: _generic(v, mark))
        codes.append(pd.factorize(column.to_numpy(dtype=object), use_na_sentinel=True)[0])
    matrix = pd.DataFrame(np.column_stack(codes), index=raw.index)
    return matrix.groupby(list(matrix.columns), sort=False).ngroup()


def _generic(value: object, mark: str = ".") -> object:
    """A cell in a form that ignores how it was written: case, spacing, number format."""
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time(0) else value
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        return round(float(value), 9)
    if isinstance(value, str):
        text = re.sub(r"\s+", " ", value).strip().casefold()
        try:
            number = parse_number(text, decimal_mark=mark)
            return round(number, 9) if number is not None else None
        except ValueProblem:
            return text
    return value


def _weekly_money(
    money: Mapping[str, pd.Series], weekly: pd.Series, meaning: str
) -> tuple[pd.Series, pd.Series]:
    """Weekly cost and hourly rate from the cost columns and what they mean."""
    nan = pd.Series(np.nan, index=weekly.index, dtype=float)
    cost = money.get("weekly_cost")
    rate = money.get("hourly_rate", nan.copy())
    if cost is None:
        return nan.copy(), rate
    if meaning == "hourly_rate":
        return nan.copy(), cost
    factor = _COST_FACTOR[meaning]
    if meaning == "monthly":
        factor = 12.0 / settings.WEEKS_PER_YEAR
    elif meaning == "annual":
        factor = 1.0 / settings.WEEKS_PER_YEAR
    return cost * factor, rate


def _check_medians(
    source: str,
    mapping: Mapping[str, str],
    weekly: pd.Series,
    money: Mapping[str, pd.Series],
    ok: pd.Series,
    hours_unit: str | None,
    hours_per: str | None,
    cost_meaning: str | None,
) -> None:
    good = weekly[weekly > 0]  # every row with readable hours, rejected or not
    if good.empty:
        return
    if hours_unit is None and hours_per is None:
        median = float(good.median())
        if median > settings.UNDECLARED_MAX_MEDIAN_HOURS:
            raise ValidationError(
                f"{source}: the median line of '{mapping['weekly_hours']}' is {median:g} hours "
                f"a week, far above a home-care package (WSCC 2024: 12.6 hours on average). "
                "Are the numbers minutes, or hours per month? Set inputs.hours_unit: minutes "
                "(or hours, if these really are hours a week)."
            )
    if cost_meaning is not None or not money:
        return
    if "weekly_cost" in money:
        rates = (money["weekly_cost"] / weekly).where(ok & (weekly > 0))
        what = f"'{mapping['weekly_cost']}' (mapped as weekly_cost) divided by the weekly hours"
    else:
        rates = money["hourly_rate"][ok]
        what = f"'{mapping['hourly_rate']}' (mapped as hourly_rate)"
    rates = rates[rates > 0].dropna()
    if rates.empty:
        return
    low, high = settings.UNDECLARED_RATE_BAND
    median = float(rates.median())
    if not low <= median <= high:
        raise ValidationError(
            f"{source}: {what} gives a median of £{median:,.2f} per contact hour, outside "
            f"£{low:g}-£{high:g}. Is the cost column an hourly rate, or a cost per four weeks, "
            "month or year? Set inputs.cost_meaning (weekly, four_weekly, monthly, annual or "
            "hourly_rate); setting it to weekly accepts the values as they are."
        )


def _reconciles(rec: pd.DataFrame) -> bool:
    r = rec.set_index("stage")
    parts = ["used", "excluded", "rejected"]
    rows_ok = int(r.loc["read", "rows"]) == int(r.loc[parts, "rows"].sum())
    hours_ok = bool(np.isclose(r.loc["read", "hours"], r.loc[parts, "hours"].sum(), atol=1e-6))
    return rows_ok and hours_ok


def summarise_customers(packages: pd.DataFrame) -> pd.DataFrame:
    """Sum package lines to one row per customer.

    Hours and cost are summed; the postcode, GP practice and main ``provider`` are those of
    the line with most hours; ``providers`` lists all of them (``;``-joined) and
    ``n_lines`` counts the lines.
    """
    ordered = packages.sort_values(
        ["customer_id", "weekly_hours", "source_row"], ascending=[True, False, True]
    )
    first = ordered.drop_duplicates("customer_id").set_index("customer_id")
    grouped = ordered.groupby("customer_id", sort=True)
    out = first.drop(columns=["source_row", "start_date", "end_date"], errors="ignore").copy()
    out["weekly_hours"] = grouped["weekly_hours"].sum()
    out["weekly_cost"] = grouped["weekly_cost"].sum(min_count=1)
    out["hourly_rate"] = out["weekly_cost"] / out["weekly_hours"]
    out["n_lines"] = grouped.size()
    # Every provider of the customer, sorted and ;-joined.
    pairs = (
        ordered.loc[
            ordered["provider"].map(lambda p: isinstance(p, str)), ["customer_id", "provider"]
        ]
        .drop_duplicates()
        .sort_values(["customer_id", "provider"])
    )
    ids, names = pairs["customer_id"].to_numpy(dtype=object), pairs["provider"].tolist()
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if len(ids) else np.zeros(0, int)
    ends = np.r_[starts[1:], len(ids)] if len(ids) else np.zeros(0, int)
    joined = pd.Series(
        {ids[a]: ";".join(names[a:b]) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)},
        dtype=object,
    )
    out["providers"] = joined.reindex(out.index).fillna("").astype(object)
    # The main provider is the one with most hours for the customer, not of the first line.
    by_provider = (
        ordered.dropna(subset=["provider"])
        .groupby(["customer_id", "provider"], sort=True)["weekly_hours"]
        .sum()
        .reset_index()
        .sort_values(["customer_id", "weekly_hours", "provider"], ascending=[True, False, True])
        .drop_duplicates("customer_id")
        .set_index("customer_id")["provider"]
    )
    out["provider"] = by_provider.reindex(out.index)
    return out.reset_index()


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
