"""Ranges: the cost effect under uncertain inputs, as P10/P50/P90 and a tornado.

Uncertain inputs carry ranges (:class:`RangeParams`, defaults ``settings.COST_RANGES``):
speeds, road circuity, the calibrated scheduling factor, the pass-back share, how long
packages last, demand growth and the rate uplift. :func:`monte_carlo` draws each from a
triangular distribution between its range's ends with the run's value as its mode (seeded, so
the same seed gives the same answer) and reports P10, P50 and P90 of the change in cost per
customer-week and in spend. :func:`tornado` moves one input at a time to its range's ends
(inputs without a range by ``swing``) and flags any that can flip the sign of the change.

Both evaluate :func:`cost_effect`, which re-prices the plan without re-running the travel
model: travel per visit scales exactly with circuity, the scheduling factor and the paid share
of a round's legs, minutes also inversely with speed, and the price build-up is linear in
travel (:func:`~lotdesign.cost.build_up_coefficients`), so thousands of draws take a second.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lotdesign import settings
from lotdesign.cost.flow import FlowParams, Turnover, contracted_share
from lotdesign.cost.params import PriceParams, ScenarioParams, TravelParams, _FromMapping, _require
from lotdesign.cost.policy import PricePolicy, policy_prices
from lotdesign.cost.price import build_up_coefficients
from lotdesign.errors import ValidationError

__all__ = [
    "METRICS",
    "RANGED",
    "SWUNG",
    "CostBase",
    "RangeParams",
    "cost_effect",
    "monte_carlo",
    "tornado",
]

#: Inputs that carry a range (fields of :class:`RangeParams`), with what each is.
RANGED: dict[str, str] = {
    "speed_factor": "driving speeds (multiple of the run's)",
    "circuity": "road circuity",
    "scheduling_factor": "scheduling factor (real / shortest rounds)",
    "pass_back_share": "share of the travel saving passed back",
    "package_months_factor": "package length (multiple of the estimate)",
    "demand_growth": "demand growth a year",
    "rate_uplift": "rate uplift a year",
}
#: Inputs the tornado moves by ``swing`` either way (no range is declared for them).
SWUNG: tuple[str, ...] = (
    "lead_share",
    "visits_per_round",
    "wage",
    "business_share",
    "mileage_rate",
    "rural_premium",
)


def _range(name: str):
    return field(default_factory=lambda: tuple(settings.COST_RANGES[name]))


@dataclass(frozen=True)
class RangeParams(_FromMapping):
    """Ranges (low, high) of the uncertain inputs; defaults ``settings.COST_RANGES``.

    Attributes
    ----------
    speed_factor, circuity, scheduling_factor, pass_back_share, package_months_factor,
    demand_growth, rate_uplift : tuple of float
        ``(low, high)``; see :data:`RANGED`.
    draws : int
        Monte Carlo draws (``settings.MONTE_CARLO_DRAWS``).
    """

    speed_factor: tuple[float, float] = _range("speed_factor")
    circuity: tuple[float, float] = _range("circuity")
    scheduling_factor: tuple[float, float] = _range("scheduling_factor")
    pass_back_share: tuple[float, float] = _range("pass_back_share")
    package_months_factor: tuple[float, float] = _range("package_months_factor")
    demand_growth: tuple[float, float] = _range("demand_growth")
    rate_uplift: tuple[float, float] = _range("rate_uplift")
    #: Draws >= 10; ``settings.MONTE_CARLO_DRAWS``.
    draws: int = field(default_factory=lambda: settings.MONTE_CARLO_DRAWS)

    def __post_init__(self) -> None:
        for name in RANGED:
            value = getattr(self, name)
            if not (
                isinstance(value, tuple | list)
                and len(value) == 2
                and all(isinstance(v, int | float) and math.isfinite(v) for v in value)
                and value[0] <= value[1]
            ):
                raise ValidationError(
                    f"RangeParams.{name} must be (low, high) with low <= high, got {value!r}."
                )
            object.__setattr__(self, name, (float(value[0]), float(value[1])))
        if not (isinstance(self.draws, int) and self.draws >= 10):
            raise ValidationError(
                f"RangeParams.draws must be a whole number >= 10, got {self.draws!r}."
            )


@dataclass
class CostBase:
    """The base case the ranges move: the plan's lots and the run's inputs.

    Built by :meth:`from_scenario` from a :func:`~lotdesign.cost.proposed_scenario` result.
    """

    lots: pd.DataFrame
    lot_lines: pd.DataFrame
    spend_current: float
    customers: float
    hours: float
    floor: float
    travel: TravelParams
    price: PriceParams
    scenario: ScenarioParams
    policy: PricePolicy
    turnover: Turnover
    flow: FlowParams
    years: int
    demand_growth: float
    rate_uplift: float
    weeks_per_year: float
    travel_modelled: bool = True

    @classmethod
    def from_scenario(
        cls,
        scenario_lines: pd.DataFrame,
        turnover: Turnover,
        *,
        travel: TravelParams | None = None,
        price: PriceParams | None = None,
        scenario: ScenarioParams | None = None,
        policy: PricePolicy | None = None,
        flow: FlowParams | None = None,
        years: int | None = None,
        demand_growth: float | None = None,
        rate_uplift: float | None = None,
        weeks_per_year: float | None = None,
    ) -> CostBase:
        """The base case of a costed plan, with the inputs it was costed with."""
        _require(scenario_lines, ["customer_id", "weekly_hours", "weekly_cost_current", "lot_id"])
        lots = scenario_lines.attrs.get("lots")
        if lots is None or "price_proposed" not in lots:
            raise ValidationError(
                "The scenario has no lot table; pass a proposed_scenario() result with lots."
            )
        in_lot = scenario_lines["arrangement"] == "lot"
        return cls(
            lots=lots.copy(),
            lot_lines=scenario_lines[in_lot].copy(),
            spend_current=float(scenario_lines["weekly_cost_current"].sum()),
            customers=float(scenario_lines["customer_id"].nunique()),
            hours=float(scenario_lines["weekly_hours"].sum()),
            floor=float(lots["floor"].iloc[0]),
            travel=travel or TravelParams(),
            price=price or PriceParams(),
            scenario=scenario or ScenarioParams(),
            policy=policy or PricePolicy(),
            turnover=turnover,
            flow=flow or FlowParams(),
            years=settings.PROJECTION_YEARS if years is None else years,
            demand_growth=settings.DEMAND_GROWTH if demand_growth is None else demand_growth,
            rate_uplift=settings.RATE_UPLIFT if rate_uplift is None else rate_uplift,
            weeks_per_year=settings.WEEKS_PER_YEAR if weeks_per_year is None else weeks_per_year,
            travel_modelled=bool(scenario_lines.attrs.get("travel_modelled", True)),
        )

    def value(self, name: str) -> float:
        """The base case's value of an input of :data:`RANGED` or :data:`SWUNG`."""
        if name in ("speed_factor", "package_months_factor"):
            return 1.0
        if name in ("circuity", "scheduling_factor", "visits_per_round"):
            return float(getattr(self.travel, name))
        if name == "pass_back_share":
            return float(self.policy.pass_back_share)
        if name in ("demand_growth", "rate_uplift"):
            return float(getattr(self, name))
        if name in ("lead_share", "rural_premium"):
            return float(getattr(self.scenario, name))
        if name in ("wage", "business_share", "mileage_rate"):
            return float(getattr(self.price, name))
        raise ValidationError(f"Unknown input {name!r}; choose from {[*RANGED, *SWUNG]}.")


#: What :func:`cost_effect` returns, and what each is.
METRICS: dict[str, str] = {
    "change_per_customer_week": "change in cost per customer-week at full effect (£)",
    "change_pct": "change in spend at full effect (%)",
    "change_weekly": "change in weekly spend at full effect (£)",
    "change_year1": "change in spend in year 1 (£)",
    "change_term": "change in spend over the term, years 1 to N (£)",
    "change_annual_term": "change in spend a year, averaged over the term (£)",
    "care_worker_hours_released_week": "care-worker hours released a week at full effect",
    "miles_saved_week": "miles saved a week at full effect",
    "travel_value_week": "value of the travel saving a week at full effect (£)",
}


def cost_effect(base: CostBase, **changes: Any) -> dict[str, np.ndarray]:
    """The plan's cost effect with some inputs changed from the base case.

    Parameters
    ----------
    base : CostBase
    **changes
        Inputs of :data:`RANGED` (scalars or arrays of draws) or :data:`SWUNG` (scalars).

    Returns
    -------
    dict of str to numpy.ndarray
        Each of :data:`METRICS`, one value per draw (0-d for scalar inputs).
    """
    unknown = sorted(set(changes) - set(RANGED) - set(SWUNG))
    if unknown:
        raise ValidationError(f"Unknown inputs {unknown}; choose from {[*RANGED, *SWUNG]}.")

    def get(name: str) -> np.ndarray:
        return np.asarray(changes.get(name, base.value(name)), dtype=float)

    lots = base.lots
    travel, price, scen = base.travel, base.price, base.scenario
    share_p = lots["share_proposed"].to_numpy(float)
    miles_p = lots["miles_hour_proposed"].to_numpy(float)
    if "lead_share" in changes:
        share_p, miles_p = _relot(base, float(changes["lead_share"]))
    if "rural_premium" in changes:
        scen = dataclasses.replace(scen, rural_premium=float(changes["rural_premium"]))
    price_changes = {
        k: float(changes[k]) for k in ("wage", "business_share", "mileage_rate") if k in changes
    }
    if price_changes:
        price = dataclasses.replace(price, **price_changes)
    a, b, c = build_up_coefficients(price)

    legs0 = 1.0 - 1.0 / travel.visits_per_round
    legs = 1.0 - 1.0 / np.maximum(get("visits_per_round"), 1.0)
    k_miles = (
        (get("circuity") / travel.circuity)
        * (get("scheduling_factor") / travel.scheduling_factor)
        * (legs / legs0)
    )
    k_minutes = k_miles / get("speed_factor")
    k_miles, k_minutes = k_miles[..., None], k_minutes[..., None]

    share_c = lots["share_current"].to_numpy(float)
    miles_c = lots["miles_hour_current"].to_numpy(float)
    saving = b * (share_c - share_p) * k_minutes + c * (miles_c - miles_p) * k_miles
    if not base.travel_modelled:
        saving = saving * np.nan
    current = lots["price_current"].to_numpy(float)
    tier = lots["tier"].to_numpy(int)
    proposed = policy_prices(
        current,
        saving,
        tier,
        floor=base.floor,
        policy=base.policy,
        pass_back_share=get("pass_back_share"),
        scenario=scen,
    )
    if not base.policy.allow_below_floor:
        proposed = np.maximum(proposed, np.minimum(base.floor, current))
    hours = lots["hours"].to_numpy(float)
    change_week = ((proposed - current) * hours).sum(axis=-1)

    months = get("package_months_factor") * base.turnover.mean_months
    h = 1.0 - np.exp(-1.0 / months)
    growth = get("demand_growth")
    uplift = get("rate_uplift")
    mid = np.arange(12 * base.years) + 0.5
    demand, contracted = contracted_share(
        mid,
        monthly_end_rate=h,
        demand_growth=growth,
        new_customers_only=base.flow.new_customers_only,
    )
    if contracted.ndim == 1 and np.ndim(change_week):
        demand, contracted = (
            np.broadcast_to(demand, (len(change_week), len(mid))),
            np.broadcast_to(contracted, (len(change_week), len(mid))),
        )
    year_of = (mid // 12).astype(int)
    up = (1.0 + (uplift[..., None] if uplift.ndim else uplift)) ** year_of
    per_month = base.weeks_per_year / 12.0
    monthly = np.asarray(change_week)[..., None] * contracted * up * per_month
    visits = lots["visits_week"].to_numpy(float)
    mean_visit = travel.mean_visit_minutes
    released = (visits * (share_c - share_p) * mean_visit * k_minutes).sum(axis=-1) / 60.0
    miles = (visits * (miles_c - miles_p) * mean_visit / 60.0 * k_miles).sum(axis=-1)
    value = (hours * np.nan_to_num(saving)).sum(axis=-1)
    if not base.travel_modelled:
        released, miles, value = released * np.nan, miles * np.nan, value * np.nan
    term = monthly.sum(axis=-1)
    return {
        "change_per_customer_week": change_week / base.customers,
        "change_pct": 100.0 * change_week / base.spend_current,
        "change_weekly": change_week,
        "change_year1": monthly[..., :12].sum(axis=-1),
        "change_term": term,
        "change_annual_term": term / base.years,
        "care_worker_hours_released_week": released,
        "miles_saved_week": miles,
        "travel_value_week": value,
    }


def _relot(base: CostBase, lead_share: float) -> tuple[np.ndarray, np.ndarray]:
    """Proposed travel per contact hour with another lead share (the lots re-modelled)."""
    from lotdesign.cost.scenarios import _lot_travel

    scenario = dataclasses.replace(base.scenario, lead_share=min(max(lead_share, 1e-6), 1.0))
    modelled = _lot_travel(base.lot_lines, base.travel, base.price, scenario)
    modelled = base.lots[["lot_id"]].merge(modelled, on="lot_id", how="left")
    mean_visit = base.travel.mean_visit_minutes
    share = modelled["minutes_per_visit"].to_numpy(float) / mean_visit
    miles = modelled["miles_per_visit"].to_numpy(float) * 60.0 / mean_visit
    return share, miles


def _bounds(base: CostBase, ranges: RangeParams, name: str) -> tuple[float, float, float]:
    low, high = getattr(ranges, name)
    mode = base.value(name)
    return min(low, mode), mode, max(high, mode)


def monte_carlo(
    base: CostBase,
    *,
    ranges: RangeParams | None = None,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """P10, P50 and P90 of the cost effect over the ranged inputs (seeded).

    Each input of :data:`RANGED` is drawn from a triangular distribution on its range with
    the base case's value as its mode (a range not containing the base value is widened to
    it); the draws are independent. Speed and circuity are not: winding roads are also slow
    ones, so drive minutes (circuity / speed) vary more than independent draws give, and the
    P10-P90 of minutes-driven metrics (care-worker hours released, the travel saving's value)
    is narrower than it should be. No published joint distribution is at hand to correlate
    them (``benchmarks/bench_roads.py`` measures road against straight-line time, one figure
    per rurality class, not the spread of the pair); a council with a road network should
    route drive times (``travel.roads``) rather than lean on either range.

    Parameters
    ----------
    base : CostBase
    ranges : RangeParams, optional
    seed : int
        The same seed gives the same draws and percentiles.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        Summary, one row per metric of :data:`METRICS`: ``metric``, ``measure``, ``base``,
        ``p10``, ``p50``, ``p90``; and the draws, one row per draw: the inputs then the
        metrics.
    """
    ranges = ranges or RangeParams()
    rng = np.random.default_rng(seed)
    draws = {}
    for name in RANGED:
        low, mode, high = _bounds(base, ranges, name)
        draws[name] = (
            rng.triangular(low, mode, high, ranges.draws)
            if high > low
            else np.full(ranges.draws, mode)
        )
    effect = cost_effect(base, **draws)
    at_base = cost_effect(base)
    rows = []
    for metric, text in METRICS.items():
        values = np.asarray(effect[metric], dtype=float)
        if np.isnan(values).all():
            p10 = p50 = p90 = np.nan
        else:
            p10, p50, p90 = np.nanpercentile(values, [10, 50, 90])
        rows.append((metric, text, float(at_base[metric]), p10, p50, p90))
    summary = pd.DataFrame(rows, columns=["metric", "measure", "base", "p10", "p50", "p90"])
    table = pd.DataFrame(draws | {m: np.asarray(effect[m], dtype=float) for m in METRICS})
    return summary, table


def tornado(
    base: CostBase,
    *,
    ranges: RangeParams | None = None,
    swing: float | None = None,
    parameters: list[str] | None = None,
    metric: str = "change_annual_term",
) -> pd.DataFrame:
    """One input at a time to the ends of its range: which move the answer, which flip it.

    Inputs of :data:`RANGED` go to their range's ends; those of :data:`SWUNG` to ``(1 -
    swing)`` and ``(1 + swing)`` times their value (shares capped at 1, rounds at least 1).

    Parameters
    ----------
    base : CostBase
    ranges : RangeParams, optional
    swing : float, optional
        For inputs without a range (default ``settings.TORNADO_SWING``).
    parameters : list of str, optional
        Inputs to move (default all of :data:`RANGED` and :data:`SWUNG`).
    metric : str
        What is compared (default the change in spend a year, averaged over the term).

    Returns
    -------
    pandas.DataFrame
        One row per input, widest first: ``parameter``, ``base_value``, ``low_value``,
        ``high_value``, ``change_at_low``, ``change_at_high``, ``base_change``, ``range``,
        ``flips_sign`` (the change has another sign somewhere in the range), and the care-worker
        hours released a week at each end (``released_at_low``, ``released_at_high``).
    """
    ranges = ranges or RangeParams()
    swing = settings.TORNADO_SWING if swing is None else swing
    if not 0 < swing < 1:
        raise ValidationError(f"swing must be in (0, 1), got {swing!r}.")
    if metric not in METRICS:
        raise ValidationError(f"Unknown metric {metric!r}; choose from {list(METRICS)}.")
    names = list(parameters) if parameters is not None else [*RANGED, *SWUNG]
    unknown = [n for n in names if n not in RANGED and n not in SWUNG]
    if unknown:
        raise ValidationError(
            f"Unknown tornado parameters {unknown}; choose from {[*RANGED, *SWUNG]}."
        )
    at_base = cost_effect(base)
    base_change = float(at_base[metric])
    rows = []
    for name in names:
        value = base.value(name)
        if name in RANGED:
            low, _, high = _bounds(base, ranges, name)
        else:
            low, high = value * (1.0 - swing), value * (1.0 + swing)
            if name == "lead_share":
                high = min(high, 1.0)
            if name == "visits_per_round":
                low = max(low, 1.0)
        ends = [cost_effect(base, **{name: v}) for v in (low, high)]
        at_low, at_high = (float(e[metric]) for e in ends)
        signs = {int(np.sign(round(v, 6))) for v in (at_low, at_high, base_change)}
        rows.append(
            (
                name,
                value,
                low,
                high,
                at_low,
                at_high,
                base_change,
                abs(at_high - at_low),
                bool({-1, 1} <= signs),
                float(ends[0]["care_worker_hours_released_week"]),
                float(ends[1]["care_worker_hours_released_week"]),
            )
        )
    out = pd.DataFrame(
        rows,
        columns=[
            "parameter",
            "base_value",
            "low_value",
            "high_value",
            "change_at_low",
            "change_at_high",
            "base_change",
            "range",
            "flips_sign",
            "released_at_low",
            "released_at_high",
        ],
    )
    return out.sort_values("range", ascending=False, ignore_index=True, kind="stable")
