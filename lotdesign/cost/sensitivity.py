"""Sensitivity: how the plan's change in spend moves when one parameter moves.

:func:`tornado` moves each parameter of :data:`TORNADO_PARAMETERS` down and up by a share
with the others held, re-runs the whole comparison and ranks the parameters by the swing in
the annual change in spend (a tornado chart's bars).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterable
from typing import Any

import pandas as pd

from lotdesign import settings
from lotdesign.cost.params import PriceParams, ScenarioParams, TravelParams
from lotdesign.cost.scenarios import proposed_scenario
from lotdesign.cost.summaries import compare
from lotdesign.errors import ValidationError

__all__ = ["TORNADO_PARAMETERS", "tornado"]

#: Parameters :func:`tornado` moves, as (parameter set, field). ``speed`` scales every speed.
TORNADO_PARAMETERS: dict[str, tuple[str, str]] = {
    "lead_share": ("scenario", "lead_share"),
    "rural_premium": ("scenario", "rural_premium"),
    "wage": ("price", "wage"),
    "business_share": ("price", "business_share"),
    "mileage_rate": ("price", "mileage_rate"),
    "circuity": ("travel", "circuity"),
    "scheduling_factor": ("travel", "scheduling_factor"),
    "visits_per_round": ("travel", "visits_per_round"),
    "speed": ("travel", "speed_mph"),
}


def tornado(
    customers: pd.DataFrame,
    assignment: pd.DataFrame,
    *,
    packages: pd.DataFrame | None = None,
    parameters: Iterable[str] | None = None,
    swing: float | None = None,
    travel: TravelParams | None = None,
    price: PriceParams | None = None,
    scenario: ScenarioParams | None = None,
    weeks_per_year: float | None = None,
) -> pd.DataFrame:
    """One-at-a-time sensitivity of the plan's annual change in spend.

    Each parameter is moved to ``(1 - swing)`` and ``(1 + swing)`` times its base value
    (shares capped at 1) with the others held, and the whole comparison re-run.

    Parameters
    ----------
    customers : pandas.DataFrame
        The customers contract.
    assignment : pandas.DataFrame
        The lot plan: ``unit_id``, ``lot_id``, ``tier``.
    packages : pandas.DataFrame, optional
        Service lines; default ``customers``.
    parameters : iterable of str, optional
        Names from :data:`TORNADO_PARAMETERS` (default all).
    swing : float, optional
        Relative move, 0.2 = +-20% (default ``settings.TORNADO_SWING``).
    travel, price, scenario : optional parameter sets
        The base case; defaults from :mod:`lotdesign.settings`.
    weeks_per_year : float, optional
        Weeks in a year for annual figures (default ``settings.WEEKS_PER_YEAR``).

    Returns
    -------
    pandas.DataFrame
        One row per parameter, widest first: ``parameter``, ``base_value``, ``low_value``,
        ``high_value``, ``change_at_low``, ``change_at_high`` (annual £, proposed - current),
        ``base_change``, ``range``.
    """
    if swing is None:
        swing = settings.TORNADO_SWING
    if not 0 < swing < 1:
        raise ValidationError(f"swing must be in (0, 1), got {swing!r}.")
    names = list(parameters) if parameters is not None else list(TORNADO_PARAMETERS)
    unknown = [n for n in names if n not in TORNADO_PARAMETERS]
    if unknown:
        raise ValidationError(
            f"Unknown tornado parameters {unknown}; choose from {list(TORNADO_PARAMETERS)}."
        )
    base_sets = {
        "travel": travel or TravelParams(),
        "price": price or PriceParams(),
        "scenario": scenario or ScenarioParams(),
    }

    def run(sets: dict[str, Any]) -> float:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s = proposed_scenario(
                customers,
                assignment,
                packages=packages,
                travel=sets["travel"],
                price=sets["price"],
                scenario=sets["scenario"],
            )
        return float(compare(s, by=None, weeks_per_year=weeks_per_year)["change_annual"].iloc[0])

    base_change = run(base_sets)
    rows = []
    for name in names:
        which, attr = TORNADO_PARAMETERS[name]
        value = getattr(base_sets[which], attr)
        results, shown = [], []
        for factor in (1.0 - swing, 1.0 + swing):
            if name == "speed":
                new: Any = {k: v * factor for k, v in value.items()}
                shown.append(factor)
            else:
                new = value * factor
                if name == "lead_share":
                    new = min(new, 1.0)
                if name == "visits_per_round":
                    new = max(new, 1.0)
                shown.append(new)
            sets = dict(base_sets)
            sets[which] = dataclasses.replace(base_sets[which], **{attr: new})
            results.append(run(sets))
        base_shown = 1.0 if name == "speed" else value
        rows.append((name, base_shown, shown[0], shown[1], results[0], results[1], base_change))
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
        ],
    )
    out["range"] = (out["change_at_high"] - out["change_at_low"]).abs()
    return out.sort_values("range", ascending=False, ignore_index=True)
