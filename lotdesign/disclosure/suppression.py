"""Small-count suppression and column allow-lists for anything shared.

Column-name rules (:func:`looks_personal`, :func:`is_count_column`; the column registry,
:mod:`lotdesign.columns`, has the first word on a registered column), the suppression of
counts of 1 to :data:`~lotdesign.settings.SUPPRESS_MAX_COUNT` people and of the rates over them
(:func:`suppress_count`, :func:`suppress_counts`, :func:`small_count_mask`,
:func:`suppressed_label`), and :func:`safe_frame`, which keeps only allow-listed columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from lotdesign import columns as registry
from lotdesign import settings
from lotdesign.errors import ValidationError

__all__ = [
    "SECONDARY_LABEL",
    "is_count_column",
    "looks_personal",
    "rounded",
    "safe_frame",
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
    """Tell whether a column is a count of people (``customers``, ``n_clients``).

    A column in the registry (:mod:`lotdesign.columns`) is a count if the registry says so
    (``customers`` is; ``customers_ok``, a rule check, and ``share_customers`` are not). Only
    an unregistered name is judged by its words, as a safety net.

    Examples
    --------
    >>> is_count_column("customers_now"), is_count_column("care_workers")
    (True, False)
    """
    entry = registry.get(name)
    if entry is not None:
        return entry.counts_people
    if looks_personal(name):
        return False
    words = set(_tokens(name))
    if words & _COUNT_NOUNS:
        return True
    return bool(words & _PERSON_WORDS and words & _COUNT_WORDS)


def suppressed_label(max_count: int | None = None) -> str:
    """The label that stands in for a suppressed count, e.g. ``"1–7"``.

    An en dash, not a hyphen: Excel reads ``1-7`` as the 1st of July. ``max_count`` defaults
    to ``settings.SUPPRESS_MAX_COUNT``.
    """
    max_count = settings.SUPPRESS_MAX_COUNT if max_count is None else max_count
    return f"1\u2013{max_count}"


def _check_max_count(max_count: int | None) -> int:
    """``max_count``, or ``settings.SUPPRESS_MAX_COUNT`` as set now if None; checked."""
    if max_count is None:
        max_count = settings.SUPPRESS_MAX_COUNT
    if isinstance(max_count, bool) or not isinstance(max_count, int | np.integer):
        raise ValidationError(f"max_count must be an integer, got {max_count!r}.")
    if max_count < 0:
        raise ValidationError(f"max_count must be 0 or more, got {max_count}.")
    return max_count


def small_count_mask(
    values: pd.Series | Sequence[Any] | np.ndarray,
    *,
    max_count: int | None = None,
) -> np.ndarray:
    """Boolean mask of the values that are counts from 1 to ``max_count`` (0 is not small).

    Non-numeric and missing values are never small. ``max_count`` defaults to
    ``settings.SUPPRESS_MAX_COUNT``.
    """
    max_count = _check_max_count(max_count)
    numbers = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(float)
    with np.errstate(invalid="ignore"):
        return (numbers > 0) & (numbers <= max_count)


#: Shown for a count of people suppressed to protect another (secondary suppression): the
#: Government Statistical Service's shorthand for "confidential".
SECONDARY_LABEL = "[c]"


def rounded(value: Any, base: int, *, above: int = 0) -> Any:
    """A count rounded to the nearest multiple of ``base`` (halves up); 0 stays 0.

    A count above ``above`` (the largest suppressed count) is never rounded down into the
    suppressed range, where it would read as a small count: with 1-20 suppressed, 21 is 25.

    >>> rounded(12, 5), rounded(13, 5), rounded(0, 5), rounded(12, 1), rounded(21, 5, above=20)
    (10, 15, 0, 12, 25)
    """
    if value is None or isinstance(value, str):
        return value
    number = float(value)
    if np.isnan(number):
        return value
    if base <= 1:
        return int(number) if number.is_integer() else number
    out = int(base * np.floor(number / base + 0.5))
    if number > 0:
        # Someone is never shown as nobody, nor as a count that would have been suppressed.
        floor = base * (int(max(above, 0)) // base + 1)
        out = max(out, floor)
    return out


def suppress_count(
    value: Any,
    *,
    max_count: int | None = None,
    as_label: bool = True,
    rounding_base: int | None = None,
) -> int | float | str | None:
    """One count of people as it may be shared: the NHS Digital rule.

    Parameters
    ----------
    value
        A count (int, float or numeric string); missing values come back as None, and a
        count already suppressed (``"1–7"``, ``"[c]"``) as it is.
    max_count
        Largest count to suppress; default ``settings.SUPPRESS_MAX_COUNT``.
    as_label
        Replace a small count with :func:`suppressed_label` (``"1–7"``); if False, with None.
    rounding_base
        Every other count is rounded to the nearest multiple of this; default
        ``settings.SUPPRESS_ROUNDING_BASE`` (5); 1 leaves it exact.

    Returns
    -------
    int, float, str or None
        0 as 0, a count above ``max_count`` rounded (as int when whole), else the label or
        None.

    Examples
    --------
    >>> suppress_count(5), suppress_count(0), suppress_count(12)
    ('1–7', 0, 10)
    >>> suppress_count(12, rounding_base=1)
    12
    """
    max_count = _check_max_count(max_count)
    if value is None or (np.ndim(value) == 0 and not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, str) and value.strip() in (suppressed_label(max_count), SECONDARY_LABEL):
        return value
    base = settings.SUPPRESS_ROUNDING_BASE if rounding_base is None else int(rounding_base)
    number = pd.to_numeric(value, errors="coerce")
    if pd.isna(number):
        raise ValidationError(f"Cannot suppress {value!r}: it is not a count of people.")
    if number < 0:
        raise ValidationError(f"A count of people cannot be negative, got {value!r}.")
    if 0 < number <= max_count:
        return suppressed_label(max_count) if as_label else None
    return rounded(float(number), base, above=max_count)


def _auto_rates(frame: pd.DataFrame, columns: Iterable[str]) -> dict[str, str]:
    """Pair each figure computed over a count of people with its count column.

    A registered column's count is its ``rate_of`` in :mod:`lotdesign.columns`; only an
    unregistered ``..._per_<person>_...`` name (``cost_per_customer_week``) is paired by its
    words with the plural count column, as a safety net.
    """
    rates: dict[str, str] = {}
    for column in columns:
        entry = registry.get(column)
        if entry is not None:
            if entry.rate_of is None:
                continue
            if entry.rate_of not in frame.columns:
                raise ValidationError(
                    f"Column {column!r} is computed over {entry.rate_of!r}, but the frame has "
                    f"no {entry.rate_of!r} column to tell whether its denominator is a small "
                    f"count. Include the count column or pass rates={{{column!r}: '<count "
                    "column>'}."
                )
            rates[column] = entry.rate_of
            continue
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
    max_count: int | None = None,
    as_label: bool = True,
    rounding_base: int | None = None,
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
        Largest count to suppress; default ``settings.SUPPRESS_MAX_COUNT``.
    as_label
        Put :func:`suppressed_label` in place of a small count; if False, None.
    rounding_base
        Other counts are rounded to a multiple of this (NHS Digital: 5); default
        ``settings.SUPPRESS_ROUNDING_BASE``.

    Returns
    -------
    pandas.DataFrame
        A copy; suppressed count columns have object dtype (ints, labels and None).
    """
    if not isinstance(frame, pd.DataFrame):
        raise ValidationError(f"Expected a DataFrame, got {type(frame).__name__}.")
    max_count = _check_max_count(max_count)
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
            [
                suppress_count(
                    v, max_count=max_count, as_label=as_label, rounding_base=rounding_base
                )
                for v in frame[column]
            ],
            index=frame.index,
            dtype=object,
        )
    return out


def _why_not_shared(name: str) -> str | None:
    """Why a column may not be shared: the registry's word for a registered column, the
    name heuristics (:func:`looks_personal`) only for an unregistered one."""
    entry = registry.get(name)
    if entry is not None:
        return None if entry.shareable else "is marked not shareable in lotdesign.columns"
    why = looks_personal(name)
    return None if why is None else f"looks like {why}"


def safe_frame(
    frame: pd.DataFrame,
    allow: Sequence[str],
    *,
    counts: Sequence[str] | None = None,
    rates: Mapping[str, str] | None = None,
    missing: Literal["raise", "ignore"] = "raise",
    max_count: int | None = None,
    as_label: bool = True,
    rounding_base: int | None = None,
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
        Columns to keep, in this order. A column the registry (:mod:`lotdesign.columns`)
        marks as not shareable raises, and so does an unregistered name that looks personal
        (customer_id, name, postcode, date of birth, address, ... see :func:`looks_personal`):
        rename an organisation's ``name`` to, say, ``practice_name`` first.
    counts
        Count columns to suppress; None: those of ``allow`` that :func:`is_count_column`
        recognises.
    rates
        ``{rate column: count column}`` passed to :func:`suppress_counts`; the count column
        may be outside ``allow``. None: paired automatically.
    missing
        ``"raise"`` (default) if an allowed column is absent, ``"ignore"`` to keep those present.
    max_count, as_label, rounding_base
        As in :func:`suppress_counts` (default ``settings.SUPPRESS_MAX_COUNT`` and
        ``settings.SUPPRESS_ROUNDING_BASE``).

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
    personal = {c: why for c in allow if (why := _why_not_shared(c))}
    if personal:
        detail = "; ".join(f"{c!r} {why}" for c, why in personal.items())
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
        selected,
        list(counts),
        rates=rates,
        max_count=max_count,
        as_label=as_label,
        rounding_base=rounding_base,
    )
    final = keep + ([geometry] if geometry in selected_columns else [])
    return suppressed[list(dict.fromkeys(final))]
