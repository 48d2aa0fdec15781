"""Scanning a reports folder for anything that could reveal a person.

:func:`scan_for_personal_data` reads every file in a folder (HTML, SVG, CSV, JSON and other
text, Excel, Word, image metadata) and lists any customer ID, input postcode, given string or
unsuppressed small count of people it finds, so a pipeline can refuse to publish.
"""

from __future__ import annotations

import json
import re
import warnings
import zipfile
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np
import pandas as pd

from lotdesign import columns as registry
from lotdesign.disclosure.suppression import _check_max_count, is_count_column
from lotdesign.errors import ValidationError
from lotdesign.postcodes import normalise

__all__ = ["scan_for_personal_data"]

_POSTCODE_TEXT = re.compile(
    r"(?<![A-Za-z0-9])([A-Za-z]{1,2}[0-9][A-Za-z0-9]?)[ \t]?([0-9][A-Za-z]{2})(?![A-Za-z0-9])"
)
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-_/.][A-Za-z0-9]+)*")
# key: value pairs in JSON, JavaScript and data attributes (GeoJSON properties in maps).
_KEY_VALUE = re.compile(
    r"""["']?([A-Za-z_][A-Za-z0-9_ ]{0,60})["']?\s*[:=]\s*"""
    r"""(?P<q>["']?)(-?\d+(?:\.0+)?)(?P=q)(?=\s*(?:[,;}\])<\n]|$))"""
)
_TEXT_SUFFIXES = frozenset(
    {".html", ".htm", ".svg", ".csv", ".tsv", ".txt", ".md", ".json", ".geojson", ".xml", ".js"}
)
_IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".tif", ".tiff", ".webp"})
_SHORT_NUMERIC_ID = 5

_FINDING_COLUMNS = ["file", "kind", "location", "value"]


class _Needles:
    """What to look for, normalised once."""

    def __init__(
        self,
        customer_ids: Iterable[Any],
        postcodes: Iterable[Any],
        strings: Iterable[str],
        count_columns: Sequence[str] | None,
        max_count: int,
    ) -> None:
        ids = {str(i).strip().casefold() for i in customer_ids if pd.notna(i)} - {""}
        short = sorted(i for i in ids if i.isdigit() and len(i) < _SHORT_NUMERIC_ID)
        if short:
            warnings.warn(
                f"{len(short)} customer IDs are numbers shorter than {_SHORT_NUMERIC_ID} "
                f"digits (e.g. {short[0]!r}) and cannot be told apart from figures in a "
                "report; they are not searched for. Check those outputs by hand.",
                UserWarning,
                stacklevel=3,
            )
        self.ids = ids - set(short)
        self.postcodes = {p for p in (normalise(str(p)) for p in postcodes if pd.notna(p)) if p}
        self.strings = [s for s in (str(s).strip() for s in strings) if s]
        self.count_columns = (
            None if count_columns is None else {c.casefold() for c in count_columns}
        )
        self.max_count = max_count

    def is_count(self, header: str) -> bool:
        header = header.strip()
        if self.count_columns is not None:
            return header.casefold() in self.count_columns
        # A header that is a registered column's name or label ("Customers", "Share of
        # customers") counts people if the registry says so; any other is judged by its words.
        known = registry.by_label(header)
        if known:
            return any(c.counts_people for c in known)
        return is_count_column(header)


def _line_locator(text: str) -> Any:
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    return lambda offset: f"line {bisect_right(starts, offset)}"


def _scan_text(text: str, needles: _Needles, where: Any) -> Iterator[tuple[str, str, str]]:
    """Yield (kind, location, value) for IDs, postcodes, strings and key: small-count pairs."""
    if needles.ids:
        for match in _TOKEN.finditer(text):
            token = match.group(0).casefold()
            parts = {token, *re.split(r"[-_/.]", token)}
            for hit in parts & needles.ids:
                yield "customer_id", where(match.start()), hit
    if needles.postcodes:
        for match in _POSTCODE_TEXT.finditer(text):
            postcode = f"{match.group(1)} {match.group(2)}".upper()
            if postcode in needles.postcodes:
                yield "postcode", where(match.start()), postcode
    folded = text.casefold()
    for string in needles.strings:
        start = folded.find(string.casefold())
        while start >= 0:
            yield "string", where(start), string
            start = folded.find(string.casefold(), start + 1)
    for match in _KEY_VALUE.finditer(text):
        key, value = match.group(1), float(match.group(3))
        if needles.is_count(key) and 0 < value <= needles.max_count:
            yield "small_count", where(match.start()), f"{key.strip()}: {int(value)}"


def _as_number(cell: Any) -> float | None:
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int | float | np.integer | np.floating):
        return None if np.isnan(cell) else float(cell)
    text = str(cell).strip().replace(",", "")
    try:
        return float(text)
    except ValueError:
        return None


def _scan_grid(
    rows: Sequence[Sequence[Any]], needles: _Needles, where: Any
) -> Iterator[tuple[str, str, str]]:
    """Small counts in a table of cells, under a count-like column header or beside a
    count-like row header (``Customers | 5 | 60``)."""
    headers: dict[int, str] = {}
    for r, row in enumerate(rows):
        row_header: str | None = None
        for c, cell in enumerate(row):
            if cell is None or (isinstance(cell, str) and not cell.strip()):
                continue
            number = _as_number(cell)
            if number is None:
                text = str(cell).strip()
                if needles.is_count(text):
                    headers[c] = text
                    if c == _first_filled(row):
                        row_header = text
                elif sum(ch.isalpha() for ch in text) >= 3:
                    # A new block of text starts under this column: the header no longer holds.
                    # Short placeholders ("1–7", "n/a", "*") keep it.
                    headers.pop(c, None)
                continue
            header = headers.get(c) or row_header
            if header and 0 < number <= needles.max_count and number.is_integer():
                yield "small_count", where(r, c, header), f"{header}: {int(number)}"


def _first_filled(row: Sequence[Any]) -> int:
    return next((i for i, cell in enumerate(row) if cell is not None and str(cell).strip()), -1)


class _HTMLTables(HTMLParser):
    """Collect the cells of every <table> in an HTML document as lists of rows."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._stack: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "table":
            self._stack.append([])
        elif tag == "tr" and self._stack:
            self._stack[-1].append([])
        elif tag in ("td", "th") and self._stack:
            if not self._stack[-1]:
                self._stack[-1].append([])
            self._cell = []
            self._stack[-1][-1].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._stack:
            self._stack[-1][-1][-1] = " ".join("".join(self._cell).split())
            self._cell = None
        elif tag == "table" and self._stack:
            self.tables.append(self._stack.pop())

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _grid_where(prefix: str) -> Any:
    return lambda r, c, header: f"{prefix}row {r + 1}, column {header!r}"


def _scan_text_file(path: Path, needles: _Needles) -> Iterator[tuple[str, str, str]]:
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    yield from _scan_text(text, needles, _line_locator(text))
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        parser = _HTMLTables()
        parser.feed(text)
        for t, table in enumerate(parser.tables, start=1):
            yield from _scan_grid(table, needles, _grid_where(f"table {t}, "))
    elif suffix in (".csv", ".tsv"):
        rows = pd.read_csv(
            path,
            sep="\t" if suffix == ".tsv" else ",",
            header=None,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
            encoding_errors="replace",
            on_bad_lines="skip",
            engine="python",
        ).to_numpy()
        yield from _scan_grid(rows.tolist(), needles, _grid_where(""))


def _scan_xlsx(path: Path, needles: _Needles) -> Iterator[tuple[str, str, str]]:
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        for sheet in book.worksheets:
            rows = [list(row) for row in sheet.iter_rows(values_only=True)]
            for r, row in enumerate(rows):
                for c, cell in enumerate(row):
                    if isinstance(cell, str) and cell:
                        ref = f"sheet {sheet.title!r} cell {get_column_letter(c + 1)}{r + 1}"
                        for kind, _, value in _scan_text(cell, needles, lambda _o: ""):
                            yield kind, ref, value

            def where(r: int, c: int, header: str, title: str = sheet.title) -> str:
                return f"sheet {title!r} cell {get_column_letter(c + 1)}{r + 1} ({header})"

            yield from _scan_grid(rows, needles, where)
    finally:
        book.close()


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _scan_docx(path: Path, needles: _Needles) -> Iterator[tuple[str, str, str]]:
    with zipfile.ZipFile(path) as archive:
        for part in archive.namelist():
            if not part.endswith(".xml") or not part.startswith(("word/", "docProps/")):
                continue
            root = ElementTree.fromstring(archive.read(part))
            paragraphs = [
                "".join(t.text or "" for t in p.iter(f"{_W}t")) for p in root.iter(f"{_W}p")
            ]
            if not paragraphs:
                paragraphs = [" ".join(t.strip() for t in root.itertext() if t.strip())]
            for i, paragraph in enumerate(paragraphs, start=1):
                for kind, _, value in _scan_text(paragraph, needles, lambda _o: ""):
                    yield kind, f"{part} paragraph {i}", value
            for t, table in enumerate(root.iter(f"{_W}tbl"), start=1):
                rows = [
                    [
                        "".join(x.text or "" for x in cell.iter(f"{_W}t"))
                        for cell in tr.iter(f"{_W}tc")
                    ]
                    for tr in table.iter(f"{_W}tr")
                ]
                yield from _scan_grid(rows, needles, _grid_where(f"{part} table {t}, "))


def _scan_image(path: Path, needles: _Needles) -> Iterator[tuple[str, str, str]]:
    """Images carry text only in their metadata (PNG text chunks, EXIF); scan that."""
    from PIL import Image

    with Image.open(path) as image:
        metadata = {**getattr(image, "text", {}), **image.info}
        exif = image.getexif()
    for key, value in [*metadata.items(), *exif.items()]:
        if isinstance(value, bytes):
            value = value.decode("utf-8", errors="replace")
        if isinstance(value, str):
            for kind, _, found in _scan_text(value, needles, lambda _o: ""):
                yield kind, f"metadata {key!r}", found


def _looks_binary(path: Path) -> bool:
    with path.open("rb") as handle:
        return b"\x00" in handle.read(8192)


def scan_for_personal_data(
    path: str | Path,
    *,
    customer_ids: Iterable[Any] = (),
    postcodes: Iterable[Any] = (),
    strings: Iterable[str] = (),
    count_columns: Sequence[str] | None = None,
    max_count: int | None = None,
    raise_if_found: bool = False,
) -> pd.DataFrame:
    """Read every file in a reports folder and list anything that could reveal a person.

    Looks for: any of ``customer_ids`` (as a whole word or a part of one, case-insensitive);
    any full postcode in ``postcodes`` (in any spacing; sectors such as ``RH12 4`` are fine);
    any of ``strings`` (e.g. names); and small counts — a value from 1 to ``max_count`` under a
    count-of-people column in a table (HTML, CSV, Excel, Word), or as a ``"customers": 5``
    pair in JSON or a map's embedded GeoJSON.

    Parameters
    ----------
    path
        A file or a folder (searched recursively).
    customer_ids
        The input's customer IDs. Purely numeric IDs shorter than 5 digits cannot be told
        apart from figures; they are skipped with a warning.
    postcodes
        The input's customer postcodes, in any format.
    strings
        Any other text that must not appear (matched case-insensitively as a substring).
    count_columns
        Column names (case-insensitive, exact) that hold counts of people. None: a header
        that is a registered column's name or label (:mod:`lotdesign.columns`) counts people
        if the registry says so; any other is judged by :func:`is_count_column`
        (``customers``, ``clients``, ``n_people``, ...).
    max_count
        Largest count that should have been suppressed; default ``settings.SUPPRESS_MAX_COUNT``.
    raise_if_found
        Raise :class:`~lotdesign.ValidationError` listing the findings instead of returning.

    Returns
    -------
    pandas.DataFrame
        One row per finding: ``file`` (relative to ``path``), ``kind`` (``customer_id``,
        ``postcode``, ``string``, ``small_count`` or ``not_scanned``), ``location`` and
        ``value``. Files that could not be read (binaries such as PDFs, archives) are listed as
        ``not_scanned`` with the reason, so nothing is passed silently. The findings show the
        values they found: keep them on the analyst's machine.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "lots.csv").write_text("lot,customers\\nA,5\\nB,60\\n")
    >>> scan_for_personal_data(folder)[["file", "kind", "value"]].to_dict("records")
    [{'file': 'lots.csv', 'kind': 'small_count', 'value': 'customers: 5'}]
    """
    max_count = _check_max_count(max_count)
    root = Path(path)
    if not root.exists():
        raise ValidationError(f"Nothing to scan: {root} does not exist.")
    files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
    needles = _Needles(customer_ids, postcodes, strings, count_columns, max_count)
    records: list[dict[str, str]] = []
    for file in files:
        name = file.name if file == root else str(file.relative_to(root))
        suffix = file.suffix.lower()
        try:
            if suffix in _TEXT_SUFFIXES:
                found = list(_scan_text_file(file, needles))
            elif suffix in (".xlsx", ".xlsm"):
                found = list(_scan_xlsx(file, needles))
            elif suffix == ".docx":
                found = list(_scan_docx(file, needles))
            elif suffix == ".pdf":
                found = [
                    ("not_scanned", "", "PDF text is not read: scan the .docx/.html it came from")
                ]
            elif suffix in _IMAGE_SUFFIXES:
                found = list(_scan_image(file, needles))
            elif not _looks_binary(file):
                found = list(_scan_text_file(file, needles))
            else:
                found = [("not_scanned", "", f"binary {suffix or 'file'}: check it by hand")]
        except (OSError, ValueError, zipfile.BadZipFile, ElementTree.ParseError) as error:
            found = [("not_scanned", "", f"could not be read: {error}")]
        records.extend(
            {"file": name, "kind": k, "location": loc, "value": v} for k, loc, v in found
        )
    findings = pd.DataFrame.from_records(records, columns=_FINDING_COLUMNS)
    findings = findings.drop_duplicates(ignore_index=True)
    if raise_if_found:
        serious = findings[findings["kind"] != "not_scanned"]
        if len(serious):
            listing = json.dumps(serious.head(10).to_dict("records"), ensure_ascii=False)
            raise ValidationError(
                f"{len(serious)} possible disclosures of personal data in {root}: {listing}"
                f"{' ...' if len(serious) > 10 else ''}. Remove or suppress them before sharing."
            )
    return findings
