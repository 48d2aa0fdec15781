"""Read one cell as councils' systems write it: numbers, money, hours, dates and postcodes.

Every parser returns the value, ``None`` for a blank cell, or raises :class:`ValueProblem`
whose text is the plain-English reason a row is rejected. Nothing is guessed: a value that
could mean two numbers is read the one way the extract declares (its decimal mark, its hours
unit, its date order) and a value that only fits another way is refused with a reason that
names the config key to set. The rules, in full:

Numbers and money (:func:`parse_number`)
    ``10.5``, ``"10.5"``, ``"£1,234.50"``, ``"GBP 12"``, ``"1 234.50"``; finance negatives
    ``(12.00)``, ``-12``, ``12.00-``; the accounting zero ``"£ -"`` or ``"-"``. Thousands
    separators must group digits in threes, so with the decimal mark ``.`` the text ``7,5``
    is refused (it is a decimal comma), never read as 75; with the decimal mark ``,`` the
    roles swap (``1.234,50``).
Hours (:func:`parse_hours`)
    A plain number is in the declared unit (``hours`` or ``minutes``). A value that carries
    its own unit is converted by it whatever the declared unit: ``7.5 hrs``, ``450 mins``,
    ``7h 30m``, ``7½`` (also ``¼``, ``¾``, ``7 1/2``), ``7:30`` and ``7:30:00`` (hours and
    minutes), ``2 days, 18:30:00``, and Excel time and duration cells (a ``10:30`` cell is
    10.5 hours; a duration cell past 24 hours, or a time cell holding more than a day, is its
    whole length). With ``hh:mm`` declared, a plain number must be whole hours: ``7.30`` is
    refused, since it may mean 7:30 or 7.3 hours.
Dates (:func:`parse_date`)
    Day-first numeric dates (``01/04/2025``, ``1-4-25``, ``01.04.2025``), year-first
    (``2025-04-01``, ``2025/04/01``, ``20250401``), month names (``01-Apr-2025``, Oracle's
    ``01-APR-25``, ``1st April 2025``, ``Apr 1, 2025``), Excel date cells and serial numbers,
    and any of these followed by a time of day. A numeric date that only fits month-first
    (``04/13/2025``) is refused unless the extract declares ``date_order: month_first``. An
    end date of ``31/12/9999`` (any year from 9000), Oracle's ``31-DEC-99`` or words such as
    "Ongoing" mean the package has no end.
Postcodes (:func:`clean_postcode`, :func:`postcode_corrections`)
    Leading and trailing punctuation is dropped (``RH12 4AB.``), as are hyphens and dots
    inside; O/0 and I/1 typed for each other are corrected where only one reading is a valid
    postcode.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import math
import re

import numpy as np

from lotdesign import postcodes as pc

__all__ = [
    "DECIMAL_MARKS",
    "HOURS_UNITS",
    "ValueProblem",
    "clean_postcode",
    "date_order_evidence",
    "decimal_mark_evidence",
    "is_blank",
    "parse_date",
    "parse_end_date",
    "parse_hours",
    "parse_number",
    "postcode_corrections",
    "show",
]

#: Decimal marks an extract may use.
DECIMAL_MARKS: tuple[str, ...] = (".", ",")
#: Units the hours column may be in.
HOURS_UNITS: tuple[str, ...] = ("hours", "minutes", "hh:mm")
#: Date orders an extract may use for numeric dates.
DATE_ORDERS: tuple[str, ...] = ("day_first", "month_first")


class ValueProblem(ValueError):
    """A cell that cannot be read as what its column holds; ``str()`` is the reason."""


class MonthFirstDate(ValueProblem):
    """A numeric date that only fits the other day/month order."""


def is_blank(value: object) -> bool:
    """True for None, NaN and text that is only whitespace."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def show(value: object) -> str:
    """A cell as a person would read it in the spreadsheet (never a Python repr)."""
    if isinstance(value, dt.timedelta):
        minutes = round(value.total_seconds() / 60)
        return f"{minutes // 60}:{minutes % 60:02d}"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return f"{value:%d/%m/%Y}"
        return f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, dt.time):
        return f"{value:%H:%M}" if not value.second else f"{value:%H:%M:%S}"
    if isinstance(value, float | np.floating):
        return f"{float(value):.10g}"
    return str(value).strip()


# --- numbers -----------------------------------------------------------------------------------

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_CURRENCY = re.compile(r"^(?:£|gbp)\s*|\s*(?:£|gbp)$", re.IGNORECASE)
_FOREIGN = re.compile(r"[$€¥₹]|\b(?:eur|usd)\b", re.IGNORECASE)


def _body_pattern(mark: str) -> re.Pattern[str]:
    sep = "," if mark == "." else r"\."
    m = re.escape(mark)
    return re.compile(
        rf"^(?:\d+(?:{m}\d+)?|{m}\d+|\d{{1,3}}(?:{sep}\d{{3}})+(?:{m}\d+)?"
        rf"|\d{{1,3}}(?: \d{{3}})+(?:{m}\d+)?)$"
    )


_BODY = {mark: _body_pattern(mark) for mark in DECIMAL_MARKS}
_EXPONENT = re.compile(r"^\d+(?:\.\d+)?[eE][+-]?\d+$")
_MARK_NAME = {".": "decimal point", ",": "decimal comma"}


def _body_value(body: str, mark: str) -> float | None:
    """The number a digits-and-separators body means with ``mark``, or None if it does not fit."""
    if _BODY[mark].match(body):
        sep = "," if mark == "." else "."
        plain = body.replace(" ", "").replace(sep, "").replace(mark, ".")
        return float(plain)
    if mark == "." and _EXPONENT.match(body):
        return float(body)
    return None


def _split_sign(text: str) -> tuple[str, bool, bool]:
    """(body, negative, was a dash alone) from money text: signs, brackets and £ taken off."""
    t = _SPACES.sub(" ", text.replace("\u2212", "-")).strip()
    negative = False
    if len(t) >= 2 and t[0] == "(" and t[-1] == ")":
        negative, t = True, t[1:-1].strip()
    changed = True
    while changed:
        changed = False
        stripped = _CURRENCY.sub("", t).strip()
        if stripped != t:
            t, changed = stripped, True
        if t and t[0] in "-+":
            negative ^= t[0] == "-"
            t, changed = t[1:].strip(), True
        if len(t) > 1 and t[-1] == "-":  # SAP and some ledgers: 12.00-
            negative, t, changed = not negative, t[:-1].strip(), True
    dash_only = t == "" and "-" in text
    return t, negative, dash_only


def parse_number(value: object, *, decimal_mark: str = ".") -> float | None:
    """Read a number or an amount of money; None for a blank cell.

    Parameters
    ----------
    value
        A cell: a number, or text such as ``"£1,234.50"``, ``"(12.00)"``, ``"£ -"``.
    decimal_mark
        ``"."`` (the default) or ``","``: the other one may only separate thousands.

    Raises
    ------
    ValueProblem
        Text that is not a number, or that is one only with the other decimal mark.

    Examples
    --------
    >>> parse_number("£1,234.50"), parse_number("(12.00)"), parse_number("£ -")
    (1234.5, -12.0, 0.0)
    >>> parse_number("1.234,50", decimal_mark=",")
    1234.5
    """
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueProblem(f"'{value}' is not a number")
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        if not math.isfinite(number):
            raise ValueProblem(f"'{show(value)}' is not a number")
        return number
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        raise ValueProblem(f"'{show(value)}' is a date or time, not a number")
    text = str(value).strip()
    if _FOREIGN.search(text):
        raise ValueProblem(f"'{text}' is not in pounds")
    body, negative, dash_only = _split_sign(text)
    if dash_only:
        return 0.0  # Excel's accounting format shows zero as a dash
    number = _body_value(body, decimal_mark)
    if number is None:
        other = "," if decimal_mark == "." else "."
        if _body_value(body, other) is not None:
            raise ValueProblem(
                f"'{text}' is written with a {_MARK_NAME[other]}, but the extract's decimal "
                f"mark is '{decimal_mark}' (set inputs.decimal_mark: '{other}' if the whole "
                "file writes decimals that way)"
            )
        raise ValueProblem(f"'{text}' is not a number")
    return -number if negative else number


def decimal_mark_evidence(value: object) -> str | None:
    """What a text cell says about the decimal mark it was written with.

    ``"7,5"`` -> ``","`` and ``"7.5"`` or ``"1,234.50"`` -> ``"."`` (only that mark reads
    them); ``"1,234"`` -> ``"either"`` (a number with either mark, but not the same
    number); ``"7"`` and cells that are not text -> None.
    """
    if not isinstance(value, str):
        return None
    text = _HOURS_SUFFIX.sub("", value.strip())
    body, _, _ = _split_sign(text)
    if not body:
        return None
    readings = {m: _body_value(body, m) for m in DECIMAL_MARKS}
    fits = [m for m, v in readings.items() if v is not None]
    if len(fits) == 1:
        return fits[0]
    if len(fits) == 2 and readings["."] != readings[","]:
        return "either"
    return None


# --- hours -------------------------------------------------------------------------------------

_FRACTIONS = {"½": 0.5, "¼": 0.25, "¾": 0.75, "1/2": 0.5, "1/4": 0.25, "3/4": 0.75}
_HOUR_WORDS = r"h|hr|hrs|hour|hours"
_MINUTE_WORDS = r"m|min|mins|minute|minutes"
_HOURS_SUFFIX = re.compile(rf"\s*(?:{_HOUR_WORDS}|{_MINUTE_WORDS})\.?$", re.IGNORECASE)
_CLOCK = re.compile(r"^(\d{1,3}):([0-5]\d)(?::([0-5]\d)(?:\.\d+)?)?$")
_DAYS_CLOCK = re.compile(r"^(\d+) days?, (\d{1,2}):([0-5]\d):([0-5]\d)$")
_H_AND_M = re.compile(
    rf"^(\d+)\s*(?:{_HOUR_WORDS})\.?\s*(\d{{1,2}})\s*(?:{_MINUTE_WORDS})\.?$", re.IGNORECASE
)
_WITH_UNIT = re.compile(
    rf"^([\d.,½¼¾][\d.,/ ½¼¾]*?)\s*({_HOUR_WORDS}|{_MINUTE_WORDS})\.?$", re.IGNORECASE
)
_FRACTION = re.compile(r"^(\d+)?\s*(½|¼|¾|1/2|1/4|3/4)$")
#: Excel's day zero; a time cell holding more than a day comes back as a date-time in 1900.
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_EXCEL_DURATION_END = dt.datetime(1900, 3, 1)


def _quantity(text: str, decimal_mark: str) -> float:
    """A plain quantity: a number or a number with a fraction sign."""
    frac = _FRACTION.match(text)
    if frac:
        return float(frac.group(1) or 0) + _FRACTIONS[frac.group(2)]
    number = parse_number(text, decimal_mark=decimal_mark)
    if number is None:
        raise ValueProblem(f"'{text}' is not a number")
    return number


def parse_hours(value: object, *, unit: str = "hours", decimal_mark: str = ".") -> float | None:
    """Read an amount of time as hours; None for a blank cell.

    Parameters
    ----------
    value
        A cell: a number in ``unit``, text with its own unit (``"7.5 hrs"``, ``"7:30"``,
        ``"7½"``) or an Excel time or duration cell.
    unit
        What a plain number means: ``"hours"``, ``"minutes"`` or ``"hh:mm"`` (whole hours).
    decimal_mark
        As :func:`parse_number`.

    Raises
    ------
    ValueProblem
        A value that is not an amount of time, or one that could be read two ways.

    Examples
    --------
    >>> parse_hours("7:30"), parse_hours("450", unit="minutes"), parse_hours("7½ hrs")
    (7.5, 7.5, 7.5)
    >>> parse_hours(dt.time(10, 30)), parse_hours("7h 30m", unit="minutes")
    (10.5, 7.5)
    """
    if unit not in HOURS_UNITS:
        raise ValueError(f"unit must be one of {HOURS_UNITS}, got {unit!r}")
    if is_blank(value):
        return None
    if isinstance(value, dt.timedelta):
        return value.total_seconds() / 3600
    if isinstance(value, dt.time):
        return value.hour + value.minute / 60 + value.second / 3600
    if isinstance(value, dt.datetime):
        if value < _EXCEL_DURATION_END:
            return (value - _EXCEL_EPOCH).total_seconds() / 3600
        raise ValueProblem(f"'{show(value)}' is a date, not an amount of time")
    if isinstance(value, dt.date):
        raise ValueProblem(f"'{show(value)}' is a date, not an amount of time")
    if isinstance(value, bool):
        raise ValueProblem(f"'{value}' is not a number")
    if isinstance(value, int | float | np.integer | np.floating):
        return _in_unit(parse_number(value), unit, show(value))
    text = _SPACES.sub(" ", str(value)).strip()
    clock = _CLOCK.match(text)
    if clock:
        h, m, s = clock.groups()
        return int(h) + int(m) / 60 + int(s or 0) / 3600
    days = _DAYS_CLOCK.match(text)
    if days:
        d, h, m, s = (int(g) for g in days.groups())
        return d * 24 + h + m / 60 + s / 3600
    both = _H_AND_M.match(text)
    if both:
        return int(both.group(1)) + int(both.group(2)) / 60
    with_unit = _WITH_UNIT.match(text)
    if with_unit and with_unit.group(1):
        amount = _quantity(with_unit.group(1).strip(), decimal_mark)
        words = with_unit.group(2).lower()
        return amount / 60 if re.fullmatch(_MINUTE_WORDS, words) else amount
    if _FRACTION.match(text):
        return _in_unit(_quantity(text, decimal_mark), "hours" if unit == "hh:mm" else unit, text)
    return _in_unit(parse_number(text, decimal_mark=decimal_mark), unit, text)


def _in_unit(number: float | None, unit: str, written: str) -> float | None:
    if number is None:
        return None
    if unit == "minutes":
        return number / 60
    if unit == "hh:mm" and number != int(number):
        raise ValueProblem(
            f"'{written}' is not in hh:mm form, as inputs.hours_unit declares: write it as "
            "7:30 (or declare inputs.hours_unit: hours if the column holds decimal hours)"
        )
    return number


# --- dates -------------------------------------------------------------------------------------

_MONTHS = {
    **{m.lower(): i for i, m in enumerate(calendar.month_abbr) if m},
    **{m.lower(): i for i, m in enumerate(calendar.month_name) if m},
    "sept": 9,
}
_TIME_TAIL = re.compile(
    r"^(.*?\d.*?)[ T](\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:[.,]\d+)?)?\s*(?:[ap]\.?m\.?)?"
    r"\s*(?:z|[+-]\d{2}:?\d{2})?)$",
    re.IGNORECASE,
)
_NUMERIC = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})$")
_YEAR_FIRST = re.compile(r"^(\d{4})([/.\-])(\d{1,2})\2(\d{1,2})$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DAY_MONTH = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[ \-/.]*([a-z]{3,9})\.?[ \-/.,]*(\d{4}|\d{2})$")
_MONTH_DAY = re.compile(r"^([a-z]{3,9})\.?[ \-/.]*(\d{1,2})(?:st|nd|rd|th)?[ ,\-/.]+(\d{4}|\d{2})$")
_SERIAL = re.compile(r"^\d{5}(?:\.0+)?$")
#: Excel serial dates accepted: 1955-01-01 to 2119-01-01.
_EXCEL_SERIAL_RANGE = (20090, 80000)
#: Words that mean an end date is open.
OPEN_END_WORDS: frozenset[str] = frozenset(
    {"ongoing", "open", "open ended", "open-ended", "current", "no end date", "none", "n/a"}
)
#: End dates from this year on are "no end" markers (31/12/9999 and the like).
OPEN_END_YEAR = 9000


def _year(text: str) -> int:
    y = int(text)
    if len(text) == 2:  # as strptime's %y: 69-99 are the 1900s, 00-68 the 2000s
        return 1900 + y if y >= 69 else 2000 + y
    return y


def _make(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _text_date(text: str, order: str) -> dt.date:
    t = _SPACES.sub(" ", text).strip().lower()
    timed = _TIME_TAIL.match(t)
    if timed:
        t = timed.group(1).strip()
    numeric = _NUMERIC.match(t)
    if numeric:
        a, _, b, y = numeric.groups()
        a, b, year = int(a), int(b), _year(y)
        first, second = (_make(year, b, a), _make(year, a, b))
        if order == "month_first":
            first, second = second, first
        if first is not None:
            return first
        if second is not None:
            other = "month-first (MM/DD/YYYY)" if order == "day_first" else "day-first"
            key = "month_first" if order == "day_first" else "day_first"
            raise MonthFirstDate(
                f"'{text.strip()}' only fits {other} order; the extract's dates are read "
                f"{'day-first (DD/MM/YYYY)' if order == 'day_first' else 'month-first'}: fix "
                f"the date, or set inputs.date_order: {key} if the whole column is written "
                "that way"
            )
        raise ValueProblem(f"'{text.strip()}' is not a date")
    for pattern, parts in (
        (_YEAR_FIRST, lambda g: (int(g[0]), int(g[2]), int(g[3]))),
        (_COMPACT_DATE, lambda g: (int(g[0]), int(g[1]), int(g[2]))),
    ):
        found = pattern.match(t)
        if found:
            day = _make(*parts(found.groups()))
            if day is None:
                raise ValueProblem(f"'{text.strip()}' is not a date")
            return day
    named = _DAY_MONTH.match(t)
    if named and named.group(2) in _MONTHS:
        day = _make(_year(named.group(3)), _MONTHS[named.group(2)], int(named.group(1)))
        if day is not None:
            return day
    named = _MONTH_DAY.match(t)
    if named and named.group(1) in _MONTHS:
        day = _make(_year(named.group(3)), _MONTHS[named.group(1)], int(named.group(2)))
        if day is not None:
            return day
    if _SERIAL.match(t):
        return _serial(float(t), text)
    raise ValueProblem(f"'{text.strip()}' is not a date (write it as DD/MM/YYYY or YYYY-MM-DD)")


def _serial(number: float, written: object) -> dt.date:
    if _EXCEL_SERIAL_RANGE[0] <= number <= _EXCEL_SERIAL_RANGE[1]:
        return (_EXCEL_EPOCH + dt.timedelta(days=number)).date()
    raise ValueProblem(f"'{show(written)}' is not a date")


def parse_date(value: object, *, order: str = "day_first") -> dt.date | None:
    """Read a date; None for a blank cell.

    Parameters
    ----------
    value
        A date or date-time cell, an Excel serial number, or text in one of the forms in
        the module docstring.
    order
        ``"day_first"`` (UK, the default) or ``"month_first"``: how numeric dates such as
        ``03/04/2024`` are read.

    Raises
    ------
    ValueProblem
        Not a date, an impossible date (31/02/2024), or a date that only fits the other order.

    Examples
    --------
    >>> parse_date("03/04/2024"), parse_date("01-APR-25"), parse_date(45385)
    (datetime.date(2024, 4, 3), datetime.date(2025, 4, 1), datetime.date(2024, 4, 3))
    """
    if order not in DATE_ORDERS:
        raise ValueError(f"order must be one of {DATE_ORDERS}, got {order!r}")
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, dt.time | dt.timedelta | bool):
        raise ValueProblem(f"'{show(value)}' is not a date")
    if isinstance(value, int | float | np.integer | np.floating):
        return _serial(float(value), value)
    return _text_date(str(value), order)


def parse_end_date(value: object, *, order: str = "day_first") -> dt.date | None:
    """As :func:`parse_date`, but "no end" markers (``31/12/9999``, "Ongoing") give None."""
    if isinstance(value, str):
        text = _SPACES.sub(" ", value).strip().lower()
        if text in OPEN_END_WORDS:
            return None
        # Oracle's RR years show 31/12/9999 as 31-DEC-99.
        if re.fullmatch(r"31[ \-/.](?:12|dec)[ \-/.]99", text):
            return None
    day = parse_date(value, order=order)
    if day is not None and day.year >= OPEN_END_YEAR:
        return None
    return day


def date_order_evidence(value: object) -> str | None:
    """``"day_first"`` or ``"month_first"`` when a numeric text date only fits that order."""
    if not isinstance(value, str):
        return None
    t = _SPACES.sub(" ", value).strip().lower()
    timed = _TIME_TAIL.match(t)
    if timed:
        t = timed.group(1).strip()
    numeric = _NUMERIC.match(t)
    if not numeric:
        return None
    a, _, b, y = numeric.groups()
    day_first = _make(_year(y), int(b), int(a)) is not None
    month_first = _make(_year(y), int(a), int(b)) is not None
    if day_first and not month_first:
        return "day_first"
    if month_first and not day_first:
        return "month_first"
    return None


# --- postcodes ---------------------------------------------------------------------------------

_EDGE_PUNCTUATION = re.compile(r"^[^0-9A-Za-z]+|[^0-9A-Za-z]+$")
_INNER_PUNCTUATION = re.compile(r"[\-.]")
_SWAPS = {"O": "0", "0": "O", "I": "1", "1": "I"}


def clean_postcode(value: object) -> str | None:
    """A postcode in single-space form with stray punctuation dropped; None when blank.

    >>> clean_postcode(" rh12-4ab. ")
    'RH12 4AB'
    """
    if is_blank(value):
        return None
    text = str(value)
    text = _EDGE_PUNCTUATION.sub("", text)
    text = _INNER_PUNCTUATION.sub("", text)
    return pc.normalise(text)


def postcode_corrections(postcode: str) -> list[str]:
    """Valid-format postcodes made by swapping O/0 and I/1 in ``postcode`` (normalised).

    Only worth calling for a postcode that is not valid as written. One candidate means the
    typing slip has only one reading.

    >>> postcode_corrections("RH12 4A8"), postcode_corrections("RHI2 4AB")
    ([], ['RH12 4AB'])
    """
    compact = postcode.replace(" ", "")
    spots = [i for i, ch in enumerate(compact) if ch in _SWAPS]
    if not spots or len(spots) > 6 or len(compact) < 5:
        return []
    found = []
    for flips in itertools.product((False, True), repeat=len(spots)):
        if not any(flips):
            continue
        chars = list(compact)
        for i, flip in zip(spots, flips, strict=True):
            if flip:
                chars[i] = _SWAPS[chars[i]]
        candidate = pc.normalise("".join(chars))
        if pc.is_valid(candidate):
            found.append(candidate)
    return sorted(set(found))
