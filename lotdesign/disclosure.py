"""Disclosure control for anything that leaves the analyst's machine.

A care-package extract is personal, special-category data. Maps, reports and tables for
elected members and providers may show areas and organisations, never a person: no customer
ID, name or full postcode, and no exact count of 1 to :data:`~lotdesign.settings.SUPPRESS_MAX_COUNT`
people in an area. Three tools enforce that:

- :func:`safe_frame` keeps only allow-listed columns, refuses columns whose names look
  personal, and suppresses small counts (and the rates computed over them);
- :func:`suppress_count` / :func:`suppress_counts` do the suppression on their own;
- :func:`scan_for_personal_data` reads every file in a reports folder and lists any customer
  ID, input postcode or unsuppressed small count it finds, so a pipeline can refuse to
  publish.
"""

from __future__ import annotations

import json
import re
import warnings
import zipfile
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Literal
from xml.etree import ElementTree

import geopandas as gpd
import numpy as np
import pandas as pd

from lotdesign import settings
from lotdesign.errors import ValidationError
from lotdesign.postcodes import normalise

__all__ = [
    "is_count_column",
    "looks_personal",
    "safe_frame",
    "scan_for_personal_data",
    "small_count_mask",
    "suppress_count",
    "suppress_counts",
    "suppressed_label",
]

# Words that name a person in a column name. A column *of* them ("customer", "client_id",
# "person_ref") identifies someone; a plural ("customers") is a count.
_PERSON_WORDS = frozenset(
    {
        "customer",
        "client",
        "person",
        "patient",
        "resident",
        "individual",
        "citizen",
        "user",
        "serviceuser",
        "recipient",
    }
)
_ID_WORDS = frozenset(
    {"id", "ids", "ref", "reference", "number", "no", "num", "code", "key", "identifier", "uid"}
)
_NAME_QUALIFIERS = frozenset({"first", "last", "full", "given", "middle", "family", "maiden"})
_ALWAYS_PERSONAL = {
    "forename": "a person's name",
    "forenames": "a person's name",
    "surname": "a person's name",
    "firstname": "a person's name",
    "lastname": "a person's name",
    "fullname": "a person's name",
    "initials": "a person's name",
    "dob": "a date of birth",
    "birth": "a date of birth",
    "birthday": "a date of birth",
    "birthdate": "a date of birth",
    "address": "an address",
    "addr": "an address",
    "street": "an address",
    "uprn": "an address (property reference)",
    "email": "contact details",
    "phone": "contact details",
    "telephone": "contact details",
    "tel": "contact details",
    "mobile": "contact details",
    "nino": "a National Insurance number",
    "gender": "special-category data",
    "sex": "special-category data",
    "ethnicity": "special-category data",
    "religion": "special-category data",
    "notes": "free-text case notes",
    "comments": "free-text case notes",
}
# Qualifiers that make a postcode column coarser than a full postcode (sector, district).
_COARSE_POSTCODE = frozenset({"sector", "district", "area", "outward", "outcode", "prefix"})
_POSTCODE_WORDS = frozenset({"postcode", "pcd", "pcds", "pcd7", "pcd8", "zip", "zipcode"})
# Plural nouns (or singular + count word) that mark a count of people.
_COUNT_NOUNS = frozenset(
    {
        "customers",
        "clients",
        "people",
        "persons",
        "patients",
        "residents",
        "individuals",
        "users",
        "serviceusers",
        "recipients",
        "headcount",
    }
)
_COUNT_WORDS = frozenset({"count", "n", "number", "num", "total"})

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def _tokens(name: str) -> list[str]:
    """Split a column name into lower-case words: ``CustomerID`` -> ``["customer", "id"]``."""
    spaced = _CAMEL.sub("_", str(name)).lower()
    words = [w for w in _NON_ALNUM.split(spaced) if w]
    # "service_user" and "e_mail" are single ideas however they are written.
    joined: list[str] = []
    for word in words:
        if joined and (joined[-1], word) in {("service", "user"), ("service", "users")}:
            joined[-1] = "service" + word
        elif joined and (joined[-1], word) == ("e", "mail"):
            joined[-1] = "email"
        else:
            joined.append(word)
    return joined


def looks_personal(name: str) -> str | None:
    """Say whether a column name looks like personal data, and why.

    Parameters
    ----------
    name
        A column name, in any case or style (``customer_id``, ``CustomerID``, ``Date of birth``).

    Returns
    -------
    str or None
        What the column seems to hold (e.g. ``"a person identifier"``), or None if the name
        looks safe. Plural counts (``customers``), rates (``cost_per_customer_week``) and
        coarse postcodes (``postcode_sector``) are safe.

    Examples
    --------
    >>> looks_personal("CustomerID")
    'a person identifier'
    >>> looks_personal("customers") is None
    True
    >>> looks_personal("postcode_sector") is None
    True
    """
    words = _tokens(name)
    if not words:
        return None
    compact = "".join(words)
    for word in [*words, compact]:
        if word in _ALWAYS_PERSONAL:
            return _ALWAYS_PERSONAL[word]
    if "date" in words and "birth" in compact:
        return "a date of birth"
    if "age" in words and not ({"band", "group", "range"} & set(words)):
        return "a person's exact age"
    if "national" in words and "insurance" in words:
        return "a National Insurance number"
    person = _PERSON_WORDS & set(words)
    if "name" in words and (words == ["name"] or person or _NAME_QUALIFIERS & set(words)):
        return "a person's name"
    if "nhs" in words and _ID_WORDS & set(words):
        return "an NHS number"
    if (_POSTCODE_WORDS & set(words) or "postcode" in compact) and not (
        _COARSE_POSTCODE & set(words)
    ):
        return "a full postcode"
    if person and (_ID_WORDS & set(words) or len(words) == 1):
        return "a person identifier"
    if words == ["pid"] or words == ["mrn"]:
        return "a person identifier"
    return None


def is_count_column(name: str) -> bool:
    """Tell whether a column name looks like a count of people (``customers``, ``n_clients``).

    Examples
    --------
    >>> is_count_column("customers_now"), is_count_column("care_workers")
    (True, False)
    """
    if looks_personal(name):
        return False
    words = set(_tokens(name))
    if words & _COUNT_NOUNS:
        return True
    return bool(words & _PERSON_WORDS and words & _COUNT_WORDS)


def suppressed_label(max_count: int = settings.SUPPRESS_MAX_COUNT) -> str:
    """The label that stands in for a suppressed count, e.g. ``"1–7"``.

    An en dash, not a hyphen: Excel reads ``1-7`` as the 1st of July.
    """
    return f"1\u2013{max_count}"


def _check_max_count(max_count: int) -> None:
    if isinstance(max_count, bool) or not isinstance(max_count, int | np.integer):
        raise ValidationError(f"max_count must be an integer, got {max_count!r}.")
    if max_count < 0:
        raise ValidationError(f"max_count must be 0 or more, got {max_count}.")


def small_count_mask(
    values: pd.Series | Sequence[Any] | np.ndarray,
    *,
    max_count: int = settings.SUPPRESS_MAX_COUNT,
) -> np.ndarray:
    """Boolean mask of the values that are counts from 1 to ``max_count`` (0 is not small).

    Non-numeric and missing values are never small.
    """
    _check_max_count(max_count)
    numbers = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(float)
    with np.errstate(invalid="ignore"):
        return (numbers > 0) & (numbers <= max_count)


def suppress_count(
    value: Any,
    *,
    max_count: int = settings.SUPPRESS_MAX_COUNT,
    as_label: bool = True,
) -> int | float | str | None:
    """Suppress one count of people if it is from 1 to ``max_count``.

    Parameters
    ----------
    value
        A count (int, float or numeric string); missing values come back as None.
    max_count
        Largest count to suppress (:data:`~lotdesign.settings.SUPPRESS_MAX_COUNT`).
    as_label
        Replace a small count with :func:`suppressed_label` (``"1–7"``); if False, with None.

    Returns
    -------
    int, float, str or None
        The count unchanged (as int when whole) if it is 0 or above ``max_count``, else the
        label or None.

    Examples
    --------
    >>> suppress_count(5), suppress_count(0), suppress_count(12)
    ('1–7', 0, 12)
    """
    _check_max_count(max_count)
    if value is None or (np.ndim(value) == 0 and not isinstance(value, str) and pd.isna(value)):
        return None
    number = pd.to_numeric(value, errors="coerce")
    if pd.isna(number):
        raise ValidationError(f"Cannot suppress {value!r}: it is not a count of people.")
    if number < 0:
        raise ValidationError(f"A count of people cannot be negative, got {value!r}.")
    if 0 < number <= max_count:
        return suppressed_label(max_count) if as_label else None
    return int(number) if float(number).is_integer() else float(number)


def _auto_rates(frame: pd.DataFrame, columns: Iterable[str]) -> dict[str, str]:
    """Pair each per-person rate column (``cost_per_customer_week``) with its count column."""
    rates: dict[str, str] = {}
    for column in columns:
        words = _tokens(column)
        if "per" not in words:
            continue
        after = words[words.index("per") + 1 :]
        if not after or after[0] not in _PERSON_WORDS:
            continue
        person = after[0]
        plural = person + "s"
        candidates = sorted(
            (c for c in frame.columns if isinstance(c, str) and _tokens(c)[:1] == [plural]),
            key=lambda c: (_tokens(c) != [plural], str(c)),
        )
        if not candidates:
            raise ValidationError(
                f"Column {column!r} is a rate per {person}, but the frame has no "
                f"{person + 's'!r} column to tell whether its denominator is a small count. "
                f"Include the count column or pass rates={{{column!r}: '<count column>'}}."
            )
        rates[column] = candidates[0]
    return rates


def suppress_counts(
    frame: pd.DataFrame,
    columns: Sequence[str] | None = None,
    *,
    rates: Mapping[str, str] | None = None,
    max_count: int = settings.SUPPRESS_MAX_COUNT,
    as_label: bool = True,
) -> pd.DataFrame:
    """Suppress small counts of people, and the rates over them, in a copy of a frame.

    Parameters
    ----------
    frame
        Any DataFrame (or GeoDataFrame).
    columns
        Count columns to suppress. None: every column :func:`is_count_column` recognises.
    rates
        ``{rate column: count column}``: a rate or average is blanked (None) wherever its
        denominator count is from 1 to ``max_count``, since the rate would give the count away
        (or describe one or two people). None: each ``..._per_<person>_...`` column is paired
        with the plural count column (``customers``); raises if that column is missing.
    max_count
        Largest count to suppress.
    as_label
        Put :func:`suppressed_label` in place of a small count; if False, None.

    Returns
    -------
    pandas.DataFrame
        A copy; suppressed count columns have object dtype (ints, labels and None).
    """
    if not isinstance(frame, pd.DataFrame):
        raise ValidationError(f"Expected a DataFrame, got {type(frame).__name__}.")
    _check_max_count(max_count)
    if columns is None:
        columns = [c for c in frame.columns if isinstance(c, str) and is_count_column(c)]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValidationError(f"Count columns {missing} are not in the frame.")
    if rates is None:
        rates = _auto_rates(frame, frame.columns)
    for rate, denominator in rates.items():
        if rate not in frame.columns or denominator not in frame.columns:
            raise ValidationError(
                f"Rate {rate!r} or its denominator {denominator!r} is not in the frame "
                f"(columns: {list(frame.columns)})."
            )
    out = frame.copy()
    # Masks come from the original counts, before any are replaced by labels.
    small = {
        c: small_count_mask(frame[c], max_count=max_count) for c in {*columns, *rates.values()}
    }
    for rate, denominator in rates.items():
        out[rate] = out[rate].astype(object).where(~small[denominator], None)
    for column in columns:
        out[column] = pd.Series(
            [suppress_count(v, max_count=max_count, as_label=as_label) for v in frame[column]],
            index=frame.index,
            dtype=object,
        )
    return out


def safe_frame(
    frame: pd.DataFrame,
    allow: Sequence[str],
    *,
    counts: Sequence[str] | None = None,
    rates: Mapping[str, str] | None = None,
    missing: Literal["raise", "ignore"] = "raise",
    max_count: int = settings.SUPPRESS_MAX_COUNT,
    as_label: bool = True,
) -> pd.DataFrame:
    """Keep only allow-listed columns of a frame, with small counts suppressed.

    Use it on every frame that goes into a shared map, table or report: folium's ``GeoJson``
    embeds every column of the frame it is given in the HTML, not only the tooltip's.

    Parameters
    ----------
    frame
        A DataFrame or GeoDataFrame. A GeoDataFrame keeps its active geometry column (it is
        the caller's job that the geometry is an area or an organisation, never a person).
    allow
        Columns to keep, in this order. A name that looks personal (customer_id, name,
        postcode, date of birth, address, ... see :func:`looks_personal`) raises: rename an
        organisation's ``name`` to, say, ``practice_name`` first.
    counts
        Count columns to suppress; None: those of ``allow`` that :func:`is_count_column`
        recognises.
    rates
        ``{rate column: count column}`` passed to :func:`suppress_counts`; the count column
        may be outside ``allow``. None: paired automatically.
    missing
        ``"raise"`` (default) if an allowed column is absent, ``"ignore"`` to keep those present.
    max_count, as_label
        As in :func:`suppress_counts`.

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        A new frame with only the allowed (and present) columns.

    Raises
    ------
    ValidationError
        If ``allow`` names a personal-looking column, or (``missing="raise"``) a column the
        frame lacks.
    """
    if not isinstance(frame, pd.DataFrame):
        raise ValidationError(f"safe_frame needs a DataFrame, got {type(frame).__name__}.")
    if isinstance(allow, str) or not isinstance(allow, Sequence):
        raise ValidationError("allow must be a list of column names, e.g. allow=['lot_id'].")
    if missing not in ("raise", "ignore"):
        raise ValidationError(f"missing must be 'raise' or 'ignore', got {missing!r}.")
    personal = {c: why for c in allow if (why := looks_personal(c))}
    if personal:
        detail = "; ".join(f"{c!r} looks like {why}" for c, why in personal.items())
        raise ValidationError(
            f"Refusing to share personal-looking columns: {detail}. Leave them out of allow=, "
            "or rename a column that really holds an organisation's or area's name "
            "(e.g. 'name' -> 'practice_name')."
        )
    absent = [c for c in allow if c not in frame.columns]
    if absent and missing == "raise":
        raise ValidationError(
            f"Allowed columns {absent} are not in the frame (it has {list(frame.columns)}); "
            "remove them from allow= or pass missing='ignore'."
        )
    keep = list(dict.fromkeys(c for c in allow if c in frame.columns))
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    if counts is None:
        counts = [c for c in keep if is_count_column(c)]
    if rates is None:
        rates = _auto_rates(frame, keep)
    rates = {r: d for r, d in rates.items() if r in keep}
    selected_columns = list(dict.fromkeys([*keep, *rates.values()]))
    if geometry is not None and geometry in frame.columns and geometry not in selected_columns:
        selected_columns.append(geometry)
    selected = frame[selected_columns]
    suppressed = suppress_counts(
        selected, list(counts), rates=rates, max_count=max_count, as_label=as_label
    )
    final = keep + ([geometry] if geometry in selected_columns else [])
    return suppressed[list(dict.fromkeys(final))]


# --- Scanning a reports folder -------------------------------------------------------------

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
    max_count: int = settings.SUPPRESS_MAX_COUNT,
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
        Column names (case-insensitive, exact) that hold counts of people. None: recognised
        by :func:`is_count_column` (``customers``, ``clients``, ``n_people``, ...).
    max_count
        Largest count that should have been suppressed.
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
    _check_max_count(max_count)
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
