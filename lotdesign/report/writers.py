"""Writing the report (Word, HTML, PDF) and its tables (Excel) to files."""

from __future__ import annotations

import datetime as dt
import math
import textwrap
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lotdesign import columns as registry
from lotdesign import settings
from lotdesign.errors import ValidationError
from lotdesign.report.content import _content
from lotdesign.report.dictionary import (
    _DICTIONARY_HEADINGS,
    _PREFIX,
    DICTIONARY_SHEET,
    data_dictionary,
    round_for_sharing,
)
from lotdesign.report.docx import _write_docx
from lotdesign.report.html import _html, _pdf
from lotdesign.report.inputs import _TABLES, ReportInputs, _dates
from lotdesign.report.tables import report_tables

_FORMATS = ("docx", "html", "pdf")


def write_report(
    inputs: ReportInputs,
    out_dir: str | Path,
    *,
    formats: Sequence[str] = _FORMATS,
    max_count: int | None = None,
    max_chart_bars: int | None = None,
) -> dict[str, Path]:
    """Write the recommendation report as ``report.docx``, ``report.html`` and ``report.pdf``.

    Parameters
    ----------
    inputs
        The report's tables, charts' data and labels.
    out_dir
        The reports folder (created if missing). Everything written there may be shared, so
        every table is suppressed first; scan the folder with
        :func:`lotdesign.disclosure.scan_for_personal_data` before sending it anywhere.
    formats
        Any of ``"docx"`` (python-docx: real Word tables with header rows, embedded charts
        and map, editable), ``"html"`` (one self-contained file: styles and charts inline,
        no external URL, opens offline) and ``"pdf"`` (printed from the HTML by WeasyPrint,
        with contents and page numbers; skipped with a warning, no file and no key in the
        result, when WeasyPrint or its Pango libraries are not installed).
    max_count
        Counts of people from 1 to this are suppressed; default
        :data:`~lotdesign.settings.SUPPRESS_MAX_COUNT`, read when called.
    max_chart_bars
        Most lots in the per-lot cost chart; with more, it charts tiers. Default
        :data:`~lotdesign.settings.REPORT_MAX_CHART_BARS`, read when called.

    Returns
    -------
    dict of str to pathlib.Path
        The files written, keyed by format.

    Raises
    ------
    ValidationError
        If ``formats`` names an unknown format, ``out_dir`` is a file, or a table has a
        personal-looking column.

    Examples
    --------
    >>> import tempfile, datetime
    >>> inputs = ReportInputs("Demo lots", synthetic=True, generated=datetime.date(2025, 1, 1))
    >>> sorted(write_report(inputs, tempfile.mkdtemp(), formats=["docx", "html"]))
    ['docx', 'html']
    """
    max_count = settings.SUPPRESS_MAX_COUNT if max_count is None else max_count
    max_chart_bars = settings.REPORT_MAX_CHART_BARS if max_chart_bars is None else max_chart_bars
    if not isinstance(inputs, ReportInputs):
        raise ValidationError(
            f"write_report needs ReportInputs, got {type(inputs).__name__}; build one with "
            "lotdesign.report.ReportInputs(title=..., ...)."
        )
    if isinstance(formats, str):
        formats = [formats]
    wanted = [str(f).lower().lstrip(".") for f in formats]
    unknown = sorted(set(wanted) - set(_FORMATS))
    if unknown or not wanted:
        raise ValidationError(f"formats must be some of {list(_FORMATS)}; got {list(formats)}.")
    if not isinstance(max_chart_bars, int) or max_chart_bars < 1:
        raise ValidationError(
            f"max_chart_bars must be a whole number >= 1, got {max_chart_bars!r}."
        )
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ValidationError(f"out_dir {out} is a file; give the reports folder instead.")
    blocks = _content(inputs, max_count, max_chart_bars)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    if "docx" in wanted:
        paths["docx"] = out / "report.docx"
        _write_docx(inputs, blocks, paths["docx"])
    page = _html(inputs, blocks) if {"html", "pdf"} & set(wanted) else ""
    if "html" in wanted:
        paths["html"] = out / "report.html"
        paths["html"].write_text(page, encoding="utf-8")
    if "pdf" in wanted:
        try:
            import weasyprint  # type: ignore[import-not-found]  # noqa: F401
        except (ImportError, OSError) as error:
            # OSError: WeasyPrint is installed but the system's Pango libraries are not.
            warnings.warn(
                f"report.pdf not written: WeasyPrint is not usable ({error}). Install the "
                "'reports' extra (pip install 'lotdesign[reports]') and, on Debian or Ubuntu, "
                "libpango-1.0-0 and libpangoft2-1.0-0.",
                UserWarning,
                stacklevel=2,
            )
        else:
            paths["pdf"] = out / "report.pdf"
            _pdf(page, paths["pdf"])
    return paths


def write_tables(
    inputs: ReportInputs,
    path: str | Path,
    *,
    max_count: int | None = None,
) -> Path:
    """Write the report's tables to an Excel workbook an analyst can use, one sheet per table.

    The first sheet, ``README``, gives the title, dates, the suppression and rounding rules,
    a line per sheet and the data sources, and says ``SYNTHETIC DATA`` when the data are
    synthetic. The second, ``Dictionary``, says for every column what it means, its unit,
    how it is rounded and where it comes from (:mod:`lotdesign.report.dictionary`). Then one
    sheet per table, full width (every shareable column), with small counts suppressed as in
    the report: headings with units (``"Weekly hours (hours a week)"``), numbers rounded by
    unit and shown in their registered formats (``#,##0.0``, ``"£"#,##0.00``, ``0.0%``), the
    heading row (and the identifier columns) frozen and a filter on every heading.
    :func:`lotdesign.report.read_tables` reads the tables back with their column names.

    Parameters
    ----------
    inputs
        The report's inputs.
    path
        The ``.xlsx`` file to write (its folder is created if missing).
    max_count
        Counts of people from 1 to this are suppressed; default
        :data:`~lotdesign.settings.SUPPRESS_MAX_COUNT`, read when called.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ValidationError
        If ``path`` does not end in ``.xlsx`` or a table has a personal-looking column.
    """
    max_count = settings.SUPPRESS_MAX_COUNT if max_count is None else max_count
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ValidationError(f"write_tables writes an .xlsx workbook; got {path.name!r}.")
    tables = {
        sheet[:31]: round_for_sharing(frame)
        for sheet, frame in report_tables(inputs, max_count=max_count).items()
    }
    places = {
        f"tables.xlsx:{sheet}": [*frame.columns, *_items(frame)] for sheet, frame in tables.items()
    }
    dictionary = data_dictionary(places)
    book = Workbook()
    readme = book.active
    readme.title = "README"
    red = Font(bold=True, color="B00020", size=14)
    lines: list[tuple[str, Any]] = [(inputs.title, Font(bold=True, size=14))]
    if inputs.synthetic:
        lines.append(("SYNTHETIC DATA \u2014 not real people. Made from the demo data set.", red))
    lines += [
        (_dates(inputs), None),
        (
            f"Counts of 1 to {max_count} people are shown as '1\u2013{max_count}' and costs per "
            "customer over them are left blank, so that no person can be identified.",
            None,
        ),
        (
            "Figures are rounded by unit: hours, miles and minutes to 0.1, money to the penny, "
            "shares to 0.1 percentage point, counts to whole numbers. Shares are stored from 0 "
            "to 1 and shown as percentages. The Dictionary sheet says what every column means, "
            "its unit and where it comes from; dictionary.csv says the same for the CSVs.",
            None,
        ),
        ("", None),
        ("Sheets", Font(bold=True)),
        (f"{DICTIONARY_SHEET} \u2014 What every column means, its unit and source", None),
    ]
    captions = {sheet[:31]: caption for sheet, caption in _TABLES.values()}
    captions["risks"] = "Risks and caveats"
    lines += [(f"{sheet} \u2014 {captions.get(sheet, sheet)}", None) for sheet in tables]
    lines += [("", None), ("Data sources", Font(bold=True))]
    lines += [(f"{name} \u2014 {vintage}", None) for name, vintage in inputs.data_sources] or [
        ("(none listed)", None)
    ]
    for r, (text, font) in enumerate(lines, start=1):
        cell = readme.cell(row=r, column=1, value=text)
        if font is not None:
            cell.font = font
    readme.column_dimensions["A"].width = 110
    for row in readme.iter_rows(min_col=1, max_col=1):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    _fit_rows(readme, 1, 105)
    _print_setup(readme, titles=False)
    _write_sheet(
        book.create_sheet(DICTIONARY_SHEET),
        # Within the workbook its sheets are named plainly ("lots", not "tables.xlsx:lots").
        dictionary.assign(appears_in=dictionary["appears_in"].str.replace(_PREFIX, "")).rename(
            columns=_DICTIONARY_HEADINGS
        ),
        headings=list(_DICTIONARY_HEADINGS.values()),
        formats=[None] * len(_DICTIONARY_HEADINGS),
        frozen=1,
        wide={"Meaning": 45, "Source / derivation": 35, "Appears in": 30},
    )
    for sheet_name, frame in tables.items():
        key_value = list(frame.columns) == ["item", "value"]
        shown = frame
        if key_value:
            # A key-value table's items are columns: shown by heading, formatted by item.
            shown = frame.assign(item=[_heading(i) for i in frame["item"]])
        _write_sheet(
            book.create_sheet(sheet_name),
            shown,
            headings=_headings(frame.columns),
            formats=[_excel_format(c) for c in frame.columns],
            row_formats=[_excel_format(i) for i in frame["item"]] if key_value else None,
            frozen=_frozen_columns(frame),
            wide=_WIDE,
        )
    book.properties.title = inputs.title
    book.properties.creator = "lotdesign"
    stamp = dt.datetime.combine(inputs.generated, dt.time())
    book.properties.created = book.properties.modified = stamp
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


#: Leading columns that name a row: frozen beside the heading row.
_IDENTIFIERS = frozenset(
    {"lot_id", "level", "area", "tier", "stage", "parameter", "model", "metric", "item",
     "scenario", "policy", "section", "kind"}
)  # fmt: skip
#: Column widths in characters: the narrowest, the widest, and a heading's width before
#: it wraps.
_MIN_WIDTH, _MAX_WIDTH, _HEADING_WIDTH = 9, 40, 20
#: Headings of long text, wrapped in cells this wide.
_WIDE: dict[str, int] = {
    "Text": 100,
    "Reasons": 60,
    "Value": 40,
    "Source": 60,
    "Changes from the config": 50,
}


def _items(frame: pd.DataFrame) -> list[str]:
    """A key-value table's items, which are registered columns too."""
    if list(frame.columns) == ["item", "value"]:
        return [str(i) for i in frame["item"]]
    return []


def _heading(name: Any) -> str:
    """A registered column's heading with its unit; anything else as it is."""
    return registry.heading(str(name)) if registry.get(str(name)) is not None else str(name)


def _headings(names: Sequence[Any]) -> list[str]:
    """The headings of a sheet; two columns with one heading get their names in brackets
    (``"Share of hours (%) [share]"``), which :func:`read_tables` reads back."""
    headings = [_heading(c) for c in names]
    return [
        f"{h} [{c}]" if headings.count(h) > 1 else h for h, c in zip(headings, names, strict=True)
    ]


def _frozen_columns(frame: pd.DataFrame) -> int:
    """How many leading identifier columns stay in view when scrolling right (at most 2)."""
    count = 0
    for name in list(frame.columns)[:2]:
        if str(name) not in _IDENTIFIERS:
            break
        count += 1
    return count if len(frame.columns) > 4 else 0


def _write_sheet(
    sheet: Any,
    frame: pd.DataFrame,
    *,
    headings: list[str],
    formats: list[str | None],
    row_formats: list[str | None] | None = None,
    frozen: int = 0,
    wide: Mapping[str, int] | None = None,
) -> None:
    """One table: a wrapped bold heading row, formatted numbers, frozen panes, a filter,
    printed landscape with the heading row (and identifier columns) on every page."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wide = wide or {}

    fill = PatternFill("solid", fgColor="D9E2F3")
    rule = Border(bottom=Side(style="thin", color="8EA9DB"))
    top = Alignment(wrap_text=True, vertical="top")
    plain = Alignment(vertical="top")
    widths = [len(h) for h in headings]
    for c, heading in enumerate(headings, start=1):
        cell = sheet.cell(row=1, column=c, value=heading)
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.border = rule
        # A number column's heading sits over its numbers, on the right.
        side = "left" if formats[c - 1] is None else "right"
        cell.alignment = Alignment(wrap_text=True, vertical="bottom", horizontal=side)
    lengths = [0] * len(headings)
    for r, row in enumerate(frame.itertuples(index=False, name=None), start=2):
        number_formats = list(formats)
        if row_formats is not None:
            number_formats[1] = row_formats[r - 2]
        for c, (value, number_format) in enumerate(zip(row, number_formats, strict=True), 1):
            cell = sheet.cell(row=r, column=c, value=_excel_value(value))
            numeric = isinstance(cell.value, float | int) and not isinstance(cell.value, bool)
            if numeric and number_format is not None:
                cell.number_format = number_format
            # Top-aligned, so that a row with wrapped text still reads across.
            cell.alignment = (
                top if isinstance(cell.value, str) and headings[c - 1] in wide else plain
            )
            lengths[c - 1] = max(lengths[c - 1], _shown_length(cell.value, number_format))
    lines = 1
    total = 0.0
    for c, heading in enumerate(headings, start=1):
        cap = wide.get(heading, _MAX_WIDTH)
        # Wide enough for the values and the heading's longest word; the heading wraps.
        longest_word = max((len(w) for w in heading.split()), default=0)
        width = min(
            cap,
            max(_MIN_WIDTH, lengths[c - 1], longest_word, min(widths[c - 1], _HEADING_WIDTH)),
        )
        width += 2
        total += width
        sheet.column_dimensions[get_column_letter(c)].width = width
        lines = max(lines, len(textwrap.wrap(heading, max(1, int(width) - 2))) or 1)
        if heading in wide:
            _fit_rows(sheet, c, int(width) - 2)
    sheet.row_dimensions[1].height = 15 * lines + 3
    sheet.freeze_panes = sheet.cell(row=2, column=frozen + 1).coordinate
    if headings:
        last = get_column_letter(len(headings))
        sheet.auto_filter.ref = f"A1:{last}{max(sheet.max_row, 2)}"
    pages = max(1, math.ceil(total / _PAGE_WIDTH))
    _print_setup(sheet, pages_wide=pages)
    if frozen and pages > 1:
        sheet.print_title_cols = f"A:{get_column_letter(frozen)}"


#: Column width (characters) a printed landscape page holds, shrunk to about 60%: a wider
#: sheet prints across pages, its identifier columns repeated on each.
_PAGE_WIDTH = 250


def _fit_rows(sheet: Any, column: int, width: int) -> None:
    """Rows tall enough for the wrapped text of one column (spreadsheets do not measure it)."""
    for r in range(2, sheet.max_row + 1):
        value = sheet.cell(row=r, column=column).value
        if isinstance(value, str) and len(value) > width:
            lines = len(textwrap.wrap(value, max(1, width)))
            current = sheet.row_dimensions[r].height or 15
            sheet.row_dimensions[r].height = max(current, 15 * lines)


def _print_setup(sheet: Any, *, pages_wide: int = 1, titles: bool = True) -> None:
    """Landscape A4, ``pages_wide`` pages across, the heading row repeated on every
    printed page (``titles``)."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = pages_wide
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if titles:
        sheet.print_title_rows = "1:1"


def _shown_length(value: Any, number_format: str | None) -> int:
    """About how many characters a cell shows."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return 5
    if isinstance(value, int | float):
        places = 0
        if number_format and "." in number_format:
            places = len(number_format.split(".")[1].rstrip('%"£ '))
        scale = 100 if number_format and number_format.endswith("%") else 1
        text = f"{value * scale:,.{places}f}"
        return len(text) + (
            1 if number_format and ("£" in number_format or "%" in number_format) else 0
        )
    return len(str(value))


def _excel_format(name: Any) -> str | None:
    """A registered column's Excel number format, to the places its values keep; None
    (General) for anything else."""
    entry = registry.get(str(name))
    if entry is None:
        return None
    base = registry.excel_format(entry.name)
    places = registry.decimals(entry.name)
    if base is None or places is None:
        return base
    percent = base.endswith("%")
    digits = max(places - 2, 0) if percent else places
    number = "#,##0" if "#,##0" in base else "0"
    if digits:
        number += "." + "0" * digits
    # Keep any prefix or suffix in quotes ("£"), swap the number part.
    head, _, tail = base.partition("0")
    head = head.replace("#,##", "")
    tail = tail.lstrip("0.,#")
    return head + number + tail


def _excel_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, str | int):
        return value
    if isinstance(value, dt.date | pd.Timestamp):
        return value
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    return str(value)
