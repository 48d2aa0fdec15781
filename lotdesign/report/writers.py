"""Writing the report (Word, HTML, PDF) and its tables (Excel) to files."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lotdesign import columns as registry
from lotdesign import settings
from lotdesign.errors import ValidationError
from lotdesign.report.content import _content
from lotdesign.report.docx import _write_docx
from lotdesign.report.html import _html
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
        no external URL, opens offline) and ``"pdf"`` (printed from the HTML by WeasyPrint;
        skipped, with no file and no key in the result, when WeasyPrint is not installed).
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
            import weasyprint  # type: ignore[import-not-found]
        except ImportError:
            weasyprint = None
        if weasyprint is not None:
            paths["pdf"] = out / "report.pdf"
            weasyprint.HTML(string=page).write_pdf(str(paths["pdf"]))
    return paths


def write_tables(
    inputs: ReportInputs,
    path: str | Path,
    *,
    max_count: int | None = None,
) -> Path:
    """Write the report's tables to an Excel workbook, one sheet per table.

    The first sheet, ``README``, gives the title, dates, the suppression rule, a line per
    sheet and the data sources, and says ``SYNTHETIC DATA`` when the data are synthetic.
    Tables are full width (every column), with small counts suppressed as in the report.

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
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ValidationError(f"write_tables writes an .xlsx workbook; got {path.name!r}.")
    tables = report_tables(inputs, max_count=max_count)
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
        ("", None),
        ("Sheets", Font(bold=True)),
    ]
    captions = {sheet: caption for sheet, caption in _TABLES.values()}
    captions["risks"] = "Risks and caveats"
    lines += [(f"{sheet} \u2014 {captions[sheet]}", None) for sheet in tables]
    lines += [("", None), ("Data sources", Font(bold=True))]
    lines += [(f"{name} \u2014 {vintage}", None) for name, vintage in inputs.data_sources] or [
        ("(none listed)", None)
    ]
    for r, (text, font) in enumerate(lines, start=1):
        cell = readme.cell(row=r, column=1, value=text)
        if font is not None:
            cell.font = font
    readme.column_dimensions["A"].width = 100
    header_fill = PatternFill("solid", fgColor="D9E2F3")
    for sheet_name, frame in tables.items():
        sheet = book.create_sheet(sheet_name[:31])
        for c, column in enumerate(frame.columns, start=1):
            cell = sheet.cell(row=1, column=c, value=str(column))
            cell.font = Font(bold=True)
            cell.fill = header_fill
            sheet.column_dimensions[get_column_letter(c)].width = max(10, min(50, len(column) + 2))
        # Number formats from the column registry; a key-value table's values by their item.
        number_formats = [_excel_format(c) for c in frame.columns]
        key_value = list(frame.columns) == ["item", "value"]
        for r, row in enumerate(frame.itertuples(index=False, name=None), start=2):
            if key_value:
                number_formats[1] = _excel_format(row[0])
            for c, (value, number_format) in enumerate(zip(row, number_formats, strict=True), 1):
                cell = sheet.cell(row=r, column=c, value=_excel_value(value))
                numeric = isinstance(cell.value, float | int) and not isinstance(cell.value, bool)
                if numeric and number_format is not None:
                    cell.number_format = number_format
        sheet.freeze_panes = "A2"
    book.properties.title = inputs.title
    book.properties.creator = "lotdesign"
    stamp = dt.datetime.combine(inputs.generated, dt.time())
    book.properties.created = book.properties.modified = stamp
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _excel_format(name: Any) -> str | None:
    """The registered column's Excel number format; None (General) for anything else."""
    entry = registry.get(str(name))
    return None if entry is None else registry.excel_format(entry.name)


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
