"""Summaries of a costed scenario: current against proposed, the travel benefit, payment.

:func:`compare` sets current against proposed spend, travel and staffing per lot, tier or
district, or for the whole county, with the share of today's spend that was estimated;
:func:`cost_summary` stacks it at every level (the ``cost_summary.csv`` table);
:func:`travel_benefit` reports the travel saving as a benefit of its own (care-worker hours,
miles, paid travel minutes) and who keeps it under the price policy; :func:`payment_models`
prices the plan paid hourly, as blocks or by outcomes. The phased projection is
:func:`lotdesign.cost.project`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from lotdesign import settings
from lotdesign.cost.params import PaymentParams, _require
from lotdesign.errors import ValidationError

__all__ = ["compare", "cost_summary", "payment_models", "travel_benefit"]


def compare(
    scenario: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = "lot_id",
    weeks_per_year: float | None = None,
    hours_per_worker: float | None = None,
) -> pd.DataFrame:
    """Current against proposed, per group (lot, tier, district) or for the whole county.

    Parameters
    ----------
    scenario : pandas.DataFrame
        A :func:`~lotdesign.cost.proposed_scenario` result.
    by : str, sequence of str or None
        Grouping columns; ``None`` for one county row. Lines outside lots have ``lot_id``
        shown as ``"(spot)"``.
    weeks_per_year : float, optional
        Weeks in a year for annual figures (default ``settings.WEEKS_PER_YEAR``).
    hours_per_worker : float, optional
        Weekly contact hours of one care worker (default ``settings.HOURS_PER_CARE_WORKER``).

    Returns
    -------
    pandas.DataFrame
        One row per group: ``customers``, ``hours``, ``visits_week``, ``miles_per_visit_*``,
        ``minutes_per_visit_*``, ``price_per_hour_*`` (spend / hours), ``cost_per_customer_week_*``,
        ``weekly_spend_*``, ``annual_spend_*``, ``miles_week_*`` for ``*`` in current and
        proposed; ``change_weekly``, ``change_annual``, ``change_pct``, ``care_workers``, and
        ``estimated_spend_share``: the share of today's spend the extract did not give (lines
        priced from hours x rate or the default rate). Proposed figures are at full effect.
        Weekly spends, hours and care workers of the groups sum to the county's.
    """
    if weeks_per_year is None:
        weeks_per_year = settings.WEEKS_PER_YEAR
    if hours_per_worker is None:
        hours_per_worker = settings.HOURS_PER_CARE_WORKER
    _require(
        scenario,
        [
            "customer_id",
            "weekly_hours",
            "visits_week",
            "weekly_cost_current",
            "weekly_cost_proposed",
        ],
    )
    frame = scenario.copy()
    if "lot_id" in frame.columns:
        frame["lot_id"] = frame["lot_id"].where(frame["lot_id"].notna(), "(spot)")
    keys = [] if by is None else ([by] if isinstance(by, str) else list(by))
    _require(frame, keys)
    if not keys:
        frame["_all"] = "county"
        keys = ["_all"]
    for s in ("current", "proposed"):
        frame[f"_miles_{s}"] = frame[f"miles_per_visit_{s}"] * frame["visits_week"]
        frame[f"_mins_{s}"] = frame[f"minutes_per_visit_{s}"] * frame["visits_week"]
    estimated = frame["cost_source"] != "extract" if "cost_source" in frame else False
    frame["_estimated"] = frame["weekly_cost_current"].where(estimated, 0.0)
    agg = frame.groupby(keys, dropna=False).agg(
        customers=("customer_id", "nunique"),
        hours=("weekly_hours", "sum"),
        visits_week=("visits_week", "sum"),
        weekly_spend_current=("weekly_cost_current", "sum"),
        weekly_spend_proposed=("weekly_cost_proposed", "sum"),
        miles_week_current=("_miles_current", "sum"),
        miles_week_proposed=("_miles_proposed", "sum"),
        _mins_current=("_mins_current", "sum"),
        _mins_proposed=("_mins_proposed", "sum"),
        _estimated=("_estimated", "sum"),
    )
    for s in ("current", "proposed"):
        agg[f"miles_per_visit_{s}"] = agg[f"miles_week_{s}"] / agg["visits_week"]
        agg[f"minutes_per_visit_{s}"] = agg.pop(f"_mins_{s}") / agg["visits_week"]
        agg[f"price_per_hour_{s}"] = agg[f"weekly_spend_{s}"] / agg["hours"]
        agg[f"cost_per_customer_week_{s}"] = agg[f"weekly_spend_{s}"] / agg["customers"]
        agg[f"annual_spend_{s}"] = agg[f"weekly_spend_{s}"] * weeks_per_year
    agg["change_weekly"] = agg["weekly_spend_proposed"] - agg["weekly_spend_current"]
    agg["change_annual"] = agg["change_weekly"] * weeks_per_year
    agg["change_pct"] = 100.0 * agg["change_weekly"] / agg["weekly_spend_current"]
    agg["care_workers"] = agg["hours"] / hours_per_worker
    agg["estimated_spend_share"] = agg.pop("_estimated") / agg["weekly_spend_current"]
    out = agg.reset_index()
    return out.drop(columns="_all") if "_all" in out.columns else out


def cost_summary(scenario: pd.DataFrame, **kwargs: Any) -> pd.DataFrame:
    """:func:`compare` at every level stacked: county, tier, lot and district.

    This is ``cost_summary.csv``: columns ``level`` (county, tier, lot, district) and
    ``area`` (the tier, lot or district; ``"county"``) then :func:`compare`'s columns.
    """
    parts = []
    for level, key in (
        ("county", None),
        ("tier", "tier"),
        ("lot", "lot_id"),
        ("district", "district"),
    ):
        table = compare(scenario, by=key, **kwargs)
        area = table.pop(key).astype(str) if key else pd.Series("county", index=table.index)
        table.insert(0, "area", area)
        table.insert(0, "level", level)
        parts.append(table)
    return pd.concat(parts, ignore_index=True)


def travel_benefit(
    scenario: pd.DataFrame,
    *,
    hours_per_worker: float | None = None,
) -> pd.DataFrame:
    """The travel saving of the lots as a benefit of its own, and who keeps it.

    At full effect (every lot customer with the lot's lead or secondary), per lot and for all
    lots: paid travel minutes and miles saved a week, the care-worker hours that releases and
    the care workers that is (at ``hours_per_worker`` contact hours a week), and the saving's
    value at the price year's build-up. Who keeps it: the council keeps what the policy takes
    off today's price (never more than the saving); the providers keep the rest. A policy that
    raises prices (the floor, a rate card) makes the council pay more on top.

    Parameters
    ----------
    scenario : pandas.DataFrame
        A :func:`~lotdesign.cost.proposed_scenario` result (its ``attrs["lots"]``).
    hours_per_worker : float, optional
        Contact hours a week per care worker (default ``settings.HOURS_PER_CARE_WORKER``).

    Returns
    -------
    pandas.DataFrame
        One row per lot and a last row ``lot_id == "all lots"``: ``lot_id``, ``tier``,
        ``visits_week``, ``paid_travel_minutes_saved_week``, ``miles_saved_week``,
        ``care_worker_hours_released_week``, ``care_workers_released``,
        ``travel_value_week``, ``council_keeps_week``, ``providers_keep_week``,
        ``council_pays_more_week``. Travel columns are NaN when today's travel is unknown (no
        provider column).
    """
    if hours_per_worker is None:
        hours_per_worker = settings.HOURS_PER_CARE_WORKER
    lots = scenario.attrs.get("lots")
    if lots is None:
        raise ValidationError("The scenario has no lots; pass a proposed_scenario() result.")
    _require(
        lots,
        [
            "lot_id",
            "tier",
            "hours",
            "visits_week",
            "minutes_per_visit_current",
            "minutes_per_visit_proposed",
            "miles_per_visit_current",
            "miles_per_visit_proposed",
            "saving_per_hour",
            "price_current",
            "price_proposed",
        ],
    )
    out = lots[["lot_id", "tier", "visits_week"]].copy()
    visits = lots["visits_week"]
    known = lots["saving_per_hour"].notna()
    minutes = visits * (lots["minutes_per_visit_current"] - lots["minutes_per_visit_proposed"])
    out["paid_travel_minutes_saved_week"] = minutes.where(known)
    out["miles_saved_week"] = (
        visits * (lots["miles_per_visit_current"] - lots["miles_per_visit_proposed"])
    ).where(known)
    out["care_worker_hours_released_week"] = out["paid_travel_minutes_saved_week"] / 60.0
    out["care_workers_released"] = out["care_worker_hours_released_week"] / hours_per_worker
    value = lots["hours"] * lots["saving_per_hour"]
    cut = (lots["price_current"] - lots["price_proposed"]) * lots["hours"]
    out["travel_value_week"] = value
    out["council_keeps_week"] = np.clip(np.minimum(cut, value.clip(lower=0)), 0, None).where(known)
    out["providers_keep_week"] = value - out["council_keeps_week"]
    out["council_pays_more_week"] = (-cut).clip(lower=0)
    total = {"lot_id": "all lots", "tier": np.nan}
    total |= out.drop(columns=["lot_id", "tier"]).sum(min_count=1).to_dict()
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)


def payment_models(
    scenario: pd.DataFrame,
    *,
    params: PaymentParams | None = None,
    weeks_per_year: float | None = None,
) -> pd.DataFrame:
    """Annual cost of the proposed plan under three ways of paying for lot care.

    * **hourly** (time and task): delivered hours at the proposed price.
    * **block**: each lot's hours bought as a guaranteed block at ``block_discount`` off,
      sized so that expected demand fills ``block_utilisation`` of it; the council pays for
      the unused hours.
    * **outcome**: ``outcome_upfront_share`` of the plan's value paid up front, the rest
      when outcomes are met (expected ``outcome_achievement_rate``), plus a bonus of
      ``outcome_bonus_rate`` of value for the ``outcome_bonus_share`` of customers who need
      no further support (Wiltshire, Essex; seed 004).

    Spot-purchased lines (Tier 3-4) are paid hourly in every model.

    Parameters
    ----------
    scenario : pandas.DataFrame
        A :func:`~lotdesign.cost.proposed_scenario` result.
    params : PaymentParams, optional
        Discounts, shares and rates; defaults from :mod:`lotdesign.settings`.
    weeks_per_year : float, optional
        Weeks in a year for annual figures (default ``settings.WEEKS_PER_YEAR``).

    Returns
    -------
    pandas.DataFrame
        One row per model: ``model``, ``annual_cost``, ``change_vs_hourly``,
        ``cost_per_delivered_hour``, ``council_pays_for_unused``, ``provider_income_at_risk``
        (share of lot income that depends on volume or outcomes).
    """
    params = params or PaymentParams()
    if weeks_per_year is None:
        weeks_per_year = settings.WEEKS_PER_YEAR
    _require(scenario, ["weekly_hours", "weekly_cost_proposed", "arrangement"])
    lot = scenario["arrangement"] == "lot"
    lot_value = float(scenario.loc[lot, "weekly_cost_proposed"].sum()) * weeks_per_year
    spot_value = float(scenario.loc[~lot, "weekly_cost_proposed"].sum()) * weeks_per_year
    hours = float(scenario["weekly_hours"].sum()) * weeks_per_year

    block_lot = lot_value * (1.0 - params.block_discount) / params.block_utilisation
    unused = block_lot * (1.0 - params.block_utilisation)
    outcome_lot = lot_value * (
        params.outcome_upfront_share
        + (1.0 - params.outcome_upfront_share) * params.outcome_achievement_rate
        + params.outcome_bonus_rate * params.outcome_bonus_share
    )
    rows = [
        ("hourly", lot_value + spot_value, 0.0, 1.0),
        ("block", block_lot + spot_value, unused, 0.0),
        ("outcome", outcome_lot + spot_value, 0.0, 1.0 - params.outcome_upfront_share),
    ]
    out = pd.DataFrame(
        rows, columns=["model", "annual_cost", "council_pays_for_unused", "provider_income_at_risk"]
    )
    hourly = out.loc[0, "annual_cost"]
    out.insert(2, "change_vs_hourly", out["annual_cost"] - hourly)
    out.insert(3, "cost_per_delivered_hour", out["annual_cost"] / hours if hours else np.nan)
    return out
