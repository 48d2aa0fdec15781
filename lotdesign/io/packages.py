"""Read and validate a council's care-package extract (CSV or XLSX).

Every row of the extract ends in exactly one of three places:

* **used** — a valid package line active on the analysis date, geocoded;
* **excluded** — a valid line not active on the analysis date (ended, or not yet started);
* **rejected** — a line that cannot be used, written to ``rejected_rows.csv`` with the row
  number a spreadsheet shows, the column at fault and a plain-English reason.

Rows and hours reconcile: read = used + excluded + rejected.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from lotdesign import postcodes as pc
from lotdesign import rurality, settings
from lotdesign.errors import ValidationError
from lotdesign.io.lookups import geocode, read_postcode_lookup

REQUIRED_COLUMNS: tuple[str, ...] = ("customer_id", "postcode", "weekly_hours")
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "weekly_cost",
    "hourly_rate",
    "provider",
    "gp_practice",
    "start_date",
    "end_date",
    "service_type",
)

#: Reason codes, in the order rows are checked, with the plain-English reason shown.
#: A row gets the first reason that applies.
REASONS: dict[str, str] = {
    "duplicate_row": "exact duplicate of an earlier row (row {dup_of}); the first copy is used",
    "customer_id_missing": "customer ID is blank",
    "postcode_missing": "postcode is blank",
    "postcode_invalid": "'{value}' is not a valid UK postcode format",
    "hours_missing": "weekly hours are blank",
    "hours_not_numeric": "weekly hours '{value}' are not a number",
    "hours_not_positive": "weekly hours must be more than zero (got {value})",
    "hours_implausible": "{value} weekly hours is more than the plausible maximum of {limit:g} "
    "(two carers round the clock); check the extract",
    "cost_not_numeric": "{column} '{value}' is not a number",
    "cost_negative": "{column} is negative ({value})",
    "date_invalid": "{column} '{value}' is not a date (use DD/MM/YYYY or YYYY-MM-DD)",
    "end_before_start": "end date {end} is before start date {start}",
    "postcode_not_found": "postcode {value} has a valid format but is not in the postcode "
    "lookup ({lookup}); check it for typos or use a newer lookup",
    "postcode_no_grid": "postcode {value} is in the lookup but has no grid reference",
}

_NUMBER_CLEAN = re.compile(r"[£,\s]")
_DATE_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%d/%m/%Y",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d/%m/%y",
    "%d %b %Y",
    "%d %B %Y",
    "%Y%m%d",
)
# Excel serial dates, should a sheet hold dates as plain numbers: 1955-01-01 to 2119-01-01.
_EXCEL_SERIAL_RANGE = (20090, 80000)
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)


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
        Rows and hours read, used, excluded and rejected.
    notes
        Plain-English notes on soft problems (terminated postcodes, customers whose lines
        give different postcodes, hours that could not be read and count as zero).
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

    def write(self, processed_dir: str | Path) -> dict[str, Path]:
        """Write ``rejected_rows.csv``, ``excluded_rows.csv`` and ``reconciliation.csv``.

        These stay on the analyst's machine: rejected and excluded rows hold personal data.
        """
        out = Path(processed_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = {
            "rejected_rows": out / "rejected_rows.csv",
            "excluded_rows": out / "excluded_rows.csv",
            "reconciliation": out / "reconciliation.csv",
        }
        self.rejected.to_csv(paths["rejected_rows"], index=False)
        self.excluded.to_csv(paths["excluded_rows"], index=False)
        self.reconciliation.to_csv(paths["reconciliation"], index=False)
        return paths

    def reconciliation_text(self) -> str:
        """The reconciliation as a short table for the terminal or a log."""
        rec = self.reconciliation.set_index("stage")
        lines = [f"Reconciliation of {self.source}:"]
        for stage in ("read", "used", "excluded", "rejected"):
            lines.append(
                f"  {stage:<9}{int(rec.loc[stage, 'rows']):>8,} rows "
                f"{rec.loc[stage, 'hours']:>12,.2f} hours"
            )
        ok = "yes" if _reconciles(self.reconciliation) else "NO"
        lines.append(f"  read = used + excluded + rejected: {ok}")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)


def read_extract(
    path: str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """Read the raw extract, keeping every cell as the council wrote it.

    Parameters
    ----------
    path
        A ``.csv`` or ``.xlsx``/``.xlsm`` file.
    columns
        Mapping from lotdesign's names (``customer_id``, ``postcode``, ``weekly_hours`` …) to
        the extract's headers. Without it, the headers must be lotdesign's names (matched
        without regard to case, spaces or underscores).
    sheet
        Worksheet name or 0-based index (XLSX only). Default: the first sheet.

    Returns
    -------
    pandas.DataFrame
        The original cells (``object`` dtype) plus ``source_row`` (the spreadsheet row
        number, header = row 1). ``frame.attrs["mapping"]`` holds the resolved mapping
        from lotdesign names to headers.

    Raises
    ------
    lotdesign.ValidationError
        The file is missing, empty or of an unknown type, the sheet is not found, or a
        mapped or required column is absent.
    """
    path = Path(path)
    if not path.exists():
        raise ValidationError(
            f"Care-package extract {path} does not exist. Check inputs.packages in the config "
            "(relative paths are read from the config file's folder)."
        )
    if path.stat().st_size == 0:
        raise ValidationError(f"Care-package extract {path} is empty (0 bytes).")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        if sheet is not None:
            raise ValidationError(f"{path}: 'sheet' applies to XLSX files only; remove it.")
        raw = _read_csv(path)
    elif suffix in (".xlsx", ".xlsm"):
        raw = _read_xlsx(path, sheet)
    else:
        raise ValidationError(
            f"{path}: unknown file type '{suffix}'. Save the extract as .csv or .xlsx."
        )
    raw = raw.rename(columns=lambda c: str(c).strip())
    if raw.empty:
        raise ValidationError(
            f"{path} has a header row but no data rows. Export the extract again."
        )
    raw.attrs["mapping"] = _resolve_mapping(path, list(raw.columns), columns)
    raw.attrs["path"] = str(path)
    return raw


def _read_csv(path: Path) -> pd.DataFrame:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            raw = pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                encoding=encoding,
            )
            break
        except UnicodeDecodeError:
            continue
        except pd.errors.EmptyDataError as exc:
            raise ValidationError(f"Care-package extract {path} has no header row.") from exc
    else:  # pragma: no cover - cp1252 decodes any byte
        raise ValidationError(f"{path}: cannot decode the file; save it as UTF-8 CSV.")
    raw = raw.replace({"": None})
    raw.insert(0, "source_row", np.arange(2, len(raw) + 2))
    return _drop_blank_rows(raw)


def _read_xlsx(path: Path, sheet: str | int | None) -> pd.DataFrame:
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as exc:
        raise ValidationError(f"{path} cannot be opened as an Excel workbook: {exc}") from exc
    names = book.sheet_names
    if sheet is None:
        chosen = names[0]
    elif isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise ValidationError(
                f"{path}: sheet index {sheet} is out of range; the workbook has "
                f"{len(names)} sheet(s): {', '.join(names)}."
            )
        chosen = names[sheet]
    elif sheet in names:
        chosen = sheet
    else:
        close = difflib.get_close_matches(str(sheet), names, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise ValidationError(
            f"{path}: sheet '{sheet}' not found. Sheets: {', '.join(names)}.{hint} "
            "Set inputs.sheet in the config."
        )
    raw = pd.read_excel(book, sheet_name=chosen, dtype=object)
    raw = raw.astype(object).where(raw.notna(), None)
    raw.insert(0, "source_row", np.arange(2, len(raw) + 2))
    return _drop_blank_rows(raw)


def _drop_blank_rows(raw: pd.DataFrame) -> pd.DataFrame:
    # Fully blank lines hold nothing to account for; spreadsheets often end with some.
    cells = raw.drop(columns="source_row")
    blank = cells.map(lambda v: v is None or (isinstance(v, str) and not v.strip())).all(axis=1)
    return raw[~blank].reset_index(drop=True)


def _norm_header(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", str(name)).lower()


def _resolve_mapping(
    path: Path, headers: list[str], columns: Mapping[str, str] | None
) -> dict[str, str]:
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    headers = [h for h in headers if h != "source_row"]
    mapping: dict[str, str] = {}
    for name, header in (columns or {}).items():
        if name not in known:
            raise ValidationError(
                f"inputs.columns: '{name}' is not a lotdesign column. Allowed: "
                f"{', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}."
            )
        if header is None:
            continue
        header = str(header).strip()
        if header not in headers:
            by_norm = {_norm_header(h): h for h in headers}
            if _norm_header(header) in by_norm:
                header = by_norm[_norm_header(header)]
            else:
                close = difflib.get_close_matches(header, headers, n=1, cutoff=0.5)
                hint = f" The closest header is '{close[0]}'." if close else ""
                raise ValidationError(
                    f"{path}: column '{header}' (mapped to {name}) is not in the file.{hint} "
                    f"Headers found: {', '.join(headers)}. Fix inputs.columns.{name} in "
                    "the config."
                )
        mapping[name] = header
    by_norm = {_norm_header(h): h for h in headers}
    for name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
        if name not in mapping and _norm_header(name) in by_norm:
            mapping[name] = by_norm[_norm_header(name)]
    missing = [n for n in REQUIRED_COLUMNS if n not in mapping]
    if missing:
        hints = []
        for name in missing:
            close = difflib.get_close_matches(name, headers, n=1, cutoff=0.3)
            hints.append(f"{name} (closest header: '{close[0]}')" if close else name)
        raise ValidationError(
            f"{path}: required column(s) not found: {', '.join(hints)}. Map them in the "
            'config under inputs.columns, e.g. columns: {customer_id: "Person ID"}.'
        )
    return mapping


def _is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def parse_number(value: object) -> float | None:
    """Read a number as councils write it: ``10.5``, ``"10.5"``, ``"£1,234.50"``.

    Returns None for blanks; raises ValueError for text that is not a number.
    """
    if _is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float | np.number):
        return float(value)
    text = _NUMBER_CLEAN.sub("", str(value))
    if re.fullmatch(r"\(\d+(\.\d+)?\)", text):  # accounting negative: (12.50)
        text = "-" + text[1:-1]
    number = float(text)  # raises ValueError
    if not np.isfinite(number):
        raise ValueError(value)
    return number


def parse_date(value: object) -> dt.date | None:
    """Read a date in UK day-first or ISO form, or an Excel date; None for blanks.

    Raises ValueError for anything else (including impossible dates like 31/02/2024).
    """
    if _is_blank(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float | np.number) and not isinstance(value, bool):
        if _EXCEL_SERIAL_RANGE[0] <= float(value) <= _EXCEL_SERIAL_RANGE[1]:
            return (_EXCEL_EPOCH + dt.timedelta(days=float(value))).date()
        raise ValueError(value)
    text = str(value).strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


def _parse_column(
    values: pd.Series, parser: Callable[[object], object]
) -> tuple[pd.Series, pd.Series]:
    """Parse each cell; return (parsed values, mask of cells that failed to parse)."""
    parsed, failed = [], []
    for v in values:
        try:
            parsed.append(parser(v))
            failed.append(False)
        except (ValueError, TypeError, OverflowError):
            parsed.append(None)
            failed.append(True)
    return pd.Series(parsed, index=values.index, dtype=object), pd.Series(
        failed, index=values.index, dtype=bool
    )


def validate_extract(
    raw: pd.DataFrame,
    *,
    lookup: str | Path | list | pd.DataFrame = "packaged",
    as_of: dt.date | str | None = None,
    max_weekly_hours: float | None = None,
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

    Returns
    -------
    Extract

    Raises
    ------
    lotdesign.ValidationError
        No row is usable.
    """
    if max_weekly_hours is None:
        max_weekly_hours = settings.MAX_WEEKLY_HOURS
    mapping: dict[str, str] = raw.attrs.get("mapping") or {n: n for n in REQUIRED_COLUMNS}
    source = raw.attrs.get("path", "extract")
    if isinstance(as_of, str):
        try:
            as_of = parse_date(as_of)
        except ValueError as exc:
            raise ValidationError(
                f"as_of '{as_of}' is not a date; write it as YYYY-MM-DD."
            ) from exc
    originals = [c for c in raw.columns if c != "source_row"]
    n = len(raw)
    reason = pd.Series([None] * n, index=raw.index, dtype=object)
    column = pd.Series([None] * n, index=raw.index, dtype=object)
    detail = pd.Series([None] * n, index=raw.index, dtype=object)

    def flag(mask: pd.Series, code: str, col: str | None, message: Callable[[int], str]):
        todo = mask & reason.isna()
        for i in raw.index[todo]:
            reason[i] = code
            column[i] = col
            detail[i] = message(i)

    def header(name: str) -> str:
        return f"{mapping[name]} ({name})" if mapping[name] != name else name

    # Duplicates: compare the original cells as text so 10 and 10.0 from Excel agree.
    as_text = raw[originals].map(lambda v: None if _is_blank(v) else str(v).strip())
    dup = as_text.duplicated(keep="first")
    keys = pd.Series(list(as_text.itertuples(index=False, name=None)), index=raw.index)
    first_row = raw["source_row"].groupby(keys, sort=False).transform("first")
    flag(
        dup,
        "duplicate_row",
        None,
        lambda i: REASONS["duplicate_row"].format(dup_of=first_row[i]),
    )

    cid = raw[mapping["customer_id"]].map(lambda v: None if _is_blank(v) else str(v).strip())
    # Excel gives numeric IDs as floats: 123.0 is customer "123".
    cid = cid.map(lambda v: v[:-2] if isinstance(v, str) and re.fullmatch(r"\d+\.0", v) else v)
    flag(
        cid.isna(),
        "customer_id_missing",
        header("customer_id"),
        lambda i: REASONS["customer_id_missing"],
    )

    pcol = mapping["postcode"]
    postcode = pc.normalise_series(raw[pcol].map(lambda v: None if _is_blank(v) else str(v)))
    flag(
        postcode.isna(),
        "postcode_missing",
        header("postcode"),
        lambda i: REASONS["postcode_missing"],
    )
    flag(
        ~pc.valid_series(postcode.fillna("")),
        "postcode_invalid",
        header("postcode"),
        lambda i: REASONS["postcode_invalid"].format(value=str(raw.at[i, pcol]).strip()),
    )

    hcol = mapping["weekly_hours"]
    hours, hours_bad = _parse_column(raw[hcol], parse_number)
    hours_f = pd.to_numeric(hours, errors="coerce").astype(float)
    flag(
        hours.isna() & ~hours_bad,
        "hours_missing",
        header("weekly_hours"),
        lambda i: REASONS["hours_missing"],
    )
    flag(
        hours_bad,
        "hours_not_numeric",
        header("weekly_hours"),
        lambda i: REASONS["hours_not_numeric"].format(value=raw.at[i, hcol]),
    )
    flag(
        hours_f <= 0,
        "hours_not_positive",
        header("weekly_hours"),
        lambda i: REASONS["hours_not_positive"].format(value=f"{hours_f[i]:g}"),
    )
    flag(
        hours_f > max_weekly_hours,
        "hours_implausible",
        header("weekly_hours"),
        lambda i: REASONS["hours_implausible"].format(
            value=f"{hours_f[i]:g}", limit=max_weekly_hours
        ),
    )

    money: dict[str, pd.Series] = {}
    for name in ("weekly_cost", "hourly_rate"):
        if name not in mapping:
            continue
        col = mapping[name]
        vals, bad = _parse_column(raw[col], parse_number)
        vals_f = pd.to_numeric(vals, errors="coerce").astype(float)
        money[name] = vals_f
        flag(
            bad,
            "cost_not_numeric",
            header(name),
            lambda i, col=col, name=name: REASONS["cost_not_numeric"].format(
                column=header(name), value=raw.at[i, col]
            ),
        )
        flag(
            vals_f < 0,
            "cost_negative",
            header(name),
            lambda i, vals_f=vals_f, name=name: REASONS["cost_negative"].format(
                column=header(name), value=f"{vals_f[i]:g}"
            ),
        )

    dates: dict[str, pd.Series] = {}
    for name in ("start_date", "end_date"):
        if name not in mapping:
            dates[name] = pd.Series([None] * n, index=raw.index, dtype=object)
            continue
        col = mapping[name]
        vals, bad = _parse_column(raw[col], parse_date)
        dates[name] = vals
        flag(
            bad,
            "date_invalid",
            header(name),
            lambda i, col=col, name=name: REASONS["date_invalid"].format(
                column=header(name), value=raw.at[i, col]
            ),
        )
    start, end = dates["start_date"], dates["end_date"]
    before = pd.Series(
        [s is not None and e is not None and e < s for s, e in zip(start, end, strict=True)],
        index=raw.index,
        dtype=bool,
    )
    flag(
        before,
        "end_before_start",
        header("end_date") if "end_date" in mapping else None,
        lambda i: REASONS["end_before_start"].format(end=end[i], start=start[i]),
    )

    # Exclusion by date happens before geocoding: an inactive package is not analysed.
    exclusion = pd.Series([None] * n, index=raw.index, dtype=object)
    if as_of is not None:
        valid = reason.isna()
        ended = valid & end.map(lambda d: d is not None and d < as_of).astype(bool)
        future = valid & start.map(lambda d: d is not None and d > as_of).astype(bool)
        exclusion[ended] = f"ended before {as_of.isoformat()}"
        exclusion[future & exclusion.isna()] = f"starts after {as_of.isoformat()}"

    to_geocode = reason.isna() & exclusion.isna()
    if isinstance(lookup, pd.DataFrame):
        lk = lookup
    else:
        lk = read_postcode_lookup(lookup, postcodes=postcode[to_geocode].dropna().unique())
    lookup_source = lk.attrs.get("source", "postcode lookup")
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

    # --- partition --------------------------------------------------------------------
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
            "weekly_hours": hours_f,
        }
    )
    for name, vals in money.items():
        used[name] = vals
    if "weekly_cost" not in used:
        used["weekly_cost"] = np.nan
    if "hourly_rate" not in used:
        used["hourly_rate"] = np.nan
    # A missing cost is worked out from the rate, and the rate from the cost.
    used["weekly_cost"] = used["weekly_cost"].fillna(used["weekly_hours"] * used["hourly_rate"])
    used["hourly_rate"] = used["hourly_rate"].fillna(used["weekly_cost"] / used["weekly_hours"])
    for name in ("provider", "gp_practice", "service_type"):
        if name in mapping:
            used[name] = raw[mapping[name]].map(lambda v: None if _is_blank(v) else str(v).strip())
        else:
            used[name] = None
    if "gp_practice" in mapping:
        used["gp_practice"] = used["gp_practice"].map(
            lambda v: v.upper() if isinstance(v, str) else v
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

    # --- reconciliation -----------------------------------------------------------------
    all_hours = hours_f.fillna(0.0)
    rec = pd.DataFrame(
        {
            "stage": ["read", "used", "excluded", "rejected"],
            "rows": [n, int(used_mask.sum()), int(excluded_mask.sum()), int(rejected_mask.sum())],
            "hours": [
                float(all_hours.sum()),
                float(all_hours[used_mask].sum()),
                float(all_hours[excluded_mask].sum()),
                float(all_hours[rejected_mask].sum()),
            ],
        }
    )
    rec["customers"] = [
        int(cid.dropna().nunique()),
        int(used["customer_id"].nunique()),
        np.nan,
        np.nan,
    ]
    if not _reconciles(rec):  # pragma: no cover - a bug, not a data problem
        raise AssertionError(f"reconciliation failed:\n{rec}")

    notes = []
    unreadable = int((hours.isna() | hours_bad).sum())
    if unreadable:
        notes.append(f"{unreadable} row(s) had blank or unreadable hours, counted as 0 hours")
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
        source=str(source),
        as_of=as_of,
        lookup_source=lookup_source,
        notes=notes,
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
    out["providers"] = grouped["provider"].agg(
        lambda s: ";".join(sorted({p for p in s if isinstance(p, str)}))
    )
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
    lookup: str | Path | list | pd.DataFrame = "packaged",
    as_of: dt.date | str | None = None,
    max_weekly_hours: float | None = None,
) -> Extract:
    """Read, validate and geocode a care-package extract in one call.

    See :func:`read_extract` and :func:`validate_extract` for the parameters
    (``max_weekly_hours`` default: ``settings.MAX_WEEKLY_HOURS``).

    Examples
    --------
    >>> ex = read_packages("extract.xlsx", sheet="Packages",
    ...                    columns={"customer_id": "Person ID", "postcode": "Post Code",
    ...                             "weekly_hours": "Planned Hrs/Wk"},
    ...                    as_of="2026-11-01")  # doctest: +SKIP
    >>> print(ex.reconciliation_text())  # doctest: +SKIP
    """
    raw = read_extract(path, columns=columns, sheet=sheet)
    return validate_extract(raw, lookup=lookup, as_of=as_of, max_weekly_hours=max_weekly_hours)
