"""Read the raw cells of an extract and map its headers to lotdesign's columns.

How the file is opened (kind, encoding, delimiter, sheet, header row) is found by
:mod:`lotdesign.io.sniff`; this module checks the column mapping against the header found.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from lotdesign import postcodes as pc
from lotdesign.errors import ValidationError
from lotdesign.io import sniff
from lotdesign.io.packages.schema import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from lotdesign.io.values import clean_postcode, is_blank, postcode_corrections


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
