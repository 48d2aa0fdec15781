"""The result of a design: :class:`LotPlan`, the objective, and how the plan frames are built."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from lotdesign import settings
from lotdesign.lots.rules import LotRules

if TYPE_CHECKING:
    from lotdesign.lots.instance import _Instance
    from lotdesign.lots.search import _Lot

__all__ = ["LotPlan", "plan_objective"]


@dataclass
class LotPlan:
    """The result of :func:`~lotdesign.lots.design`.

    Attributes
    ----------
    assignment
        One row per unit: ``unit_id``, ``lot_id`` (None outside any lot), ``tier`` (1 in a
        valid lot, 3 outside any lot, 4 for oversize units; :func:`lotdesign.tiers.assign_tiers`
        refines 3 into 2 and 3), ``is_centre``, ``locked``, ``hours``, ``customers``.
    lots
        One row per lot: ``lot_id``, ``centre_id`` (unit id, or fixed centre name),
        ``centre_x``, ``centre_y``, ``units``, ``hours``, ``customers``, ``travel``
        (hour-minutes), ``max_miles``, ``max_minutes`` (to the farthest customer when
        ``design`` was given customers, else to the farthest unit point),
        ``customers_beyond`` (NaN without customers), ``farthest_unit``, ``reach_to``
        (``customers`` or ``unit points``), ``contiguous``, ``valid``, ``flag``
        (``""``, ``oversize``, ``locked_invalid``), ``origin`` (``new``, ``locked``, ``kept``,
        ``repaired``, ``oversize``), ``reason``.
    rules
        The rules the plan was built to.
    objective
        ``covered_hours``, ``total_hours``, ``covered_share``, ``travel`` (hour-minutes in
        valid lots), ``uncovered_penalty`` (minutes per uncovered hour) and ``value``
        (``travel + penalty x uncovered hours``; lower is better).
    reasons
        Plain-English explanations: infeasible rules, units no lot can take, locked or
        starting-plan areas that could not be made valid, targets that could not be met.
    stats
        Timings and solver facts (per tile: candidates, LP dive rounds and bound).
    """

    assignment: pd.DataFrame
    lots: pd.DataFrame
    rules: LotRules
    objective: dict[str, float]
    reasons: list[str]
    stats: dict[str, Any]


def plan_objective(
    covered_hours: float, total_hours: float, travel: float, rules: LotRules
) -> float:
    """The engine's objective: ``travel + penalty x uncovered hours`` (hour-minutes).

    Parameters
    ----------
    covered_hours
        Weekly hours inside valid lots.
    total_hours
        Weekly hours of all units.
    travel
        Sum over covered units of hours x drive minutes to their lot centre.
    rules
        The rules (the penalty is ``LOT_UNCOVERED_PENALTY_FACTOR`` x the drive limit).
    """
    penalty = settings.LOT_UNCOVERED_PENALTY_FACTOR * rules.max_drive_minutes
    return float(travel + penalty * (total_hours - covered_hours))


def _build_plan(
    inst: _Instance,
    lots: list[_Lot],
    rules: LotRules,
    reasons: list[str],
    stats: dict[str, Any],
    *,
    prefix: str,
    centre_frame: pd.DataFrame | None,
) -> LotPlan:
    """Measure every lot, verify the rules, name lots and build the plan frames."""
    rows = []
    for lot in lots:
        members = np.fromiter(sorted(lot.members), dtype=np.int64)
        m = inst.measure(members, lot.centre)
        broken = inst.breaches(m)
        flag = ""
        if lot.origin == "oversize":
            flag = "oversize"
        elif broken and lot.origin == "locked":
            flag = "locked_invalid"
        elif broken:
            # Lots are valid by construction; this guard keeps a bug from reaching Tier 1.
            flag = "invalid"
            reasons.append(f"internal check rejected a lot: {'; '.join(broken.values())}")
        centre_id = str(inst.travel.ids[lot.centre])
        rows.append(
            {
                "members": members,
                "label": lot.label,
                "centre": lot.centre,
                "centre_id": centre_id,
                "centre_x": float(inst.travel.x[lot.centre]),
                "centre_y": float(inst.travel.y[lot.centre]),
                "units": len(members),
                "hours": m.hours,
                "customers": m.customers,
                "travel": m.travel,
                "max_miles": m.max_miles,
                "max_minutes": m.max_minutes,
                "customers_beyond": m.beyond if inst.has_customers else np.nan,
                "farthest_unit": str(inst.ids[m.far_minutes_unit]) if len(members) else "",
                "reach_to": "customers" if inst.has_customers else "unit points",
                "contiguous": m.contiguous,
                "valid": not broken and lot.origin != "oversize",
                "flag": flag,
                "origin": lot.origin,
                "reason": "; ".join(broken.values()),
            }
        )
    table = pd.DataFrame(rows)
    if len(table):
        table["label"] = table["label"].astype(object).where(table["label"].notna(), None)
        taken = set(table["label"].dropna())
        table["_oversize"] = table["origin"].eq("oversize")
        table = table.sort_values(
            ["_oversize", "centre_y", "centre_x"], ascending=[True, False, True], kind="stable"
        ).reset_index(drop=True)
        width = max(2, len(str(len(table))))
        counters = {"": 0, "X": 0}
        ids = []
        for label, oversized in zip(table["label"], table["_oversize"], strict=True):
            if label is not None:
                ids.append(str(label))
                continue
            letter = "X" if oversized else prefix
            key = "X" if oversized else ""
            while True:
                counters[key] += 1
                candidate = f"{letter}{counters[key]:0{width}d}"
                if candidate not in taken:
                    break
            taken.add(candidate)
            ids.append(candidate)
        table.insert(0, "lot_id", ids)
    else:
        # No lot at all (too few hours anywhere): the same columns with no rows, so tiers,
        # checks, cost and maps need no special case. tests/test_chain_edges.py keeps this
        # list in step with the rows above.
        table = pd.DataFrame(
            columns=[
                "lot_id", "members", "label", "centre", "centre_id", "centre_x", "centre_y",
                "units", "hours", "customers", "travel", "max_miles", "max_minutes",
                "customers_beyond", "farthest_unit", "reach_to", "contiguous", "valid", "flag",
                "origin", "reason",
            ]
        )  # fmt: skip
    lot_id = np.full(inst.n, None, dtype=object)
    tier = np.full(inst.n, 3, dtype=np.int64)
    is_centre = np.zeros(inst.n, dtype=bool)
    for row in table.itertuples():
        lot_id[row.members] = row.lot_id
        tier[row.members] = 1 if row.valid else (4 if row.origin == "oversize" else 3)
        if row.centre < inst.n:
            is_centre[row.centre] = True
    assignment = pd.DataFrame(
        {
            "unit_id": inst.ids,
            "lot_id": lot_id,
            "tier": tier,
            "is_centre": is_centre,
            "hours": inst.h,
            "customers": inst.k.astype(np.int64),
        }
    )
    lots_frame = table.drop(columns=["members", "centre", "label", "_oversize"], errors="ignore")
    valid = lots_frame["valid"].astype(bool).to_numpy() if len(lots_frame) else np.zeros(0, bool)
    covered = float(lots_frame.loc[valid, "hours"].sum()) if len(lots_frame) else 0.0
    travel = float(lots_frame.loc[valid, "travel"].sum()) if len(lots_frame) else 0.0
    total = float(inst.h.sum())
    objective = {
        "covered_hours": covered,
        "total_hours": total,
        "covered_share": covered / total if total > 0 else 0.0,
        "travel": travel,
        "uncovered_penalty": inst.penalty,
        "value": travel + inst.penalty * (total - covered),
        "lot_cost": inst.lot_cost,
    }
    return LotPlan(assignment, lots_frame.reset_index(drop=True), rules, objective, reasons, stats)
