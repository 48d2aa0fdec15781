"""Summaries of a costed scenario: current against proposed, projected, and paid for.

:func:`compare` sets current against proposed spend, travel and staffing per lot, tier or
district, or for the whole county; :func:`cost_summary` stacks it at every level (the
``cost_summary.csv`` table); :func:`project` carries the county's spend forward with a rate
uplift and demand growth; :func:`payment_models` prices the plan paid hourly, as blocks or by
outcomes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from lotdesign import settings
from lotdesign.cost.params import PaymentParams, _require
from lotdesign.errors import ValidationError

__all__ = ["compare", "cost_summary", "payment_models", "project"]


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
        proposed; ``change_weekly``, ``change_annual``, ``change_pct``, ``care_workers``.
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


def project(
    scenario: pd.DataFrame,
    *,
    years: int | None = None,
    rate_uplift: float | None = None,
    demand_growth: float | None = None,
    weeks_per_year: float | None = None,
) -> pd.DataFrame:
    """Project spend over ``years`` with a yearly rate uplift and demand growth.

    Rates rise by ``rate_uplift`` a year and customers and hours by ``demand_growth``, so
    spend grows by both. Travel per visit is held at today's: growth makes patches denser
    and travel shorter, so the projection errs on the high side.

    Parameters
    ----------
    scenario : pandas.DataFrame
        A :func:`~lotdesign.cost.proposed_scenario` result.
    years : int, optional
        Years projected after year 0 (default ``settings.PROJECTION_YEARS``).
    rate_uplift : float, optional
        Yearly rise in rates, 0.03 = 3% (default ``settings.RATE_UPLIFT``).
    demand_growth : float, optional
        Yearly growth in customers and hours (default ``settings.DEMAND_GROWTH``).
    weeks_per_year : float, optional
        Weeks in a year for annual figures (default ``settings.WEEKS_PER_YEAR``).

    Returns
    -------
    pandas.DataFrame
        One row per year ``0..years``: ``customers``, ``hours``, ``annual_spend_current``,
        ``annual_spend_proposed``, ``change_annual``, ``cumulative_change``.
    """
    if years is None:
        years = settings.PROJECTION_YEARS
    if rate_uplift is None:
        rate_uplift = settings.RATE_UPLIFT
    if demand_growth is None:
        demand_growth = settings.DEMAND_GROWTH
    if not (isinstance(years, int) and years >= 0):
        raise ValidationError(f"years must be a whole number >= 0, got {years!r}.")
    if rate_uplift <= -1 or demand_growth <= -1:
        raise ValidationError("rate_uplift and demand_growth must be > -1 (shares, 0.03 = 3%).")
    base = compare(scenario, by=None, weeks_per_year=weeks_per_year).iloc[0]
    year = np.arange(years + 1)
    volume = (1.0 + demand_growth) ** year
    rate = (1.0 + rate_uplift) ** year
    out = pd.DataFrame(
        {
            "year": year,
            "customers": base["customers"] * volume,
            "hours": base["hours"] * volume,
            "annual_spend_current": base["annual_spend_current"] * volume * rate,
            "annual_spend_proposed": base["annual_spend_proposed"] * volume * rate,
        }
    )
    out["change_annual"] = out["annual_spend_proposed"] - out["annual_spend_current"]
    out["cumulative_change"] = out["change_annual"].cumsum()
    return out


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
