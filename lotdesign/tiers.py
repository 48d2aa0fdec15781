"""Tiers: label every unit 1-4 after lot design, and size the Tier 4 reserve.

=====  ================================================================================
Tier   What it is (seed 003, West Sussex 2019)
=====  ================================================================================
1      valid lots from :func:`lotdesign.lots.design` (every hard rule met)
2      rural zones built from the *rural* units that remain (rurality in
       :data:`lotdesign.settings.TIER2_RURAL_CLASSES`) with their own, looser rules
       (:meth:`lotdesign.lots.LotRules.tier2`: from ~150 h a week, 12-mile radius); ids ``R01``...
       An urban unit Tier 1 leaves joins a neighbouring Tier 1 lot if every rule still holds,
       else it is Tier 3: Tier 2 is never an urban leftover (seed 003: "more rural areas").
3      remaining units of occasional need, bought case by case (``lot_id`` None)
4      the county-wide reserve (DPS). Sized as :data:`lotdesign.settings.TIER4_RESERVE_SHARE`
       of Tier 1-2 hours for hand-backs and surges, plus any oversize unit (one whose own
       volume is above every lot ceiling; it keeps its ``X..`` lot id and falls to the reserve)
=====  ================================================================================

The seed's "20 areas holding ~85% of business" is reported as a check, never forced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lotdesign import settings
from lotdesign.errors import ValidationError
from lotdesign.lots import LotPlan, LotRules, _Instance, design

__all__ = ["TierPlan", "assign_tiers", "summarise_tiers"]


@dataclass
class TierPlan:
    """The result of :func:`assign_tiers`.

    Attributes
    ----------
    assignment
        One row per unit: ``unit_id``, ``lot_id`` (Tier 1 ``L..``, Tier 2 ``R..``, oversize
        ``X..``, None for Tier 3), ``tier`` (1-4), ``hours``, ``customers``.
    lots
        Tier 1 lots and Tier 2 zones (the lots frame of :class:`lotdesign.lots.LotPlan`) with
        a ``tier`` column; oversize lots have tier 4.
    summary
        Hours, customers, lots, units, care workers and shares by tier (rows 1-4 and total).
    reserve
        What falls to Tier 4: one row per Tier 1-2 lot with its expected hand-back hours, and
        one per oversize unit with all its hours.
    checks
        The seed's rule of thumb, shown not forced: Tier 1 lots and share of hours against
        20 areas and 85%.
    reasons
        Explanations carried from lot design (Tier 1 and Tier 2).
    """

    assignment: pd.DataFrame
    lots: pd.DataFrame
    summary: pd.DataFrame
    reserve: pd.DataFrame
    checks: dict[str, Any] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)


def assign_tiers(
    units: pd.DataFrame,
    plan: LotPlan,
    *,
    tier2_rules: LotRules | None = None,
    reserve_share: float | None = None,
    hours_per_worker: float | None = None,
    seed: int = 0,
    matrix: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    within: pd.Series | None = None,
    rural_classes: tuple[str, ...] | None = None,
) -> TierPlan:
    """Label units Tier 1-4: Tier 2 zones from what Tier 1 leaves, then size the reserve.

    Parameters
    ----------
    units
        The demand units the plan was designed on.
    plan
        Output of :func:`lotdesign.lots.design` (Tier 1).
    tier2_rules
        Rules for rural zones; default :meth:`LotRules.tier2`.
    reserve_share
        Share of Tier 1-2 weekly hours held in the Tier 4 reserve; default
        ``settings.TIER4_RESERVE_SHARE``.
    hours_per_worker
        Weekly contact hours per care worker; default ``settings.HOURS_PER_CARE_WORKER``.
    seed
        Random seed for Tier 2 design.
    matrix
        Travel-time matrix, as for :func:`lotdesign.lots.design`.
    customers, within
        As for :func:`lotdesign.lots.design`: reach checked to every customer, and zones
        nested in areas.
    rural_classes
        Rurality classes a Tier 2 zone may hold; default ``settings.TIER2_RURAL_CLASSES``.

    Returns
    -------
    TierPlan

    Raises
    ------
    ValidationError
        If the plan does not belong to these units or a share is out of range.
    """
    if not isinstance(plan, LotPlan):
        raise ValidationError("plan must be a LotPlan from lotdesign.lots.design")
    if reserve_share is None:
        reserve_share = settings.TIER4_RESERVE_SHARE
    if hours_per_worker is None:
        hours_per_worker = settings.HOURS_PER_CARE_WORKER
    if not 0 <= reserve_share <= 1:
        raise ValidationError(f"reserve_share must be in [0, 1]; got {reserve_share}")
    ids = units["unit_id"].astype(str).reset_index(drop=True)
    a = plan.assignment.copy()
    if len(a) != len(ids) or set(a["unit_id"]) != set(ids):
        raise ValidationError("plan.assignment does not match these units; design on them first")
    tier2_rules = LotRules.tier2() if tier2_rules is None else tier2_rules
    rural_classes = tuple(settings.TIER2_RURAL_CLASSES if rural_classes is None else rural_classes)
    reasons = [f"Tier 1: {r}" for r in plan.reasons]
    a["tier_reason"] = np.where(a["tier"].eq(1), "valid Tier 1 lot", "")

    lots = plan.lots.copy()
    lots["tier"] = np.where(lots["origin"].eq("oversize"), 4, np.where(lots["valid"], 1, 3))
    # What Tier 1 leaves: units outside any lot (locked lots that failed stay where they are).
    rest = a["lot_id"].isna().to_numpy()
    rural = units["rurality"].astype(str).isin(rural_classes).to_numpy()
    if (rest & ~rural).any():
        reasons += _urban_leftovers(
            units, plan, a, lots, rest & ~rural, matrix=matrix, customers=customers,
            within=within,
        )  # fmt: skip
        rest = a["lot_id"].isna().to_numpy()
    if (rest & rural).any():
        sub = units.reset_index(drop=True)[rest & rural]
        zones = design(
            sub, rules=tier2_rules, seed=seed, matrix=matrix, prefix="R", customers=customers,
            within=None if within is None else within.reindex(sub["unit_id"].astype(str)),
            policy="compact",
        )  # fmt: skip
        reasons += [f"Tier 2: {r}" for r in zones.reasons]
        z = zones.assignment.set_index("unit_id")
        in_zone = z["tier"].eq(1)
        zone_of = z.loc[in_zone, "lot_id"]
        hit = a["unit_id"].isin(zone_of.index)
        a.loc[hit, "lot_id"] = a.loc[hit, "unit_id"].map(zone_of)
        a.loc[hit, "tier"] = 2
        a.loc[hit, "tier_reason"] = "rural Tier 2 zone"
        zl = zones.lots[zones.lots["valid"]].copy()
        zl["tier"] = 2
        # With no Tier 1 lot, the empty frame's object columns would turn the zones' centres
        # into objects: take the zones alone.
        lots = zl if lots.empty else pd.concat([lots, zl], ignore_index=True)
    a.loc[a["lot_id"].isna(), "tier"] = 3
    a["tier"] = a["tier"].astype(int)
    left = a["tier"].eq(3) & a["tier_reason"].eq("")
    a.loc[left & pd.Series(rural, index=a.index), "tier_reason"] = (
        "rural unit no Tier 1 lot or Tier 2 zone can take within the rules"
    )
    a.loc[a["tier"].eq(4), "tier_reason"] = "oversize: above every lot ceiling (reserve)"

    summary = summarise_tiers(a, hours_per_worker=hours_per_worker, reserve_share=reserve_share)
    reserve_rows = []
    for row in lots[lots["tier"].isin([1, 2])].itertuples():
        reserve_rows.append(
            {
                "lot_id": row.lot_id,
                "tier": row.tier,
                "what": "hand-backs and surges",
                "hours": row.hours,
                "reserve_hours": reserve_share * row.hours,
            }
        )
    for row in lots[lots["tier"].eq(4)].itertuples():
        reserve_rows.append(
            {
                "lot_id": row.lot_id,
                "tier": 4,
                "what": "oversize unit above every lot ceiling",
                "hours": row.hours,
                "reserve_hours": row.hours,
            }
        )
    reserve = pd.DataFrame(
        reserve_rows, columns=["lot_id", "tier", "what", "hours", "reserve_hours"]
    )
    reserve["care_workers"] = reserve["reserve_hours"] / hours_per_worker

    total = float(a["hours"].sum())
    t1_hours = float(a.loc[a["tier"].eq(1), "hours"].sum())
    t1_lots = int(lots["tier"].eq(1).sum())
    share = t1_hours / total if total else 0.0
    checks = {
        "tier1_lots": t1_lots,
        "tier1_share": share,
        "seed_tier1_areas": settings.SEED_TIER1_AREAS,
        "seed_tier1_share": settings.SEED_TIER1_SHARE,
        "meets_seed_share": share >= settings.SEED_TIER1_SHARE,
        "note": (
            f"{t1_lots} Tier 1 lots hold {share:.0%} of weekly hours; the West Sussex design "
            f"had {settings.SEED_TIER1_AREAS} areas holding ~{settings.SEED_TIER1_SHARE:.0%} "
            "(a check, not a target)."
        ),
    }
    return TierPlan(a, lots.reset_index(drop=True), summary, reserve, checks, reasons)


def _urban_leftovers(
    units: pd.DataFrame,
    plan: LotPlan,
    a: pd.DataFrame,
    lots: pd.DataFrame,
    urban: np.ndarray,
    *,
    matrix: pd.DataFrame | None,
    customers: pd.DataFrame | None,
    within: pd.Series | None,
) -> list[str]:
    """Urban units Tier 1 left: into a neighbouring valid lot where every rule holds, else Tier 3.

    Largest units first; each joins the touching lot whose centre it is nearest in drive
    time among those that still meet every Tier 1 rule with it. ``a`` and ``lots`` are
    updated in place; returns one reason per unit left to Tier 3.
    """
    frame = units.reset_index(drop=True)
    inst = _Instance(frame, plan.rules, matrix=matrix, customers=customers, within=within)
    position = {u: i for i, u in enumerate(inst.ids)}
    lot_of = a["lot_id"].to_numpy(dtype=object).copy()
    valid = lots[lots["tier"].eq(1)].set_index("lot_id")
    centre = {
        lot: position[str(cid)] for lot, cid in valid["centre_id"].items() if str(cid) in position
    }
    left: list[str] = []
    joined = 0
    order = np.flatnonzero(urban)
    order = order[np.argsort(-inst.h[order], kind="stable")]
    for i in order.tolist():
        touching = sorted({lot_of[j] for j in inst.adj[i] if lot_of[j] in centre})
        options = []
        for lot in touching:
            members = np.flatnonzero(lot_of == lot)
            grown = np.sort(np.append(members, i))
            if not inst.breaches(inst.measure(grown, centre[lot])):
                options.append((float(inst.travel.minutes(centre[lot], i)), lot))
        uid = inst.ids[i]
        if options:
            _, lot = min(options)
            lot_of[i] = lot
            members = np.flatnonzero(lot_of == lot)
            m = inst.measure(members, centre[lot])
            row = lots.index[lots["lot_id"].eq(lot)][0]
            for col, value in (
                ("units", len(members)), ("hours", m.hours), ("customers", m.customers),
                ("travel", m.travel), ("max_miles", m.max_miles), ("max_minutes", m.max_minutes),
            ):  # fmt: skip
                if col in lots.columns:
                    lots.loc[row, col] = value
            a.loc[a["unit_id"].eq(uid), ["lot_id", "tier", "tier_reason"]] = [
                lot,
                1,
                "urban unit Tier 1 left, joined to a neighbouring lot",
            ]
            joined += 1
        else:
            why = (
                "no neighbouring lot can take it within the rules"
                if touching
                else "no Tier 1 lot touches it"
            )
            a.loc[a["unit_id"].eq(uid), "tier_reason"] = (
                f"urban unit: {why}; Tier 2 is for rural areas only, so Tier 3"
            )
            left.append(str(uid))
    reasons = []
    if joined:
        reasons.append(
            f"{joined} urban unit(s) Tier 1 left joined a neighbouring lot (every rule holds)"
        )
    if left:
        # Which units is in the assignment's tier_reason; the words stay free of ids and
        # volumes, as they reach the shared report.
        reasons.append(
            f"{len(left)} urban unit(s) left by Tier 1 fit no neighbouring lot within the "
            "rules; Tier 2 zones are rural only, so they go to Tier 3 (bought case by case)"
        )
    return reasons


def summarise_tiers(
    assignment: pd.DataFrame,
    *,
    hours_per_worker: float | None = None,
    reserve_share: float | None = None,
) -> pd.DataFrame:
    """Hours, customers, lots and care workers by tier, with the Tier 4 reserve sized.

    Parameters
    ----------
    assignment
        ``unit_id``, ``lot_id``, ``tier``, ``hours``, ``customers`` per unit.
    hours_per_worker
        Weekly contact hours per care worker; default ``settings.HOURS_PER_CARE_WORKER``.
    reserve_share
        Share of Tier 1-2 hours held in reserve; default ``settings.TIER4_RESERVE_SHARE``.

    Returns
    -------
    pandas.DataFrame
        Index ``1``, ``2``, ``3``, ``4``, ``total``; columns ``units``, ``lots``, ``hours``,
        ``customers``, ``share_hours``, ``share_customers``, ``care_workers`` and
        ``reserve_hours`` (Tier 4 only: the share of Tier 1-2 hours plus oversize hours).
    """
    if hours_per_worker is None:
        hours_per_worker = settings.HOURS_PER_CARE_WORKER
    if reserve_share is None:
        reserve_share = settings.TIER4_RESERVE_SHARE
    need = {"unit_id", "lot_id", "tier", "hours", "customers"}
    if not need <= set(assignment.columns):
        raise ValidationError(f"assignment needs columns {sorted(need)}")
    a = assignment
    total_h = float(a["hours"].sum())
    total_k = float(a["customers"].sum())
    rows = {}
    for t in (1, 2, 3, 4):
        part = a[a["tier"].eq(t)]
        rows[t] = {
            "units": len(part),
            "lots": int(part["lot_id"].dropna().nunique()),
            "hours": float(part["hours"].sum()),
            "customers": int(part["customers"].sum()),
        }
    rows["total"] = {
        "units": len(a),
        "lots": int(a["lot_id"].dropna().nunique()),
        "hours": total_h,
        "customers": int(round(total_k)),
    }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out["share_hours"] = out["hours"] / total_h if total_h else 0.0
    out["share_customers"] = out["customers"] / total_k if total_k else 0.0
    out["care_workers"] = out["hours"] / hours_per_worker
    out["reserve_hours"] = 0.0
    out.loc[4, "reserve_hours"] = (
        reserve_share * (out.loc[1, "hours"] + out.loc[2, "hours"]) + (out.loc[4, "hours"])
    )
    out.loc["total", "reserve_hours"] = out.loc[4, "reserve_hours"]
    return out
