"""One registry of the columns that appear in shared outputs, and what each one means.

Every column that may reach a shared table, report, map popup or CSV is registered here once,
with what a reader and the disclosure control need to know about it:

- ``label``: plain English for an elected member (``"Cost per customer-week, current"``);
- ``unit``: what the number measures (``"hours a week"``, ``"£ per customer-week"``);
- ``format``: how one value is written (``"{:,.0f}"``, ``"£{:,.2f}"``, ``"{:.1%}"``), or
  None for text;
- ``counts_people``: a count of customers that disclosure control suppresses when it is from
  1 to :data:`~lotdesign.settings.SUPPRESS_MAX_COUNT`;
- ``rate_of``: the count of people a figure is computed over (a cost per customer-week over
  ``customers``), blanked wherever that count is suppressed;
- ``over_people``: a figure computed over the people its row counts (an area's hours, spend,
  rates, means, shares, concentration and rule checks), hidden wherever that count is
  suppressed; every number that is not a count of people is, unless registered otherwise;
- ``shareable``: whether the column may leave the analyst's machine at all (a unit's centre
  point can be one person's home, so coordinates are registered as not shareable);
- ``rule``: a pass/fail (or RAG) check, shown as Pass/Fail and shaded in the report.

The report (:mod:`lotdesign.report`), the maps (:mod:`lotdesign.maps`) and the disclosure
control (:mod:`lotdesign.disclosure`) read these facts from here rather than guessing them
from a column's name. A name that is not registered is never guessed at: :func:`column`
raises :class:`UnknownColumnError`, and shared tables leave an unregistered column out (with
a warning) until it is registered, with :func:`register` for a column of the analyst's own.

Examples
--------
>>> label("cost_per_customer_week_current")
'Cost per customer-week, current'
>>> fmt("annual_spend_proposed", -1234567.8), fmt("share_hours", 0.9123), fmt("hours", None)
('-£1,234,568', '91.2%', '–')
>>> column("customers").counts_people, column("cost_per_customer_week_current").rate_of
(True, 'customers')
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lotdesign.errors import ValidationError

__all__ = [
    "MISSING",
    "Column",
    "UnknownColumnError",
    "UnregisteredColumnWarning",
    "by_label",
    "column",
    "excel_format",
    "fmt",
    "get",
    "label",
    "names",
    "register",
]

#: The text shown for a missing value (an en dash).
MISSING = "\u2013"


class UnknownColumnError(ValidationError):
    """A column name that is not in the registry: nothing is guessed about it."""


class UnregisteredColumnWarning(UserWarning):
    """A shared table left out columns that are not in the registry."""


@dataclass(frozen=True)
class Column:
    """What one shared column means.

    Parameters
    ----------
    name
        The column's name in a frame (``"cost_per_customer_week_current"``).
    label
        Its heading for a reader, in plain English.
    unit
        What a value measures (``"hours a week"``, ``"£ a year"``, ``"%"``, ``"count"``);
        None for text and identifiers.
    format
        A :meth:`str.format` pattern for one number (``"£{:,.2f}"``); a negative number is
        written with its minus sign before any prefix (``-£12.50``). None: the value is text
        and shown as it is.
    counts_people
        A count of customers (people): suppressed when from 1 to ``SUPPRESS_MAX_COUNT``.
    rate_of
        The count-of-people column a figure is computed over; it is blanked wherever that
        count is suppressed.
    shareable
        Whether the column may leave the analyst's machine.
    rule
        A pass/fail or RAG check (True/False, or ``pass``/``fail``/``red``/``amber``/
        ``green``).
    over_people
        A figure computed over the people its row counts (an area's hours, spend, rates,
        means, shares, concentration, its rule checks): hidden wherever that row's count of
        people is suppressed, directly or to protect another (DESIGN section 8). None: every
        number that is not itself a count of people is, text is not; a count of lots or
        units, a tier, a year or a setting is registered with ``over_people=False``.
    """

    name: str
    label: str
    unit: str | None = None
    format: str | None = None
    counts_people: bool = False
    rate_of: str | None = None
    shareable: bool = True
    rule: bool = False
    over_people: bool | None = None

    def __post_init__(self) -> None:
        if self.over_people is None:
            over = self.rate_of is not None or (self.format is not None and not self.counts_people)
            object.__setattr__(self, "over_people", over or self.rule)
        if not self.name or not self.label:
            raise ValidationError(f"A column needs a name and a label, got {self!r}.")
        if self.counts_people and self.rate_of is not None:
            raise ValidationError(f"{self.name}: a count of people is not also a rate over one.")
        if self.format is not None:
            try:
                self.format.format(1.5)
            except (ValueError, IndexError, KeyError) as error:
                raise ValidationError(
                    f"{self.name}: format {self.format!r} does not format a number ({error})."
                ) from None

    def fmt(self, value: Any) -> str:
        """One value as text for a reader (see :func:`fmt`)."""
        if _is_missing(value):
            return MISSING
        if isinstance(value, str):
            return value
        if isinstance(value, bool | np.bool_):
            if self.rule:
                return "Pass" if value else "Fail"
            return "Yes" if value else "No"
        if self.format is None or not _is_number(value):
            return str(value)
        number = float(value)
        text = self.format.format(abs(number))
        # The sign goes before any prefix (-£5), and a figure that rounds to zero has none.
        return "-" + text if number < 0 and any(c in "123456789" for c in text) else text


# --- The registry ------------------------------------------------------------------------------

_REGISTRY: dict[str, Column] = {}
# Folded names and labels -> columns, for reading a written table's headers back.
_LABELS: dict[str, tuple[Column, ...]] = {}

_HOURS = "hours a week"
_COUNT = "count"
_SHARE = "%"
_POUNDS_WEEK = "£ a week"
_POUNDS_YEAR = "£ a year"
_POUNDS_HOUR = "£ an hour"
_PER_CUSTOMER_WEEK = "£ per customer-week"

_WHOLE = "{:,.0f}"
_ONE = "{:,.1f}"
_TWO = "{:,.2f}"
_PENCE = "£{:,.2f}"
_POUNDS = "£{:,.0f}"
_PERCENT = "{:.1%}"
_SIGNIFICANT = "{:.4g}"


def _text(name: str, label: str, **flags: Any) -> Column:
    return Column(name, label, None, None, **flags)


def _number(name: str, label: str, unit: str | None, format: str, **flags: Any) -> Column:
    return Column(name, label, unit, format, **flags)


def _both(stem: str, label: str, unit: str, format: str, **flags: Any) -> list[Column]:
    """``<stem>_current`` and ``<stem>_proposed``."""
    return [
        Column(f"{stem}_{when}", f"{label}, {when}", unit, format, **flags)
        for when in ("current", "proposed")
    ]


_BUILT_IN: list[Column] = [
    # Identifiers, areas and text.
    _text("lot_id", "Lot"),
    _text("lot_name", "Lot name"),
    _text("unit_id", "Unit"),
    _text("unit_name", "Unit name"),
    _number("tier", "Tier", None, "{:.0f}"),
    _text("level", "Level"),
    _text("area", "Area"),
    _text("district", "District"),
    _text("organisation", "Organisation"),
    _text("rurality_mix", "Rurality mix"),
    _text("reason", "Reasons"),
    _text("reasons", "Reasons"),
    _text("flag", "Flag"),
    _text("model", "Model"),
    _text("parameter", "Parameter"),
    _text("section", "Section"),
    _text("value", "Value"),
    _text("source", "Source"),
    _text("vintage", "Vintage / licence"),
    _text("item", "Item"),
    _text("stage", "Stage"),
    _text("kind", "Kind"),
    _text("text", "Text"),
    # Never shared: geometry, and points that can be one person's home (a unit's centre is
    # its customers' centroid; with postcode units a centre ID is a customer's postcode).
    _text("geometry", "Geometry", shareable=False),
    _text("centre_id", "Centre", shareable=False),
    *[
        _number(name, name.replace("_", " ").capitalize(), "metres", _WHOLE, shareable=False)
        for name in ("centre_x", "centre_y", "x", "y", "easting", "northing")
    ],
    *[
        _number(name, name.capitalize(), "degrees", "{:.5f}", shareable=False)
        for name in ("lat", "lon", "latitude", "longitude")
    ],
    # Volumes and counts.
    _number("hours", "Weekly hours", _HOURS, _WHOLE),
    _number("reserve_hours", "Reserve hours", _HOURS, _WHOLE),
    _number("customers", "Customers", _COUNT, _WHOLE, counts_people=True),
    # A line of the extract is one person's care package.
    _number("rows", "Rows", _COUNT, _WHOLE, counts_people=True),
    _number("units", "Units", _COUNT, _WHOLE),
    _number("lots", "Lots", _COUNT, _WHOLE),
    _number("providers", "Providers", _COUNT, _WHOLE),
    _number("providers_proposed", "Providers, proposed", _COUNT, _WHOLE),
    _number("care_workers", "Care workers needed", "full-time care workers", _ONE),
    _number("visits_week", "Visits a week", _COUNT, _WHOLE),
    _number("share", "Share of hours", _SHARE, _PERCENT),
    _number("share_hours", "Share of hours", _SHARE, _PERCENT),
    _number("share_customers", "Share of customers", _SHARE, _PERCENT, rate_of="customers"),
    _number("customer_share", "Share of customers", _SHARE, _PERCENT, rate_of="customers"),
    _number("urban_share", "Urban share of hours", _SHARE, _PERCENT),
    _number("town_fringe_share", "Town and fringe share of hours", _SHARE, _PERCENT),
    _number("village_dispersed_share", "Village and dispersed share of hours", _SHARE, _PERCENT),
    # Reach and rule checks of a lot.
    _number("max_miles", "Max distance (miles)", "miles", _ONE),
    _number("p90_miles", "90th pct distance (miles)", "miles", _ONE),
    _number("radius_miles", "Radius (miles)", "miles", _ONE),
    _number("max_minutes", "Max drive (min)", "minutes", _WHOLE),
    _number("travel", "Travel to centre (hour-minutes)", "hour-minutes", _WHOLE),
    _text("contiguous", "Contiguous"),
    _text("valid", "Valid", rule=True),
    _text("hours_ok", "Hours in band", rule=True),
    _text("customers_ok", "Customers in band", rule=True),
    _text("radius_ok", "Within radius", rule=True),
    _text("drive_ok", "Within drive time", rule=True),
    _text("contiguity_ok", "Connected", rule=True),
    _text("within_ok", "Nests in its area", rule=True),
    # Reach to customers: max_miles / max_minutes are then to the farthest customer.
    _number("customers_beyond", "Customers beyond reach", _COUNT, _WHOLE, counts_people=True),
    _text("farthest_unit", "Unit of the farthest customer"),
    _text("reach_to", "Reach measured to"),
    _text("tier_reason", "Why this tier"),
    # The lot-size policy trade-off (lotdesign.lots.policy_tradeoff).
    _text("policy", "Lot-size policy"),
    _number("tier1_share", "Tier 1 share of hours", _SHARE, _PERCENT),
    _number("mean_hours", "Mean lot hours", _HOURS, _WHOLE),
    _number("min_lot_hours", "Smallest lot (hours)", _HOURS, _WHOLE),
    _number("max_lot_hours", "Largest lot (hours)", _HOURS, _WHOLE),
    _number("mean_minutes", "Mean drive to centre (min per hour of care)", "minutes", _ONE),
    _number("lots_over_after_growth", "Lots over the ceiling after growth", _COUNT, _WHOLE),
    _text("passes", "Passes every rule", rule=True),
    _text("pass_fail", "Rules", rule=True),
    _text("rag", "RAG", rule=True),
    # Cost.
    *_both("weekly_spend", "Weekly spend", _POUNDS_WEEK, _POUNDS),
    *_both("annual_spend", "Annual spend", _POUNDS_YEAR, _POUNDS),
    *_both("price_per_hour", "Price per hour", _POUNDS_HOUR, _PENCE),
    *_both(
        "cost_per_customer_week",
        "Cost per customer-week",
        _PER_CUSTOMER_WEEK,
        _PENCE,
        rate_of="customers",
    ),
    _number(
        "cost_per_customer_week",
        "Cost per customer-week",
        _PER_CUSTOMER_WEEK,
        _PENCE,
        rate_of="customers",
    ),
    # The maps' name for the current cost.
    _number(
        "cost_per_customer_week_now",
        "Cost per customer-week, current",
        _PER_CUSTOMER_WEEK,
        _PENCE,
        rate_of="customers",
    ),
    *_both("miles_week", "Miles a week", "miles a week", _WHOLE),
    *_both("miles_per_visit", "Miles per visit", "miles", _TWO),
    *_both("minutes_per_visit", "Minutes per visit", "minutes", _ONE),
    _number("change_weekly", "Weekly change", _POUNDS_WEEK, _POUNDS),
    _number("change_annual", "Annual change", _POUNDS_YEAR, _POUNDS),
    _number("change_pct", "Change (%)", _SHARE, "{:.1f}%"),
    _number("cumulative_change", "Cumulative change", "£", _POUNDS),
    _number("year", "Year", "years from now", "{:.0f}"),
    _number("estimated_spend_share", "Share of spend estimated", _SHARE, _PERCENT),
    _number("contracted_share", "Share of lot hours on new contracts", _SHARE, _PERCENT),
    # Sensitivity (tornado): the change in spend a year, averaged over the contract term.
    _number("base_value", "Base value", None, _SIGNIFICANT),
    _number("low_value", "Low value", None, _SIGNIFICANT),
    _number("high_value", "High value", None, _SIGNIFICANT),
    _number("change_at_low", "Annual change at low (term average)", _POUNDS_YEAR, _POUNDS),
    _number("change_at_high", "Annual change at high (term average)", _POUNDS_YEAR, _POUNDS),
    _number("base_change", "Annual change, base case (term average)", _POUNDS_YEAR, _POUNDS),
    _number("range", "Range of the annual change", _POUNDS_YEAR, _POUNDS),
    _text("flips_sign", "Can flip the sign"),
    _number("released_at_low", "Care-worker hours released at low", _HOURS, _WHOLE),
    _number("released_at_high", "Care-worker hours released at high", _HOURS, _WHOLE),
    # Ranges (Monte Carlo): one row per measure, values in the measure's own unit.
    _text("metric", "Measure (name)"),
    _text("measure", "Measure"),
    _number("base", "Base case", None, _TWO),
    _number("p10", "P10", None, _TWO),
    _number("p50", "P50", None, _TWO),
    _number("p90", "P90", None, _TWO),
    # New customers only: how lots fill (lotdesign.cost.flow_by_lot).
    _number("start_hours_month", "New hours a month (modelled)", "hours a week, a month", _ONE),
    _number("end_hours_month", "Ending hours a month (modelled)", "hours a week, a month", _ONE),
    _number(
        "observed_starts",
        "Customers started (extract, last year)",
        _COUNT,
        _WHOLE,
        counts_people=True,
    ),
    _number(
        "observed_start_hours_month",
        "New hours a month (extract, last year)",
        "hours a week, a month",
        _ONE,
        rate_of="observed_starts",
    ),
    _number("viable_hours", "Viable volume (hours)", _HOURS, _WHOLE),
    _number("lead_viable_hours", "Lead provider's share of viable volume", _HOURS, _WHOLE),
    _number("months_to_viable", "Months to viable volume", "months", "{:.0f}"),
    _number("established_hours", "Established volume (hours)", _HOURS, _WHOLE),
    _number("months_to_established", "Months to established volume", "months", "{:.0f}"),
    _number("contracted_share_year1", "Share on new contracts after a year", _SHARE, _PERCENT),
    _number("contracted_share_end", "Share on new contracts at term end", _SHARE, _PERCENT),
    _number("lead_hours_end", "Lead provider's hours at term end", _HOURS, _WHOLE),
    # The travel saving as a benefit (lotdesign.cost.travel_benefit).
    _number(
        "paid_travel_minutes_saved_week", "Paid travel minutes saved a week", "minutes", _WHOLE
    ),
    _number("miles_saved_week", "Miles saved a week", "miles a week", _WHOLE),
    _number("care_worker_hours_released_week", "Care-worker hours released a week", _HOURS, _WHOLE),
    _number("care_workers_released", "Care workers released", "full-time care workers", _ONE),
    _number("travel_value_week", "Value of travel saved a week", _POUNDS_WEEK, _POUNDS),
    _number("council_keeps_week", "Council keeps a week", _POUNDS_WEEK, _POUNDS),
    _number("providers_keep_week", "Providers keep a week", _POUNDS_WEEK, _POUNDS),
    _number("council_pays_more_week", "Council pays more a week", _POUNDS_WEEK, _POUNDS),
    # Payment models.
    _number("annual_cost", "Annual cost", _POUNDS_YEAR, _POUNDS),
    _number("change_vs_hourly", "Change against hourly", _POUNDS_YEAR, _POUNDS),
    _number("cost_per_delivered_hour", "Cost per delivered hour", _POUNDS_HOUR, _PENCE),
    _number("council_pays_for_unused", "Council pays for unused hours", _POUNDS_YEAR, _POUNDS),
    _number("provider_income_at_risk", "Provider income at risk", _SHARE, "{:.0%}"),
    # Market.
    _number(
        "customers_per_provider", "Customers per provider", "customers", _ONE, rate_of="customers"
    ),
    _number("hours_per_provider", "Hours per provider", _HOURS, _WHOLE),
    _number("top_provider_share", "Largest provider's share", _SHARE, _PERCENT),
    _number("hhi", "HHI", "index (0-10,000)", _WHOLE),
    _number("hhi_proposed", "HHI, proposed", "index (0-10,000)", _WHOLE),
    _number("spread_km", "Spread (km)", "km", _ONE),
    _number("criss_cross_index", "Criss-cross index", "ratio", _TWO),
    _number("overlap_depth", "Overlap depth", "providers", _ONE),
    _number("mean_rate", "Mean rate (\u00a3/h)", _POUNDS_HOUR, _PENCE),
    _number("rate_index", "Rate index", "ratio", _TWO),
    _number("rate_cv", "Rate variation (CV)", "ratio", _TWO),
    _number("between_area_rate_cv", "Rate variation between areas (CV)", "ratio", _TWO),
    _number("leavers_per_year", "Leavers a year", "care workers a year", _WHOLE),
    _number("vacancies", "Vacancies", "care workers", _WHOLE),
    _number("recruits_per_year", "Recruits a year", "care workers a year", _WHOLE),
    # Plan summary (lotdesign.checks.check_plan): items of a key-value table.
    _number("lots_passing", "Lots passing every rule", _COUNT, _WHOLE),
    _number("lots_failing", "Lots failing a rule", _COUNT, _WHOLE),
    _number("tier1_lots", "Tier 1 lots", _COUNT, _WHOLE),
    _number("tier1_lots_passing", "Tier 1 lots passing every rule", _COUNT, _WHOLE),
    _number("hours_total", "Weekly hours in all", _HOURS, _WHOLE),
    _number("customers_total", "Customers in all", _COUNT, _WHOLE, counts_people=True),
    _number("hours_in_passing_tier1", "Weekly hours in passing Tier 1 lots", _HOURS, _WHOLE),
    _number("share_in_passing_tier1", "Share of hours in passing Tier 1 lots", _SHARE, _PERCENT),
    _number("hours_outside_lots", "Weekly hours outside lots", _HOURS, _WHOLE),
    _number("customers_outside_lots", "Customers outside lots", _COUNT, _WHOLE, counts_people=True),
    _number("covered_share", "Share of hours covered", _SHARE, _PERCENT),
    # Breaches count lots, not people.
    _number("hours_breaches", "Lots outside the hours band", _COUNT, _WHOLE),
    _number("customers_breaches", "Lots outside the customer band", _COUNT, _WHOLE),
    _number("radius_breaches", "Lots beyond the radius", _COUNT, _WHOLE),
    _number("drive_breaches", "Lots beyond the drive time", _COUNT, _WHOLE),
    _number("contiguity_breaches", "Lots not connected", _COUNT, _WHOLE),
    _number("within_breaches", "Lots across an area they should nest in", _COUNT, _WHOLE),
    _number("rule_breaches", "Rule breaches", _COUNT, _WHOLE),
    _number("seed_tier1_areas", "Reference design's Tier 1 areas", _COUNT, _WHOLE),
    _number("seed_tier1_share", "Reference design's Tier 1 share", _SHARE, _PERCENT),
    _text("meets_seed_share", "Meets the reference share"),
    _number(
        "travel_in_passing_tier1", "Travel in passing Tier 1 lots (hour-minutes)", None, _WHOLE
    ),
    _number("objective", "Design objective (engine score)", None, _WHOLE),
    # Scenario sweeps (lotdesign.sweep): one row per scenario, county-level figures only.
    _text("scenario", "Scenario"),
    _text("changes", "Changes from the config"),
    _number("tier2_zones", "Tier 2 zones", _COUNT, _WHOLE),
    _number("travel_per_hour", "Travel to centre per hour of care (min)", "minutes", _ONE),
    _number(
        "change_per_customer_week_p10",
        "Change per customer-week, P10",
        _PER_CUSTOMER_WEEK,
        _PENCE,
    ),
    _number(
        "change_per_customer_week_p90",
        "Change per customer-week, P90",
        _PER_CUSTOMER_WEEK,
        _PENCE,
    ),
    _number("months_to_viable_median", "Months to viable volume (median lot)", "months", "{:.0f}"),
    _number("months_to_viable_max", "Months to viable volume (slowest lot)", "months", "{:.0f}"),
    _number("lots_never_viable", "Lots that never reach viable volume", _COUNT, _WHOLE),
    _number("seconds", "Compute time (s)", "seconds", _ONE),
    _text("cached", "From the cache"),
]


def register(*entries: Column, replace: bool = False) -> None:
    """Add columns to the registry (for a column of the analyst's own).

    Parameters
    ----------
    *entries
        :class:`Column` descriptions.
    replace
        Allow an entry to replace a registered column of the same name.

    Raises
    ------
    ValidationError
        If an entry is not a :class:`Column`, a name is already registered (and not
        ``replace``), or its ``rate_of`` is not a registered count of people.

    Examples
    --------
    >>> register(Column("bank_holidays", "Bank holidays", "days", "{:.0f}"))
    >>> label("bank_holidays")
    'Bank holidays'
    """
    new: dict[str, Column] = {}
    for entry in entries:
        if not isinstance(entry, Column):
            raise ValidationError(f"register() takes Column entries, got {entry!r}.")
        if not replace and (entry.name in _REGISTRY or entry.name in new):
            raise ValidationError(
                f"Column {entry.name!r} is already registered; pass replace=True to change it."
            )
        new[entry.name] = entry
    for entry in new.values():
        if entry.rate_of is not None:
            count = new.get(entry.rate_of) or _REGISTRY.get(entry.rate_of)
            if count is None or not count.counts_people:
                raise ValidationError(
                    f"{entry.name}: rate_of={entry.rate_of!r} must name a registered count of "
                    "people."
                )
    _REGISTRY.update(new)
    _LABELS.clear()


def get(name: Any) -> Column | None:
    """The registered column ``name``, or None (nothing is inferred)."""
    return _REGISTRY.get(name) if isinstance(name, str) else None


def column(name: str) -> Column:
    """The registered column ``name``.

    Raises
    ------
    UnknownColumnError
        If the name is not registered; the message suggests close names and says how to
        register it. Nothing about an unknown column is guessed.
    """
    found = get(name)
    if found is None:
        close = difflib.get_close_matches(str(name), list(_REGISTRY), n=3)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise UnknownColumnError(
            f"Column {name!r} is not in lotdesign.columns, so nothing is known about it "
            f"(label, format, whether it counts people).{hint} Register it with "
            "lotdesign.columns.register(Column(...)) before sharing it."
        )
    return found


def label(name: str) -> str:
    """The column's label for a reader; raises :class:`UnknownColumnError` if unregistered."""
    return column(name).label


def fmt(name: str, value: Any) -> str:
    """One value of column ``name`` as text for a reader.

    Missing values are ``"–"``; text (including a suppressed count's ``"1–7"``) is shown as
    it is; True/False as Pass/Fail for a rule check, else Yes/No; numbers with the column's
    format, the minus sign before any prefix (``-£1,250``).

    Raises
    ------
    UnknownColumnError
        If the name is not registered.
    """
    return column(name).fmt(value)


def names(*, shareable: bool | None = None) -> tuple[str, ...]:
    """Every registered column name (only the shareable ones, or only the others, if asked)."""
    return tuple(n for n, c in _REGISTRY.items() if shareable is None or c.shareable == shareable)


def by_label(text: str) -> tuple[Column, ...]:
    """The registered columns whose name or label is ``text`` (case and spacing ignored).

    Used to read a header of a written table (``"Customers"``) back to its column.
    """
    if not _LABELS:
        for entry in _REGISTRY.values():
            for key in {_fold(entry.name), _fold(entry.label)}:
                _LABELS[key] = (*_LABELS.get(key, ()), entry)
    return _LABELS.get(_fold(text), ())


_FORMAT = re.compile(
    r"^(?P<pre>[^{}]*)\{:(?P<comma>,?)(?:\.(?P<digits>\d+))?(?P<type>[f%])\}(?P<post>[^{}]*)$"
)


def excel_format(name: str) -> str | None:
    """The column's format as an Excel number format (``"£{:,.2f}"`` -> ``'"£"#,##0.00'``).

    None for text, and for formats Excel has no equivalent of (significant figures), which
    are then left to Excel's General format. Raises :class:`UnknownColumnError` if the name
    is not registered.
    """
    pattern = column(name).format
    match = _FORMAT.match(pattern or "")
    if match is None:
        return None
    number = "#,##0" if match["comma"] else "0"
    digits = int(match["digits"] or 0)
    if digits:
        number += "." + "0" * digits
    if match["type"] == "%":
        number += "%"

    def quoted(text: str) -> str:
        return f'"{text}"' if text else ""

    return quoted(match["pre"]) + number + quoted(match["post"])


def _fold(text: Any) -> str:
    return " ".join(str(text).replace("_", " ").casefold().split())


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def _is_missing(value: Any) -> bool:
    return value is None or (
        not isinstance(value, str) and pd.api.types.is_scalar(value) and bool(pd.isna(value))
    )


#: Registered numbers (and checks) that are *not* computed over the people of their row, so
#: stay shown when its count is suppressed: identifiers, counts of lots and units, settings
#: and parameter values, and checks of geometry alone.
_NOT_OVER_PEOPLE = frozenset(
    {
        "tier", "units", "lots", "year", "contiguity_ok", "within_ok", "lots_passing",
        "lots_failing", "tier1_lots", "tier1_lots_passing", "hours_breaches",
        "customers_breaches", "radius_breaches", "drive_breaches", "contiguity_breaches",
        "within_breaches", "rule_breaches", "seed_tier1_areas", "seed_tier1_share",
        "meets_seed_share", "base_value", "low_value", "high_value", "lots_over_after_growth",
        "tier2_zones", "lots_never_viable", "seconds",
    }
)  # fmt: skip
#: Text that is computed over people (a lot's mix of rurality by hours; the unit of its
#: farthest customer): hidden with the row.
_TEXT_OVER_PEOPLE = frozenset({"rurality_mix", "farthest_unit"})
_BUILT_IN = [
    dataclasses.replace(
        c,
        over_people=(c.over_people and c.name not in _NOT_OVER_PEOPLE)
        or c.name in _TEXT_OVER_PEOPLE,
    )
    for c in _BUILT_IN
]

register(*_BUILT_IN)
