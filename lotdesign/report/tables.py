"""The report's tables as they may be shared: suppressed, without geometry, full width.

What may be shared, and what is a count of people or a rate over one, is read from the column
registry (:mod:`lotdesign.columns`), never guessed from a column's name: a column the
registry does not know is left out (with a warning) and a registered column that is not
shareable (coordinates, centre IDs) is dropped. Name heuristics only refuse, as a safety net,
an unregistered column that looks personal.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from typing import Any

import pandas as pd

from lotdesign import columns as registry
from lotdesign import settings
from lotdesign.disclosure import looks_personal
from lotdesign.disclosure.control import PUBLISHED, Protection
from lotdesign.disclosure.shared import (
    area_keys,
    control_frame,
    control_text,
    strip_paths,
)
from lotdesign.disclosure.suppression import suppressed_label
from lotdesign.errors import ValidationError
from lotdesign.report.inputs import _FRAME_FIELDS, _TABLES, ReportInputs
from lotdesign.report.text import risks_and_caveats

#: Marks a table that has been through the disclosure control (in ``frame.attrs``).
CONTROLLED = "lotdesign_disclosure_controlled"


def shareable_table(
    frame: pd.DataFrame,
    what: str = "shared",
    *,
    max_count: int | None = None,
    protection: Protection | None = None,
) -> pd.DataFrame:
    """A copy of a table that may leave the analyst's machine (for a CSV, say).

    Geometry, columns the registry marks as not shareable and columns it does not know are
    dropped (the last with an :class:`~lotdesign.columns.UnregisteredColumnWarning`); the
    disclosure control (:func:`lotdesign.disclosure.control_frame`) is applied row by row:
    a row about an area that is suppressed shows its counts of people as ``"1–7"`` or
    ``"[c]"`` and none of the figures computed over them, other counts of people are rounded
    to the nearest 5. The same control as every table of the report.

    Parameters
    ----------
    frame
        Any DataFrame (or GeoDataFrame); a named index becomes a column.
    what
        The table's name, for messages (``"lot summary"``).
    max_count
        Counts of people from 1 to this are suppressed; default the protection's, else
        :data:`~lotdesign.settings.SUPPRESS_MAX_COUNT`, read when called.
    protection
        The run's secondary suppression (:func:`lotdesign.disclosure.protect`); without it a
        row is suppressed only for its own small counts (with a warning).

    Returns
    -------
    pandas.DataFrame
        Numbers stay numbers; a suppressed count is the label ``"1–7"`` or ``"[c]"``.

    Raises
    ------
    ValidationError
        If an unregistered column looks personal (``customer_id``, ``postcode`` ...).
    """
    return _shareable(frame, what, max_count, protection)


def _shareable(
    frame: pd.DataFrame,
    what: str,
    max_count: int | None,
    protection: Protection | None = None,
    warn: bool = True,
) -> pd.DataFrame:
    """A copy safe to publish: registered shareable columns only, the control applied."""
    controlled = bool(getattr(frame, "attrs", {}).get(CONTROLLED))
    frame = pd.DataFrame(frame)
    geometry = [c for c in frame.columns if getattr(frame[c].dtype, "name", "") == "geometry"]
    if not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()
    frame.columns = [str(c) for c in frame.columns]
    frame = _registered_only(frame.drop(columns=geometry), what)
    if controlled:
        return frame
    out = control_frame(
        frame,
        protection=protection,
        column_keys=_column_keys(frame),
        max_count=max_count,
        what=what,
        warn=warn,
    )
    out.attrs[CONTROLLED] = True
    return out


def _column_keys(frame: pd.DataFrame) -> dict[str, list[str | None]]:
    """Columns about another area than their row: the reconciliation's ``customers`` of
    ``read`` is everyone in the extract, not its lines."""
    if "stage" in frame.columns and "customers" in frame.columns:
        keys = area_keys(frame)
        return {
            "customers": [
                "read_customers" if str(s).strip().lower() == "read" else k
                for s, k in zip(frame["stage"], keys, strict=True)
            ]
        }
    return {}


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


#: The area each plan-summary item is about (lotdesign.checks.check_plan's summary).
_PLAN_ITEM_AREA = {
    "hours_total": "county",
    "customers_total": "county",
    "hours_in_passing_tier1": "passing_tier1",
    "share_in_passing_tier1": "passing_tier1",
    "care_workers": "passing_tier1",
    "travel_in_passing_tier1": "passing_tier1",
    "objective": "passing_tier1",
    "hours_outside_lots": "outside",
    "customers_outside_lots": "outside",
    "covered_share": "in_lots",
}


def _key_value(
    mapping: Mapping[str, Any],
    what: str,
    max_count: int | None,
    protection: Protection | None = None,
) -> pd.DataFrame:
    """A mapping as ``item, value`` rows; each item is a registered column about an area."""
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
        if entry.counts_people or entry.over_people:
            area = _PLAN_ITEM_AREA.get(key, "county")
            # A one-row table about that area, controlled like any other.
            cell = pd.DataFrame({key: [value]})
            if not entry.counts_people and protection is None:
                count = next(
                    (
                        n
                        for n, c in _PLAN_ITEM_AREA.items()
                        if c == area and n in items and registry.column(n).counts_people
                    ),
                    None,
                )
                if count is not None:
                    cell[count] = [items[count]]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                cell = control_frame(cell, protection=protection, keys=[area], max_count=max_count)
            value = cell[key].iloc[0]
        rows.append((key, value))
    out = pd.DataFrame(rows, columns=["item", "value"], dtype=object)
    out.attrs[CONTROLLED] = True
    return out


def _stacked_level(frame: pd.DataFrame | None, level: str, key: str) -> pd.DataFrame | None:
    """Rows of one level of a stacked cost summary, with ``area`` renamed to ``key``."""
    if frame is None or "level" not in frame.columns or "area" not in frame.columns:
        return None
    part = frame[frame["level"].astype(str) == level]
    if part.empty:
        return None
    return part.drop(columns="level").rename(columns={"area": key}).reset_index(drop=True)


def controlled_inputs(
    inputs: ReportInputs,
    *,
    protection: Protection | None = None,
    max_count: int | None = None,
) -> ReportInputs:
    """The report's inputs with the disclosure control applied once, to tables and words.

    Every table goes through :func:`shareable_table`'s control (with ``protection``, the
    run's secondary suppression); the analyst's caveats and the lots' reasons through
    :func:`lotdesign.disclosure.control_text`; paths in the parameters and data sources are cut
    to file names. The report's sentences, charts and captions are then written from these
    controlled tables, so a figure hidden in a table never reappears in words. Applying it
    twice changes nothing.
    """
    if not isinstance(inputs, ReportInputs):
        raise ValidationError(f"Expected ReportInputs, got {type(inputs).__name__}.")
    if getattr(inputs, "_" + CONTROLLED, False):
        return inputs
    if protection is not None and max_count is None:
        max_count = protection.max_count
    changes: dict[str, Any] = {}
    for name in _FRAME_FIELDS:
        value = getattr(inputs, name, None)
        what = _TABLES[name][1].lower() if name in _TABLES else name
        if name == "plan_summary" and isinstance(value, Mapping):
            changes[name] = _key_value(value, "plan summary", max_count, protection)
        elif isinstance(value, pd.DataFrame):
            changes[name] = _shareable(value, what, max_count, protection, warn=False)
    if protection is None and changes:
        shown = settings.SUPPRESS_MAX_COUNT if max_count is None else max_count
        warnings.warn(
            "The report is controlled without the run's secondary suppression: counts of "
            f"1-{shown} people are hidden with every figure over them and other counts "
            "rounded, but sums and differences across tables are not checked. Pass "
            "protection= (from lotdesign.disclosure.protect; lotdesign run does).",
            UserWarning,
            stacklevel=2,
        )
    ts = changes.get("tier_summary")
    if ts is not None and "reserve_hours" in ts.columns and "tier" in ts.columns:
        # The reserve is a share of Tier 1-2 hours plus Tier 4's: hidden with any of them.
        hidden = any(_row_hidden(ts, t, protection, max_count) for t in (1, 2, 4))
        if hidden:
            ts = ts.copy()
            ts["reserve_hours"] = (
                ts["reserve_hours"]
                .astype(object)
                .where(~ts["tier"].astype(str).isin(["4", "total"]), None)
            )
            ts.attrs[CONTROLLED] = True
            changes["tier_summary"] = ts
    names = _area_names(changes.values())
    caveats = tuple(
        strip_paths(control_text(c, protection=protection, max_count=max_count, keep=names))
        for c in inputs.caveats
    )
    parameters = inputs.parameters
    if parameters is not None:
        parameters = parameters.copy()
        for column in ("value", "source"):
            if column in parameters.columns:
                parameters[column] = parameters[column].map(strip_paths)
    sources = tuple((str(strip_paths(a)), str(strip_paths(b))) for a, b in inputs.data_sources)
    out = dataclasses.replace(
        inputs, **changes, caveats=caveats, parameters=parameters, data_sources=sources
    )
    object.__setattr__(out, "_" + CONTROLLED, True)
    return out


def _row_hidden(
    frame: pd.DataFrame, tier: int, protection: Protection | None, max_count: int | None
) -> bool:
    if protection is not None:
        return protection.status.get(f"tier:{tier}", PUBLISHED) != PUBLISHED
    label = suppressed_label(max_count)
    rows = frame[frame["tier"].astype(str) == str(tier)]
    return bool(len(rows)) and "customers" in rows and (rows["customers"] == label).any()


def _area_names(frames: Any) -> list[str]:
    """Lot, unit and district names in the tables: kept as they are in sentences."""
    names: set[str] = set()
    for frame in frames:
        if isinstance(frame, pd.DataFrame):
            for column in ("lot_id", "unit_id", "district", "area"):
                if column in frame.columns:
                    names.update(str(v) for v in frame[column].dropna())
    return sorted(n for n in names if any(ch.isdigit() for ch in n))


def report_tables(
    inputs: ReportInputs,
    *,
    max_count: int | None = None,
    protection: Protection | None = None,
) -> dict[str, pd.DataFrame]:
    """The report's tables as they may be shared: suppressed, without geometry, full width.

    Parameters
    ----------
    inputs
        The report's inputs.
    max_count
        Counts of people from 1 to this are suppressed (and rates over them blanked);
        default :data:`~lotdesign.settings.SUPPRESS_MAX_COUNT`, read when called.
    protection
        The run's secondary suppression (:func:`lotdesign.disclosure.protect`); inputs already
        through :func:`controlled_inputs` keep the control they were given.

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
    if not isinstance(inputs, ReportInputs):
        raise ValidationError(f"Expected ReportInputs, got {type(inputs).__name__}.")
    inputs = controlled_inputs(inputs, protection=protection, max_count=max_count)
    max_count = settings.SUPPRESS_MAX_COUNT if max_count is None else max_count
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
            tables[sheet] = _key_value(value, "plan summary", max_count, protection)
        else:
            tables[sheet] = _shareable(value, _TABLES[name][1].lower(), max_count, protection)
    found = risks_and_caveats(inputs, max_count=max_count)
    tables["risks"] = pd.DataFrame(
        [("risk", r) for r in found["risks"]] + [("caveat", c) for c in found["caveats"]],
        columns=["kind", "text"],
    )
    return tables
