"""The report's tables as they may be shared: suppressed, without geometry, full width.

What may be shared, and what is a count of people or a rate over one, is read from the column
registry (:mod:`lotdesign.columns`), never guessed from a column's name: a column the
registry does not know is left out (with a warning) and a registered column that is not
shareable (coordinates, centre IDs) is dropped. Name heuristics only refuse, as a safety net,
an unregistered column that looks personal.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import pandas as pd

from lotdesign import columns as registry
from lotdesign import settings
from lotdesign.disclosure import looks_personal, small_count_mask, suppress_count, suppress_counts
from lotdesign.errors import ValidationError
from lotdesign.report.inputs import _FRAME_FIELDS, _TABLES, ReportInputs
from lotdesign.report.text import risks_and_caveats


def shareable_table(
    frame: pd.DataFrame,
    what: str = "shared",
    *,
    max_count: int | None = None,
) -> pd.DataFrame:
    """A copy of a table that may leave the analyst's machine (for a CSV, say).

    Geometry, columns the registry marks as not shareable and columns it does not know are
    dropped (the last with an :class:`~lotdesign.columns.UnregisteredColumnWarning`); counts
    of people from 1 to ``max_count`` are suppressed and the figures computed over them
    blanked. The same control as every table of the report.

    Parameters
    ----------
    frame
        Any DataFrame (or GeoDataFrame); a named index becomes a column.
    what
        The table's name, for messages (``"lot summary"``).
    max_count
        Counts of people from 1 to this are suppressed; default
        :data:`~lotdesign.settings.SUPPRESS_MAX_COUNT`, read when called.

    Returns
    -------
    pandas.DataFrame
        Numbers stay numbers; a suppressed count is the label ``"1–7"``.

    Raises
    ------
    ValidationError
        If an unregistered column looks personal (``customer_id``, ``postcode`` ...), or a
        figure computed over a count of people comes without that count.
    """
    max_count = settings.SUPPRESS_MAX_COUNT if max_count is None else max_count
    return _shareable(frame, what, max_count)


def _shareable(frame: pd.DataFrame, what: str, max_count: int) -> pd.DataFrame:
    """A copy safe to publish: registered shareable columns only, small counts suppressed."""
    frame = pd.DataFrame(frame)
    geometry = [c for c in frame.columns if getattr(frame[c].dtype, "name", "") == "geometry"]
    if not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()
    frame.columns = [str(c) for c in frame.columns]
    frame = _registered_only(frame.drop(columns=geometry), what)
    entries = [registry.column(c) for c in frame.columns]
    counts = [e.name for e in entries if e.counts_people]
    rates = {e.name: e.rate_of for e in entries if e.rate_of is not None}
    alone = {r: c for r, c in rates.items() if c not in frame.columns}
    if alone:
        raise ValidationError(
            f"The {what} table has {sorted(alone)}, computed over "
            f"{sorted(set(alone.values()))}, but not that count, so a figure over a small "
            "count could not be blanked. Include the count column, or drop the figure."
        )
    try:
        return suppress_counts(frame, counts, rates=rates, max_count=max_count)
    except ValidationError as error:
        raise ValidationError(f"The {what} table cannot be suppressed safely: {error}") from None


def _registered_only(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    """The frame without unregistered or unshareable columns; personal-looking ones refused."""
    unknown = [c for c in frame.columns if registry.get(c) is None]
    _refuse_personal(unknown, what)
    if unknown:
        warnings.warn(
            f"The {what} table's columns {unknown} are not in lotdesign.columns, so they are "
            "left out of what is shared: nothing is guessed about a column (whether it counts "
            "people, how to show it). Register them with lotdesign.columns.register(...) to "
            "share them.",
            registry.UnregisteredColumnWarning,
            stacklevel=4,
        )
    hidden = [c for c in frame.columns if c not in unknown and not registry.column(c).shareable]
    return frame.drop(columns=[*unknown, *hidden])


def _refuse_personal(names: list[str], what: str) -> None:
    personal = {c: why for c in names if (why := looks_personal(c))}
    if personal:
        detail = "; ".join(f"{c!r} looks like {why}" for c, why in personal.items())
        raise ValidationError(
            f"The {what} table has personal-looking columns ({detail}). Drop them before "
            "reporting, or rename a column holding an area's or organisation's name (e.g. "
            "'name' -> 'lot_name')."
        )


def _key_value(mapping: Mapping[str, Any], what: str, max_count: int) -> pd.DataFrame:
    """A mapping as ``item, value`` rows; each item is a registered column, suppressed as one."""
    items = {str(k): v for k, v in mapping.items()}
    unknown = [k for k in items if registry.get(k) is None]
    _refuse_personal(unknown, what)
    if unknown:
        warnings.warn(
            f"The {what}'s items {unknown} are not in lotdesign.columns, so they are left out "
            "of what is shared. Register them with lotdesign.columns.register(...) to share "
            "them.",
            registry.UnregisteredColumnWarning,
            stacklevel=4,
        )
    rows = []
    for key, value in items.items():
        entry = registry.get(key)
        if entry is None or not entry.shareable:
            continue
        if isinstance(value, Mapping | list | tuple):
            value = str(value)
        elif entry.counts_people:
            value = suppress_count(value, max_count=max_count)
        elif entry.rate_of is not None:
            if entry.rate_of not in items:
                raise ValidationError(
                    f"The {what}'s {key!r} is computed over {entry.rate_of!r}, which it does "
                    "not give, so a figure over a small count could not be blanked."
                )
            if small_count_mask([items[entry.rate_of]], max_count=max_count)[0]:
                value = None
        rows.append((key, value))
    return pd.DataFrame(rows, columns=["item", "value"], dtype=object)


def _stacked_level(frame: pd.DataFrame | None, level: str, key: str) -> pd.DataFrame | None:
    """Rows of one level of a stacked cost summary, with ``area`` renamed to ``key``."""
    if frame is None or "level" not in frame.columns or "area" not in frame.columns:
        return None
    part = frame[frame["level"].astype(str) == level]
    if part.empty:
        return None
    return part.drop(columns="level").rename(columns={"area": key}).reset_index(drop=True)


def report_tables(
    inputs: ReportInputs,
    *,
    max_count: int | None = None,
) -> dict[str, pd.DataFrame]:
    """The report's tables as they may be shared: suppressed, without geometry, full width.

    Parameters
    ----------
    inputs
        The report's inputs.
    max_count
        Counts of people from 1 to this are suppressed (and rates over them blanked);
        default :data:`~lotdesign.settings.SUPPRESS_MAX_COUNT`, read when called.

    Returns
    -------
    dict of str to pandas.DataFrame
        Keyed by sheet name (``parameters``, ``lots``, ``cost_by_lot`` ...), only the tables
        present, plus ``risks`` (the generated risks and caveats). Numbers stay numbers; a
        suppressed count is the label ``"1–7"``. Only columns in the column registry
        (:mod:`lotdesign.columns`) that it marks as shareable are kept: coordinates and
        geometry are dropped (a unit's point can be one person's home), and an unregistered
        column is left out with an :class:`~lotdesign.columns.UnregisteredColumnWarning`.

    Raises
    ------
    ValidationError
        If an unregistered column looks personal (``customer_id``, ``postcode`` ...), or a
        figure computed over a count of people (a cost per customer-week) comes without that
        count.
    """
    max_count = settings.SUPPRESS_MAX_COUNT if max_count is None else max_count
    if not isinstance(inputs, ReportInputs):
        raise ValidationError(f"Expected ReportInputs, got {type(inputs).__name__}.")
    raw: dict[str, pd.DataFrame | None] = {
        "parameters": inputs.parameters,
        "data_sources": pd.DataFrame(list(inputs.data_sources), columns=["source", "vintage"])
        if inputs.data_sources
        else None,
    }
    for name in _FRAME_FIELDS:
        raw[name] = getattr(inputs, name)
    if raw["cost_by_lot"] is None:
        raw["cost_by_lot"] = _stacked_level(inputs.cost_summary, "lot", "lot_id")
    if raw["cost_by_tier"] is None:
        raw["cost_by_tier"] = _stacked_level(inputs.cost_summary, "tier", "tier")
    tables: dict[str, pd.DataFrame] = {}
    for name, value in raw.items():
        if value is None:
            continue
        sheet = _TABLES[name][0]
        if name == "parameters":
            # Parameter values are settings, not counts of people: shown as given.
            tables[sheet] = _registered_only(value.copy(), "parameters")
        elif name == "plan_summary" and isinstance(value, Mapping):
            tables[sheet] = _key_value(value, "plan summary", max_count)
        else:
            tables[sheet] = _shareable(value, _TABLES[name][1].lower(), max_count)
    found = risks_and_caveats(inputs, max_count=max_count)
    tables["risks"] = pd.DataFrame(
        [("risk", r) for r in found["risks"]] + [("caveat", c) for c in found["caveats"]],
        columns=["kind", "text"],
    )
    return tables
