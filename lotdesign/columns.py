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
- ``rule``: a pass/fail (or RAG) check, shown as Pass/Fail and shaded in the report;
- ``meaning`` and ``source``: what the figure is and where it comes from, for the data
  dictionary shipped with every shared table (``dictionary.csv``, the workbook's
  ``Dictionary`` sheet); :func:`decimals` says how far a shared table rounds it and
  :func:`heading` gives its workbook heading with the unit.

The module is long because it is the one place these facts live: a sentence of meaning and
source for each of some two hundred columns reads best beside the registry it describes.

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
    "decimals",
    "excel_format",
    "fmt",
    "get",
    "heading",
    "label",
    "names",
    "precision",
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
    meaning
        What the figure is, in a sentence for an analyst's data dictionary.
    source
        Where it comes from: the input and the step that derives it.
    decimals
        Decimal places a shared table (CSV, workbook) keeps; None: from the unit and format
        (see :func:`decimals`).
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
    meaning: str | None = None
    source: str | None = None
    decimals: int | None = None

    def __post_init__(self) -> None:
        if self.decimals is not None and not (
            isinstance(self.decimals, int)
            and not isinstance(self.decimals, bool)
            and self.decimals >= 0
        ):
            raise ValidationError(f"{self.name}: decimals must be a whole number >= 0 or None.")
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
    # The data dictionary's own columns (dictionary.csv).
    _text("column", "Column (CSV name)"),
    _text("heading", "Heading in tables.xlsx"),
    _text("meaning", "Meaning"),
    _text("unit", "Unit"),
    _text("rounding", "Rounded to"),
    _text("appears_in", "Appears in"),
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
    _number("hhi", "HHI", "index, 0 to 10,000", _WHOLE),
    _number("hhi_proposed", "HHI, proposed", "index, 0 to 10,000", _WHOLE),
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

    Used to read a header of a written table (``"Customers"``, or a workbook's heading
    ``"Weekly hours (hours a week)"``) back to its column.
    """
    if not _LABELS:
        for entry in _REGISTRY.values():
            for key in {_fold(entry.name), _fold(entry.label), _fold(_heading(entry))}:
                _LABELS[key] = (*_LABELS.get(key, ()), entry)
    return _LABELS.get(_fold(text), ())


#: Decimal places a shared table keeps for a figure in each unit (DESIGN: no false precision
#: in shared files): hours and miles to 0.1, money to the penny, people and whole things as
#: whole numbers. A column's format can ask for more (miles per visit: 0.01), never fewer.
_UNIT_DECIMALS: dict[str, int] = {
    _HOURS: 1,
    "hours a week, a month": 1,
    "hour-minutes": 1,
    _POUNDS_WEEK: 2,
    _POUNDS_YEAR: 2,
    _POUNDS_HOUR: 2,
    _PER_CUSTOMER_WEEK: 2,
    "£": 2,
    _COUNT: 0,
    "miles": 1,
    "miles a week": 1,
    "minutes": 1,
    "km": 1,
    "metres": 0,
    "degrees": 5,
    "full-time care workers": 1,
    "care workers": 1,
    "care workers a year": 1,
    "customers": 1,
    "providers": 1,
    "ratio": 3,
    "index, 0 to 10,000": 1,
    "months": 0,
    "years from now": 0,
    "seconds": 1,
}
#: A share from 0 to 1 keeps 3 decimals: a tenth of a percentage point.
_SHARE_DECIMALS = 3
#: Significant figures kept where a column's unit varies by row (a sensitivity's input value).
SIGNIFICANT_FIGURES = 6
_DIGITS = re.compile(r"\{:[^}]*?(?:\.(\d+))?([a-z%])\}")


def decimals(name: str) -> int | None:
    """Decimal places column ``name`` keeps in a shared table (CSV, workbook).

    A count of people (already suppressed or rounded by disclosure control) and any count
    keep none; hours, miles and minutes one; money two; a share from 0 to 1 three (0.1
    percentage point); otherwise the unit's places (:data:`_UNIT_DECIMALS`) or the format's,
    whichever is more. None: text, or a figure kept to :data:`SIGNIFICANT_FIGURES`
    significant figures (its format is ``{:.4g}``). Raises :class:`UnknownColumnError` if the
    name is not registered.

    Examples
    --------
    >>> decimals("hours"), decimals("annual_spend_current"), decimals("customers")
    (1, 2, 0)
    >>> decimals("share_hours"), decimals("miles_per_visit_current"), decimals("lot_id")
    (3, 2, None)
    """
    entry = column(name)
    if entry.decimals is not None:
        return entry.decimals
    if entry.counts_people:
        return 0
    if entry.format is None:
        return None
    match = _DIGITS.search(entry.format)
    if match is None or match[2] == "g":
        return None
    digits = int(match[1] or 0)
    if match[2] == "%":
        return max(_SHARE_DECIMALS, digits + 2)
    return max(_UNIT_DECIMALS.get(entry.unit or "", 0), digits)


def precision(name: str) -> str:
    """How column ``name`` is rounded in shared tables, in words (``"0.1"``, ``"whole number"``).

    Examples
    --------
    >>> precision("hours"), precision("customers"), precision("lot_id")
    ('0.1', 'whole number', '')
    """
    places = decimals(name)
    if places is None:
        return f"{SIGNIFICANT_FIGURES} significant figures" if column(name).format else ""
    return "whole number" if places == 0 else f"{10.0**-places:.{places}f}"


def heading(name: str) -> str:
    """Column ``name``'s heading in a workbook: its label with its unit.

    The unit is added in brackets unless the label already has one or the unit is a plain
    count. Raises :class:`UnknownColumnError` if the name is not registered.

    Examples
    --------
    >>> heading("cost_per_customer_week_current")
    'Cost per customer-week, current (£ per customer-week)'
    >>> heading("customers"), heading("max_miles")
    ('Customers', 'Max distance (miles)')
    """
    return _heading(column(name))


def _heading(entry: Column) -> str:
    if entry.unit in (None, _COUNT) or "(" in entry.label:
        return entry.label
    return f"{entry.label} ({entry.unit})"


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


# --- What each built-in column means, and where it comes from (the data dictionary) ----------

_EXTRACT = "Care-package extract"
_LOTS = "Lot design (lotdesign.lots) and rule checks (lotdesign.checks.check_plan)"
_COST = "Cost model (lotdesign.cost)"
_MARKET = "Market analysis (lotdesign.market.market_summary) on the extract's provider column"
_FLOW = "New-customers flow model (lotdesign.cost.flow_by_lot)"
_BENEFIT = "Travel saving as a benefit (lotdesign.cost.travel_benefit)"
_SWEEP = "Scenario sweep (lotdesign.sweep): one run of the chain per scenario"
_SUMMARY = "Plan summary (lotdesign.checks.check_plan)"
_TORNADO = "Sensitivity (lotdesign.cost.tornado): one input at a time to the ends of its range"
_RANGES = "Monte Carlo ranges (lotdesign.cost.monte_carlo) over the inputs' ranges"
_POLICY = "Lot-size policy trade-off (lotdesign.lots.policy_tradeoff)"
_PAYMENT = "Payment models (lotdesign.cost.payment_models)"
_SETTINGS = "Settings (lotdesign.settings) and the run spec"
_GEOGRAPHY = "Public geography: ONS postcode lookup and boundaries"
_DICTIONARY = "Column registry (lotdesign.columns)"

#: name -> (meaning, source) of every built-in column.
_MEANINGS: dict[str, tuple[str, str]] = {
    # Identifiers, areas and text.
    "lot_id": (
        "Identifier of a lot (Tier 1) or zone (Tier 2); '(spot)' for care bought outside lots.",
        _LOTS,
    ),
    "lot_name": ("Name of the lot, from its places.", _LOTS),
    "unit_id": (
        "Identifier of a demand unit: the public area (postcode sector, LSOA) customers are "
        "grouped into.",
        _GEOGRAPHY,
    ),
    "unit_name": ("Name of the demand unit.", _GEOGRAPHY),
    "tier": (
        "Tier of the lot: 1 lots, 2 rural zones, 3 spot purchase, 4 the county-wide reserve.",
        "Tier assignment (lotdesign.tiers.assign_tiers)",
    ),
    "level": ("What a row is about: county, district, tier or lot.", "The table's grouping"),
    "area": (
        "The area of the row at its level: a district code, a tier number or a lot.",
        "The table's grouping",
    ),
    "district": ("Local authority district (ONS code or name).", _GEOGRAPHY),
    "organisation": ("An organisation's name.", "Input table"),
    "rurality_mix": (
        "The lot's weekly hours by ONS rural-urban class, as percentages.",
        "ONS 2011 rural-urban classification of each unit, weighted by hours",
    ),
    "reason": ("Why a row failed or was changed, in words.", _LOTS),
    "reasons": ("Why a lot fails a rule, in words; empty when it passes every rule.", _LOTS),
    "flag": ("A flag raised on the row, in words.", "The step that wrote the table"),
    "model": ("A way of paying for lot care: hourly (time and task), block or outcome.", _PAYMENT),
    "parameter": ("Name of a setting or model input.", _SETTINGS),
    "section": ("Group of settings a parameter belongs to.", _SETTINGS),
    "value": ("The value of a parameter or plan-summary item (unit given by its item).", _SETTINGS),
    "source": ("Where a parameter's value or a data set comes from.", _SETTINGS),
    "vintage": ("Release date and licence of a data set.", "Data sources of the run"),
    "item": ("Name of a plan-summary figure (each is a registered column).", _SUMMARY),
    "stage": (
        "Step of reading the extract: read, used, excluded, rejected.",
        "Extract reconciliation (lotdesign.io.read_packages)",
    ),
    "kind": ("Whether a line is a risk or a caveat.", "Risks and caveats (lotdesign.report)"),
    "column": ("A column's name, as in the CSVs.", _DICTIONARY),
    "heading": ("The column's heading in tables.xlsx: its label and unit.", _DICTIONARY),
    "meaning": ("What the column's figure is.", _DICTIONARY),
    "unit": ("What the column's figure measures.", _DICTIONARY),
    "rounding": ("How far shared tables round the column's figures.", _DICTIONARY),
    "appears_in": ("The files (and workbook sheets) the column appears in.", _DICTIONARY),
    "text": ("A risk or caveat, in words.", "Risks and caveats (lotdesign.report)"),
    "geometry": ("Shape of an area (never shared).", _GEOGRAPHY),
    "centre_id": (
        "Unit at the lot's centre (never shared: it can be one person's postcode).",
        _LOTS,
    ),
    "centre_x": ("Easting of the lot's centre (never shared).", _LOTS),
    "centre_y": ("Northing of the lot's centre (never shared).", _LOTS),
    "x": ("British National Grid easting (never shared).", _GEOGRAPHY),
    "y": ("British National Grid northing (never shared).", _GEOGRAPHY),
    "easting": ("British National Grid easting (never shared).", _GEOGRAPHY),
    "northing": ("British National Grid northing (never shared).", _GEOGRAPHY),
    "lat": ("Latitude, WGS84 (never shared).", _GEOGRAPHY),
    "lon": ("Longitude, WGS84 (never shared).", _GEOGRAPHY),
    "latitude": ("Latitude, WGS84 (never shared).", _GEOGRAPHY),
    "longitude": ("Longitude, WGS84 (never shared).", _GEOGRAPHY),
    # Volumes and counts.
    "hours": (
        "Planned weekly hours of home care.",
        f"{_EXTRACT}: weekly hours of live packages, summed",
    ),
    "reserve_hours": (
        "Weekly hours held in the county-wide Tier 4 reserve.",
        "Tier assignment: TIER4_RESERVE_SHARE of Tier 1-2 hours plus Tier 4's own",
    ),
    "customers": (
        "People receiving care: counts up to SUPPRESS_MAX_COUNT are shown as a range, others "
        "rounded to SUPPRESS_ROUNDING_BASE.",
        f"{_EXTRACT}: distinct customer IDs, through disclosure control",
    ),
    "rows": (
        "Lines of the extract (one line is one care package).",
        f"{_EXTRACT}, through disclosure control",
    ),
    "units": ("Demand units (public areas) in the row.", _LOTS),
    "lots": ("Lots (or zones) in the row.", _LOTS),
    "providers": ("Care providers with hours in the area today.", f"{_EXTRACT}: provider column"),
    "providers_proposed": (
        "Providers a lot would have under the plan: its lead and secondary provider.",
        _MARKET,
    ),
    "care_workers": (
        "Full-time care workers the weekly hours need.",
        "Weekly hours / HOURS_PER_CARE_WORKER",
    ),
    "visits_week": (
        "Visits a week.",
        f"{_EXTRACT}: visits where given, else estimated from hours and visit length ({_COST})",
    ),
    "share": ("Share of all weekly hours, from 0 to 1.", "Hours of the row / all weekly hours"),
    "share_hours": (
        "Share of all weekly hours, from 0 to 1.",
        "Hours of the row / all weekly hours",
    ),
    "share_customers": (
        "Share of all customers, from 0 to 1.",
        "Customers of the row / all customers",
    ),
    "customer_share": (
        "Share of all customers, from 0 to 1.",
        "Customers of the row / all customers",
    ),
    "urban_share": (
        "Share of the lot's hours in urban areas, from 0 to 1.",
        "ONS 2011 rural-urban classification of each unit, weighted by hours",
    ),
    "town_fringe_share": (
        "Share of the lot's hours in towns and their fringe, from 0 to 1.",
        "ONS 2011 rural-urban classification of each unit, weighted by hours",
    ),
    "village_dispersed_share": (
        "Share of the lot's hours in villages and hamlets, from 0 to 1.",
        "ONS 2011 rural-urban classification of each unit, weighted by hours",
    ),
    # Reach and rule checks.
    "max_miles": (
        "Farthest distance from the lot's centre to a customer's postcode (or a unit's centre).",
        f"{_LOTS}: postcode centroids, British National Grid",
    ),
    "p90_miles": (
        "90th percentile of the distances from the lot's centre to its units.",
        f"{_LOTS}: unit centres, British National Grid",
    ),
    "radius_miles": ("Radius of the lot: its farthest distance from the centre.", _LOTS),
    "max_minutes": (
        "Longest drive from the lot's centre to a customer (or unit).",
        f"{_LOTS}: OpenStreetMap road drive times",
    ),
    "travel": (
        "Travel to the lot's centre: weekly hours of each unit times its drive minutes to the "
        "centre, summed.",
        f"{_LOTS}: road drive times",
    ),
    "contiguous": ("Whether the lot's units form one connected area.", _LOTS),
    "valid": ("Whether the row passes every rule.", _LOTS),
    "hours_ok": (
        "Whether the lot's weekly hours are within the hours band.",
        f"{_LOTS}: LOT_MIN_HOURS to LOT_MAX_HOURS (Tier 2: TIER2_*)",
    ),
    "customers_ok": (
        "Whether the lot's customers are within the customer band.",
        f"{_LOTS}: LOT_MIN_CUSTOMERS to LOT_MAX_CUSTOMERS (Tier 2: TIER2_*)",
    ),
    "radius_ok": (
        "Whether every customer is within the radius limit of the centre.",
        f"{_LOTS}: LOT_MAX_RADIUS_MILES",
    ),
    "drive_ok": (
        "Whether every customer is within the drive-time limit of the centre.",
        f"{_LOTS}: LOT_MAX_DRIVE_MINUTES",
    ),
    "contiguity_ok": (
        "Whether the lot is one connected area (when the rules ask for it).",
        f"{_LOTS}: LOT_CONTIGUOUS",
    ),
    "within_ok": (
        "Whether the lot nests inside the area it should (district, locality or PCN).",
        _LOTS,
    ),
    "customers_beyond": (
        "Customers beyond the radius or drive limit (beyond the reach tolerance).",
        f"{_LOTS}, through disclosure control",
    ),
    "farthest_unit": ("Public area of the lot's farthest customer.", _LOTS),
    "reach_to": ("Whether reach was measured to customers' postcodes or to unit centres.", _LOTS),
    "tier_reason": (
        "Why the area was put in its tier.",
        "Tier assignment (lotdesign.tiers.assign_tiers)",
    ),
    # Lot-size policies.
    "policy": (
        "Lot-size policy: how large the lots are made (compact, viable, target ...).",
        _POLICY,
    ),
    "tier1_share": ("Share of all weekly hours in Tier 1 lots, from 0 to 1.", _POLICY),
    "mean_hours": ("Mean weekly hours of a Tier 1 lot.", _POLICY),
    "min_lot_hours": ("Weekly hours of the smallest Tier 1 lot.", _POLICY),
    "max_lot_hours": ("Weekly hours of the largest Tier 1 lot.", _POLICY),
    "mean_minutes": (
        "Travel to centre divided by the hours in lots: the hours-weighted mean drive to a lot's "
        "centre.",
        _POLICY,
    ),
    "lots_over_after_growth": (
        "Lots whose hours would pass the ceiling after the headroom years of demand growth.",
        f"{_POLICY}: LOT_HEADROOM_YEARS, LOT_HEADROOM_GROWTH",
    ),
    "passes": ("Whether the lot passes every rule.", _LOTS),
    "pass_fail": ("Pass or fail on every rule.", _LOTS),
    "rag": (
        "Red, amber or green: green passes every rule, amber breaches only within "
        "CHECK_AMBER_MARGIN.",
        _LOTS,
    ),
    # Cost.
    "weekly_spend_current": (
        "What the council spends a week on this care today.",
        f"{_COST}: the extract's weekly cost, or hours x rate where it gives none",
    ),
    "weekly_spend_proposed": (
        "What the council would spend a week under the lot plan at full effect.",
        f"{_COST}: proposed prices under the price policy",
    ),
    "annual_spend_current": ("Weekly spend today times weeks a year.", f"{_COST}: WEEKS_PER_YEAR"),
    "annual_spend_proposed": (
        "Weekly spend under the plan (full effect) times weeks a year.",
        f"{_COST}: WEEKS_PER_YEAR",
    ),
    "price_per_hour_current": (
        "Spend per planned hour today.",
        f"{_COST}: weekly spend / weekly hours",
    ),
    "price_per_hour_proposed": (
        "Spend per planned hour under the plan at full effect.",
        f"{_COST}: weekly spend / weekly hours",
    ),
    "cost_per_customer_week_current": (
        "Weekly spend today per customer (blank where customers are suppressed).",
        f"{_COST}: weekly spend / customers",
    ),
    "cost_per_customer_week_proposed": (
        "Weekly spend under the plan per customer (blank where customers are suppressed).",
        f"{_COST}: weekly spend / customers",
    ),
    "cost_per_customer_week": ("Weekly spend per customer.", f"{_COST}: weekly spend / customers"),
    "cost_per_customer_week_now": (
        "Weekly spend today per customer (blank where customers are suppressed).",
        f"{_COST}: weekly spend / customers",
    ),
    "miles_week_current": (
        "Miles care workers drive a week between visits today.",
        f"{_COST}: travel model on today's providers' patches",
    ),
    "miles_week_proposed": (
        "Miles care workers would drive a week between visits under the plan.",
        f"{_COST}: travel model on the lots' patches",
    ),
    "miles_per_visit_current": (
        "Miles driven to reach a visit today.",
        f"{_COST}: travel model (lotdesign.cost.travel_per_visit)",
    ),
    "miles_per_visit_proposed": (
        "Miles driven to reach a visit under the plan.",
        f"{_COST}: travel model (lotdesign.cost.travel_per_visit)",
    ),
    "minutes_per_visit_current": (
        "Minutes driven to reach a visit today.",
        f"{_COST}: travel model (lotdesign.cost.travel_per_visit)",
    ),
    "minutes_per_visit_proposed": (
        "Minutes driven to reach a visit under the plan.",
        f"{_COST}: travel model (lotdesign.cost.travel_per_visit)",
    ),
    "change_weekly": ("Weekly spend under the plan minus today's (negative is a saving).", _COST),
    "change_annual": ("Annual spend under the plan minus today's (negative is a saving).", _COST),
    "change_pct": ("Change in spend as a percentage of today's spend (1.5 means 1.5%).", _COST),
    "cumulative_change": (
        "Change in spend summed from year 1 to this year.",
        f"{_COST}: projection (lotdesign.cost.project)",
    ),
    "year": (
        "Year of the contract, counted from its start.",
        f"{_COST}: projection (lotdesign.cost.project)",
    ),
    "estimated_spend_share": (
        "Share of today's spend the extract did not give (priced from hours x rate or the default "
        "rate), from 0 to 1.",
        _COST,
    ),
    "contracted_share": (
        "Share of the lots' hours on the new contracts in this year, from 0 to 1.",
        _FLOW,
    ),
    # Sensitivity.
    "base_value": ("The input's value in the base case (in the input's own unit).", _TORNADO),
    "low_value": ("The input's value at the low end of its range.", _TORNADO),
    "high_value": ("The input's value at the high end of its range.", _TORNADO),
    "change_at_low": (
        "Annual change in spend, averaged over the term, with the input at its low value.",
        _TORNADO,
    ),
    "change_at_high": (
        "Annual change in spend, averaged over the term, with the input at its high value.",
        _TORNADO,
    ),
    "base_change": ("Annual change in spend, averaged over the term, in the base case.", _TORNADO),
    "range": ("Difference between the change at the high and the low value.", _TORNADO),
    "flips_sign": (
        "Whether the change in spend has another sign somewhere in the input's range.",
        _TORNADO,
    ),
    "released_at_low": (
        "Care-worker hours released a week with the input at its low value.",
        _TORNADO,
    ),
    "released_at_high": (
        "Care-worker hours released a week with the input at its high value.",
        _TORNADO,
    ),
    # Ranges.
    "metric": ("Name of the measure.", _RANGES),
    "measure": ("The measure, in words, with its unit.", _RANGES),
    "base": ("The measure in the base case (in the measure's unit).", _RANGES),
    "p10": ("10th percentile of the measure over the draws.", _RANGES),
    "p50": ("Median of the measure over the draws.", _RANGES),
    "p90": ("90th percentile of the measure over the draws.", _RANGES),
    # Flow.
    "start_hours_month": (
        "New weekly hours a month the lot's area generates (turnover and growth), modelled.",
        f"{_FLOW}: mean package length and DEMAND_GROWTH",
    ),
    "end_hours_month": (
        "Weekly hours a month that end (packages ending), modelled.",
        f"{_FLOW}: mean package length",
    ),
    "observed_starts": (
        "Customers in the lot's area who started care in the start window before the analysis "
        "date.",
        f"{_EXTRACT}: start dates, through disclosure control",
    ),
    "observed_start_hours_month": (
        "New weekly hours a month seen in the extract's start window, grossed up for packages "
        "already ended.",
        f"{_EXTRACT}: start dates ({_FLOW})",
    ),
    "viable_hours": (
        "Weekly hours at which the lot is viable for a provider (Tier 1: the hours floor; Tier 2: "
        "the zone's start volume).",
        f"{_FLOW}: LOT_MIN_HOURS, TIER2_MIN_HOURS",
    ),
    "lead_viable_hours": (
        "The lead provider's part of the viable volume.",
        f"{_FLOW}: LEAD_PROVIDER_SHARE, TIER2_LEAD_SHARE",
    ),
    "months_to_viable": (
        "Months until the lot's contracted hours reach viable volume (blank: not within the term).",
        _FLOW,
    ),
    "established_hours": (
        "Weekly hours a Tier 2 zone's provider holds once established.",
        f"{_FLOW}: TIER2_ESTABLISHED_HOURS",
    ),
    "months_to_established": (
        "Months until a Tier 2 zone reaches established volume (blank: not within the term).",
        _FLOW,
    ),
    "contracted_share_year1": (
        "Share of the lot's demand on new contracts after a year, from 0 to 1.",
        _FLOW,
    ),
    "contracted_share_end": (
        "Share of the lot's demand on new contracts at the end of the term, from 0 to 1.",
        _FLOW,
    ),
    "lead_hours_end": (
        "The lead provider's weekly hours in the lot at the end of the term.",
        _FLOW,
    ),
    # Travel benefit.
    "paid_travel_minutes_saved_week": (
        "Paid travel minutes a week the plan saves (today's minutes per visit minus the plan's, "
        "times visits).",
        _BENEFIT,
    ),
    "miles_saved_week": ("Miles a week the plan saves.", _BENEFIT),
    "care_worker_hours_released_week": (
        "Care-worker hours a week freed from travel (travel minutes saved / 60).",
        _BENEFIT,
    ),
    "care_workers_released": (
        "Full-time care workers those hours amount to.",
        f"{_BENEFIT}: HOURS_PER_CARE_WORKER",
    ),
    "travel_value_week": (
        "Value of the travel saved a week, at providers' travel costs.",
        _BENEFIT,
    ),
    "council_keeps_week": (
        "Part of the travel value the council keeps through lower prices.",
        f"{_BENEFIT}: the price policy",
    ),
    "providers_keep_week": (
        "Part of the travel value providers keep.",
        f"{_BENEFIT}: the price policy",
    ),
    "council_pays_more_week": (
        "What the council pays more a week where lot prices rise.",
        f"{_BENEFIT}: the price policy",
    ),
    # Payment models.
    "annual_cost": ("Annual cost of the plan under the payment model.", _PAYMENT),
    "change_vs_hourly": ("Annual cost minus the hourly model's.", _PAYMENT),
    "cost_per_delivered_hour": ("Annual cost per hour of care delivered.", _PAYMENT),
    "council_pays_for_unused": ("What the council pays a year for block hours not used.", _PAYMENT),
    "provider_income_at_risk": (
        "Share of a provider's income that depends on outcomes, from 0 to 1.",
        _PAYMENT,
    ),
    # Market.
    "customers_per_provider": (
        "Customers per provider in the area (blank where customers are suppressed).",
        _MARKET,
    ),
    "hours_per_provider": ("Weekly hours per provider in the area.", _MARKET),
    "top_provider_share": (
        "Share of the area's hours with its largest provider, from 0 to 1.",
        _MARKET,
    ),
    "hhi": (
        "Herfindahl-Hirschman index of provider shares of hours: 10,000 is one provider.",
        _MARKET,
    ),
    "hhi_proposed": (
        "Herfindahl-Hirschman index under the plan's lead and secondary providers.",
        f"{_MARKET}: LEAD_PROVIDER_SHARE, TIER2_LEAD_SHARE",
    ),
    "spread_km": (
        "How far a provider's customers spread from its centre (hours-weighted root mean square "
        "distance), averaged over providers by hours.",
        _MARKET,
    ),
    "criss_cross_index": (
        "Providers' own travel networks (minimum spanning trees) summed, over one network for the "
        "whole area: above 1, patches criss-cross.",
        _MARKET,
    ),
    "overlap_depth": (
        "Other providers whose patches (convex hulls) cover a line's home, on average.",
        _MARKET,
    ),
    "mean_rate": (
        "Hours-weighted mean hourly rate today.",
        f"{_MARKET}: weekly cost / weekly hours of each line",
    ),
    "rate_index": ("The area's mean rate over the county's.", _MARKET),
    "rate_cv": ("Hours-weighted coefficient of variation of line rates in the area.", _MARKET),
    "between_area_rate_cv": (
        "Coefficient of variation of the districts' mean rates (county row).",
        _MARKET,
    ),
    "leavers_per_year": (
        "Care workers expected to leave a year.",
        f"{_MARKET}: care workers x WORKFORCE_TURNOVER (Skills for Care)",
    ),
    "vacancies": (
        "Care-worker posts expected to be vacant.",
        f"{_MARKET}: care workers x WORKFORCE_VACANCY (Skills for Care)",
    ),
    "recruits_per_year": (
        "Care workers to recruit a year to replace leavers and fill vacancies.",
        f"{_MARKET}: care workers x (turnover + vacancy rate)",
    ),
    # Plan summary.
    "lots_passing": ("Lots passing every rule.", _SUMMARY),
    "lots_failing": ("Lots failing a rule.", _SUMMARY),
    "tier1_lots": ("Tier 1 lots.", _SUMMARY),
    "tier1_lots_passing": ("Tier 1 lots passing every rule.", _SUMMARY),
    "hours_total": ("Weekly hours of all customers.", _SUMMARY),
    "customers_total": ("All customers (rounded by disclosure control).", _SUMMARY),
    "hours_in_passing_tier1": ("Weekly hours in Tier 1 lots that pass every rule.", _SUMMARY),
    "share_in_passing_tier1": (
        "Share of all weekly hours in passing Tier 1 lots, from 0 to 1.",
        _SUMMARY,
    ),
    "hours_outside_lots": ("Weekly hours in no lot.", _SUMMARY),
    "customers_outside_lots": ("Customers in no lot (suppressed when small).", _SUMMARY),
    "covered_share": ("Share of all weekly hours in lots, from 0 to 1.", _SUMMARY),
    "hours_breaches": ("Lots outside the hours band.", _SUMMARY),
    "customers_breaches": ("Lots outside the customer band.", _SUMMARY),
    "radius_breaches": ("Lots with a customer beyond the radius.", _SUMMARY),
    "drive_breaches": ("Lots with a customer beyond the drive time.", _SUMMARY),
    "contiguity_breaches": ("Lots that are not one connected area.", _SUMMARY),
    "within_breaches": ("Lots that cross the area they should nest in.", _SUMMARY),
    "rule_breaches": ("Rule breaches over all lots.", _SUMMARY),
    "seed_tier1_areas": (
        "Tier 1 areas of the reference (West Sussex) design.",
        f"{_SETTINGS}: SEED_TIER1_AREAS",
    ),
    "seed_tier1_share": (
        "Share of hours in Tier 1 of the reference design, from 0 to 1.",
        f"{_SETTINGS}: SEED_TIER1_SHARE",
    ),
    "meets_seed_share": (
        "Whether passing Tier 1 lots hold at least the reference design's share.",
        _SUMMARY,
    ),
    "travel_in_passing_tier1": (
        "Travel to centre in passing Tier 1 lots: hours times drive minutes, summed "
        "(hour-minutes).",
        _SUMMARY,
    ),
    "objective": (
        "The design engine's score: travel plus a penalty for hours left outside lots (lower is "
        "better).",
        "Lot design (lotdesign.lots.plan_objective)",
    ),
    # Scenario sweeps.
    "scenario": ("Name of the scenario.", _SWEEP),
    "changes": ("What the scenario changes from the run spec.", _SWEEP),
    "tier2_zones": ("Tier 2 zones.", _SWEEP),
    "travel_per_hour": (
        "Travel to centre per hour of care in lots: the hours-weighted mean drive to a lot's "
        "centre.",
        _SWEEP,
    ),
    "change_per_customer_week_p10": (
        "10th percentile of the change in cost per customer-week.",
        f"{_SWEEP}: {_RANGES}",
    ),
    "change_per_customer_week_p90": (
        "90th percentile of the change in cost per customer-week.",
        f"{_SWEEP}: {_RANGES}",
    ),
    "months_to_viable_median": ("Months to viable volume of the median lot.", f"{_SWEEP}: {_FLOW}"),
    "months_to_viable_max": ("Months to viable volume of the slowest lot.", f"{_SWEEP}: {_FLOW}"),
    "lots_never_viable": (
        "Lots that do not reach viable volume within the term.",
        f"{_SWEEP}: {_FLOW}",
    ),
    "seconds": ("Time the scenario took to compute.", _SWEEP),
    "cached": ("Whether the scenario's result came from the cache.", _SWEEP),
}


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
        meaning=c.meaning or _MEANINGS.get(c.name, (None, None))[0],
        source=c.source or _MEANINGS.get(c.name, (None, None))[1],
    )
    for c in _BUILT_IN
]

register(*_BUILT_IN)
