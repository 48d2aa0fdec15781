"""Scenarios: today's providers and a lot plan, costed line by line.

:func:`current_scenario` costs today's market: each package line at the extract's own weekly
cost (imputed where missing), with travel modelled per provider patch. :func:`proposed_scenario`
puts a lot plan beside it: lead and secondary providers priced from their lots' density, the
rest spot-purchased from today's providers, and each line's proposed cost its current cost plus
the modelled change in price per hour times its hours.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pandas as pd

from lotdesign import settings
from lotdesign.cost.params import PriceParams, ScenarioParams, TravelParams, _require
from lotdesign.cost.travel import patch_travel
from lotdesign.errors import ValidationError

__all__ = ["current_scenario", "proposed_scenario"]

_LINE_COLUMNS = ("customer_id", "weekly_hours", "easting", "northing", "district", "rurality")


def current_scenario(
    customers: pd.DataFrame,
    packages: pd.DataFrame | None = None,
    *,
    travel: TravelParams | None = None,
    price: PriceParams | None = None,
    scenario: ScenarioParams | None = None,
    default_hourly_rate: float | None = None,
) -> pd.DataFrame:
    """Today's market: each provider's customers as they lie now, with their real cost.

    Each package line's weekly cost is the extract's; where missing, ``weekly_hours *
    hourly_rate``; where that is missing too, ``weekly_hours * default_hourly_rate``. Travel
    is modelled per provider patch (``scenario.current_by``, default provider within
    district); lines with no provider are grouped by district.

    Parameters
    ----------
    customers : pandas.DataFrame
        The customers contract (one row per customer).
    packages : pandas.DataFrame, optional
        Service lines (one row per package line, same columns); default ``customers``.
    travel, price, scenario : optional parameter sets
    default_hourly_rate : float, optional
        £/h for lines with neither cost nor rate (default ``settings.DEFAULT_HOURLY_RATE``).

    Returns
    -------
    pandas.DataFrame
        One row per line: ``customer_id``, ``unit_id``, ``district``, ``provider``,
        ``rurality``, ``weekly_hours``, ``weekly_cost``, ``cost_source`` (``extract``,
        ``hours_x_rate`` or ``default_rate``), ``visits_week``, ``miles_per_visit``,
        ``minutes_per_visit``, ``model_price``. ``attrs`` holds ``extract_weekly_cost`` (sum
        of the costs given), ``imputed_weekly_cost`` and ``imputed_lines``.
    """
    scenario = scenario or ScenarioParams()
    if default_hourly_rate is None:
        default_hourly_rate = settings.DEFAULT_HOURLY_RATE
    lines = _lines(customers, packages)
    if not (math.isfinite(default_hourly_rate) and default_hourly_rate > 0):
        raise ValidationError(f"default_hourly_rate must be > 0, got {default_hourly_rate!r}.")
    reported = pd.to_numeric(lines.get("weekly_cost"), errors="coerce")
    rate = pd.to_numeric(lines.get("hourly_rate"), errors="coerce")
    cost = reported.copy()
    source = pd.Series("extract", index=lines.index, dtype=object)
    from_rate = cost.isna() & rate.notna()
    cost[from_rate] = lines.loc[from_rate, "weekly_hours"] * rate[from_rate]
    source[from_rate] = "hours_x_rate"
    default = cost.isna()
    cost[default] = lines.loc[default, "weekly_hours"] * default_hourly_rate
    source[default] = "default_rate"
    lines["weekly_cost"] = cost.astype(float)
    lines["cost_source"] = source

    missing = [c for c in scenario.current_by if c not in lines.columns]
    if missing:
        raise ValidationError(
            f"ScenarioParams.current_by names {missing}, not columns of the packages; "
            f"use columns among {sorted(lines.columns)}."
        )
    lines = _attach_travel(lines, list(scenario.current_by), travel, price, label="current")
    lines.attrs.update(
        extract_weekly_cost=float(reported.sum()),
        imputed_weekly_cost=float(cost[source != "extract"].sum()),
        imputed_lines=int((source != "extract").sum()),
    )
    if lines.attrs["imputed_lines"]:
        warnings.warn(
            f"{lines.attrs['imputed_lines']} package lines had no weekly cost; "
            f"£{lines.attrs['imputed_weekly_cost']:,.0f} a week was imputed from hours x rate.",
            stacklevel=2,
        )
    return lines


def _lines(customers: pd.DataFrame, packages: pd.DataFrame | None) -> pd.DataFrame:
    if not isinstance(customers, pd.DataFrame):
        raise ValidationError("customers must be a DataFrame (the customers contract).")
    lines = customers if packages is None else packages
    if not isinstance(lines, pd.DataFrame):
        raise ValidationError("packages must be a DataFrame of service lines, or None.")
    lines = lines.copy()
    if packages is not None and "customer_id" in lines.columns and "customer_id" in customers:
        # Service lines are read before units exist: take each line's unit (and any missing
        # place columns) from its customer.
        known = customers.drop_duplicates("customer_id").set_index("customer_id")
        for col in ("unit_id", "district", "rurality", "easting", "northing"):
            if col in known.columns:
                mapped = lines["customer_id"].map(known[col])
                lines[col] = (
                    lines[col].where(lines[col].notna(), mapped) if col in lines else mapped
                )
    _require(lines, [*_LINE_COLUMNS, "unit_id"])
    if lines.empty:
        raise ValidationError("No package lines to cost; the customers frame is empty.")
    if lines["unit_id"].isna().any():
        raise ValidationError(
            f"{int(lines['unit_id'].isna().sum())} package lines have no unit_id and no "
            "customer to take one from; pass the customers frame the lines belong to."
        )
    if "provider" not in lines.columns:
        lines["provider"] = None
    hours = pd.to_numeric(lines["weekly_hours"], errors="coerce")
    if hours.isna().any() or (hours < 0).any():
        raise ValidationError("weekly_hours must be numbers >= 0 on every line.")
    xy = lines[["easting", "northing"]].apply(pd.to_numeric, errors="coerce")
    if xy.isna().any().any():
        raise ValidationError(
            f"{int(xy.isna().any(axis=1).sum())} lines have no easting/northing; the costed "
            "customers must be geocoded (drop or fix them first)."
        )
    lines["weekly_hours"] = hours.astype(float)
    lines["customer_id"] = lines["customer_id"].astype(str)
    lines["unit_id"] = lines["unit_id"].astype(str)
    # A line with no provider cannot join anyone's patch; its district stands in for one.
    lines["_patch_provider"] = lines["provider"].where(
        lines["provider"].notna(), "(none) " + lines["district"].astype(str)
    )
    return lines.reset_index(drop=True)


def _attach_travel(
    lines: pd.DataFrame,
    by: list[str],
    travel: TravelParams | None,
    price: PriceParams | None,
    *,
    label: str,
) -> pd.DataFrame:
    by = ["_patch_provider" if c == "provider" else c for c in by]
    patches = patch_travel(lines, by=by, params=travel, price_params=price)
    cols = ["visits_week", "miles_per_visit", "minutes_per_visit", "price_per_hour"]
    merged = lines.merge(patches[[*by, *cols[1:]]], on=by, how="left", validate="many_to_one")
    merged["visits_week"] = (
        merged["weekly_hours"] * 60.0 / (travel or TravelParams()).mean_visit_minutes
    )
    merged = merged.rename(columns={"price_per_hour": "model_price"})
    merged.attrs["patches_" + label] = patches
    return merged


def proposed_scenario(
    customers: pd.DataFrame,
    assignment: pd.DataFrame,
    *,
    packages: pd.DataFrame | None = None,
    current: pd.DataFrame | None = None,
    travel: TravelParams | None = None,
    price: PriceParams | None = None,
    scenario: ScenarioParams | None = None,
) -> pd.DataFrame:
    """The lot plan against today, line by line.

    In a Tier 1 lot the lead provider holds ``lead_share`` of the lot's customers, spread
    over the whole lot, and the secondary the rest; a Tier 2 zone's main provider holds
    ``tier2_lead_share``. Each is priced from its own density; the lot's price per hour is
    their hours-weighted mean, times ``1 + rural_premium`` in the premium tiers. A line's
    proposed weekly cost is its current cost plus (proposed - current modelled price) x
    hours. Customers in Tier 3-4 or outside any lot stay spot-purchased from their current
    providers, whose patches are re-modelled without the customers the lots took.

    Parameters
    ----------
    customers : pandas.DataFrame
        The customers contract.
    assignment : pandas.DataFrame
        The lot plan: ``unit_id``, ``lot_id`` (None outside lots), ``tier`` (1-4).
    packages : pandas.DataFrame, optional
        Service lines; default ``customers``.
    current : pandas.DataFrame, optional
        A :func:`current_scenario` result to reuse (else computed with the same parameters).
    travel, price, scenario : optional parameter sets

    Returns
    -------
    pandas.DataFrame
        The current scenario's columns renamed with a ``_current`` suffix where they differ
        between scenarios (``weekly_cost``, ``model_price``, ``miles_per_visit``,
        ``minutes_per_visit``), the same with ``_proposed``, and ``lot_id``, ``tier``,
        ``arrangement`` (``lot`` or ``spot``). ``attrs`` carries the current attrs and
        ``lots`` (the per-lot travel table).
    """
    scenario = scenario or ScenarioParams()
    plan = _check_assignment(assignment)
    if current is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            current = current_scenario(
                customers, packages, travel=travel, price=price, scenario=scenario
            )
    else:
        _require(current, ["weekly_cost", "model_price", "miles_per_visit", "unit_id"])
    moved = ["weekly_cost", "model_price", "miles_per_visit", "minutes_per_visit"]
    lines = current.rename(columns={c: c + "_current" for c in moved}).drop(
        columns=["lot_id", "tier"], errors="ignore"
    )
    lines = lines.merge(plan, on="unit_id", how="left")
    unplanned = lines["tier"].isna()
    if unplanned.any():
        warnings.warn(
            f"{lines.loc[unplanned, 'unit_id'].nunique()} units with customers are not in the "
            "assignment; their customers stay spot-purchased (tier 3).",
            stacklevel=2,
        )
        lines.loc[unplanned, "tier"] = 3
        lines.loc[unplanned, "lot_id"] = None
    lines["tier"] = lines["tier"].astype(int)
    in_lot = lines["lot_id"].notna() & lines["tier"].isin([1, 2])
    lines["arrangement"] = np.where(in_lot, "lot", "spot")

    for col in moved:
        lines[col + "_proposed"] = lines[col + "_current"]
    if in_lot.any():
        lot_lines = lines[in_lot]
        lots = _lot_prices(lot_lines, travel, price, scenario)
        idx = lines.index[in_lot]
        joined = lot_lines[["lot_id"]].merge(lots, on="lot_id", how="left").set_index(idx)
        for col in ("model_price", "miles_per_visit", "minutes_per_visit"):
            lines.loc[idx, col + "_proposed"] = joined[col]
        lines.attrs["lots"] = lots
    spot = ~in_lot
    if spot.any() and in_lot.any():
        respot = _attach_travel(
            lines.loc[spot].drop(
                columns=[c for c in lines.columns if c.endswith("_proposed")] + ["visits_week"]
            ),
            list(scenario.current_by),
            travel,
            price,
            label="proposed",
        )
        idx = lines.index[spot]
        lines.loc[idx, "model_price_proposed"] = respot["model_price"].to_numpy()
        lines.loc[idx, "miles_per_visit_proposed"] = respot["miles_per_visit"].to_numpy()
        lines.loc[idx, "minutes_per_visit_proposed"] = respot["minutes_per_visit"].to_numpy()
    lines["weekly_cost_proposed"] = (
        lines["weekly_cost_current"]
        + (lines["model_price_proposed"] - lines["model_price_current"]) * lines["weekly_hours"]
    )
    lines.attrs.update({k: v for k, v in current.attrs.items() if not k.startswith("patches")})
    lines.attrs["scenario"] = dataclasses.asdict(scenario)
    return lines


def _check_assignment(assignment: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(assignment, pd.DataFrame):
        raise ValidationError("assignment must be a DataFrame with unit_id, lot_id, tier.")
    _require(assignment, ["unit_id", "lot_id", "tier"])
    plan = assignment[["unit_id", "lot_id", "tier"]].copy()
    plan["unit_id"] = plan["unit_id"].astype(str)
    if plan["unit_id"].duplicated().any():
        dup = plan.loc[plan["unit_id"].duplicated(), "unit_id"].head(5).tolist()
        raise ValidationError(f"assignment lists units more than once (e.g. {dup}); one row each.")
    tier = pd.to_numeric(plan["tier"], errors="coerce")
    if tier.isna().any() or not tier.isin([1, 2, 3, 4]).all():
        raise ValidationError("assignment.tier must be 1, 2, 3 or 4 on every row.")
    plan["tier"] = tier.astype(int)
    plan["lot_id"] = plan["lot_id"].where(plan["lot_id"].notna(), None)
    plan.loc[plan["lot_id"].notna(), "lot_id"] = plan["lot_id"].dropna().astype(str)
    mixed = plan.dropna(subset=["lot_id"]).groupby("lot_id")["tier"].nunique()
    if (mixed > 1).any():
        raise ValidationError(
            f"Lots {mixed[mixed > 1].index[:5].tolist()} have units of different tiers; give "
            "each lot one tier."
        )
    return plan


def _lot_prices(
    lot_lines: pd.DataFrame,
    travel: TravelParams | None,
    price: PriceParams | None,
    scenario: ScenarioParams,
) -> pd.DataFrame:
    tiers = lot_lines.groupby("lot_id")["tier"].first()
    parts = []
    for tier, share in ((1, scenario.lead_share), (2, scenario.tier2_lead_share)):
        group = lot_lines[lot_lines["tier"] == tier]
        if group.empty:
            continue
        roles = [(share, "lead")] + ([(1.0 - share, "secondary")] if share < 1 else [])
        priced = []
        for role_share, _role in roles:
            t = patch_travel(
                group, by="lot_id", params=travel, price_params=price, customer_share=role_share
            )
            t["_w"] = t["hours"] * role_share
            priced.append(t)
        both = pd.concat(priced)
        cols = ["price_per_hour", "miles_per_visit", "minutes_per_visit"]
        weighted = both[cols].mul(both["_w"], axis=0).assign(lot_id=both["lot_id"], _w=both["_w"])
        agg = weighted.groupby("lot_id").sum()
        out = agg[cols].div(agg["_w"], axis=0)
        first = priced[0].set_index("lot_id")
        out["customers"] = first["customers"]
        out["hours"] = first["hours"]
        out["area_km2"] = first["area_km2"]
        parts.append(out)
    lots = pd.concat(parts).reset_index()
    lots["tier"] = lots["lot_id"].map(tiers).astype(int)
    premium = np.where(lots["tier"].isin(scenario.rural_premium_tiers), scenario.rural_premium, 0.0)
    lots["model_price_before_premium"] = lots["price_per_hour"]
    lots["model_price"] = lots["price_per_hour"] * (1.0 + premium)
    return lots.drop(columns="price_per_hour")
