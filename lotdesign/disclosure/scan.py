"""The last line: scanning a reports folder for anything that could reveal a person.

The disclosure control (:mod:`lotdesign.disclosure.control`, :mod:`~lotdesign.disclosure.shared`)
makes shared files safe by construction; :func:`scan_for_personal_data` then reads every file
as a recipient could and lists anything that still looks like a person:

- any customer ID of the extract (used, excluded or rejected lines), as a word or part of one;
- any postcode of the extract or of the area's lookup, in any case and any spacing (none,
  doubled, non-breaking, thin, hyphen or en dash between its halves);
- counts of people: a value of 1 to ``max_count`` (or a count not rounded to
  ``rounding_base``) under a count-of-people header in a table (HTML, CSV, Excel, Word), in a
  ``"customers": 5`` pair (a map's GeoJSON) or in a sentence ("3 customers");
- a path of the analyst's machine (``/home/...``, ``C:\\...``, ``\\\\server\\...``, or any of
  ``strings``);
- in file names too, in Word and Excel comments, document properties, defined names and
  hidden sheets (every XML part of the package is read; a hidden sheet is itself a finding),
  in SVG text, PDF text and metadata, and image metadata.

A file it cannot read, or of a type it does not know (a GeoPackage, a zip), is a finding
too: nothing leaves unread. :func:`scan_and_quarantine` moves a folder with any finding out
of the reports, with a note of what was found, and raises.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import warnings
import zipfile
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from html.parser import HTMLParser
from importlib.resources import files
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np
import pandas as pd

from lotdesign import columns as registry
from lotdesign import settings
from lotdesign.disclosure.suppression import _check_max_count, is_count_column
from lotdesign.errors import ValidationError
from lotdesign.postcodes import normalise

__all__ = ["quarantine", "scan_and_quarantine", "scan_for_personal_data"]

# Any separator a postcode's halves may be written with: none, spaces (also non-breaking,
# figure, thin and narrow no-break), hyphens and dashes, underscores and dots.
_SEPARATOR = "[ \t\u00a0\u2007\u2009\u202f\\-\u2010\u2011\u2012\u2013\u2014_.]{0,3}"
_POSTCODE_TEXT = re.compile(
    rf"(?<![A-Za-z0-9])([A-Za-z]{{1,2}}[0-9][A-Za-z0-9]?){_SEPARATOR}([0-9][A-Za-z]{{2}})"
    r"(?![A-Za-z0-9])"
)
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-_/.][A-Za-z0-9]+)*")
# key: value pairs in JSON, JavaScript and data attributes (GeoJSON properties in maps).
_KEY_VALUE = re.compile(
    r"""["']?([A-Za-z_][A-Za-z0-9_ ]{0,60})["']?\s*[:=]\s*"""
    # A whole number (thousands grouped in threes), never a prefix of a longer one: the
    # "1" of "1,075 customers" is not a value.
    r"""(?P<q>["']?)(-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(?!\d|[.,]\d)(?P=q)"""
    r"""(?=\s*(?:[,;}\])<\n]|$))"""
)
_PEOPLE_WORDS = (
    r"customers?|customer\(s\)|people|persons?|person\(s\)|clients?|service users?|"
    r"residents?|individuals?|patients?"
)
_SENTENCE_COUNT = re.compile(
    rf"(?<![\w.£%\u2013-])(\d{{1,3}}(?:,\d{{3}})+|\d+)(?!\.\d)\s+"
    rf"(?:more\s+|fewer\s+|other\s+|new\s+)?(?:{_PEOPLE_WORDS})\b",
    re.IGNORECASE,
)
# A number right after these is a limit or a range, not a count of people.
_LIMIT_BEFORE = re.compile(
    r"(?:\bto|\bthan|\bthe|\bof|\bmax|\bmin|\bleast|\bmost|\bband|\baverage|\bmean|"
    r"\btypical|\babout|\baround|\bapproximately|~|[-\u2013])\s*$",
    re.IGNORECASE,
)
# Paths of an analyst's machine: Windows drives, UNC shares, home folders and common roots.
_PATH = re.compile(
    r"(?<![\w:/.])(?:[A-Za-z]:\\[^\s\"'<>|]+|\\\\[A-Za-z0-9._-]+\\[^\s\"'<>|]+|"
    r"~/[^\s\"'<>|]+|/(?:home|Users|root|mnt|media|srv|tmp|var|opt|work|data|private)/"
    r"[^\s\"'<>|]+)"
)
_DATA_URI = re.compile(r"data:[a-z]+/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=\s]+", re.IGNORECASE)
_TEXT_SUFFIXES = frozenset(
    {".html", ".htm", ".svg", ".csv", ".tsv", ".txt", ".md", ".json", ".geojson", ".xml", ".js"}
)
_IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".tif", ".tiff", ".webp"})
_OFFICE_SUFFIXES = frozenset({".docx", ".xlsx", ".xlsm", ".pptx"})
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
        rounding_base: int,
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
        self.postcodes = {
            p for p in (normalise(str(p)) for p in postcodes if pd.notna(p) and str(p)) if p
        }
        self.strings = [s for s in (str(s).strip() for s in strings) if s]
        self.count_columns = (
            None if count_columns is None else {c.casefold() for c in count_columns}
        )
        self.max_count = max_count
        self.rounding_base = max(int(rounding_base), 1)

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

    def bad_count(self, number: float) -> str | None:
        """``small_count`` (1..max_count), ``unrounded_count`` or None for a people count."""
        if not number > 0 or not float(number).is_integer():
            return None
        if number <= self.max_count:
            return "small_count"
        if self.rounding_base > 1 and number % self.rounding_base:
            return "unrounded_count"
        return None


def _line_locator(text: str) -> Any:
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    return lambda offset: f"line {bisect_right(starts, offset)}"


def _scan_text(text: str, needles: _Needles, where: Any) -> Iterator[tuple[str, str, str]]:
    """Yield (kind, location, value) for IDs, postcodes, paths, strings and counts."""
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
    for match in _PATH.finditer(text):
        yield "path", where(match.start()), match.group(0)[:80]
    for match in _KEY_VALUE.finditer(text):
        key = match.group(1)
        try:
            value = float(match.group(3).replace(",", ""))
        except ValueError:
            continue
        if needles.is_count(key) and (kind := needles.bad_count(value)):
            yield kind, where(match.start()), f"{key.strip()}: {match.group(3)}"
    for match in _SENTENCE_COUNT.finditer(text):
        before = text[max(0, match.start() - 12) : match.start()]
        if _LIMIT_BEFORE.search(before):
            continue
        number = float(match.group(1).replace(",", ""))
        if kind := needles.bad_count(number):
            yield kind, where(match.start()), match.group(0)


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
    """Bad counts in a table of cells, under a count-like column header or beside a
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
                    # Short placeholders ("1–7", "[c]", "n/a", "*") keep it.
                    headers.pop(c, None)
                continue
            header = headers.get(c) or row_header
            if header and (kind := needles.bad_count(number)):
                yield kind, where(r, c, header), f"{header}: {number:g}"


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


class _HTMLText(HTMLParser):
    """The visible text of an HTML page, with entities decoded: inline markup joins a
    sentence, block markup (cells, paragraphs) separates pieces."""

    _BLOCKS = frozenset(
        {"td", "th", "tr", "p", "div", "li", "br", "table", "caption", "h1", "h2", "h3",
         "h4", "h5", "h6", "title", "script", "style", "text", "tspan", "g"}
    )  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self._BLOCKS:
            self.parts.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BLOCKS:
            self.parts.append(" | ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _grid_where(prefix: str) -> Any:
    return lambda r, c, header: f"{prefix}row {r + 1}, column {header!r}"


@cache
def _vendored_texts() -> tuple[str, ...]:
    """The vendored scripts and stylesheets a map inlines: known text, checked by sha256 when
    it is inlined, and far too long to be searched for short postcodes without noise."""
    root = files("lotdesign") / "assets"
    try:
        manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ()
    texts = []
    for asset in manifest.get("assets", []):
        try:
            texts.append((root / asset["file"]).read_text(encoding="utf-8"))
        except (OSError, KeyError, UnicodeDecodeError):
            continue
    return tuple(t for t in texts if len(t) > 200)


def _without_known_blobs(text: str) -> str:
    """Embedded images (data URIs) and the vendored libraries, cut out of a page's text."""
    text = _DATA_URI.sub("data:", text)
    for blob in _vendored_texts():
        if blob in text:
            text = text.replace(blob, "")
    return text


def _scan_text_file(path: Path, needles: _Needles) -> Iterator[tuple[str, str, str]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError as error:
            raise ValueError(f"text in an unknown encoding ({error})") from None
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm", ".svg", ".xml"):
        text = _without_known_blobs(text)
    yield from _scan_text(text, needles, _line_locator(text))
    if suffix in (".html", ".htm", ".svg", ".xml"):
        # Entities (&#160;, &nbsp;) hide separators and digits from the raw text.
        visible = _HTMLText()
        visible.feed(text)
        plain = "".join(visible.parts)
        for kind, _, value in _scan_text(plain, needles, lambda _o: ""):
            yield kind, "page text", value
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


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _xml_text(data: bytes) -> tuple[ElementTree.Element, str]:
    """Every text and attribute value of an XML part (defined names, comment authors,
    properties, hyperlinks), Word paragraphs joined run by run; pieces that are not one
    sentence are kept apart so that a figure never runs into the next cell's header."""
    root = ElementTree.fromstring(data)
    pieces = []
    in_paragraph = set()
    for paragraph in root.iter(f"{_W}p"):
        runs = list(paragraph.iter(f"{_W}t"))
        in_paragraph.update(id(r) for r in runs)
        pieces.append("".join(r.text or "" for r in runs))
    for element in root.iter():
        pieces += [str(v) for v in element.attrib.values()]
        if id(element) not in in_paragraph and element.text and element.text.strip():
            pieces.append(element.text)
    return root, " | ".join(p for p in pieces if p)


def _scan_office(path: Path, needles: _Needles) -> Iterator[tuple[str, str, str]]:
    """Every part of a Word or Excel package: text, comments, properties, defined names,
    hidden sheets and the tables' cells; images by their metadata."""
    with zipfile.ZipFile(path) as archive:
        for part in archive.namelist():
            if part.endswith("/"):
                continue
            data = archive.read(part)
            suffix = Path(part).suffix.lower()
            if part.endswith((".xml", ".rels", ".vml")):
                root, text = _xml_text(data)
                for kind, _, value in _scan_text(text, needles, lambda _o: ""):
                    yield kind, part, value
                yield from _office_tables(root, part, needles)
                if part == "xl/workbook.xml":
                    for sheet in root.iter(f"{_S}sheet"):
                        if sheet.get("state") in ("hidden", "veryHidden"):
                            yield "hidden_sheet", part, str(sheet.get("name"))
            elif suffix in _IMAGE_SUFFIXES or suffix in (".jpe",):
                for kind, where, value in _scan_image_bytes(data, needles):
                    yield kind, f"{part} {where}", value
            else:
                yield "unreadable", part, f"a {suffix or 'binary'} part that cannot be read"
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        yield from _scan_xlsx_grid(path, needles)


def _office_tables(
    root: ElementTree.Element, part: str, needles: _Needles
) -> Iterator[tuple[str, str, str]]:
    for t, table in enumerate(root.iter(f"{_W}tbl"), start=1):
        rows = [
            ["".join(x.text or "" for x in cell.iter(f"{_W}t")) for cell in tr.iter(f"{_W}tc")]
            for tr in table.iter(f"{_W}tr")
        ]
        yield from _scan_grid(rows, needles, _grid_where(f"{part} table {t}, "))


def _scan_xlsx_grid(path: Path, needles: _Needles) -> Iterator[tuple[str, str, str]]:
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        for sheet in book.worksheets:
            rows = [list(row) for row in sheet.iter_rows(values_only=True)]

            def where(r: int, c: int, header: str, title: str = sheet.title) -> str:
                return f"sheet {title!r} cell {get_column_letter(c + 1)}{r + 1} ({header})"

            yield from _scan_grid(rows, needles, where)
    finally:
        book.close()


def _scan_image_bytes(data: bytes, needles: _Needles) -> Iterator[tuple[str, str, str]]:
    """Images carry text only in their metadata (PNG text chunks, EXIF); scan that."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        metadata = {**getattr(image, "text", {}), **image.info}
        exif = image.getexif()
    for key, value in [*metadata.items(), *exif.items()]:
        if isinstance(value, bytes):
            value = value.decode("utf-8", errors="replace")
        if isinstance(value, str):
            for kind, _, found in _scan_text(value, needles, lambda _o: ""):
                yield kind, f"metadata {key!r}", found


def _scan_pdf(path: Path, needles: _Needles) -> Iterator[tuple[str, str, str]]:
    try:
        from pypdf import PdfReader
    except ImportError:
        yield (
            "unreadable",
            "",
            "PDF text cannot be read without pypdf (pip install pypdf, in lotdesign[reports])",
        )
        return
    reader = PdfReader(str(path))
    for key, value in (reader.metadata or {}).items():
        for kind, _, found in _scan_text(str(value), needles, lambda _o: ""):
            yield kind, f"metadata {key}", found
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text() or ""
        for kind, _, found in _scan_text(text, needles, lambda _o: ""):
            yield kind, f"page {number}", found


def scan_for_personal_data(
    path: str | Path,
    *,
    customer_ids: Iterable[Any] = (),
    postcodes: Iterable[Any] = (),
    known_postcodes: Iterable[Any] = (),
    strings: Iterable[str] = (),
    count_columns: Sequence[str] | None = None,
    max_count: int | None = None,
    rounding_base: int | None = None,
    raise_if_found: bool = False,
) -> pd.DataFrame:
    """Read every file in a reports folder and list anything that could reveal a person.

    Looks for: any of ``customer_ids`` (as a whole word or a part of one, case-insensitive);
    any full postcode in ``postcodes`` or ``known_postcodes`` in any case and spacing (sectors
    such as ``RH12 4`` are fine); any of ``strings``; paths of the analyst's machine; and
    counts of people that break the NHS Digital rule — 1 to ``max_count``, or not a multiple
    of ``rounding_base`` — under a count-of-people header in a table, in a ``"customers": 5``
    pair or in a sentence ("3 customers"). File names are searched too. Word and Excel files
    are read part by part (text, comments, properties, defined names; a hidden sheet is a
    finding), PDFs by their text and metadata, images by their metadata.

    Parameters
    ----------
    path
        A file or a folder (searched recursively).
    customer_ids
        Every customer ID of the extract: lines used, excluded and rejected. Purely numeric
        IDs shorter than 5 digits cannot be told apart from figures; they are skipped with a
        warning.
    postcodes
        The extract's postcodes, in any format.
    known_postcodes
        Every postcode of the area's lookup: none belongs in a shared file.
    strings
        Any other text that must not appear (matched case-insensitively as a substring).
    count_columns
        Column names (case-insensitive, exact) that hold counts of people. None: a header
        that is a registered column's name or label (:mod:`lotdesign.columns`) counts people
        if the registry says so; any other is judged by :func:`is_count_column`.
    max_count
        Largest count that should have been suppressed; default ``settings.SUPPRESS_MAX_COUNT``.
    rounding_base
        Other counts of people must be multiples of this; default
        ``settings.SUPPRESS_ROUNDING_BASE`` (1: not checked).
    raise_if_found
        Raise :class:`~lotdesign.ValidationError` listing the findings instead of returning.

    Returns
    -------
    pandas.DataFrame
        One row per finding: ``file`` (relative to ``path``), ``kind`` (``customer_id``,
        ``postcode``, ``string``, ``path``, ``small_count``, ``unrounded_count``,
        ``hidden_sheet``, ``unreadable`` or ``unknown_type``), ``location`` and ``value``.
        Every finding stops a run: a file that cannot be read is not passed unread. The
        findings show what they found: keep them on the analyst's machine.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "lots.csv").write_text("lot,customers\\nA,5\\nB,60\\n")
    >>> scan_for_personal_data(folder)[["file", "kind", "value"]].to_dict("records")
    [{'file': 'lots.csv', 'kind': 'small_count', 'value': 'customers: 5'}]
    """
    max_count = _check_max_count(max_count)
    rounding_base = settings.SUPPRESS_ROUNDING_BASE if rounding_base is None else rounding_base
    root = Path(path)
    if not root.exists():
        raise ValidationError(f"Nothing to scan: {root} does not exist.")
    found_files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
    needles = _Needles(
        customer_ids,
        [*postcodes, *known_postcodes],
        strings,
        count_columns,
        max_count,
        rounding_base,
    )
    records: list[dict[str, str]] = []
    for file in found_files:
        name = file.name if file == root else str(file.relative_to(root))
        suffix = file.suffix.lower()
        found: list[tuple[str, str, str]] = [
            (k, "file name", v)
            for k, _, v in _scan_text(name, needles, lambda _o: "")
            if k in ("customer_id", "postcode", "string")
        ]
        try:
            if suffix in _TEXT_SUFFIXES:
                found += list(_scan_text_file(file, needles))
            elif suffix in _OFFICE_SUFFIXES:
                found += list(_scan_office(file, needles))
            elif suffix == ".pdf":
                found += list(_scan_pdf(file, needles))
            elif suffix in _IMAGE_SUFFIXES:
                found += list(_scan_image_bytes(file.read_bytes(), needles))
            else:
                found.append(
                    (
                        "unknown_type",
                        "",
                        f"{suffix or 'a file without a suffix'}: the scan cannot read it, so it "
                        "may not be shared from the reports folder",
                    )
                )
        except Exception as error:  # any failure to read is a finding, never a pass
            found.append(("unreadable", "", f"could not be read: {type(error).__name__}: {error}"))
        records.extend(
            {"file": name, "kind": k, "location": loc, "value": v} for k, loc, v in found
        )
    findings = pd.DataFrame.from_records(records, columns=_FINDING_COLUMNS)
    findings = findings.drop_duplicates(ignore_index=True)
    if raise_if_found and len(findings):
        raise ValidationError(_summary(findings, root))
    return findings


def _summary(findings: pd.DataFrame, root: Path) -> str:
    """What was found, by kind and file, without the values themselves."""
    counts = findings.groupby(["kind", "file"]).size()
    listing = "; ".join(f"{kind} in {file} ({n})" for (kind, file), n in counts.head(12).items())
    more = " ..." if len(counts) > 12 else ""
    return f"{len(findings)} possible disclosures in {root.name}: {listing}{more}."


def quarantine(folder: str | Path, findings: pd.DataFrame, destination: str | Path) -> Path:
    """Move a reports folder out of the way, with a note of what was found.

    The folder goes to ``destination/<name>-<timestamp>`` with ``QUARANTINE_NOTE.txt``
    (every finding, values included: it stays on the analyst's machine); an empty folder
    of the same name is left with ``QUARANTINED.txt`` saying the files were withheld.

    Returns
    -------
    pathlib.Path
        Where the files went.
    """
    folder = Path(folder)
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = destination / f"{folder.name}-{stamp}"
    n = 1
    while target.exists():
        n += 1
        target = destination / f"{folder.name}-{stamp}-{n}"
    shutil.move(str(folder), str(target))
    note = [
        "lotdesign quarantined this reports folder: the privacy scan found what could reveal",
        "a person. Nothing here may be shared until every finding below is explained or fixed",
        "and the run is repeated.",
        "",
        findings.to_string(index=False),
        "",
    ]
    (target / "QUARANTINE_NOTE.txt").write_text("\n".join(note), encoding="utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "QUARANTINED.txt").write_text(
        "The privacy scan stopped this run: its reports were moved to the processed folder's "
        "quarantine, with a note of what was found. Fix the cause and run again.\n",
        encoding="utf-8",
    )
    return target


def scan_and_quarantine(
    folder: str | Path,
    *,
    quarantine_to: str | Path,
    **scan: Any,
) -> pd.DataFrame:
    """Scan a reports folder (:func:`scan_for_personal_data`); on any finding move it to
    ``quarantine_to`` (:func:`quarantine`) and raise.

    Returns
    -------
    pandas.DataFrame
        The (empty) findings of a clean folder.

    Raises
    ------
    ValidationError
        On any finding, after the folder was moved; the message says where (the values
        found are in the note there, not in the message).
    """
    folder = Path(folder)
    stale = folder / "QUARANTINED.txt"
    findings = scan_for_personal_data(folder, **scan)
    findings = findings[~((findings["file"] == stale.name) & (findings["kind"] == "string"))]
    if len(findings):
        moved = quarantine(folder, findings, quarantine_to)
        raise ValidationError(
            f"{_summary(findings, folder)} The reports were moved to {moved} (with a note of "
            "every finding) and must not be shared."
        )
    return findings
