"""The recommendation report (Word, HTML, PDF) and its Excel tables.

A consultant's report on a lot design: an executive summary written from the numbers, the
method and every parameter used with its source, the lot table with its rule checks, the
map, cost and market charts, and the risks and caveats. Councils edit the Word file; the HTML
file opens offline (styles and charts inlined, no external URL), and a PDF is printed from it
when WeasyPrint is installed. ``tables.xlsx`` holds the same tables in full, one sheet each.

Everything here leaves the analyst's machine, so every table goes through
:func:`lotdesign.disclosure.suppress_counts` first (counts of 1 to
:data:`~lotdesign.settings.SUPPRESS_MAX_COUNT` people shown as ``"1–7"``, and rates over them
blanked) and a column whose name looks personal is refused. Where a stage was not run its
table is None and the report says so rather than showing a number.

The report content is built once as a list of blocks (headings, paragraphs, tables, figures)
and rendered to each format, so the Word and HTML files always say the same thing.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import inspect
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lotdesign import __version__, settings
from lotdesign.disclosure import (
    is_count_column,
    looks_personal,
    small_count_mask,
    suppress_count,
    suppress_counts,
    suppressed_label,
)
from lotdesign.errors import ValidationError

__all__ = [
    "SYNTHETIC_LABEL",
    "ReportInputs",
    "executive_summary",
    "parameters_from_settings",
    "report_tables",
    "risks_and_caveats",
    "write_report",
    "write_tables",
]

#: The label on every page of a report made from the demo data.
SYNTHETIC_LABEL = "SYNTHETIC DATA \u2014 not real people"

# Table fields of ReportInputs -> (sheet name in tables.xlsx, caption in the report).
_TABLES: dict[str, tuple[str, str]] = {
    "parameters": ("parameters", "Parameters used"),
    "data_sources": ("data_sources", "Data sources"),
    "reconciliation": ("reconciliation", "Data reconciliation: rows and hours"),
    "tier_summary": ("tier_summary", "Business by tier"),
    "lot_table": ("lots", "Lots and rule checks"),
    "plan_summary": ("plan_summary", "Plan summary"),
    "cost_summary": ("cost_summary", "Cost: current against proposed"),
    "cost_by_lot": ("cost_by_lot", "Cost by lot"),
    "cost_by_tier": ("cost_by_tier", "Cost by tier"),
    "projection": ("projection", "Spend projection"),
    "tornado": ("tornado", "Sensitivity of the annual change in spend"),
    "payment_models": ("payment_models", "Payment models"),
    "market_summary": ("market_summary", "Market structure"),
}
_FRAME_FIELDS = tuple(k for k in _TABLES if k not in ("parameters", "data_sources"))

# Columns shown in the report's (portrait) tables; tables.xlsx has every column.
_COST_COLUMNS = (
    "level",
    "area",
    "lot_id",
    "tier",
    "district",
    "customers",
    "hours",
    "price_per_hour_current",
    "price_per_hour_proposed",
    "cost_per_customer_week_current",
    "cost_per_customer_week_proposed",
    "annual_spend_current",
    "annual_spend_proposed",
    "change_pct",
)
_MARKET_COLUMNS = (
    "level",
    "area",
    "tier",
    "providers",
    "customers",
    "hours",
    "top_provider_share",
    "hhi",
    "criss_cross_index",
    "overlap_depth",
    "mean_rate",
    "care_workers",
    "providers_proposed",
    "hhi_proposed",
)
_PROJECTION_COLUMNS = (
    "year",
    "customers",
    "hours",
    "annual_spend_current",
    "annual_spend_proposed",
    "change_annual",
    "cumulative_change",
)
_TORNADO_COLUMNS = (
    "parameter",
    "base_value",
    "low_value",
    "high_value",
    "change_at_low",
    "change_at_high",
)

_LABELS: dict[str, str] = {
    "lot_id": "Lot",
    "lot_name": "Name",
    "tier": "Tier",
    "lots": "Lots",
    "units": "Units",
    "hours": "Weekly hours",
    "customers": "Customers",
    "share": "Share of hours",
    "share_hours": "Share of hours",
    "customer_share": "Share of customers",
    "reserve_hours": "Reserve hours",
    "passes": "Passes every rule",
    "rag": "RAG",
    "centre_id": "Centre",
    "rurality_mix": "Rurality mix",
    "care_workers": "Care workers needed",
    "max_miles": "Max distance (miles)",
    "p90_miles": "90th pct distance (miles)",
    "max_minutes": "Max drive (min)",
    "radius_miles": "Radius (miles)",
    "contiguous": "Contiguous",
    "valid": "Valid",
    "reason": "Reasons",
    "reasons": "Reasons",
    "level": "Level",
    "area": "Area",
    "district": "District",
    "providers": "Providers",
    "price_per_hour_current": "Price per hour, current",
    "price_per_hour_proposed": "Price per hour, proposed",
    "cost_per_customer_week_current": "Cost per customer-week, current",
    "cost_per_customer_week_proposed": "Cost per customer-week, proposed",
    "annual_spend_current": "Annual spend, current",
    "annual_spend_proposed": "Annual spend, proposed",
    "change_annual": "Annual change",
    "change_pct": "Change (%)",
    "cumulative_change": "Cumulative change",
    "top_provider_share": "Largest provider's share",
    "hhi": "HHI",
    "hhi_proposed": "HHI, proposed",
    "criss_cross_index": "Criss-cross index",
    "overlap_depth": "Overlap depth",
    "mean_rate": "Mean rate (\u00a3/h)",
    "providers_proposed": "Providers, proposed",
    "year": "Year",
    "parameter": "Parameter",
    "base_value": "Base value",
    "low_value": "Low value",
    "high_value": "High value",
    "change_at_low": "Annual change at low",
    "change_at_high": "Annual change at high",
    "model": "Model",
    "annual_cost": "Annual cost",
    "change_vs_hourly": "Change against hourly",
    "cost_per_delivered_hour": "Cost per delivered hour",
    "stage": "Stage",
    "rows": "Rows",
    "section": "Section",
    "value": "Value",
    "source": "Source",
    "vintage": "Vintage / licence",
    "item": "Item",
}

_PASS_WORDS = frozenset({"pass", "passed", "passes", "ok", "green", "yes", "true", "met"})
_FAIL_WORDS = frozenset({"fail", "failed", "fails", "red", "no", "false", "breach"})
_WARN_WORDS = frozenset({"amber", "warn", "warning"})
_MISSING = "\u2013"
# Column-name words and cell values that mark a rule check.
_RULE_WORDS = frozenset(
    {
        "ok",
        "pass",
        "passes",
        "passed",
        "fail",
        "fails",
        "valid",
        "rule",
        "rules",
        "check",
        "checks",
        "meets",
        "within",
        "rag",
        "status",
        "result",
    }
)
_RULE_VALUES = (_PASS_WORDS | _FAIL_WORDS | _WARN_WORDS) - {"yes", "no", "true", "false"}
_SHARE_WORDS = frozenset({"share", "pct", "percent", "proportion", "fraction"})
_COORDINATE_WORDS = frozenset(
    {"x", "y", "easting", "northing", "lat", "lon", "lng", "latitude", "longitude"}
)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")

_METHOD = (
    "Care packages active on the analysis date were read from the council's extract and "
    "validated; every row either entered the analysis or was set aside with a reason, and "
    "the rows and hours reconcile (read = used + excluded + rejected). Customers were "
    "geocoded with a postcode lookup and grouped into demand units, each with a point (the "
    "hours-weighted centre of its customers), an area and its neighbours, in British National "
    "Grid metres.",
    "Tier 1 lots were built from the units so that every lot meets every hard rule (weekly "
    "hours and customers within their bands, every unit within the radius and drive time of "
    "the lot's centre and, where required, connected), covering as many hours as possible "
    "first and keeping travel to the centre short second. Tier 2 rural zones were built from "
    "what remained under their own rules; the rest is Tier 3, bought case by case, and a Tier "
    "4 reserve (a dynamic purchasing system) is sized for hand-backs and surges. Drive times "
    "are straight-line distance times a road-circuity factor divided by a speed that depends "
    "on rurality, unless a travel-time matrix was supplied.",
    "The cost model builds a price per contact hour the way the Homecare Association does "
    "(wages, on-costs, paid travel time, mileage, running the business and surplus) and "
    "models travel per visit from how densely each provider's customers lie, so that "
    "concentrating a provider's work in a lot shortens its rounds. Current and proposed spend "
    "are compared per lot and tier, projected with rate uplifts and demand growth, and tested "
    "one parameter at a time. The market analysis counts providers per area, their shares "
    "and concentration (HHI), and how much their territories criss-cross.",
)


# --- Inputs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportInputs:
    """Everything a report shows, as tables; any stage that was not run is None.

    Parameters
    ----------
    title
        The report's title (e.g. ``"West Sussex home-care lots: recommendations"``).
    synthetic
        True when the figures come from the demo data: every page and sheet is labelled
        :data:`SYNTHETIC_LABEL`.
    as_of
        The analysis date of the extract.
    generated
        The date the report is dated (default today); pass it for reproducible files.
    parameters
        Every parameter used: a DataFrame with ``parameter`` and ``value`` (and optionally
        ``section`` and ``source``) columns, or a mapping ``{name: value}`` or
        ``{name: (value, source)}``. :func:`parameters_from_settings` builds one.
    data_sources
        ``(name, vintage or licence)`` pairs, or a mapping, e.g.
        ``[("ONS Postcode Directory", "Feb 2025, OGL v3")]``.
    reconciliation
        ``stage``, ``rows``, ``hours`` (and ``customers``): read, used, excluded, rejected.
    tier_summary
        One row per tier: ``tier``, ``lots``, ``units``, ``customers``, ``hours``, ``share``
        or ``share_hours`` (of all weekly hours), optionally ``reserve_hours``; or
        ``lotdesign.tiers.TierPlan.summary`` as it is (indexed by tier, with a total row).
    lot_table
        One row per lot: ``lot_id``, ``tier``, figures, one pass/fail column per rule (bool,
        or ``pass``/``fail``/``red``/``amber``/``green``) and ``reason``/``reasons``, e.g. the
        table of :func:`lotdesign.checks.check_plan` or ``LotPlan.lots``. A rule column is
        one whose name says so (``hours_ok``, ``passes``, ``valid``, ``rag``) or whose values
        are pass/fail/RAG words.
    plan_summary
        Plan-level figures: a DataFrame, a mapping ``{item: value}`` or a Series (the
        summary of :func:`lotdesign.checks.check_plan`).
    cost_summary
        The county's current and proposed spend: :func:`lotdesign.cost.compare` with
        ``by=None``, or :func:`lotdesign.cost.cost_summary` (stacked, with ``level``), from
        which ``cost_by_lot`` and ``cost_by_tier`` are taken when those are None.
    cost_by_lot, cost_by_tier
        :func:`lotdesign.cost.compare` by ``lot_id`` and by ``tier``.
    projection
        :func:`lotdesign.cost.project`.
    tornado
        :func:`lotdesign.cost.tornado`.
    payment_models
        :func:`lotdesign.cost.payment_models`.
    market_summary
        :func:`lotdesign.market.market_summary`.
    static_map_png
        A PNG of the lots, e.g. from :func:`lotdesign.maps.static_map`.
    caveats
        Caveats of the analyst's own, added to those the report generates.

    Raises
    ------
    ValidationError
        If a table is not a DataFrame, the title is empty, a date cannot be read or the map
        file does not exist.
    """

    title: str
    synthetic: bool = False
    as_of: dt.date | None = None
    generated: dt.date = field(default_factory=dt.date.today)
    parameters: pd.DataFrame | Mapping[str, Any] | None = None
    data_sources: Sequence[tuple[str, str]] | Mapping[str, str] = ()
    reconciliation: pd.DataFrame | None = None
    tier_summary: pd.DataFrame | None = None
    lot_table: pd.DataFrame | None = None
    plan_summary: pd.DataFrame | pd.Series | Mapping[str, Any] | None = None
    cost_summary: pd.DataFrame | None = None
    cost_by_lot: pd.DataFrame | None = None
    cost_by_tier: pd.DataFrame | None = None
    projection: pd.DataFrame | None = None
    tornado: pd.DataFrame | None = None
    payment_models: pd.DataFrame | None = None
    market_summary: pd.DataFrame | None = None
    static_map_png: str | Path | None = None
    caveats: Sequence[str] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.title, str) or not self.title.strip():
            raise ValidationError("ReportInputs.title must be a non-empty string.")
        if not isinstance(self.synthetic, bool | np.bool_):
            raise ValidationError(
                f"ReportInputs.synthetic must be True or False, got {self.synthetic!r}."
            )
        for name in ("as_of", "generated"):
            object.__setattr__(self, name, _as_date(getattr(self, name), name))
        if self.generated is None:
            raise ValidationError("ReportInputs.generated must be a date.")
        if isinstance(self.plan_summary, pd.Series):
            object.__setattr__(self, "plan_summary", self.plan_summary.to_dict())
        ts = self.tier_summary
        if isinstance(ts, pd.DataFrame) and "tier" not in ts.columns:
            # lotdesign.tiers.summarise_tiers indexes its rows by tier (1-4, "total").
            object.__setattr__(self, "tier_summary", ts.rename_axis("tier").reset_index())
        for name in _FRAME_FIELDS:
            value = getattr(self, name)
            allowed = (pd.DataFrame, Mapping) if name == "plan_summary" else (pd.DataFrame,)
            if value is not None and not isinstance(value, allowed):
                raise ValidationError(
                    f"ReportInputs.{name} must be a pandas DataFrame or None (stage not run), "
                    f"got {type(value).__name__}."
                )
        object.__setattr__(self, "parameters", _parameters_frame(self.parameters))
        object.__setattr__(self, "data_sources", _sources_tuple(self.data_sources))
        if isinstance(self.caveats, str) or not all(isinstance(c, str) for c in self.caveats):
            raise ValidationError("ReportInputs.caveats must be a list of strings.")
        object.__setattr__(self, "caveats", tuple(self.caveats))
        if self.static_map_png is not None:
            path = Path(self.static_map_png)
            if not path.is_file():
                raise ValidationError(
                    f"static_map_png {path} does not exist; make it with "
                    "lotdesign.maps.static_map(..., formats=('png',)) or pass None."
                )
            if path.read_bytes()[:8] != b"\x89PNG\r\n\x1a\n":
                raise ValidationError(f"static_map_png {path} is not a PNG file.")
            object.__setattr__(self, "static_map_png", path)


def _as_date(value: Any, name: str) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValidationError(
        f"ReportInputs.{name} must be a date (or an ISO string like '2024-03-31'), got {value!r}."
    )


def _parameters_frame(value: Any) -> pd.DataFrame | None:
    """Parameters as ``section, parameter, value, source``.

    Section comes first so that a privacy scanner reading a row never takes a count-like
    parameter name (``LOT_MIN_CUSTOMERS``) for a row header over a count of people.
    """
    if value is None:
        return None
    if isinstance(value, Mapping):
        rows = []
        for name, item in value.items():
            if isinstance(item, tuple) and len(item) == 2:
                rows.append((str(name), item[0], str(item[1])))
            else:
                rows.append((str(name), item, ""))
        frame = pd.DataFrame(rows, columns=["parameter", "value", "source"])
    elif isinstance(value, pd.DataFrame):
        missing = [c for c in ("parameter", "value") if c not in value.columns]
        if missing:
            raise ValidationError(
                f"ReportInputs.parameters needs columns 'parameter' and 'value' (missing "
                f"{missing}); it has {list(value.columns)}."
            )
        frame = value.copy()
    else:
        raise ValidationError(
            "ReportInputs.parameters must be a DataFrame, a mapping or None, got "
            f"{type(value).__name__}."
        )
    if "section" not in frame.columns:
        frame.insert(0, "section", "Parameters")
    if "source" not in frame.columns:
        frame["source"] = ""
    frame["section"] = frame["section"].fillna("Parameters").astype(str)
    frame.loc[frame["section"].str.strip() == "", "section"] = "Parameters"
    # Values are shown as written (dicts, tuples, numbers), never summed or suppressed.
    frame["value"] = frame["value"].map(_param_text)
    frame["source"] = frame["source"].fillna("").astype(str)
    rest = [c for c in frame.columns if c not in ("section", "parameter", "value", "source")]
    return frame[["section", "parameter", "value", "source", *rest]].reset_index(drop=True)


def _param_text(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return f"{float(value):.6g}"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    return str(value)


def _sources_tuple(value: Any) -> tuple[tuple[str, str], ...]:
    if isinstance(value, Mapping):
        value = list(value.items())
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValidationError(
            f"ReportInputs.data_sources must be (name, vintage) pairs or a mapping, got {value!r}."
        )
    out = []
    for item in value:
        if not (isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 2):
            raise ValidationError(
                f"Each data source must be a (name, vintage or licence) pair, got {item!r}."
            )
        out.append((str(item[0]), str(item[1])))
    return tuple(out)


def parameters_from_settings(
    names: Iterable[str] | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """The parameters table for a report, read from :mod:`lotdesign.settings` with sources.

    Each setting's documentation comment (the ``#:`` lines above it, which name the source)
    becomes its ``source`` and the ``# --- Section ---`` heading it sits under its
    ``section``.

    Parameters
    ----------
    names
        Settings to list (e.g. ``["LOT_MIN_HOURS", "LOT_MAX_HOURS"]``); default all.
    overrides
        ``{name: value}`` actually used in the run where it differs from the default; the
        source then says so.

    Returns
    -------
    pandas.DataFrame
        ``section``, ``parameter``, ``value``, ``source``, in the order of the settings file.

    Examples
    --------
    >>> table = parameters_from_settings(["LOT_MIN_HOURS"])
    >>> table.loc[0, "value"], "seed 003" in table.loc[0, "source"]
    ('700', True)
    """
    documented = _documented_settings()
    overrides = dict(overrides or {})
    wanted = list(documented) if names is None else list(names)
    unknown = [n for n in [*wanted, *overrides] if n not in documented]
    if unknown:
        raise ValidationError(
            f"Not settings of lotdesign.settings: {unknown}. Check the spelling (upper case), "
            "or pass your own parameters table to ReportInputs."
        )
    rows = []
    for name in wanted:
        section, source = documented[name]
        if name in overrides:
            value, source = overrides[name], f"set for this run (default {getattr(settings, name)})"
        else:
            value = getattr(settings, name)
        rows.append((section, name, value, source))
    frame = pd.DataFrame(rows, columns=["section", "parameter", "value", "source"])
    return _parameters_frame(frame)


def _documented_settings() -> dict[str, tuple[str, str]]:
    """``{NAME: (section, doc comment)}`` for every upper-case setting, from its source."""
    lines = inspect.getsource(settings).splitlines()
    heading = re.compile(r"^#\s*---\s*(.+?)\s*-*\s*$")
    assign = re.compile(r"^([A-Z][A-Z0-9_]*)\s*(?::[^=]+)?=")
    out: dict[str, tuple[str, str]] = {}
    section, doc, last_doc = "General", [], ""
    for line in lines:
        stripped = line.strip()
        if match := heading.match(stripped):
            section, doc, last_doc = match.group(1), [], ""
        elif stripped.startswith("#:"):
            doc.append(stripped[2:].strip())
        elif match := assign.match(line):
            # A setting on the line straight after a one-line setting shares its comment
            # (``LOT_MIN_HOURS`` / ``LOT_MAX_HOURS``); otherwise its section names the source.
            text = " ".join(doc) if doc else last_doc
            out[match.group(1)] = (section, text or section)
            last_doc = "" if stripped.endswith(("(", "[", "{")) else text
            doc = []
        else:
            doc, last_doc = [], ""
    return {k: v for k, v in out.items() if hasattr(settings, k)}


# --- Shareable tables -------------------------------------------------------------------------


def _shareable(frame: pd.DataFrame, what: str, max_count: int) -> pd.DataFrame:
    """A copy safe to publish: no geometry, no personal columns, small counts suppressed."""
    frame = pd.DataFrame(frame)
    geometry = [c for c in frame.columns if getattr(frame[c].dtype, "name", "") == "geometry"]
    if not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()
    frame.columns = [str(c) for c in frame.columns]
    # A unit's point is its customers' centroid: for a unit of one person, their home.
    points = [c for c in frame.columns if _words(c) & _COORDINATE_WORDS]
    frame = frame.drop(columns=[*geometry, *points])
    personal = {c: why for c in frame.columns if (why := looks_personal(c))}
    if personal:
        detail = "; ".join(f"{c!r} looks like {why}" for c, why in personal.items())
        raise ValidationError(
            f"The {what} table has personal-looking columns ({detail}). Drop them before "
            "reporting, or rename a column holding an area's or organisation's name (e.g. "
            "'name' -> 'lot_name')."
        )
    label = suppressed_label(max_count)
    # A share of customers gives a small count away as surely as the count: blank it where
    # its own count ("customers") is small, as a rate over it.
    for column in [c for c in frame.columns if is_count_column(c) and _words(c) & _SHARE_WORDS]:
        nouns = [w for w in _words(column) if w in frame.columns and w != column]
        if nouns:
            small = small_count_mask(frame[nouns[0]], max_count=max_count)
            frame[column] = frame[column].astype(object).where(~small, None)
    # Named "customer_share", not "share_customers", so no scanner reads 1.0 as one person.
    frame = frame.rename(columns={c: _share_name(c) for c in frame.columns})
    # Only numeric columns are counts: a "customers_ok" column of pass/fail is a rule check,
    # and a share of customers is not a count.
    counts = [
        c
        for c in frame.columns
        if is_count_column(c)
        and not _words(c) & _SHARE_WORDS
        and all(
            isinstance(v, int | float | np.integer | np.floating)
            and not isinstance(v, bool)
            or v == label
            for v in frame[c].dropna()
        )
    ]
    try:
        return suppress_counts(frame, counts, max_count=max_count)
    except ValidationError as error:
        raise ValidationError(f"The {what} table cannot be suppressed safely: {error}") from None


def _share_name(column: str) -> str:
    """``share_customers`` -> ``customer_share``: a share of people, not a count of them."""
    if not (is_count_column(column) and _words(column) & _SHARE_WORDS):
        return column
    words = [w[:-1] if is_count_column(w) and w.endswith("s") else w for w in column.split("_")]
    if words[0] in _SHARE_WORDS:
        words = [*words[1:], words[0]]
    return "_".join(words)


def _key_value(mapping: Mapping[str, Any], max_count: int) -> pd.DataFrame:
    """A mapping as ``item, value`` rows, suppressing values whose item counts people."""
    rows = []
    for key, value in mapping.items():
        if isinstance(value, Mapping | list | tuple):
            value = str(value)
        elif is_count_column(str(key)):
            value = suppress_count(value, max_count=max_count)
        rows.append((str(key), value))
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
    max_count: int = settings.SUPPRESS_MAX_COUNT,
) -> dict[str, pd.DataFrame]:
    """The report's tables as they may be shared: suppressed, without geometry, full width.

    Parameters
    ----------
    inputs
        The report's inputs.
    max_count
        Counts of people from 1 to this are suppressed (and rates over them blanked).

    Returns
    -------
    dict of str to pandas.DataFrame
        Keyed by sheet name (``parameters``, ``lots``, ``cost_by_lot`` ...), only the tables
        present, plus ``risks`` (the generated risks and caveats). Numbers stay numbers; a
        suppressed count is the label ``"1–7"``. Coordinates and geometry are dropped (a
        unit's point can be one person's home), and shares of a count are renamed
        (``share_customers`` -> ``customer_share``) so no scanner reads a share as a count.

    Raises
    ------
    ValidationError
        If a table has a column that looks personal (``customer_id``, ``postcode`` ...), or a
        rate per customer without its ``customers`` column.
    """
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
            tables[sheet] = value.copy()
        elif name == "plan_summary" and isinstance(value, Mapping):
            tables[sheet] = _key_value(value, max_count)
        else:
            tables[sheet] = _shareable(value, _TABLES[name][1].lower(), max_count)
    found = risks_and_caveats(inputs, max_count=max_count)
    tables["risks"] = pd.DataFrame(
        [("risk", r) for r in found["risks"]] + [("caveat", c) for c in found["caveats"]],
        columns=["kind", "text"],
    )
    return tables


# --- Numbers for the text ---------------------------------------------------------------------


def _num(value: Any) -> float:
    number = pd.to_numeric(pd.Series([value], dtype=object), errors="coerce").iloc[0]
    return float(number) if pd.notna(number) else math.nan


def _numeric(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series.astype(object), errors="coerce").astype(float)


def _tiers(frame: pd.DataFrame) -> pd.Series:
    return _numeric(frame["tier"]) if "tier" in frame.columns else pd.Series(dtype=float)


def _tier_shares(tier_summary: pd.DataFrame) -> dict[int, float]:
    """Share of all weekly hours by tier, from ``share``/``share_hours`` (a fraction or a
    percentage) or else from ``hours``; rows that are not a tier (``total``) are ignored."""
    tiers = _tiers(tier_summary)
    column = next((c for c in ("share_hours", "share") if c in tier_summary.columns), None)
    if column is not None:
        share = _numeric(tier_summary[column])
        if share[tiers.notna()].max(skipna=True) > 1.0 + 1e-9:
            share = share / 100.0
    elif "hours" in tier_summary.columns:
        hours = _numeric(tier_summary["hours"]).where(tiers.notna())
        share = hours / hours.sum() if hours.sum() > 0 else hours * np.nan
    else:
        return {}
    return {int(t): float(s) for t, s in zip(tiers, share, strict=True) if pd.notna(t)}


def _tier_row(tier_summary: pd.DataFrame, tier: int) -> pd.Series | None:
    rows = tier_summary[_tiers(tier_summary) == tier]
    return None if rows.empty else rows.iloc[0]


def _county_cost(cost_summary: pd.DataFrame | None) -> pd.Series | None:
    if cost_summary is None or cost_summary.empty:
        return None
    if "level" in cost_summary.columns:
        rows = cost_summary[cost_summary["level"].astype(str) == "county"]
        return None if rows.empty else rows.iloc[0]
    return cost_summary.iloc[0] if len(cost_summary) == 1 else None


def _annual(row: pd.Series, which: str) -> float:
    if f"annual_spend_{which}" in row.index:
        return _num(row[f"annual_spend_{which}"])
    if f"weekly_spend_{which}" in row.index:
        return _num(row[f"weekly_spend_{which}"]) * settings.WEEKS_PER_YEAR
    return math.nan


def _status(value: Any) -> str | None:
    """``"pass"``, ``"fail"`` or ``"warn"`` for a rule-check cell, None if it is not one."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, bool | np.bool_):
        return "pass" if value else "fail"
    text = str(value).strip().casefold()
    if text in _PASS_WORDS:
        return "pass"
    if text in _FAIL_WORDS:
        return "fail"
    if text in _WARN_WORDS:
        return "warn"
    return None


def _rule_columns(frame: pd.DataFrame) -> list[str]:
    """Columns holding pass/fail (or RAG) results.

    Every value must read as a status, and either the name says it is a check (``valid``,
    ``hours_ok``, ``pass_radius``, ``rag``) or the values are pass/fail/RAG words, so that a
    flag such as ``locked`` is never mistaken for a failed rule.
    """
    out = []
    for column in frame.columns:
        values = frame[column].dropna()
        if values.empty or column in ("tier", "lot_id"):
            continue
        if not all(_status(v) is not None for v in values):
            continue
        named = bool(_words(column) & _RULE_WORDS)
        worded = any(isinstance(v, str) and v.strip().casefold() in _RULE_VALUES for v in values)
        if named or worded:
            out.append(column)
    return out


def _failing_lots(lot_table: pd.DataFrame) -> list[str]:
    rules = _rule_columns(lot_table)
    if not rules or "lot_id" not in lot_table.columns:
        return []
    failed = lot_table[rules].apply(lambda row: any(_status(v) == "fail" for v in row), axis=1)
    return [str(x) for x in lot_table.loc[failed, "lot_id"]]


def _listing(items: Sequence[str], most: int = 8) -> str:
    shown = ", ".join(items[:most])
    return shown + (f" and {len(items) - most} more" if len(items) > most else "")


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _money(value: float) -> str:
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value >= 1e6:
        return f"{sign}\u00a3{value / 1e6:,.2f}m"
    if value >= 1e3:
        return f"{sign}\u00a3{value:,.0f}"
    return f"{sign}\u00a3{value:,.2f}"


def _pct(share: float) -> str:
    return f"{100 * share:.0f}%"


def _people(value: Any, max_count: int) -> str:
    shown = suppress_count(value, max_count=max_count)
    return _MISSING if shown is None else (f"{shown:,}" if isinstance(shown, int) else str(shown))


def _hhi_band(hhi: float) -> str:
    if hhi > settings.MARKET_HHI_HIGHLY_CONCENTRATED:
        return "highly concentrated"
    if hhi > settings.MARKET_HHI_CONCENTRATED:
        return "concentrated"
    return "unconcentrated"


def executive_summary(
    inputs: ReportInputs,
    *,
    max_count: int = settings.SUPPRESS_MAX_COUNT,
    seed_tier1_areas: int = settings.SEED_TIER1_AREAS,
    seed_tier1_share: float = settings.SEED_TIER1_SHARE,
) -> list[str]:
    """The executive summary's sentences, written from the numbers.

    Tiers and Tier 1 coverage (against the reference design's ``seed_tier1_areas`` areas
    holding ``seed_tier1_share`` of business), the lots' rule checks, the change in cost and
    the market today. A stage that was not run is said to be not run; nothing is invented.

    Parameters
    ----------
    inputs
        The report's inputs.
    max_count
        Counts of people from 1 to this are shown as ``"1–7"``.
    seed_tier1_areas, seed_tier1_share
        The reference design (seed 003, West Sussex 2019).

    Returns
    -------
    list of str
        One paragraph each.
    """
    out: list[str] = []
    if inputs.synthetic:
        out.append(
            "This report was made from synthetic demonstration data (made-up customers on "
            "real postcodes). Its figures describe no real person, provider or council."
        )
    ts, lots = inputs.tier_summary, inputs.lot_table
    if ts is None and lots is None:
        out.append(
            "The lot design was not run, so this report shows no tiers or lots and no Tier 1 "
            "coverage."
        )
    if ts is not None and not ts.empty:
        shares = _tier_shares(ts)
        row1 = _tier_row(ts, 1)
        n1 = int(_num(row1["lots"])) if row1 is not None and "lots" in ts.columns else None
        if n1 is None and lots is not None and "tier" in lots.columns:
            n1 = int((_tiers(lots) == 1).sum())
        share1 = shares.get(1, 0.0)
        hours = _numeric(ts["hours"]) if "hours" in ts.columns else None
        in_hours = ""
        if hours is not None and row1 is not None:
            # Tier 4's own hours are demand (oversize units) when its reserve is a column.
            demand_tiers = [1, 2, 3, 4] if "reserve_hours" in ts.columns else [1, 2, 3]
            demand = float(hours[_tiers(ts).isin(demand_tiers)].sum())
            in_hours = f" ({_num(row1['hours']):,.0f} of {demand:,.0f} weekly hours)"
        gap = share1 - seed_tier1_share
        compare = (
            "in line with"
            if abs(gap) < 0.025
            else (f"{100 * abs(gap):.0f} percentage points {'above' if gap > 0 else 'below'}")
        )
        lots_text = (
            _plural(n1, "Tier 1 lead-provider lot", "Tier 1 lead-provider lots")
            if n1 is not None
            else "Tier 1 lots"
        )
        out.append(
            f"The design puts {_pct(share1)} of weekly hours{in_hours} into {lots_text}, "
            f"{compare} the reference design's {seed_tier1_areas} areas holding about "
            f"{_pct(seed_tier1_share)} of business (West Sussex, 2019)."
        )
        parts = []
        for tier, what in ((2, "Tier 2 rural zones"), (3, "Tier 3 (bought case by case)")):
            row = _tier_row(ts, tier)
            if row is None:
                continue
            zones = int(_num(row["lots"])) if tier == 2 and "lots" in ts.columns else None
            count = "" if zones is None else f"{zones} "
            if zones == 1:
                what = "Tier 2 rural zone"
            customers = (
                f", {_people(row['customers'], max_count)} customers"
                if "customers" in ts.columns
                else ""
            )
            if tier == 3 and "hours" in ts.columns and not _num(row["hours"]) > 0:
                parts.append("no hours are left to Tier 3 (bought case by case)")
                continue
            verb = "holds" if zones == 1 or tier == 3 else "hold"
            parts.append(f"{count}{what} {verb} {_pct(shares.get(tier, 0.0))} of hours{customers}")
        row4 = _tier_row(ts, 4)
        reserve = "reserve_hours" if "reserve_hours" in ts.columns else "hours"
        if row4 is not None and reserve in ts.columns:
            parts.append(
                f"the Tier 4 reserve (dynamic purchasing system) is sized at "
                f"{_num(row4[reserve]):,.0f} weekly hours"
            )
        if parts:
            text = "; ".join(parts)
            out.append(text[0].upper() + text[1:] + ".")
    if lots is not None and not lots.empty:
        failing = _failing_lots(lots)
        n = len(lots)
        if not _rule_columns(lots):
            out.append(f"The lot table lists {n} lots; no rule checks were supplied with it.")
        elif failing:
            out.append(
                f"{len(failing)} of {n} lots {'fails' if len(failing) == 1 else 'fail'} at least "
                f"one rule ({_listing(failing)}); "
                "the lot table gives the reasons."
            )
        else:
            out.append(f"All {n} lots pass every rule checked.")
    county = _county_cost(inputs.cost_summary)
    if county is None:
        out.append("The cost model was not run, so no change in cost is reported.")
    else:
        now, then = _annual(county, "current"), _annual(county, "proposed")
        if math.isfinite(now) and math.isfinite(then) and now > 0:
            change = then - now
            text = (
                f"Modelled annual spend moves from {_money(now)} to {_money(then)}, "
                f"{'an increase' if change > 0 else 'a saving'} of {_money(abs(change))} "
                f"({100 * change / now:+.1f}%)"
            )
            a = _num(county.get("cost_per_customer_week_current"))
            b = _num(county.get("cost_per_customer_week_proposed"))
            if math.isfinite(a) and math.isfinite(b):
                text += f"; cost per customer-week from {_money(a)} to {_money(b)}"
            out.append(text + ".")
        if inputs.projection is not None and "cumulative_change" in inputs.projection:
            proj = inputs.projection
            years = int(_num(proj["year"].max())) if "year" in proj.columns else len(proj) - 1
            total = _num(proj["cumulative_change"].iloc[-1])
            if math.isfinite(total):
                out.append(
                    f"Over {years} years, with rate uplifts and demand growth, the cumulative "
                    f"change is {_money(total)}."
                )
    market = inputs.market_summary
    if market is None:
        out.append("The market analysis was not run.")
    else:
        row = market[market["level"].astype(str) == "county"] if "level" in market else market
        if len(row):
            row = row.iloc[0]
            providers, hhi = _num(row.get("providers")), _num(row.get("hhi"))
            text = f"Today {providers:,.0f} providers deliver the care in the area analysed"
            if math.isfinite(hhi):
                text += f"; the market is {_hhi_band(hhi)} (HHI {hhi:,.0f})"
            cci = _num(row.get("criss_cross_index"))
            if math.isfinite(cci):
                text += (
                    f", and providers' rounds add up to {cci:.1f} times the network one "
                    "provider would need (criss-cross index)"
                )
            out.append(text + ".")
    return out


def risks_and_caveats(
    inputs: ReportInputs,
    *,
    max_count: int = settings.SUPPRESS_MAX_COUNT,
    hhi_high: float = settings.MARKET_HHI_HIGHLY_CONCENTRATED,
    min_providers: int = settings.REPORT_MIN_PROVIDERS_PER_LOT,
    tier3_risk_share: float = settings.REPORT_TIER3_RISK_SHARE,
    rejected_risk_share: float = settings.REPORT_REJECTED_RISK_SHARE,
    seed_tier1_share: float = settings.SEED_TIER1_SHARE,
) -> dict[str, list[str]]:
    """Risks found in the data, and the method's standing caveats.

    Parameters
    ----------
    inputs
        The report's inputs.
    max_count
        Counts of people from 1 to this are shown as ``"1–7"``.
    hhi_high
        HHI above which a district's market is flagged as highly concentrated.
    min_providers
        Fewest providers active in a Tier 1 lot today for a contested tender.
    tier3_risk_share
        Share of hours left in Tier 3 above which that is flagged.
    rejected_risk_share
        Share of extract rows rejected above which data quality is flagged.
    seed_tier1_share
        The reference design's Tier 1 share of business.

    Returns
    -------
    dict
        ``{"risks": [...], "caveats": [...]}``: risks from this run's numbers; caveats of
        the method, then the analyst's own (``inputs.caveats``).
    """
    risks: list[str] = []
    lots, ts = inputs.lot_table, inputs.tier_summary
    if lots is not None and not lots.empty:
        failing = _failing_lots(lots)
        if failing:
            risks.append(
                f"{_plural(len(failing), 'lot fails', 'lots fail')} at least one rule "
                f"({_listing(failing)}): redraw or accept each breach explicitly before tender."
            )
        if "flag" in lots.columns:
            oversize = [str(x) for x in lots.loc[lots["flag"] == "oversize", "lot_id"]]
            if oversize:
                risks.append(
                    f"{_listing(oversize)}: a single area holds more than a Tier 1 lot's "
                    "ceiling of hours on its own; it needs its own arrangement."
                )
    if ts is not None and not ts.empty:
        shares = _tier_shares(ts)
        if 1 in shares and shares[1] < seed_tier1_share - 0.025:
            risks.append(
                f"Tier 1 lots hold {_pct(shares[1])} of hours, below the reference "
                f"{_pct(seed_tier1_share)}: more care stays outside the lead-provider "
                "arrangements and the benefits of zoning are smaller."
            )
        if shares.get(3, 0.0) > tier3_risk_share:
            risks.append(
                f"{_pct(shares[3])} of hours are left to case-by-case purchase (Tier 3), more "
                f"than {_pct(tier3_risk_share)}: rural customers may wait longer for care."
            )
    market = inputs.market_summary
    if market is not None and "level" in market.columns and "area" in market.columns:
        level = market["level"].astype(str)
        providers = _numeric(market["providers"]) if "providers" in market else None
        if providers is not None and "tier" in market.columns:
            thin = market[(level == "lot") & (_tiers(market) == 1) & (providers < min_providers)]
            if len(thin):
                risks.append(
                    f"Fewer than {min_providers} providers work today in Tier 1 lots "
                    f"{_listing([str(a) for a in thin['area']])}: their tenders may draw too "
                    "few bids for a lead and a secondary provider."
                )
        if "hhi" in market.columns:
            hot = market[(level == "district") & (_numeric(market["hhi"]) > hhi_high)]
            if len(hot):
                risks.append(
                    f"The market is highly concentrated (HHI above {hhi_high:,.0f}) in "
                    f"{_listing([str(a) for a in hot['area']])}: a lot tender there may hand "
                    "more power to an incumbent."
                )
        county = market[level == "county"]
        if len(county) and "recruits_per_year" in market.columns:
            row = county.iloc[0]
            risks.append(
                f"The hours need about {_num(row.get('care_workers')):,.0f} care workers and, "
                f"at today's turnover and vacancies, about "
                f"{_num(row['recruits_per_year']):,.0f} recruits a year: lead providers must "
                "be able to recruit locally."
            )
    county = _county_cost(inputs.cost_summary)
    if county is not None:
        now, then = _annual(county, "current"), _annual(county, "proposed")
        if math.isfinite(now) and math.isfinite(then) and then > now:
            risks.append(
                f"The proposed arrangements cost {_money(then - now)} a year more than today "
                "in the model: fair prices for guaranteed volume have to be funded."
            )
    tornado = inputs.tornado
    if tornado is not None and not tornado.empty and "change_at_low" in tornado.columns:
        low, high = _numeric(tornado["change_at_low"]), _numeric(tornado["change_at_high"])
        flips = tornado.loc[np.sign(low) != np.sign(high), "parameter"].astype(str).tolist()
        if flips:
            risks.append(
                "Whether the plan saves or costs money depends on "
                f"{_listing([p.replace('_', ' ') for p in flips])}: within the tested range "
                "the change in spend changes sign."
            )
    rec = inputs.reconciliation
    if rec is not None and {"stage", "rows"} <= set(rec.columns):
        by_stage = rec.set_index(rec["stage"].astype(str))["rows"]
        read = _num(by_stage.get("read"))
        rejected = _num(by_stage.get("rejected"))
        if read > 0 and rejected / read > rejected_risk_share:
            risks.append(
                f"{100 * rejected / read:.1f}% of the extract's rows were rejected: fix them at "
                "source, or the design misses real demand."
            )
    caveats = [
        "Drive times are estimated from straight-line distance, a road-circuity factor and "
        "speeds by rurality, unless a travel-time matrix was supplied; they do not see "
        "traffic, rivers or the road network itself.",
        "The design is a snapshot of packages active on the analysis date"
        + (f" ({inputs.as_of:%d %B %Y})" if inputs.as_of else "")
        + ". Demand moves; in the reference design lots take new customers only, so the "
        "change, and any saving, arrives as caseloads turn over.",
        "Travel per visit is modelled from how densely providers' customers lie, calibrated "
        "to national averages (3.06 miles a visit, Access Group; paid travel about 19.5% of "
        "contact time, Homecare Association), not to this council's rotas.",
        "Proposed prices assume the lead and secondary split and the rural premium in the "
        "parameters table; payment-model rates are project defaults to be set locally.",
        f"Counts of 1 to {max_count} people are shown as '1\u2013{max_count}', and costs per "
        "customer over them are blanked, so that no person can be identified.",
    ]
    if inputs.synthetic:
        caveats.insert(
            0,
            "All figures come from synthetic demonstration data on real postcodes: not real "
            "people, and not a recommendation for any council.",
        )
    return {"risks": risks, "caveats": [*caveats, *inputs.caveats]}


# --- Display formatting -----------------------------------------------------------------------


def _words(column: str) -> set[str]:
    return {w for w in _NON_ALNUM.split(column.lower()) if w}


def _kind(column: str) -> str:
    words = _words(column)
    if column in ("tier", "year") or words & {"id"}:
        return "label"
    if words & {"pct", "percent"}:
        return "pct"
    if "share" in words or column.endswith("_at_risk"):
        return "share"
    if words & {"hhi"}:
        return "whole"
    if words & {"cv", "index", "uplift", "growth"}:
        return "plain"
    if words & {"spend", "cost", "price", "change", "rate", "unused"}:
        return "money"
    return "plain"


def _cell_text(value: Any, column: str) -> str:
    if value is None or (not isinstance(value, str) and np.ndim(value) == 0 and pd.isna(value)):
        return _MISSING
    if isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if not isinstance(value, int | float | np.integer | np.floating):
        return str(value)
    number = float(value)
    kind = _kind(column)
    if kind == "label":
        return f"{number:.0f}" if number.is_integer() else f"{number:g}"
    if kind == "pct":
        return f"{number:.1f}%"
    if kind == "share" and abs(number) <= 1.0:
        return f"{100 * number:.1f}%"
    if kind == "money":
        return (
            _money(number)
            if abs(number) < 1e6
            else f"{'-' if number < 0 else ''}\u00a3{abs(number):,.0f}"
        )
    if kind == "whole" or (isinstance(value, int | np.integer)):
        return f"{number:,.0f}"
    if number.is_integer() and abs(number) >= 1:
        return f"{number:,.0f}"
    if abs(number) >= 100:
        return f"{number:,.0f}"
    if abs(number) >= 10:
        return f"{number:,.1f}"
    return f"{number:,.2f}"


def _label(column: str) -> str:
    return _LABELS.get(column, column.replace("_", " ").strip().capitalize())


@dataclass
class _Display:
    """A table ready to render: header labels, cell texts and a status per cell."""

    caption: str
    headers: list[str]
    cells: list[list[str]]
    status: list[list[str | None]]
    wide: bool = False


def _display(
    frame: pd.DataFrame,
    caption: str,
    *,
    columns: Sequence[str] | None = None,
) -> _Display:
    if columns is not None:
        keep = [c for c in columns if c in frame.columns]
        frame = frame[keep] if keep else frame
    # Keep identifiers first and free-text reasons last.
    front = [c for c in ("section", "level", "area", "lot_id", "tier") if c in frame.columns]
    back = [c for c in ("reason", "reasons") if c in frame.columns]
    middle = [c for c in frame.columns if c not in front and c not in back]
    frame = frame[[*front, *middle, *back]]
    rules = set(_rule_columns(frame))
    cells, status = [], []
    for row in frame.itertuples(index=False, name=None):
        texts, marks = [], []
        for column, value in zip(frame.columns, row, strict=True):
            mark = _status(value) if column in rules else None
            if mark is not None and isinstance(value, bool | np.bool_):
                texts.append("Pass" if value else "Fail")
            elif mark is not None:
                texts.append(str(value).strip().capitalize())
            else:
                texts.append(_cell_text(value, column))
            marks.append(mark)
        cells.append(texts)
        status.append(marks)
    return _Display(
        caption=caption,
        headers=[_label(c) for c in frame.columns],
        cells=cells,
        status=status,
        wide=len(frame.columns) > 8,
    )


# --- Charts -----------------------------------------------------------------------------------

_CURRENT, _PROPOSED = "#999999", "#0072B2"


def _figure(width: float = 7.0, height: float = 3.6) -> Any:
    # A bare Figure renders with Agg on savefig, without pyplot or touching the user's backend.
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=150, layout="constrained")


def _png(fig: Any, synthetic: bool) -> bytes:
    if synthetic:
        # A faint diagonal watermark: it survives the chart being copied out of the report.
        fig.text(
            0.5,
            0.5,
            "SYNTHETIC DATA",
            ha="center",
            va="center",
            rotation=20,
            fontsize=36,
            color="#B00020",
            alpha=0.15,
        )
    buffer = io.BytesIO()
    # No metadata: the PNG carries no software string or date, so runs are reproducible.
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _cost_chart(tables: Mapping[str, pd.DataFrame], synthetic: bool, max_bars: int):
    wanted = ("cost_per_customer_week_current", "cost_per_customer_week_proposed")
    by_lot, by_tier = tables.get("cost_by_lot"), tables.get("cost_by_tier")
    if by_lot is not None and set(wanted) <= set(by_lot) and len(by_lot) <= max_bars:
        frame, key, what = by_lot, "lot_id", "lot"
    elif by_tier is not None and set(wanted) <= set(by_tier):
        frame, key, what = by_tier, "tier", "tier"
    else:
        return None
    labels = [
        (f"Tier {_cell_text(v, 'tier')}" if key == "tier" and not isinstance(v, str) else str(v))
        for v in frame[key]
    ]
    now, then = _numeric(frame[wanted[0]]), _numeric(frame[wanted[1]])
    shown = now.notna() & then.notna()
    hidden = int((~shown).sum())
    fig = _figure()
    ax = fig.add_subplot()
    x = np.arange(int(shown.sum()))
    ax.bar(x - 0.2, now[shown], width=0.4, color=_CURRENT, label="Current")
    ax.bar(x + 0.2, then[shown], width=0.4, color=_PROPOSED, label="Proposed")
    ax.set_xticks(x, [lab for lab, s in zip(labels, shown, strict=True) if s])
    ax.tick_params(axis="x", labelrotation=90 if len(x) > 12 else 0, labelsize=7)
    ax.set_ylabel("\u00a3 per customer-week")
    ax.set_title(f"Cost per customer-week by {what}, current and proposed", fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    caption = f"Cost per customer-week by {what}: current spot market against the proposal."
    if hidden:
        caption += (
            f" {hidden} {what}{'s' if hidden > 1 else ''} with few customers "
            "(suppressed) not shown."
        )
    return caption, _png(fig, synthetic)


def _projection_chart(projection: pd.DataFrame, synthetic: bool):
    needed = {"year", "annual_spend_current", "annual_spend_proposed"}
    if not needed <= set(projection.columns):
        return None
    year = _numeric(projection["year"])
    now = _numeric(projection["annual_spend_current"]) / 1e6
    then = _numeric(projection["annual_spend_proposed"]) / 1e6
    fig = _figure()
    ax = fig.add_subplot()
    ax.plot(year, now, marker="o", color=_CURRENT, label="Current arrangements")
    ax.plot(year, then, marker="o", color=_PROPOSED, label="Proposed lots")
    ax.fill_between(year, now, then, color=_PROPOSED, alpha=0.12)
    ax.set_xlabel("Year from now")
    ax.set_ylabel("Annual spend (\u00a3m)")
    ax.set_xticks(year)
    ax.set_title("Projected annual spend", fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return "Projected annual spend with rate uplifts and demand growth.", _png(fig, synthetic)


def _tornado_chart(tornado: pd.DataFrame, synthetic: bool):
    needed = {"parameter", "change_at_low", "change_at_high"}
    if not needed <= set(tornado.columns) or tornado.empty:
        return None
    low, high = _numeric(tornado["change_at_low"]), _numeric(tornado["change_at_high"])
    base = (
        _numeric(tornado["base_change"]).iloc[0]
        if "base_change" in tornado.columns
        else float((low + high).mean() / 2)
    )
    order = (high - low).abs().sort_values().index  # widest at the top
    biggest = max(float(np.nanmax(np.abs([*low, *high, base]))), 1.0)
    divisor, unit = (1e6, "\u00a3m") if biggest >= 1e6 else (1e3, "\u00a3k")
    fig = _figure(7.0, 0.45 * len(order) + 1.4)
    ax = fig.add_subplot()
    y = np.arange(len(order))
    names = [str(tornado.loc[i, "parameter"]).replace("_", " ") for i in order]
    ax.barh(y, (low[order] - base) / divisor, left=base / divisor, color="#56B4E9", label="Low")
    ax.barh(y, (high[order] - base) / divisor, left=base / divisor, color="#D55E00", label="High")
    ax.axvline(base / divisor, color="#333333", linewidth=1)
    ax.set_yticks(y, names, fontsize=8)
    ax.set_xlabel(f"Annual change in spend, proposed \u2212 current ({unit})")
    ax.set_title("Sensitivity: each parameter moved down and up", fontsize=10)
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    caption = (
        "Tornado chart: the annual change in spend when each parameter is moved to its low "
        "and high value with the others held (the line is the base case)."
    )
    return caption, _png(fig, synthetic)


def _market_chart(market: pd.DataFrame, synthetic: bool, max_bars: int):
    if "providers" not in market.columns or "hhi" not in market.columns:
        return None
    if "level" in market.columns:
        rows = market[market["level"].astype(str) == "district"]
        if rows.empty:
            rows = market[market["level"].astype(str) == "lot"]
    else:
        rows = market
    rows = rows.head(max_bars)
    if rows.empty:
        return None
    from matplotlib.ticker import MaxNLocator

    labels = [str(a) for a in rows.get("area", rows.index)]
    fig = _figure(7.0, 3.4)
    left, right = fig.subplots(1, 2)
    x = np.arange(len(rows))
    left.bar(x, _numeric(rows["providers"]), color=_PROPOSED)
    left.set_title("Providers active", fontsize=10)
    right.bar(x, _numeric(rows["hhi"]), color="#E69F00")
    for level, style in (
        (settings.MARKET_HHI_CONCENTRATED, ":"),
        (settings.MARKET_HHI_HIGHLY_CONCENTRATED, "--"),
    ):
        right.axhline(level, color="#333333", linestyle=style, linewidth=1)
    right.set_title("Concentration (HHI)", fontsize=10)
    left.yaxis.set_major_locator(MaxNLocator(integer=True))
    for ax in (left, right):
        ax.set_xticks(x, labels)
        ax.tick_params(axis="x", labelrotation=90 if len(labels) > 4 else 0, labelsize=7)
        ax.spines[["top", "right"]].set_visible(False)
    caption = (
        "Providers and market concentration (HHI on hours, 0\u201310,000) today; dotted and "
        f"dashed lines mark {settings.MARKET_HHI_CONCENTRATED:,.0f} (concentrated) and "
        f"{settings.MARKET_HHI_HIGHLY_CONCENTRATED:,.0f} (highly concentrated)."
    )
    return caption, _png(fig, synthetic)


# --- Report content ---------------------------------------------------------------------------


@dataclass
class _Heading:
    text: str
    level: int


@dataclass
class _Para:
    text: str
    kind: str = ""


@dataclass
class _Bullets:
    items: list[str]


@dataclass
class _Figure:
    caption: str
    png: bytes


_Block = _Heading | _Para | _Bullets | _Display | _Figure


def _not_run(stage: str) -> _Para:
    return _Para(f"The {stage} was not run for this report, so none of its figures are shown.")


def _content(inputs: ReportInputs, max_count: int, max_bars: int) -> list[_Block]:
    tables = report_tables(inputs, max_count=max_count)
    blocks: list[_Block] = [_Heading("Executive summary", 1)]
    blocks += [_Para(p) for p in executive_summary(inputs, max_count=max_count)]
    found = risks_and_caveats(inputs, max_count=max_count)
    if found["risks"]:
        blocks.append(_Para("Main risks:", "strong"))
        blocks.append(_Bullets(found["risks"][:4]))

    blocks.append(_Heading("Method", 1))
    blocks += [_Para(p) for p in _METHOD]
    blocks.append(_Heading("Parameters", 2))
    if "parameters" in tables:
        blocks.append(_display(tables["parameters"], _TABLES["parameters"][1]))
    else:
        blocks.append(_Para("The parameters used were not supplied to the report."))
    blocks.append(_Heading("Data sources", 2))
    if "data_sources" in tables:
        blocks.append(_display(tables["data_sources"], _TABLES["data_sources"][1]))
    else:
        blocks.append(_Para("No data sources were listed for this report."))
    blocks.append(_Heading("Data used", 2))
    if "reconciliation" in tables:
        blocks.append(_display(tables["reconciliation"], _TABLES["reconciliation"][1]))
    else:
        blocks.append(_not_run("reconciliation of the extract"))

    blocks.append(_Heading("Tiers and lots", 1))
    if "tier_summary" in tables:
        blocks.append(_display(tables["tier_summary"], _TABLES["tier_summary"][1]))
    else:
        blocks.append(_not_run("tier classification"))
    if inputs.static_map_png is not None:
        blocks.append(
            _Figure("The proposed lots, coloured by tier.", inputs.static_map_png.read_bytes())
        )
    if "lots" in tables:
        blocks.append(_display(tables["lots"], _TABLES["lot_table"][1]))
    else:
        blocks.append(_not_run("lot design"))
    if "plan_summary" in tables:
        blocks.append(_display(tables["plan_summary"], _TABLES["plan_summary"][1]))

    blocks.append(_Heading("Cost", 1))
    if not any(k in tables for k in ("cost_summary", "cost_by_lot", "cost_by_tier")):
        blocks.append(_not_run("cost model"))
    if "cost_summary" in tables:
        summary = tables["cost_summary"]
        if "level" in summary.columns:
            summary = summary[summary["level"].astype(str).isin(["county", "tier"])]
        blocks.append(_display(summary, _TABLES["cost_summary"][1], columns=_COST_COLUMNS))
    chart = _cost_chart(tables, inputs.synthetic, max_bars)
    if chart:
        blocks.append(_Figure(*chart))
    if "cost_by_lot" in tables:
        blocks.append(
            _display(tables["cost_by_lot"], _TABLES["cost_by_lot"][1], columns=_COST_COLUMNS)
        )
    blocks.append(_Heading("Projection", 2))
    if "projection" in tables:
        chart = _projection_chart(tables["projection"], inputs.synthetic)
        if chart:
            blocks.append(_Figure(*chart))
        blocks.append(
            _display(tables["projection"], _TABLES["projection"][1], columns=_PROJECTION_COLUMNS)
        )
    else:
        blocks.append(_not_run("spend projection"))
    blocks.append(_Heading("Sensitivity", 2))
    if "tornado" in tables:
        chart = _tornado_chart(inputs.tornado, inputs.synthetic)
        if chart:
            blocks.append(_Figure(*chart))
        blocks.append(_display(tables["tornado"], _TABLES["tornado"][1], columns=_TORNADO_COLUMNS))
    else:
        blocks.append(_not_run("sensitivity analysis"))
    blocks.append(_Heading("Payment models", 2))
    if "payment_models" in tables:
        blocks.append(_display(tables["payment_models"], _TABLES["payment_models"][1]))
    else:
        blocks.append(_not_run("payment-model comparison"))

    blocks.append(_Heading("Market", 1))
    if "market_summary" in tables:
        chart = _market_chart(tables["market_summary"], inputs.synthetic, max_bars)
        if chart:
            blocks.append(_Figure(*chart))
        blocks.append(
            _display(
                tables["market_summary"], _TABLES["market_summary"][1], columns=_MARKET_COLUMNS
            )
        )
    else:
        blocks.append(_not_run("market analysis"))

    blocks.append(_Heading("Risks and caveats", 1))
    blocks.append(_Heading("Risks", 2))
    blocks.append(
        _Bullets(found["risks"]) if found["risks"] else _Para("No risks were found in the data.")
    )
    blocks.append(_Heading("Caveats", 2))
    blocks.append(_Bullets(found["caveats"]))
    return blocks


def _dates(inputs: ReportInputs) -> str:
    parts = []
    if inputs.as_of:
        parts.append(f"Packages active on {inputs.as_of:%d %B %Y}")
    parts.append(f"report dated {inputs.generated:%d %B %Y}")
    parts.append(f"made with lotdesign {__version__}")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


# --- Word ---------------------------------------------------------------------------------------

_FILLS = {"pass": "C6EFCE", "fail": "FFC7CE", "warn": "FFEB9C"}


def _shade(cell: Any, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _docx_table(doc: Any, table: _Display) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc.add_paragraph(table.caption, style="Caption")
    size = Pt(7 if table.wide else 8.5)
    grid = doc.add_table(rows=1 + len(table.cells), cols=len(table.headers))
    grid.style = "Table Grid"
    # Repeat the header row on every page the table runs onto.
    header_flag = OxmlElement("w:tblHeader")
    header_flag.set(qn("w:val"), "true")
    grid.rows[0]._tr.get_or_add_trPr().append(header_flag)
    rows = [(table.headers, [None] * len(table.headers))]
    rows += list(zip(table.cells, table.status, strict=True))
    # Row by row: Table.cell(r, c) rescans the whole table each call (quadratic).
    for r, (row, (texts, marks)) in enumerate(zip(grid.rows, rows, strict=True)):
        for cell, text, mark in zip(row.cells, texts, marks, strict=True):
            run = cell.paragraphs[0].add_run(text)
            run.font.size = size
            run.bold = r == 0
            if r == 0:
                _shade(cell, "D9E2F3")
            elif mark is not None:
                _shade(cell, _FILLS[mark])


def _write_docx(inputs: ReportInputs, blocks: list[_Block], path: Path) -> None:
    from docx import Document
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.shared import Cm, Pt, RGBColor

    doc = Document()
    props = doc.core_properties
    props.title = inputs.title
    props.author = "lotdesign"
    props.comments = SYNTHETIC_LABEL if inputs.synthetic else ""
    stamp = dt.datetime.combine(inputs.generated, dt.time())
    props.created = props.modified = stamp
    props.last_modified_by = "lotdesign"
    props.revision = 1

    def set_page(section: Any, landscape: bool) -> None:
        long, short = Cm(29.7), Cm(21.0)
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = (long, short) if landscape else (short, long)
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Cm(2.0))

    section = doc.sections[0]
    set_page(section, False)
    header = section.header.paragraphs[0]
    header.text = SYNTHETIC_LABEL if inputs.synthetic else inputs.title
    footer = section.footer.paragraphs[0]
    footer.text = (SYNTHETIC_LABEL + " \u00b7 " if inputs.synthetic else "") + _dates(inputs)
    for paragraph in (header, footer):
        for run in paragraph.runs:
            run.font.size = Pt(8)
            if inputs.synthetic:
                run.bold = True
                run.font.color.rgb = RGBColor(0xB0, 0x00, 0x20)

    doc.add_heading(inputs.title, 0)
    if inputs.synthetic:
        run = doc.add_paragraph().add_run(SYNTHETIC_LABEL)
        run.bold = True
        run.font.size = Pt(14)
        run.font.color.rgb = RGBColor(0xB0, 0x00, 0x20)
    doc.add_paragraph(_dates(inputs))

    landscape = False
    for block in blocks:
        wide = isinstance(block, _Display) and block.wide
        if wide != landscape:
            # Wide tables get a landscape page of their own; headers carry over.
            set_page(doc.add_section(WD_SECTION.NEW_PAGE), wide)
            landscape = wide
        if isinstance(block, _Heading):
            doc.add_heading(block.text, block.level)
        elif isinstance(block, _Para):
            paragraph = doc.add_paragraph()
            run = paragraph.add_run(block.text)
            run.bold = block.kind == "strong"
        elif isinstance(block, _Bullets):
            for item in block.items:
                doc.add_paragraph(item, style="List Bullet")
        elif isinstance(block, _Figure):
            doc.add_picture(io.BytesIO(block.png), width=Cm(16.5))
            doc.add_paragraph(block.caption, style="Caption")
        else:
            _docx_table(doc, block)
    doc.save(str(path))


# --- HTML ---------------------------------------------------------------------------------------

_CSS = """
body { font-family: "Segoe UI", Arial, sans-serif; color: #1a1a1a; max-width: 60rem;
  margin: 0 auto; padding: 1rem 1.5rem 3rem; line-height: 1.45; }
h1 { font-size: 1.9rem; margin-top: 0.5rem; }
h2 { font-size: 1.4rem; border-bottom: 2px solid #0072B2; padding-bottom: 0.2rem;
  margin-top: 2.2rem; }
h3 { font-size: 1.1rem; margin-top: 1.6rem; }
.meta { color: #555; }
.data-label { background: #B00020; color: #fff; font-weight: bold; text-align: center;
  padding: 0.3rem; letter-spacing: 0.05em; }
.banner { position: sticky; top: 0; z-index: 10; }
.wrap { overflow-x: auto; margin: 0.5rem 0 1.2rem; }
table { border-collapse: collapse; font-size: 0.8rem; }
caption { text-align: left; font-weight: 600; padding: 0.3rem 0; caption-side: top; }
th, td { border: 1px solid #bbb; padding: 0.2rem 0.45rem; vertical-align: top; }
th { background: #D9E2F3; text-align: left; }
td.pass { background: #C6EFCE; } td.fail { background: #FFC7CE; } td.warn { background: #FFEB9C; }
figure { margin: 1rem 0; } figure img { max-width: 100%; height: auto; }
figcaption { font-size: 0.85rem; color: #444; }
footer { margin-top: 3rem; font-size: 0.8rem; color: #555; border-top: 1px solid #ccc; }
@media print { .banner { position: fixed; top: 0; left: 0; right: 0; }
  body { max-width: none; } .wrap { overflow: visible; } }
"""
_PAGE_CSS = """
@page { size: A4; margin: 2cm 1.6cm;
  @top-center { content: "%s"; color: #B00020; font-weight: bold; font-size: 9pt; }
  @bottom-center { content: "%s \\00B7 page " counter(page); font-size: 8pt; } }
"""


def _html_table(table: _Display) -> str:
    esc = html.escape
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in table.headers)
    rows = []
    for texts, marks in zip(table.cells, table.status, strict=True):
        cells = "".join(
            f'<td class="{m}">{esc(t)}</td>' if m else f"<td>{esc(t)}</td>"
            for t, m in zip(texts, marks, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    return (
        f'<div class="wrap"><table><caption>{esc(table.caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _css_string(text: str) -> str:
    """Text for a CSS ``content: "..."`` string inside <style> (escapes quotes and tags)."""
    return "".join(c if c.isalnum() or c in " .,:;()-'" else f"\\{ord(c):X} " for c in text)


def _html(inputs: ReportInputs, blocks: list[_Block]) -> str:
    esc = html.escape
    label = SYNTHETIC_LABEL if inputs.synthetic else ""
    page = _PAGE_CSS % (_css_string(label), _css_string(label or inputs.title))
    body: list[str] = []
    if inputs.synthetic:
        body.append(f'<div class="data-label banner" role="note">{esc(SYNTHETIC_LABEL)}</div>')
    body.append(f"<header><h1>{esc(inputs.title)}</h1>")
    if inputs.synthetic:
        body.append(f'<p class="data-label">{esc(SYNTHETIC_LABEL)}</p>')
    body.append(f'<p class="meta">{esc(_dates(inputs))}</p></header><main>')
    for block in blocks:
        if isinstance(block, _Heading):
            level = block.level + 1
            body.append(f"<h{level}>{esc(block.text)}</h{level}>")
        elif isinstance(block, _Para):
            text = (
                f"<strong>{esc(block.text)}</strong>" if block.kind == "strong" else esc(block.text)
            )
            body.append(f"<p>{text}</p>")
        elif isinstance(block, _Bullets):
            body.append("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in block.items) + "</ul>")
        elif isinstance(block, _Figure):
            data = base64.b64encode(block.png).decode("ascii")
            body.append(
                f'<figure><img src="data:image/png;base64,{data}" alt="{esc(block.caption)}">'
                f"<figcaption>{esc(block.caption)}</figcaption></figure>"
            )
        else:
            body.append(_html_table(block))
    body.append("</main><footer><p>")
    if inputs.synthetic:
        body.append(f"<strong>{esc(SYNTHETIC_LABEL)}</strong> \u00b7 ")
    body.append(f"{esc(_dates(inputs))}</p></footer>")
    return (
        '<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(inputs.title)}</title><style>{_CSS}{page}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


# --- Writers ------------------------------------------------------------------------------------

_FORMATS = ("docx", "html", "pdf")


def write_report(
    inputs: ReportInputs,
    out_dir: str | Path,
    *,
    formats: Sequence[str] = _FORMATS,
    max_count: int = settings.SUPPRESS_MAX_COUNT,
    max_chart_bars: int = settings.REPORT_MAX_CHART_BARS,
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
        Counts of people from 1 to this are suppressed.
    max_chart_bars
        Most lots in the per-lot cost chart; with more, it charts tiers.

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
    max_count: int = settings.SUPPRESS_MAX_COUNT,
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
        Counts of people from 1 to this are suppressed.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ValidationError
        If ``path`` does not end in ``.xlsx`` or a table has a personal-looking column.
    """
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
    formats = {"money": "\u00a3#,##0.00", "share": "0.0%", "pct": "0.0", "whole": "#,##0"}
    for sheet_name, frame in tables.items():
        sheet = book.create_sheet(sheet_name[:31])
        for c, column in enumerate(frame.columns, start=1):
            cell = sheet.cell(row=1, column=c, value=str(column))
            cell.font = Font(bold=True)
            cell.fill = header_fill
            sheet.column_dimensions[get_column_letter(c)].width = max(10, min(50, len(column) + 2))
        for r, row in enumerate(frame.itertuples(index=False, name=None), start=2):
            for c, (column, value) in enumerate(zip(frame.columns, row, strict=True), start=1):
                cell = sheet.cell(row=r, column=c, value=_excel_value(value))
                kind = _kind(column)
                numeric = isinstance(cell.value, float | int)
                if numeric and kind in formats and (kind != "share" or abs(cell.value) <= 1.0):
                    cell.number_format = formats[kind]
        sheet.freeze_panes = "A2"
    book.properties.title = inputs.title
    book.properties.creator = "lotdesign"
    stamp = dt.datetime.combine(inputs.generated, dt.time())
    book.properties.created = book.properties.modified = stamp
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


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
