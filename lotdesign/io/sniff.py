"""Open an extract file in whatever shape a council's system saved it, or refuse it clearly.

:func:`open_grid` looks at the bytes, not the file name, and finds:

* the **kind** of file: delimited text, or an Excel workbook (``.xlsx``/``.xlsm``). A web page
  (HTML) or Excel 2003 XML saved with a ``.csv``/``.xls`` name (what some systems' "export
  to Excel" writes), an old binary ``.xls`` or password-protected workbook, an OpenDocument
  sheet, a PDF or a damaged workbook is refused with a :class:`~lotdesign.ValidationError`
  naming the file and what to do, never a parser's traceback;
* the text **encoding**: a byte-order mark (UTF-8, UTF-16 LE/BE) wins; UTF-16 without one
  (SSRS exports) is told by its zero bytes; otherwise UTF-8 if the file decodes as UTF-8,
  else Windows-1252;
* the **delimiter** (comma, semicolon, tab or pipe), the **sheet** and the **header row**:
  the row, within the first :data:`~lotdesign.settings.HEADER_SEARCH_ROWS`, that holds the
  mapped headers of the required columns. Title rows, report parameters and blank rows above
  it are skipped. Two delimiters or two sheets that both fit stop the read with the config
  key to set (``inputs.delimiter``, ``inputs.sheet``); ``inputs.header_row`` and
  ``inputs.encoding`` may also be set by hand.

Row numbers are the spreadsheet's: the first line of the file is row 1.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lotdesign import settings
from lotdesign.errors import ValidationError

__all__ = ["DELIMITERS", "ENCODINGS", "Grid", "open_grid"]

#: Delimiters tried, with the word used in messages.
DELIMITERS: dict[str, str] = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
#: Encodings ``inputs.encoding`` may declare, with how they are named in messages.
ENCODINGS: dict[str, str] = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with byte-order mark",
    "utf-16": "UTF-16 (byte-order mark)",
    "utf-16-le": "UTF-16 LE",
    "utf-16-be": "UTF-16 BE",
    "cp1252": "Windows-1252",
    "latin-1": "Latin-1",
}
#: File name endings read (by content: a ``.xls`` that holds text is read as text).
SUFFIXES: tuple[str, ...] = (".csv", ".txt", ".tsv", ".tab", ".xlsx", ".xlsm", ".xls")

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_RESAVE = (
    "Open it in Excel and save it as 'Excel Workbook (.xlsx)' or 'CSV UTF-8 (Comma "
    "delimited)', then point inputs.packages at the new file."
)

#: A row's score against the mapped headers: (required headers found, all headers found).
Scorer = Callable[[Sequence[object]], tuple[int, int]]


@dataclass
class Grid:
    """The cells of an extract: its header and the rows below it, with row numbers."""

    header: list[str]
    header_row: int
    rows: list[tuple[int, list[object]]]
    detected: dict[str, str] = field(default_factory=dict)
    #: Rows of a text file with more cells than the header and the rows around them
    #: (row number -> how many cells it has).
    overflow: dict[int, int] = field(default_factory=dict)
    #: The delimiter of a text file (None for a workbook).
    delimiter: str | None = None


def open_grid(
    path: Path,
    *,
    score: Scorer,
    n_required: int,
    sheet: str | int | None = None,
    header_row: int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Grid:
    """Read a file's cells, finding its kind, encoding, delimiter, sheet and header row.

    Parameters
    ----------
    path
        The extract.
    score
        Scores a row of cells against the mapped headers: (required found, all found).
    n_required
        How many required headers a header row holds.
    sheet, header_row, encoding, delimiter
        Declared by the config; None finds them.

    Raises
    ------
    lotdesign.ValidationError
        A file that cannot be read, or an ambiguous one, with what to do.
    """
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValidationError(
            f"{path}: unknown file type '{suffix}'. Save the extract as .csv or .xlsx."
        )
    with open(path, "rb") as fh:
        head = fh.read(8192)
    if head.startswith(b"PK\x03\x04"):
        _no_text_keys(path, encoding, delimiter)
        return _read_workbook(path, score, n_required, sheet, header_row)
    if head.startswith(_OLE2):
        raise ValidationError(
            f"{path} is an old Excel 97-2003 workbook (.xls) or a password-protected one, "
            f"which lotdesign cannot read. {_RESAVE} Remove any password first."
        )
    if head.startswith(b"%PDF"):
        raise ValidationError(
            f"{path} is a PDF report, not a data file. Export the extract from the system "
            "as CSV or Excel instead."
        )
    if sheet is not None:
        raise ValidationError(
            f"{path}: 'sheet' applies to Excel workbooks only and this file is delimited "
            "text; remove inputs.sheet."
        )
    return _read_text(path, score, n_required, header_row, encoding, delimiter)


def _no_text_keys(path: Path, encoding: str | None, delimiter: str | None) -> None:
    for key, value in (("encoding", encoding), ("delimiter", delimiter)):
        if value is not None:
            raise ValidationError(
                f"{path}: inputs.{key} applies to text (CSV) files and this is an Excel "
                f"workbook; remove inputs.{key}."
            )


def _column_letter(i: int) -> str:
    letters = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _cell(value: object) -> object:
    """A cell with blank text made None, so a row is blank when it holds only None."""
    return None if type(value) is str and (not value or value.isspace()) else value


def _empty(cells: Sequence[object]) -> bool:
    return cells.count(None) == len(cells)


# --- header search -------------------------------------------------------------------------------


@dataclass
class _Found:
    row: int | None  # 0-based index of the header row found, or None
    required: int
    total: int


def _search(records: Sequence[Sequence[object]], score: Scorer, n_required: int) -> _Found:
    """The first row holding every required header, else the first with the most of them."""
    best = _Found(None, 0, 0)
    for i, cells in enumerate(records[: settings.HEADER_SEARCH_ROWS]):
        if _empty(cells):
            continue
        required, total = score(cells)
        if required == n_required:
            return _Found(i, required, total)
        if (required, total) > (best.required, best.total):
            best = _Found(i, required, total)
    return best


def _first_filled(records: Sequence[Sequence[object]]) -> int:
    for i, cells in enumerate(records):
        if not _empty(cells):
            return i
    return 0


def _skipped(records: Sequence[Sequence[object]], header: int) -> str:
    filled = [i + 1 for i in range(header) if not _empty(records[i])]
    if not filled:
        return ""
    span = f"row {filled[0]}" if len(filled) == 1 else f"rows {filled[0]}-{filled[-1]}"
    return f" ({span} above it skipped as titles)"


def _make_grid(
    records: list[list[object]],
    header_index: int,
    *,
    text: bool,
    detected: dict[str, str],
) -> Grid:
    header_cells = list(records[header_index])
    width = max((i + 1 for i, c in enumerate(header_cells) if not _blank(c)), default=0)
    rows: list[tuple[int, list[object]]] = []
    overflow: dict[int, int] = {}
    extra_width = width
    # In text, a row with more cells than its neighbours has had a value split by an unquoted
    # delimiter, even when the cell pushed off the end is blank.
    lengths: dict[int, int] = {}
    for cells in records[header_index + 1 :]:
        if not _empty(cells):
            lengths[len(cells)] = lengths.get(len(cells), 0) + 1
    usual = max(lengths, key=lambda k: (lengths[k], -k)) if lengths else width
    limit = max(len(header_cells), usual)
    for i in range(header_index + 1, len(records)):
        cells = records[i]
        if _empty(cells):
            continue
        if text and len(cells) > limit:
            overflow[i + 1] = len(cells)
            cells = cells[:width]
        elif len(cells) > width:
            beyond = [c for c in cells[width:] if not _blank(c)]
            if beyond and text:
                overflow[i + 1] = len(cells)
                cells = cells[:width]
            elif beyond:
                last = max(j for j, c in enumerate(cells) if not _blank(c))
                extra_width = max(extra_width, last + 1)
            else:
                cells = cells[:width]
        rows.append((i + 1, cells))
    names: list[str] = []
    seen: set[str] = set()
    for j in range(extra_width):
        cell = header_cells[j] if j < len(header_cells) else None
        name = "" if _blank(cell) else str(cell).strip()
        if not name:
            name = f"(no header, column {_column_letter(j)})"
        elif name in seen:
            name = f"{name} (column {_column_letter(j)})"
        seen.add(name)
        names.append(name)
    padded = [(n, list(c) + [None] * (extra_width - len(c))) for n, c in rows]
    return Grid(names, header_index + 1, padded, detected, overflow)


# --- workbooks ---------------------------------------------------------------------------------


def _broken_workbook(path: Path, exc: BaseException, where: str = "") -> ValidationError:
    detail = str(exc).strip() or type(exc).__name__
    return ValidationError(
        f"{path} cannot be read as an Excel workbook{where}: part of the file is damaged or "
        f"it is not really .xlsx ({detail}). Open it in Excel, which repairs damaged parts, "
        "and save it again as 'Excel Workbook (.xlsx)', or export the extract as CSV."
    )


def _read_workbook(
    path: Path, score: Scorer, n_required: int, sheet: str | int | None, header_row: int | None
) -> Grid:
    import difflib

    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype") if "mimetype" in names else b""
    except zipfile.BadZipFile as exc:
        raise _broken_workbook(path, exc) from None
    if b"opendocument" in mimetype:
        raise ValidationError(
            f"{path} is an OpenDocument spreadsheet (LibreOffice .ods), which lotdesign "
            "cannot read. Save it as 'Excel 2007-365 (.xlsx)' or as CSV, then point "
            "inputs.packages at the new file."
        )
    if "xl/workbook.xml" not in names:
        raise ValidationError(
            f"{path} is a ZIP archive, not an Excel workbook. Unzip it and point "
            "inputs.packages at the extract inside."
        )
    book = _open_book(path)
    try:
        titles = book.titles
        if sheet is not None:
            if isinstance(sheet, int):
                if not 0 <= sheet < len(titles):
                    raise ValidationError(
                        f"{path}: sheet index {sheet} is out of range; the workbook has "
                        f"{len(titles)} sheet(s): {', '.join(titles)}."
                    )
                chosen = titles[sheet]
            elif sheet in titles:
                chosen = sheet
            else:
                close = difflib.get_close_matches(str(sheet), titles, n=1)
                hint = f" Did you mean '{close[0]}'?" if close else ""
                raise ValidationError(
                    f"{path}: sheet '{sheet}' not found. Sheets: {', '.join(titles)}.{hint} "
                    "Set inputs.sheet in the config."
                )
            how = "declared"
        else:
            chosen, how = _find_sheet(path, book, titles, score, n_required)
        if not book.is_table(chosen):
            raise ValidationError(f"{path}: sheet '{chosen}' is a chart, not a table.")
        if isinstance(book, _CalamineBook) and _has_error_cells(path, chosen):
            # calamine reads an error cell (#N/A, #REF!) as blank, and a blank end date or
            # provider is a valid reading: such a sheet is read cell by cell with openpyxl.
            book.close()
            book = _OpenpyxlBook(path)
            book.note = (
                "read with openpyxl: the sheet holds error cells such as #N/A, which the "
                "fast reader (calamine) would read as blank"
            )
        try:
            records = book.rows(chosen)
        except Exception as exc:
            raise _broken_workbook(path, exc, f" (sheet '{chosen}')") from None
        note = book.note
    finally:
        book.close()
    if all(_empty(r) for r in records):
        raise ValidationError(f"{path}: sheet '{chosen}' is empty. Set inputs.sheet.")
    detected = {"file": f"Excel workbook ({note})", "sheet": f"'{chosen}' ({how})"}
    index = _header_index(path, records, score, n_required, header_row, detected)
    return _make_grid(records, index, text=False, detected=detected)


def _open_book(path: Path) -> _CalamineBook | _OpenpyxlBook:
    """The workbook, through calamine (Rust; ~9x faster on 200,000 rows), else openpyxl."""
    try:
        import python_calamine  # noqa: F401
    except ImportError:
        book: _CalamineBook | _OpenpyxlBook = _OpenpyxlBook(path)
        book.note = "read with openpyxl; install python-calamine to read workbooks faster"
        return book
    return _CalamineBook(path)


class _OpenpyxlBook:
    """A workbook read with openpyxl (``read_only``, cached formula values)."""

    def __init__(self, path: Path) -> None:
        import openpyxl

        self.path = path
        self.note = "read with openpyxl"
        try:
            self.book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise _broken_workbook(path, exc) from None
        self.titles = list(self.book.sheetnames)

    def is_table(self, title: str) -> bool:
        return hasattr(self.book[title], "iter_rows")

    def rows(self, title: str, limit: int | None = None) -> list[list[object]]:
        worksheet = self.book[title]
        worksheet.reset_dimensions()  # some exporters write a wrong size; read every cell
        return [[_cell(c) for c in r] for r in worksheet.iter_rows(max_row=limit, values_only=True)]

    def close(self) -> None:
        self.book.close()


class _CalamineBook:
    """A workbook read with calamine, its cells made what openpyxl gives.

    calamine gives every number as a float, a date-only cell as a ``date`` and a blank cell
    as ``""``; openpyxl (and so the rest of the reader) gives whole numbers as ``int``, dates
    as ``datetime`` and blanks as None. Excel time cells come as ``time`` and ``[h]:mm``
    durations as ``timedelta`` from both. Row and column positions start at A1 in both
    (``skip_empty_area=False``), so row numbers are the spreadsheet's.
    """

    def __init__(self, path: Path) -> None:
        from python_calamine import CalamineWorkbook, SheetTypeEnum

        self.path = path
        self.note = "read with calamine"
        try:
            self.book = CalamineWorkbook.from_path(str(path))
            meta = self.book.sheets_metadata
        except Exception as exc:  # CalamineError, or a zip/XML error underneath
            raise _broken_workbook(path, exc) from None
        self.titles = [m.name for m in meta]
        self._tables = {m.name for m in meta if m.typ == SheetTypeEnum.WorkSheet}
        self._sheets: dict[str, object] = {}
        self.closed = False

    def is_table(self, title: str) -> bool:
        return title in self._tables

    def rows(self, title: str, limit: int | None = None) -> list[list[object]]:
        if title not in self._sheets:  # parsed once: the sheet search and the read share it
            self._sheets[title] = self.book.get_sheet_by_name(title)
        cells = self._sheets[title].to_python(skip_empty_area=False, nrows=limit)
        return [[_calamine_cell(c) for c in r] for r in cells]

    def close(self) -> None:
        self._sheets.clear()
        if not self.closed:  # closed early when a sheet falls back to openpyxl
            self.book.close()
            self.closed = True


#: Whole numbers below this come back as ``int``, as openpyxl gives them (Excel writes larger
#: ones in E notation, which openpyxl reads as float).
_INT_LIMIT = 1e15


def _calamine_cell(value: object) -> object:
    kind = type(value)
    if kind is str:
        return None if not value or value.isspace() else value
    if kind is float:
        return int(value) if value.is_integer() and abs(value) < _INT_LIMIT else value
    if kind is dt.date:
        return dt.datetime(value.year, value.month, value.day)
    return value


def _has_error_cells(path: Path, title: str) -> bool:
    """Whether a sheet's XML holds a cell of type error (``t="e"``: #N/A, #REF!, #DIV/0!)."""
    import posixpath
    import xml.etree.ElementTree as ET

    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    try:
        with zipfile.ZipFile(path) as archive:
            workbook = ET.fromstring(archive.read("xl/workbook.xml"))
            rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
            targets = {r.get("Id"): r.get("Target", "") for r in rels}
            rid = next(
                (
                    s.get(f"{rel_ns}id")
                    for s in workbook.iter(f"{ns}sheet")
                    if s.get("name") == title
                ),
                None,
            )
            target = targets.get(rid)
            if not target:
                return True  # cannot tell: read the careful way
            part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            part = posixpath.normpath(part)
            tail = b""
            with archive.open(part) as fh:
                while chunk := fh.read(1 << 22):
                    block = tail + chunk
                    if b't="e"' in block or b"t='e'" in block:
                        return True
                    tail = block[-8:]
    except (KeyError, zipfile.BadZipFile, ET.ParseError, OSError):
        return True  # a damaged part: openpyxl's error message names it
    return False


def _find_sheet(path, book, titles, score, n_required) -> tuple[str, str]:
    fits, best = [], (titles[0], (-1, -1))
    for title in titles:
        if not book.is_table(title):
            continue
        try:
            head = book.rows(title, settings.HEADER_SEARCH_ROWS)
        except Exception as exc:
            raise _broken_workbook(path, exc, f" (sheet '{title}')") from None
        found = _search(head, score, n_required)
        if found.required == n_required:
            fits.append(title)
        if (found.required, found.total) > best[1]:
            best = (title, (found.required, found.total))
    if len(fits) > 1:
        raise ValidationError(
            f"{path}: sheets {', '.join(repr(t) for t in fits)} all hold the mapped headers. "
            f"Say which one holds the packages with inputs.sheet (e.g. sheet: {fits[0]!r})."
        )
    if fits:
        chosen = fits[0]
        others = [t for t in titles if t != chosen]
        why = "the sheet with the mapped headers"
        if others and titles.index(chosen) > 0:
            why += f"; {', '.join(repr(t) for t in titles[: titles.index(chosen)])} skipped"
        return chosen, f"found: {why}"
    return best[0], "no sheet holds every mapped header"


# --- text --------------------------------------------------------------------------------------


def _decode(path: Path, data: bytes, encoding: str | None) -> tuple[str, str]:
    if encoding is not None:
        codec = "utf-8-sig" if encoding == "utf-8" else encoding
        try:
            return data.decode(codec), f"{ENCODINGS.get(encoding, encoding)} (declared)"
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise ValidationError(
                f"{path} is not valid {ENCODINGS.get(encoding, encoding)} (byte {exc.start}, "
                f"line {line}); remove inputs.encoding to let lotdesign detect the encoding, "
                "or set the right one."
            ) from None
    if data.startswith(codecs.BOM_UTF8):
        return _strict(path, data, "utf-8-sig"), "UTF-8 with byte-order mark"
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        which = "LE" if data.startswith(codecs.BOM_UTF16_LE) else "BE"
        return _strict(path, data, "utf-16"), f"UTF-16 {which} with byte-order mark"
    sample = data[:4096]
    if sample.count(0) > len(sample) // 4:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        codec = "utf-16-be" if even > odd else "utf-16-le"
        return _strict(path, data, codec), f"{ENCODINGS[codec]} without byte-order mark"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252 (the file is not valid UTF-8)"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "Latin-1 (the file is neither UTF-8 nor Windows-1252)"


def _strict(path: Path, data: bytes, codec: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"{path} starts as {codec.upper()} text but is not valid {codec.upper()} at byte "
            f"{exc.start}: the file is damaged. Export it again, or save it as CSV UTF-8."
        ) from None


def _refuse_markup(path: Path, text: str) -> None:
    start = text[:4096].lstrip("\ufeff \t\r\n").lower()
    if not start.startswith("<"):
        return
    if "urn:schemas-microsoft-com:office:spreadsheet" in text[:8192]:
        what = "an Excel 2003 XML spreadsheet"
    elif any(tag in start for tag in ("<html", "<table", "<!doctype html", "<head", "<body")):
        what = "a web page (HTML)"
    else:
        what = "XML or HTML markup"
    raise ValidationError(
        f"{path} is {what} saved with a '{path.suffix}' name, not a real CSV or Excel file "
        f"(some systems' 'export to Excel' writes this). {_RESAVE}"
    )


def _records(text: str, delimiter: str, limit: int | None = None) -> list[list[object]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    out: list[list[object]] = []
    for cells in reader:
        out.append([c if c and not c.isspace() else None for c in cells])
        if limit is not None and len(out) >= limit:
            break
    return out


def _consistency(records: list[list[object]]) -> tuple[int, int]:
    """(rows sharing the commonest cell count, that count) over rows with more than one cell."""
    counts: dict[int, int] = {}
    for cells in records:
        n = len(cells)
        if n > 1:
            counts[n] = counts.get(n, 0) + 1
    if not counts:
        return (0, 0)
    width = max(counts, key=lambda k: (counts[k], k))
    return counts[width], width


def _read_text(
    path: Path,
    score: Scorer,
    n_required: int,
    header_row: int | None,
    encoding: str | None,
    delimiter: str | None,
) -> Grid:
    data = path.read_bytes()
    text, how = _decode(path, data, encoding)
    if "\x00" in text:
        raise ValidationError(
            f"{path} holds binary data (zero bytes) in {how} text: it is not a CSV export. "
            f"{_RESAVE}"
        )
    _refuse_markup(path, text)
    head_text = text[:262144]
    kind = (
        "delimited text"
        if path.suffix.lower() not in (".xls", ".xlsx", ".xlsm")
        else (f"delimited text (named '{path.suffix}', but it is not a workbook)")
    )
    if delimiter is not None:
        if delimiter not in DELIMITERS:
            raise ValidationError(
                f"inputs.delimiter {delimiter!r} is not one of "
                f"{', '.join(repr(d) for d in DELIMITERS)}."
            )
        chosen, said = delimiter, "declared"
    else:
        chosen, said = _find_delimiter(path, head_text, score, n_required, header_row)
    detected = {
        "file": kind,
        "encoding": how,
        "delimiter": f"{chosen!r} ({DELIMITERS[chosen]}, {said})",
    }
    try:
        records = _records(text, chosen)
    except csv.Error as exc:
        raise ValidationError(
            f"{path} cannot be read as {DELIMITERS[chosen]}-separated text ({exc}). A value "
            'probably opens a quote (") that never closes: find it, or export the file again.'
        ) from None
    index = _header_index(path, records, score, n_required, header_row, detected)
    grid = _make_grid(records, index, text=True, detected=detected)
    grid.delimiter = chosen
    _check_runaway_quote(path, grid, chosen)
    return grid


def _find_delimiter(
    path: Path, head_text: str, score: Scorer, n_required: int, header_row: int | None
) -> tuple[str, str]:
    fits, fallback = [], []
    for delim in DELIMITERS:
        try:
            head = _records(head_text, delim, limit=settings.HEADER_SEARCH_ROWS)
        except csv.Error:
            continue
        if header_row is not None:
            cells = head[header_row - 1] if 0 < header_row <= len(head) else []
            found = _Found(header_row - 1, *score(cells)) if cells else _Found(None, 0, 0)
        else:
            found = _search(head, score, n_required)
        if found.required == n_required:
            fits.append(delim)
        fallback.append(((found.required, found.total), _consistency(head), delim))
    if len(fits) == 1:
        return fits[0], "the one that splits the header row into the mapped headers"
    if len(fits) > 1:
        words = " and ".join(f"{d!r} ({DELIMITERS[d]})" for d in fits)
        raise ValidationError(
            f"{path}: the header row splits into the mapped headers with {words} alike. "
            f"Set inputs.delimiter (e.g. delimiter: {fits[0]!r})."
        )
    fallback.sort(key=lambda f: (f[0], f[1]), reverse=True)
    return fallback[0][2], "the most consistent; no row holds every mapped header"


def _header_index(
    path: Path,
    records: list[list[object]],
    score: Scorer,
    n_required: int,
    header_row: int | None,
    detected: dict[str, str],
) -> int:
    if header_row is not None:
        if not 0 < header_row <= len(records):
            raise ValidationError(
                f"{path}: inputs.header_row is {header_row} but the "
                f"{'sheet' if 'sheet' in detected else 'file'} has {len(records)} rows."
            )
        detected["header row"] = f"{header_row} (declared)"
        return header_row - 1
    found = _search(records, score, n_required)
    index = found.row if found.row is not None else _first_filled(records)
    if found.required == n_required:
        detected["header row"] = f"{index + 1}{_skipped(records, index)}"
    else:
        detected["header row"] = (
            f"{index + 1} (no row among the first {settings.HEADER_SEARCH_ROWS} holds every "
            "mapped header; set inputs.header_row if the headers are further down)"
        )
    return index


def _check_runaway_quote(path: Path, grid: Grid, delimiter: str) -> None:
    """A quote that never closes swallows the rows after it into one cell: refuse that."""
    width = len(grid.header)
    for number, cells in grid.rows:
        for cell in cells:
            if isinstance(cell, str) and "\n" in cell and cell.count(delimiter) >= max(width, 2):
                raise ValidationError(
                    f'{path}, row {number}: a value opens a quote (") that does not close '
                    "until many lines later, so those lines would be read as one cell. Fix "
                    f"the quote in row {number} or export the file again."
                )
