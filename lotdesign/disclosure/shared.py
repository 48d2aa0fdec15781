"""The one control every shared table, map and sentence goes through.

:func:`control_frame` applies the NHS Digital rule and a
:class:`~lotdesign.disclosure.control.Protection` (secondary suppression) to a table: each
row belongs to an area (:func:`area_keys` reads which from the table's own columns:
``level``/``area``, ``lot_id``, ``unit_id``, ``tier``, ``stage``); a row whose area is
suppressed shows its counts of people as ``"1–7"`` (primary) or ``"[c]"`` (secondary) and
blanks every figure the column registry marks as computed over its people
(:attr:`lotdesign.columns.Column.over_people`); a published row's counts of people are
rounded to the nearest ``rounding_base``. Shares, flags and rates are never labelled as
counts: they are blanked only with their row. :func:`mask_provider_shares` hides a market
row's provider shares where they rest on 1 to ``max_count`` people.

:func:`control_text` does the same to words (reasons, captions, caveats): counts of people
in a sentence are rounded or replaced by the label, and a sentence about a suppressed area
loses its figures. :func:`strip_paths` keeps only file names of the analyst's paths.

Without a protection (a table made outside a run), a row is suppressed when one of its own
counts is from 1 to ``max_count``: primary suppression only, with a warning that arithmetic
across tables is then not checked.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

import numpy as np
import pandas as pd

from lotdesign import columns as registry
from lotdesign import settings
from lotdesign.disclosure.control import PRIMARY, PUBLISHED, SECONDARY, Protection
from lotdesign.disclosure.suppression import (
    SECONDARY_LABEL,
    is_count_column,
    rounded,
    suppressed_label,
)
from lotdesign.errors import ValidationError

__all__ = [
    "SECONDARY_LABEL",
    "area_keys",
    "control_frame",
    "control_text",
    "mask_provider_shares",
    "strip_paths",
]

#: Rows about lines that are not people (totals and headers an extract repeats): their counts
#: are rounded like any other, never suppressed.
_NO_PEOPLE = "no_people"
#: Free-text columns: their words go through :func:`control_text`.
_WORD_COLUMNS = frozenset({"reason", "reasons", "tier_reason", "text", "note", "notes", "flag"})
_SPOT = {"(spot)", "spot", "outside", "outside lots", "(outside lots)"}
_ALL_LOTS = {"all", "all lots", "total", "(all)", "(total)"}


def area_keys(frame: pd.DataFrame) -> list[str | None]:
    """The area each row of a shared table is about, read from the table's own columns.

    ``level`` and ``area`` (county, tier, lot, district; ``"(spot)"`` is the units outside
    any lot), else ``unit_id``, ``lot_id``, ``tier`` (``"total"`` is the county) or
    ``stage`` (the reconciliation: ``read``, ``used`` = the county, ``excluded``,
    ``rejected``); a table with none of them (a projection, a sensitivity table) is about the
    county. None for a row that names no area it knows.
    """
    cols = set(frame.columns)
    n = len(frame)
    if {"level", "area"} <= cols:
        return [_stacked(lv, ar) for lv, ar in zip(frame["level"], frame["area"], strict=True)]
    if "unit_id" in cols:
        return [None if pd.isna(u) else f"unit:{u}" for u in frame["unit_id"]]
    if "lot_id" in cols:
        return [_lot(v) for v in frame["lot_id"]]
    if "stage" in cols:
        stages = {
            "read": "read",
            "used": "county",
            "excluded": "excluded",
            "rejected": "rejected",
            "set_aside": _NO_PEOPLE,
        }
        return [stages.get(str(s).strip().lower()) for s in frame["stage"]]
    if "tier" in cols:
        return [_tier(t) for t in frame["tier"]]
    if "district" in cols:
        return [None if pd.isna(d) else f"district:{d}" for d in frame["district"]]
    return ["county"] * n


def _stacked(level: Any, area: Any) -> str | None:
    level, area = str(level).strip().lower(), str(area).strip()
    if level == "county":
        return "county"
    if level == "tier":
        return _tier(area)
    if level == "lot":
        return _lot(area)
    if level == "district":
        return f"district:{area}"
    if level == "unit":
        return f"unit:{area}"
    return None


def _lot(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "outside"
    text = str(value).strip()
    if text.lower() in _SPOT or not text:
        return "outside"
    if text.lower() in _ALL_LOTS:
        return "in_lots"
    return f"lot:{text}"


def _tier(value: Any) -> str | None:
    text = str(value).strip().lower()
    if text in ("total", "all", "county"):
        return "county"
    try:
        return f"tier:{int(float(text))}"
    except ValueError:
        return None


def _people_columns(frame: pd.DataFrame) -> list[str]:
    out = []
    for c in frame.columns:
        entry = registry.get(c)
        if entry is not None:
            if entry.counts_people:
                out.append(c)
        elif isinstance(c, str) and is_count_column(c):
            out.append(c)
    return out


def _over_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if (e := registry.get(c)) is not None and e.over_people]


def _is_label(value: Any, max_count: int) -> bool:
    return isinstance(value, str) and value.strip() in (
        suppressed_label(max_count),
        SECONDARY_LABEL,
    )


def _small(value: Any, max_count: int) -> bool:
    if isinstance(value, str | bool | np.bool_) or value is None:
        return False
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return bool(0 < number <= max_count)


def control_frame(
    frame: pd.DataFrame,
    *,
    protection: Protection | None = None,
    keys: Sequence[str | None] | None = None,
    column_keys: Mapping[str, Sequence[str | None]] | None = None,
    max_count: int | None = None,
    rounding_base: int | None = None,
    what: str = "shared",
    warn: bool = True,
) -> pd.DataFrame:
    """A copy of a table with the disclosure control applied, row by row.

    Parameters
    ----------
    frame
        A shared table (registered columns; others are treated by their names).
    protection
        The run's :class:`~lotdesign.disclosure.control.Protection`. None: primary
        suppression from each row's own counts, with a warning.
    keys
        The area of each row; default :func:`area_keys`.
    column_keys
        ``{column: keys}`` for a column about another area than its row (the
        reconciliation's ``customers`` of ``read`` is everyone in the extract).
    max_count, rounding_base
        Default: the protection's, else ``settings.SUPPRESS_MAX_COUNT`` and
        ``settings.SUPPRESS_ROUNDING_BASE``.
    what
        The table's name, for warnings.
    warn
        Warn when there is no protection (a caller that warns once for many tables passes
        False).

    Returns
    -------
    pandas.DataFrame
        Counts of people are ints rounded to ``rounding_base``, ``"1–7"`` or ``"[c]"``;
        figures over a suppressed row are None; everything else as given.
    """
    if protection is not None:
        max_count = protection.max_count if max_count is None else max_count
        rounding_base = protection.rounding_base if rounding_base is None else rounding_base
    max_count = settings.SUPPRESS_MAX_COUNT if max_count is None else int(max_count)
    rounding_base = settings.SUPPRESS_ROUNDING_BASE if rounding_base is None else rounding_base
    out = pd.DataFrame(frame).copy()
    if out.empty:
        return out
    people = _people_columns(out)
    over = _over_columns(out)
    if not people and not over and not (_WORD_COLUMNS & set(out.columns)):
        return out
    if keys is None:
        keys = area_keys(out)
    keys = list(keys)
    column_keys = dict(column_keys or {})
    if protection is None:
        # Without the run's protection a rate must come with the count it is over.
        alone = {
            c: e.rate_of
            for c in over
            if (e := registry.column(c)).rate_of is not None and e.rate_of not in out.columns
        }
        if alone:
            raise ValidationError(
                f"The {what} table has {sorted(alone)}, computed over "
                f"{sorted(set(alone.values()))}, but not that count, so a figure over a small "
                "count could not be blanked. Include the count column, or drop the figure."
            )
    if protection is None and people and warn:
        warnings.warn(
            f"The {what} table is controlled without the run's secondary suppression: counts "
            f"of 1-{max_count} are hidden with the figures over them, but sums and differences "
            "across tables are not checked. Use the run's Protection (lotdesign run does).",
            UserWarning,
            stacklevel=3,
        )
    unknown: set[str] = set()

    def status(key: str | None, row: int) -> str:
        counts = [out[c].iloc[row] for c in people]
        if any(_is_label(v, max_count) for v in counts):
            return PRIMARY
        if key == _NO_PEOPLE:
            return PUBLISHED
        if protection is None:
            return PRIMARY if any(_small(v, max_count) for v in counts) else PUBLISHED
        if key is not None and key in protection.status:
            return protection.status[key]
        numbers = pd.to_numeric(pd.Series(counts, dtype=object), errors="coerce")
        if len(numbers) and (numbers.fillna(0) == 0).all():
            return PUBLISHED  # no one in it: an area with no people is not in the problem
        unknown.add(str(key))
        return SECONDARY

    row_status = [status(k, i) for i, k in enumerate(keys)]
    cell_status = {
        c: [status(k, i) for i, k in enumerate(column_keys[c])]
        for c in column_keys
        if c in out.columns
    }
    label = suppressed_label(max_count)
    ids = [c for c in ("lot_id", "unit_id", "district", "area") if c in out.columns]
    for c in out.columns:
        states = cell_status.get(c, row_status)
        if c in _WORD_COLUMNS:
            out[c] = [
                control_text(
                    v,
                    hidden=s != PUBLISHED,
                    max_count=max_count,
                    rounding_base=rounding_base,
                    keep=[str(out[i].iloc[r]) for i in ids],
                )
                for r, (v, s) in enumerate(zip(out[c], states, strict=True))
            ]
        elif c in people:
            values = [
                v
                if _is_label(v, max_count) or _is_zero(v)
                else label
                if s == PRIMARY
                else SECONDARY_LABEL
                if s == SECONDARY
                else _published_count(v, rounding_base, max_count)
                for v, s in zip(out[c], states, strict=True)
            ]
            out[c] = pd.Series(values, index=out.index, dtype=object)
        elif c in over:
            hidden = np.array([s != PUBLISHED for s in states])
            if hidden.any():
                out[c] = out[c].astype(object).where(~hidden, None)
    if unknown:
        warnings.warn(
            f"The {what} table has rows about areas the disclosure control does not know "
            f"({', '.join(sorted(unknown)[:5])}); their figures are hidden.",
            UserWarning,
            stacklevel=3,
        )
    return out


def _is_zero(value: Any) -> bool:
    """A count of nobody: shown as 0 whatever its row (it can disclose no one)."""
    if isinstance(value, str | bool | np.bool_) or value is None:
        return False
    try:
        return float(value) == 0
    except (TypeError, ValueError):
        return False


def _published_count(value: Any, base: int, max_count: int) -> Any:
    if value is None or isinstance(value, str):
        return value
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    if pd.isna(number):
        return None
    return rounded(float(number), int(base), above=max_count)


# --- Words ------------------------------------------------------------------------------------

_PEOPLE_WORDS = (
    r"customers?|customer\(s\)|people|persons?|person\(s\)|clients?|service users?|"
    r"residents?|individuals?|users?"
)
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_PEOPLE_COUNT = re.compile(
    rf"(?<![\w.£%-])({_NUMBER})(\s+(?:more\s+|fewer\s+|other\s+|new\s+)?)(?=(?:{_PEOPLE_WORDS})\b)",
    re.IGNORECASE,
)
_ANY_NUMBER = re.compile(rf"(?<![\w.])(£\s?)?({_NUMBER})(\s?(?:%|m\b|k\b))?")
# A number right after these is a rule or a setting, not a figure about people.
_SETTING_BEFORE = re.compile(
    r"(?:\bthe|\blimit|\bthan|\bwithin|\bof|\bto|\babove|\bbelow|\bat most|\bat least|"
    r"\bband|\bover|\bunder|\bmax|\bmin|-)\s*$",
    re.IGNORECASE,
)
_AREA_MENTION = re.compile(
    r"\b(?:(unit|lot|zone|area|district)\s+([A-Z0-9][A-Za-z0-9]*(?:\s[0-9][A-Z0-9]?(?![\w]))?)"
    r"|(Tier)\s+([1-4]))",
)


def control_text(
    text: str,
    *,
    protection: Protection | None = None,
    hidden: bool | None = None,
    max_count: int | None = None,
    rounding_base: int | None = None,
    keep: Iterable[str] = (),
) -> str:
    """A sentence with the disclosure control of the tables applied to its figures.

    Counts of people ("7 customers", "3 customer(s)") are rounded to ``rounding_base``, or
    shown as ``"1–7"`` when from 1 to ``max_count``. A sentence about a suppressed area
    (``hidden``; default: it names a unit, lot, zone, district or tier the protection
    suppresses) also loses every other figure (hours, money, shares, distances): each becomes
    ``"[c]"``, except a number that is a rule's limit ("below the 50 floor", "more than 7
    miles"). ``keep``: strings left exactly as they are (area names with digits in them).
    """
    if not isinstance(text, str) or not text:
        return text
    if protection is not None:
        max_count = protection.max_count if max_count is None else max_count
        rounding_base = protection.rounding_base if rounding_base is None else rounding_base
    max_count = settings.SUPPRESS_MAX_COUNT if max_count is None else int(max_count)
    rounding_base = settings.SUPPRESS_ROUNDING_BASE if rounding_base is None else rounding_base
    # Area names (unit RH12 4, lot L03, Tier 2) are not figures: keep them aside.
    held: list[str] = []

    def hold(match_text: str) -> str:
        # A private-use character per held piece: no pattern below can match inside it.
        held.append(match_text)
        return chr(0xF0000 + len(held) - 1)

    mentioned: list[str] = []
    for match in _AREA_MENTION.finditer(text):
        if match.group(1):
            kind, name = match.group(1).lower(), match.group(2)
            key = {"unit": "unit", "district": "district"}.get(kind, "lot")
            mentioned.append(f"{key}:{name}")
        else:
            mentioned.append(f"tier:{match.group(4)}")
    if hidden is None:
        hidden = protection is not None and any(
            protection.status.get(k, PUBLISHED) != PUBLISHED for k in mentioned
        )
    # Only names with a letter in them (RH12 4, L03, E07000223) are held: a bare number is a
    # figure, whatever table it came from.
    names = sorted(
        {w for w in keep if isinstance(w, str) and any(ch.isalpha() for ch in w) and len(w) > 1},
        key=len,
        reverse=True,
    )
    for word in names:
        text = re.sub(rf"(?<![\w]){re.escape(word)}(?![\w])", lambda m: hold(m.group(0)), text)
    text = _AREA_MENTION.sub(lambda m: hold(m.group(0)), text)
    label = suppressed_label(max_count)

    def people(match: re.Match) -> str:
        number = float(match.group(1).replace(",", ""))
        if 0 < number <= max_count:
            shown = label
        elif hidden:
            shown = SECONDARY_LABEL
        else:
            shown = f"{rounded(number, int(rounding_base), above=max_count):,}"
        return hold(shown) + match.group(2)

    text = _PEOPLE_COUNT.sub(people, text)
    if hidden:

        def figure(match: re.Match) -> str:
            before = text_so_far(match)
            if _SETTING_BEFORE.search(before):
                return match.group(0)
            return (match.group(1) or "") + SECONDARY_LABEL + (match.group(3) or "")

        def text_so_far(match: re.Match) -> str:
            return match.string[max(0, match.start() - 12) : match.start()]

        text = _ANY_NUMBER.sub(figure, text)
    return re.sub("[\U000f0000-\U000ffffd]", lambda m: held[ord(m.group(0)) - 0xF0000], text)


# --- Paths ------------------------------------------------------------------------------------

_PATHISH = re.compile(
    r"(?<![\w:/.])(?:[A-Za-z]:[\\/]|\\\\|/|~[\\/]|\.{1,2}[\\/])"
    r"[^\s,;:'\"<>|]*[\\/][^\s,;'\"<>|]*"
)


def strip_paths(value: Any) -> Any:
    """The analyst's file paths cut to their file names (``/home/jo/data/x.csv`` -> ``x.csv``).

    Anything that is not text is returned as it is; a path-like value (``pathlib.Path``) is
    reduced to its name.
    """
    if value is None:
        return value
    if hasattr(value, "__fspath__"):
        return PurePosixPath(str(value)).name or str(value)
    if isinstance(value, list | tuple):
        return type(value)(strip_paths(v) for v in value)
    if not isinstance(value, str):
        return value

    def name(match: re.Match) -> str:
        path = match.group(0).rstrip(".)")
        tail = match.group(0)[len(path) :]
        short = PureWindowsPath(path).name if "\\" in path else PurePosixPath(path).name
        return (short or path) + tail

    return _PATHISH.sub(name, value)


# --- Provider shares ----------------------------------------------------------------------------


def mask_provider_shares(
    market: pd.DataFrame,
    packages: pd.DataFrame,
    assignment: pd.DataFrame | None = None,
    *,
    max_count: int | None = None,
) -> pd.DataFrame:
    """Blank a market row's provider shares where they rest on 1 to ``max_count`` people.

    ``top_provider_share`` times the area's hours is the largest provider's hours there: it
    is hidden when that provider serves 1 to ``max_count`` of the area's customers. With two
    providers the top share also gives the other's, and with three or fewer the HHI and the top
    share give every provider's: then ``top_provider_share`` and ``hhi`` are hidden when any
    provider there serves 1 to ``max_count`` customers (DESIGN section 8: provider shares over
    1-7 people are suppressed). Rows whose area is suppressed lose them anyway in
    :func:`control_frame`.

    Parameters
    ----------
    market
        :func:`lotdesign.market.market_summary` (``level``, ``area``, ...).
    packages
        Package lines: ``customer_id``, ``provider``, ``weekly_hours``, ``unit_id``,
        ``district``.
    assignment
        The plan (``unit_id``, ``lot_id``), for lot rows.
    """
    max_count = settings.SUPPRESS_MAX_COUNT if max_count is None else int(max_count)
    need = {"customer_id", "provider", "weekly_hours"}
    if not need <= set(packages.columns) or not {"level", "area"} <= set(market.columns):
        return market
    lines = packages[[c for c in packages.columns if c in {*need, "unit_id", "district"}]]
    lines = lines.dropna(subset=["provider"])
    if assignment is not None and "unit_id" in lines:
        plan = assignment[["unit_id", "lot_id"]].astype({"unit_id": str})
        lines = lines.assign(unit_id=lines["unit_id"].astype(str)).merge(
            plan, on="unit_id", how="left"
        )
    out = market.copy()
    for column in ("top_provider_share", "hhi", "hhi_proposed"):
        if column in out:
            out[column] = out[column].astype(object)
    for i, (level, area) in enumerate(zip(out["level"], out["area"], strict=True)):
        level, area = str(level), str(area)
        if level == "county":
            part = lines
        elif level == "district" and "district" in lines:
            part = lines[lines["district"].astype(str) == area]
        elif level == "lot" and "lot_id" in lines:
            in_lot = lines["lot_id"].notna()
            part = lines[~in_lot] if area in _SPOT else lines[lines["lot_id"].astype(str) == area]
        else:
            continue
        if part.empty:
            continue
        per = part.groupby("provider").agg(
            customers=("customer_id", "nunique"), hours=("weekly_hours", "sum")
        )
        small = per["customers"].between(1, max_count)
        if not small.any():
            continue
        top_small = bool(small[per["hours"].idxmax()])
        few = len(per) <= 3
        index = out.index[i]
        if (top_small or len(per) <= 2) and "top_provider_share" in out:
            out.at[index, "top_provider_share"] = None
        if few:
            for column in ("top_provider_share", "hhi"):
                if column in out:
                    out.at[index, column] = None
            if "hhi_proposed" in out and level == "lot" and area in _SPOT:
                out.at[index, "hhi_proposed"] = None
    return out
