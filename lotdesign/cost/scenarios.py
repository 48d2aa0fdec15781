"""Scenarios: today's providers and a lot plan, costed line by line.

:func:`current_scenario` costs today's market: each package line at the extract's own weekly
cost (imputed where missing, and counted), with travel modelled per provider patch.
:func:`proposed_scenario` puts a lot plan beside it: lead and secondary providers' travel
modelled from their lots' density, each lot priced by the council's price policy
(:mod:`lotdesign.cost.policy`) and the rest spot-purchased from today's providers at today's
cost. Figures are at full effect (every lot customer on the new contracts); the flow model
(:mod:`lotdesign.cost.flow`) phases them over the contract.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pandas as pd

from lotdesign import settings
from lotdesign.cost.params import PriceParams, ScenarioParams, TravelParams, _require
from lotdesign.cost.policy import PricePolicy, apply_price_policy
from lotdesign.cost.price import build_up_coefficients
from lotdesign.cost.travel import patch_travel
from lotdesign.cost.years import price_year
from lotdesign.errors import ValidationError

__all__ = ["current_scenario", "lot_table", "proposed_scenario"]

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
    blank = pd.Series(np.nan, index=lines.index)
    reported = pd.to_numeric(lines.get("weekly_cost", blank), errors="coerce")
    rate = pd.to_numeric(lines.get("hourly_rate", blank), errors="coerce")
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
    policy: PricePolicy | None = None,
) -> pd.DataFrame:
    """The lot plan against today, line by line, at full effect.

    In a Tier 1 lot the lead provider holds ``lead_share`` of the lot's customers, spread
    over the whole lot, and the secondary the rest; a Tier 2 zone's main provider holds
    ``tier2_lead_share``. Each is modelled from its own density, so the lot's modelled travel
    and price per hour are their hours-weighted mean; the modelled travel saving per hour is
    today's modelled price for the lot's lines less that. What the council pays is the price
    policy's (:func:`~lotdesign.cost.apply_price_policy`, guarded by the year's floor), so a
    lot line's proposed weekly cost is the lot's proposed price times its hours. Customers in
    Tier 3-4 or outside any lot stay spot-purchased from their providers at today's cost; their
    travel is re-modelled without the customers the lots took.

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
        ``price.year`` is the price year, whose floor guards the policy.
    policy : PricePolicy, optional
        What the council pays for lot hours (default ``settings.PRICE_POLICY``).

    Returns
    -------
    pandas.DataFrame
        The current scenario's columns renamed with a ``_current`` suffix where they differ
        between scenarios (``weekly_cost``, ``model_price``, ``miles_per_visit``,
        ``minutes_per_visit``), the same with ``_proposed``, and ``lot_id``, ``tier``,
        ``arrangement`` (``lot`` or ``spot``). ``attrs`` carries the current attrs,
        ``lots`` (one row per lot: today's and the modelled travel and prices, the travel
        saving per hour and the policy's price, see :func:`lot_table`), ``price_year``
        (:class:`~lotdesign.cost.PriceYear` as a dict), ``policy`` and ``travel_modelled``
        (False when no line names a provider, so today's travel is unknown).
    """
    scenario = scenario or ScenarioParams()
    price = price or PriceParams()
    travel = travel or TravelParams()
    policy = policy or PricePolicy()
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
    known = bool(lines["provider"].notna().any())
    year = price_year(price.year)

    for col in moved:
        lines[col + "_proposed"] = lines[col + "_current"]
    if in_lot.any():
        lot_lines = lines[in_lot]
        modelled = _lot_travel(lot_lines, travel, price, scenario)
        lots = lot_table(lot_lines, modelled, travel=travel, price=price, travel_modelled=known)
        lots = apply_price_policy(lots, floor=year.floor, policy=policy, scenario=scenario)
        idx = lines.index[in_lot]
        joined = lot_lines[["lot_id"]].merge(lots, on="lot_id", how="left").set_index(idx)
        for col in ("miles_per_visit", "minutes_per_visit"):
            lines.loc[idx, col + "_proposed"] = joined[col + "_proposed"]
        lines.loc[idx, "model_price_proposed"] = joined["model_price_proposed"]
        lines.loc[idx, "weekly_cost_proposed"] = (
            joined["price_proposed"] * lines.loc[idx, "weekly_hours"]
        )
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
    lines.attrs.update({k: v for k, v in current.attrs.items() if not k.startswith("patches")})
    lines.attrs["scenario"] = dataclasses.asdict(scenario)
    lines.attrs["travel"] = dataclasses.asdict(travel)
    lines.attrs["price"] = dataclasses.asdict(price)
    lines.attrs["price_year"] = dataclasses.asdict(year)
    lines.attrs["policy"] = dataclasses.asdict(policy) | {"text": policy.describe()}
    lines.attrs["travel_modelled"] = known
    return lines


def lot_table(
    lot_lines: pd.DataFrame,
    modelled: pd.DataFrame,
    *,
    travel: TravelParams,
    price: PriceParams,
    travel_modelled: bool = True,
) -> pd.DataFrame:
    """One row per lot: today's spend and travel, the modelled lot travel, the saving per hour.

    ``share_*`` is paid travel minutes per contact minute and ``miles_hour_*`` miles per
    contact hour, hours-weighted over the lot's lines (``current``) or its lead and secondary
    (``proposed``); ``model_price_*`` is the build-up at them, and ``saving_per_hour`` their
    difference (NaN when today's travel is unknown: no provider column).
    """
    mean_visit = travel.mean_visit_minutes
    frame = lot_lines.assign(
        _visits=lot_lines["weekly_hours"] * 60.0 / mean_visit,
    )
    frame["_mins"] = frame["minutes_per_visit_current"] * frame["_visits"]
    frame["_miles"] = frame["miles_per_visit_current"] * frame["_visits"]
    agg = frame.groupby("lot_id").agg(
        tier=("tier", "first"),
        customers=("customer_id", "nunique"),
        hours=("weekly_hours", "sum"),
        visits_week=("_visits", "sum"),
        spend_current=("weekly_cost_current", "sum"),
        _mins=("_mins", "sum"),
        _miles=("_miles", "sum"),
    )
    lots = agg.reset_index()
    lots["price_current"] = lots["spend_current"] / lots["hours"]
    lots["minutes_per_visit_current"] = lots.pop("_mins") / lots["visits_week"]
    lots["miles_per_visit_current"] = lots.pop("_miles") / lots["visits_week"]
    lots = lots.merge(
        modelled[["lot_id", "miles_per_visit", "minutes_per_visit", "area_km2"]].rename(
            columns={
                "miles_per_visit": "miles_per_visit_proposed",
                "minutes_per_visit": "minutes_per_visit_proposed",
            }
        ),
        on="lot_id",
        how="left",
    )
    a, b, c = build_up_coefficients(price)
    for when in ("current", "proposed"):
        lots[f"share_{when}"] = lots[f"minutes_per_visit_{when}"] / mean_visit
        lots[f"miles_hour_{when}"] = lots[f"miles_per_visit_{when}"] * 60.0 / mean_visit
        lots[f"model_price_{when}"] = a + b * lots[f"share_{when}"] + c * lots[f"miles_hour_{when}"]
    saving = lots["model_price_current"] - lots["model_price_proposed"]
    lots["saving_per_hour"] = saving if travel_modelled else np.nan
    return lots


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


def _lot_travel(
    lot_lines: pd.DataFrame,
    travel: TravelParams | None,
    price: PriceParams | None,
    scenario: ScenarioParams,
) -> pd.DataFrame:
    """Modelled travel per visit in each lot: its lead and secondary, hours-weighted."""
    parts = []
    for tier, share in ((1, scenario.lead_share), (2, scenario.tier2_lead_share)):
        group = lot_lines[lot_lines["tier"] == tier]
        if group.empty:
            continue
        roles = [share] + ([1.0 - share] if share < 1 else [])
        priced = []
        for role_share in roles:
            t = patch_travel(
                group, by="lot_id", params=travel, price_params=price, customer_share=role_share
            )
            t["_w"] = t["hours"] * role_share
            priced.append(t)
        both = pd.concat(priced)
        cols = ["miles_per_visit", "minutes_per_visit"]
        weighted = both[cols].mul(both["_w"], axis=0).assign(lot_id=both["lot_id"], _w=both["_w"])
        agg = weighted.groupby("lot_id").sum()
        out = agg[cols].div(agg["_w"], axis=0)
        out["area_km2"] = priced[0].set_index("lot_id")["area_km2"]
        parts.append(out)
    return pd.concat(parts).reset_index()
