"""The lot-size policies side by side: what each costs in lots, coverage and travel.

Minimising travel alone always prefers more, smaller lots; commissioners and providers want
fewer, viable ones (seed 003: 20 areas; providers asked for 1,000-2,000 h). The policy is a
choice, so :func:`policy_tradeoff` designs the same units under each one and shows the
trade-off in a small table.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from lotdesign import settings
from lotdesign.lots.engine import POLICIES, design
from lotdesign.lots.plan import LotPlan

__all__ = ["TRADEOFF_COLUMNS", "plan_row", "policy_tradeoff"]

#: Columns of :func:`policy_tradeoff` (each registered in :mod:`lotdesign.columns`).
TRADEOFF_COLUMNS: tuple[str, ...] = (
    "policy",
    "lots",
    "tier1_share",
    "mean_hours",
    "min_lot_hours",
    "max_lot_hours",
    "travel",
    "mean_minutes",
    "lots_over_after_growth",
)


def plan_row(plan: LotPlan, policy: str) -> dict[str, Any]:
    """One row of the trade-off table for a plan designed under ``policy``.

    ``lots_over_after_growth`` counts valid lots whose hours or customers pass the ceiling
    after the rules' headroom years of growth (settings.PROJECTION_YEARS when the rules have
    no headroom) at their growth rate.
    """
    valid = plan.lots[plan.lots["valid"].astype(bool)] if len(plan.lots) else plan.lots
    rules = plan.rules
    years = rules.headroom_years or settings.PROJECTION_YEARS
    grow = (1 + rules.headroom_growth) ** years
    hours = valid["hours"].astype(float) if len(valid) else pd.Series(dtype=float)
    covered = float(hours.sum())
    over = (hours * grow > rules.max_hours + 1e-9) | (
        valid["customers"].astype(float) * grow > rules.max_customers + 1e-9
    )
    return {
        "policy": policy,
        "lots": len(valid),
        "tier1_share": float(plan.objective["covered_share"]),
        "mean_hours": float(hours.mean()) if len(hours) else np.nan,
        "min_lot_hours": float(hours.min()) if len(hours) else np.nan,
        "max_lot_hours": float(hours.max()) if len(hours) else np.nan,
        "travel": float(plan.objective["travel"]),
        "mean_minutes": float(plan.objective["travel"]) / covered if covered else np.nan,
        "lots_over_after_growth": int(over.sum()) if len(valid) else 0,
    }


def policy_tradeoff(
    units: pd.DataFrame,
    *,
    policies: tuple[str, ...] | None = None,
    done: dict[str, LotPlan] | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Design ``units`` under each lot-size policy and tabulate the trade-off.

    Parameters
    ----------
    units
        Demand units.
    policies
        Policies to compare; default every one of :data:`~lotdesign.lots.engine.POLICIES`
        that the options allow (``target`` only with ``target_lots``).
    done
        Plans already designed, by policy (the run's own plan): not designed again.
    **options
        :func:`~lotdesign.lots.design` keywords shared by every policy (``rules``, ``seed``,
        ``matrix``, ``customers``...). ``target_lots`` is used by ``target`` only.

    Returns
    -------
    pandas.DataFrame
        One row per policy with :data:`TRADEOFF_COLUMNS`: Tier 1 lots, share of hours in
        them, mean, smallest and largest lot hours, travel (hour-minutes to lot centres),
        mean minutes to the centre per hour of care and lots over a ceiling after growth.
    """
    target = options.pop("target_lots", None)
    options.pop("policy", None)
    if policies is None:
        policies = tuple(p for p in POLICIES if p != "target" or target is not None)
    done = dict(done or {})
    rows = []
    for policy in policies:
        plan = done.get(policy)
        if plan is None:
            count = {"target_lots": target} if policy == "target" else {}
            plan = design(units, policy=policy, **count, **options)
        rows.append(plan_row(plan, policy))
    return pd.DataFrame(rows, columns=list(TRADEOFF_COLUMNS))
