"""The whole cost model for one plan: what ``lotdesign run`` computes, in one call.

:func:`cost_model` prices the plan for the analysis date's price year under the price
policy, reports the travel saving as a benefit, phases the change on the flow of new
customers, and puts ranges on it; :func:`effect_summary` sums it up in plain values (what
the report's sentences are written from), including what could not be computed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from lotdesign import settings
from lotdesign.cost.flow import FlowParams, Turnover, estimate_turnover, flow_by_lot, project
from lotdesign.cost.params import PaymentParams, PriceParams, ScenarioParams, TravelParams
from lotdesign.cost.policy import PricePolicy
from lotdesign.cost.scenarios import proposed_scenario
from lotdesign.cost.sensitivity import CostBase, RangeParams, monte_carlo, tornado
from lotdesign.cost.summaries import cost_summary, payment_models, travel_benefit

__all__ = ["cost_model", "effect_summary"]


def cost_model(
    customers: pd.DataFrame,
    assignment: pd.DataFrame,
    *,
    packages: pd.DataFrame | None = None,
    as_of: dt.date | None = None,
    price: PriceParams | None = None,
    travel: TravelParams | None = None,
    scenario: ScenarioParams | None = None,
    policy: PricePolicy | None = None,
    flow: FlowParams | None = None,
    ranges: RangeParams | None = None,
    payment: PaymentParams | None = None,
    projection: dict[str, Any] | None = None,
    swing: float | None = None,
    seed: int = 0,
    tier1_viable_hours: float | None = None,
    tier2_viable_hours: float | None = None,
    hours_per_worker: float | None = None,
    cost_column: bool = True,
) -> dict[str, Any]:
    """Cost a lot plan: prices for the year, the policy, the travel benefit, flow and ranges.

    Parameters
    ----------
    customers, assignment, packages
        As :func:`~lotdesign.cost.proposed_scenario`.
    as_of : datetime.date, optional
        The analysis date (start dates are measured back from it).
    price, travel, scenario, policy, flow, ranges, payment : optional parameter sets
    projection : dict, optional
        ``years``, ``rate_uplift``, ``demand_growth``, ``weeks_per_year`` (settings if left
        out).
    swing : float, optional
        Tornado move for inputs without a range.
    seed : int
        Monte Carlo seed.
    tier1_viable_hours, tier2_viable_hours : float, optional
        Viable lot volumes (default the Tier 1 floor and the Tier 2 start volume).
    hours_per_worker : float, optional
        Contact hours a week per care worker, for care workers released.
    cost_column : bool
        Whether the extract had a cost (or rate) column; said in the summary.

    Returns
    -------
    dict
        ``scenario``, ``summary``, ``lots``, ``benefit``, ``turnover``, ``flow``,
        ``flow_monthly``, ``projection``, ``ranges``, ``draws``, ``tornado``, ``payments``
        and ``effect`` (:func:`effect_summary`). Flow, ranges and tornado are None for a plan
        with no lots.
    """
    price = price or PriceParams()
    travel = travel or TravelParams()
    scenario = scenario or ScenarioParams()
    policy = policy or PricePolicy()
    flow = flow or FlowParams()
    ranges = ranges or RangeParams()
    projection = {k: v for k, v in (projection or {}).items() if v is not None}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the imputed spend is counted and reported instead
        lines = proposed_scenario(
            customers,
            assignment,
            packages=packages,
            travel=travel,
            price=price,
            scenario=scenario,
            policy=policy,
        )
    out: dict[str, Any] = {
        "scenario": lines,
        "summary": cost_summary(lines, weeks_per_year=projection.get("weeks_per_year")),
        "payments": payment_models(
            lines, params=payment, weeks_per_year=projection.get("weeks_per_year")
        ),
        "lots": None,
        "benefit": None,
        "flow": None,
        "flow_monthly": None,
        "ranges": None,
        "draws": None,
        "tornado": None,
    }
    turnover = estimate_turnover(
        packages if packages is not None else customers, as_of=as_of, params=flow
    )
    out["turnover"] = turnover
    lots = lines.attrs.get("lots")
    spend = float(lines["weekly_cost_current"].sum())
    empty = pd.DataFrame(columns=["hours", "price_current", "price_proposed"])
    out["projection"] = project(
        lots if lots is not None else empty,
        turnover,
        spend_current=spend,
        customers=float(lines["customer_id"].nunique()),
        hours=float(lines["weekly_hours"].sum()),
        params=flow,
        **projection,
    )
    if lots is not None:
        out["lots"] = lots
        out["benefit"] = travel_benefit(lines, hours_per_worker=hours_per_worker)
        out["flow"], out["flow_monthly"] = flow_by_lot(
            lots,
            turnover,
            lines=lines,
            as_of=as_of,
            params=flow,
            scenario=scenario,
            years=projection.get("years"),
            demand_growth=projection.get("demand_growth"),
            tier1_viable_hours=tier1_viable_hours,
            tier2_viable_hours=tier2_viable_hours,
        )
        base = CostBase.from_scenario(
            lines,
            turnover,
            travel=travel,
            price=price,
            scenario=scenario,
            policy=policy,
            flow=flow,
            **projection,
        )
        out["ranges"], out["draws"] = monte_carlo(base, ranges=ranges, seed=seed)
        out["tornado"] = tornado(base, ranges=ranges, swing=swing)
    out["effect"] = effect_summary(
        out, policy=policy, flow=flow, projection=projection, cost_column=cost_column
    )
    return out


def _num(value: Any) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def effect_summary(
    model: dict[str, Any],
    *,
    policy: PricePolicy,
    flow: FlowParams,
    projection: dict[str, Any],
    cost_column: bool = True,
) -> dict[str, Any]:
    """The cost effect in plain values (JSON), with what could not be computed.

    Keys: ``price_year`` (its inputs, floor and basis), ``policy`` (kind and words),
    ``prices_by_tier`` (today's and proposed £ an hour, full effect), ``lots``,
    ``lots_raised_to_bound``, ``lots_below_floor``, ``ranges`` (P10/P50/P90 per metric),
    ``timing`` (new customers only, term, turnover, contracted shares, months to viable),
    ``travel`` (the benefit and who keeps it; None when today's travel is unknown),
    ``spend`` (how much of today's spend was estimated), ``growth`` (demand growth and rate
    uplift with their sources), ``sign_flips`` (tornado inputs that can flip the sign).
    """
    lines = model["scenario"]
    lots = model["lots"]
    years = projection.get("years", settings.PROJECTION_YEARS)
    turnover: Turnover = model["turnover"]
    out: dict[str, Any] = {
        "price_year": dict(lines.attrs.get("price_year", {})),
        "policy": {"kind": policy.kind, "text": policy.describe()}
        | {
            "pass_back_share": policy.pass_back_share,
            "allow_below_floor": policy.allow_below_floor,
        },
        "lots": 0 if lots is None else len(lots),
        "travel_modelled": bool(lines.attrs.get("travel_modelled", True)),
    }
    if lots is not None:
        by_tier = {}
        for tier, g in lots.groupby("tier"):
            hours = g["hours"].sum()
            by_tier[str(int(tier))] = {
                "lots": len(g),
                "hours": float(hours),
                "price_current": float((g["price_current"] * g["hours"]).sum() / hours),
                "price_proposed": float((g["price_proposed"] * g["hours"]).sum() / hours),
                "min_price_proposed": float(g["price_proposed"].min()),
                "max_price_proposed": float(g["price_proposed"].max()),
            }
        out["prices_by_tier"] = by_tier
        out["lots_raised_to_bound"] = int(lots["raised_to_bound"].sum())
        out["lots_below_floor"] = int(lots["below_floor"].sum())
        out["lots_below_floor_ids"] = lots.loc[lots["below_floor"], "lot_id"].astype(str).tolist()
        out["lots_under_floor_today"] = int((lots["price_current"] < lots["floor"] - 1e-9).sum())
    if model["ranges"] is not None:
        out["ranges"] = {
            row.metric: {
                "base": _num(row.base),
                "p10": _num(row.p10),
                "p50": _num(row.p50),
                "p90": _num(row.p90),
            }
            for row in model["ranges"].itertuples()
        }
        flips = model["tornado"]
        out["sign_flips"] = flips.loc[flips["flips_sign"], "parameter"].astype(str).tolist()
    timing: dict[str, Any] = {
        "new_customers_only": flow.new_customers_only,
        "years": int(years),
        "turnover": dataclasses.asdict(turnover),
    }
    proj = model["projection"]
    if len(proj):
        timing["contracted_share_year1"] = _num(proj["contracted_share"].iloc[0])
        timing["contracted_share_last_year"] = _num(proj["contracted_share"].iloc[-1])
        timing["change_term"] = _num(proj["cumulative_change"].iloc[-1])
    if model["flow"] is not None:
        f = model["flow"]
        tier1 = f[f["tier"] == 1]
        months = tier1["months_to_viable"]
        timing["tier1_lots"] = len(tier1)
        timing["tier1_viable_within_term"] = int(months.notna().sum())
        if months.notna().any():
            timing["months_to_viable_min"] = _num(months.min())
            timing["months_to_viable_median"] = _num(months.median())
            timing["months_to_viable_max"] = _num(months.max())
        tier2 = f[f["tier"] == 2]
        timing["tier2_zones"] = len(tier2)
        timing["tier2_viable_within_term"] = int(tier2["months_to_viable"].notna().sum())
        timing["tier2_established_within_term"] = int(tier2["months_to_established"].notna().sum())
    out["timing"] = timing
    benefit = model["benefit"]
    if benefit is not None and out["travel_modelled"]:
        total = benefit[benefit["lot_id"] == "all lots"].iloc[0]
        out["travel"] = {
            k: _num(total[k])
            for k in (
                "paid_travel_minutes_saved_week",
                "miles_saved_week",
                "care_worker_hours_released_week",
                "care_workers_released",
                "travel_value_week",
                "council_keeps_week",
                "providers_keep_week",
                "council_pays_more_week",
            )
        }
    else:
        out["travel"] = None
    attrs = lines.attrs
    sources = lines["cost_source"] if "cost_source" in lines else pd.Series(dtype=object)
    out["spend"] = {
        "cost_column": bool(cost_column),
        "lines": len(lines),
        "imputed_lines": int(attrs.get("imputed_lines", 0)),
        "default_rate_lines": int((sources == "default_rate").sum()),
        "imputed_weekly_cost": float(attrs.get("imputed_weekly_cost", 0.0)),
        "weekly_spend": float(lines["weekly_cost_current"].sum()),
        "default_rate": float(settings.DEFAULT_HOURLY_RATE),
        "default_rate_source": settings.source("DEFAULT_HOURLY_RATE"),
    }
    growth = projection.get("demand_growth")
    uplift = projection.get("rate_uplift")
    out["growth"] = {
        "demand_growth": settings.DEMAND_GROWTH if growth is None else growth,
        "demand_growth_source": "set for this run"
        if growth is not None
        else settings.source("DEMAND_GROWTH"),
        "rate_uplift": settings.RATE_UPLIFT if uplift is None else uplift,
        "rate_uplift_source": "set for this run"
        if uplift is not None
        else settings.source("RATE_UPLIFT"),
    }
    return _plain(out)


def _plain(value: Any) -> Any:
    """Plain JSON values (numpy numbers become floats and ints)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return _num(value)
    if isinstance(value, float):
        return _num(value)
    return value
