"""Rule-by-rule checks of a lot plan: the engine's, a hand-drawn one, or today's areas.

:func:`check_plan` gives one row per lot with its volume, reach, workforce, rurality mix and
providers, and a pass/fail per rule with the reason, plus a plan-level summary.
:func:`lot_polygons` dissolves units into one polygon per lot carrying those columns.

A lot's centre is, in order: the point given for it (``centres``, e.g. ``LotPlan.lots``), the
unit flagged ``is_centre`` in the assignment, the member with the least hours-weighted drive
time from which every member is within the radius and drive limit, or else simply the member
with the least hours-weighted drive time (so a hand-drawn lot is judged from its best centre).

RAG: green when every rule passes; amber when every breach is within
:data:`lotdesign.settings.CHECK_AMBER_MARGIN` of its limit (never for contiguity); else red.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from lotdesign import settings
from lotdesign.errors import ValidationError
from lotdesign.lots import LotRules, _Instance, plan_objective

__all__ = ["RULES", "check_plan", "lot_polygons"]

#: The rules checked, in report order.
RULES: tuple[str, ...] = ("hours", "customers", "radius", "drive", "contiguity", "within")
_RURALITY: tuple[str, ...] = ("urban", "town_fringe", "village_dispersed")


def _check_assignment(units: pd.DataFrame, assignment: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(assignment, pd.DataFrame):
        raise ValidationError("assignment must be a DataFrame with unit_id and lot_id")
    missing = [c for c in ("unit_id", "lot_id") if c not in assignment.columns]
    if missing:
        raise ValidationError(
            f"assignment lacks column(s) {missing}; it needs unit_id and lot_id (None or empty "
            "for units outside any lot)"
        )
    a = assignment.copy()
    a["unit_id"] = a["unit_id"].astype(str)
    if a["unit_id"].duplicated().any():
        dup = list(a.loc[a["unit_id"].duplicated(), "unit_id"][:5])
        raise ValidationError(f"assignment lists units more than once: {dup}")
    unknown = sorted(set(a["unit_id"]) - set(units["unit_id"].astype(str)))
    if unknown:
        raise ValidationError(f"assignment names units not in units: {unknown[:5]}")
    lot = a["lot_id"]
    a["lot_id"] = lot.where(lot.notna() & lot.astype(str).str.strip().ne(""), None)
    a.loc[a["lot_id"].notna(), "lot_id"] = a.loc[a["lot_id"].notna(), "lot_id"].astype(str)
    return a


def _rag(breaches: dict[str, float], margin: float) -> str:
    if not breaches:
        return "green"
    if all(rule != "contiguity" and excess <= margin for rule, excess in breaches.items()):
        return "amber"
    return "red"


def check_plan(
    units: pd.DataFrame,
    assignment: pd.DataFrame,
    *,
    rules: LotRules | None = None,
    tier2_rules: LotRules | None = None,
    customers: pd.DataFrame | None = None,
    centres: pd.DataFrame | None = None,
    matrix: pd.DataFrame | None = None,
    within: pd.Series | None = None,
    hours_per_worker: float | None = None,
    amber_margin: float | None = None,
) -> tuple[pd.DataFrame, pd.Series]:
    """Check every lot of a plan against the rules, with reasons.

    Parameters
    ----------
    units
        Demand units (the units contract).
    assignment
        ``unit_id``, ``lot_id`` (None/empty outside lots); optional ``tier`` (Tier 2 lots are
        checked against ``tier2_rules``, others against ``rules``) and ``is_centre``.
    rules
        Tier 1 rules (default :class:`lotdesign.lots.LotRules`).
    tier2_rules
        Tier 2 rules (default :meth:`LotRules.tier2`).
    customers
        The customers contract (``unit_id``, ``provider``), to count providers active today
        in each lot; without it ``providers`` is NaN. With ``postcode``, ``easting`` and
        ``northing`` too, the radius and drive limit are checked to every customer's
        postcode (up to the rules' ``reach_tolerance``): ``max_miles`` and ``max_minutes``
        are then to the farthest customer, ``customers_beyond`` counts those past a limit.
    centres
        Lot centres as points: ``lot_id``, ``centre_x``, ``centre_y`` (``LotPlan.lots`` fits).
    matrix
        Travel-time matrix (``origin``, ``destination``, ``minutes``), used where given.
    within
        Unit -> area (district, locality, PCN) every lot should nest in (rule ``within``).
    hours_per_worker
        Weekly contact hours per care worker; default ``settings.HOURS_PER_CARE_WORKER``.
    amber_margin
        Relative breach within which a rule is amber rather than red; default
        ``settings.CHECK_AMBER_MARGIN``.

    Returns
    -------
    table : pandas.DataFrame
        One row per lot: ``lot_id``, ``tier``, ``units``, ``hours``, ``customers``,
        ``centre_id``, ``max_miles``, ``p90_miles``, ``max_minutes``, ``contiguous``,
        ``care_workers``, ``share_hours``, ``share_customers``, ``urban_share``,
        ``town_fringe_share``, ``village_dispersed_share``, ``rurality_mix``, ``providers``,
        ``<rule>_ok`` per rule, ``passes``, ``rag``, ``reasons``.
    summary : pandas.Series
        Plan-level figures: lots, lots passing, hours and share in passing Tier 1 lots,
        breaches per rule, care workers, the seed's 20 areas / 85% shown as a check, and the
        engine's objective.

    Raises
    ------
    ValidationError
        If the assignment does not match the units.
    """
    rules = LotRules() if rules is None else rules
    tier2_rules = LotRules.tier2() if tier2_rules is None else tier2_rules
    if hours_per_worker is None:
        hours_per_worker = settings.HOURS_PER_CARE_WORKER
    if amber_margin is None:
        amber_margin = settings.CHECK_AMBER_MARGIN
    if hours_per_worker <= 0:
        raise ValidationError("hours_per_worker must be positive")
    a = _check_assignment(units, assignment)
    frame = units.reset_index(drop=True)
    position = {u: i for i, u in enumerate(frame["unit_id"].astype(str))}
    extra = None
    centre_of: dict[str, int] = {}
    if centres is not None:
        need = {"lot_id", "centre_x", "centre_y"}
        if not need <= set(centres.columns):
            raise ValidationError(f"centres need columns {sorted(need)}")
        c = centres.dropna(subset=["centre_x", "centre_y"]).reset_index(drop=True)
        if "centre_id" in c.columns:
            # A centre that is a unit's own point is that unit (its id reads better).
            unit_xy = frame.set_index(frame["unit_id"].astype(str))[["x", "y"]]
            cid = c["centre_id"].astype(str)
            on_unit = cid.isin(unit_xy.index)
            xy = unit_xy.reindex(cid[on_unit])
            same = (
                np.hypot(
                    xy["x"].to_numpy() - c.loc[on_unit, "centre_x"].to_numpy(),
                    xy["y"].to_numpy() - c.loc[on_unit, "centre_y"].to_numpy(),
                )
                < 1.0
            )
            for lot, u in zip(
                c.loc[on_unit, "lot_id"].astype(str)[same], cid[on_unit][same], strict=True
            ):
                centre_of[lot] = position[u]
            c = c[~c["lot_id"].astype(str).isin(centre_of)].reset_index(drop=True)
        from scipy.spatial import cKDTree

        _, near = cKDTree(frame[["x", "y"]].to_numpy(dtype=float)).query(
            c[["centre_x", "centre_y"]].to_numpy(dtype=float)
        )
        extra = pd.DataFrame(
            {
                "id": [f"centre of {v}" for v in c["lot_id"].astype(str)],
                "x": c["centre_x"].to_numpy(dtype=float),
                "y": c["centre_y"].to_numpy(dtype=float),
                "rurality": frame["rurality"].to_numpy()[near],
            }
        )
        centre_of.update({str(v): len(frame) + j for j, v in enumerate(c["lot_id"].astype(str))})
    located = None
    if customers is not None and {"easting", "northing"} <= set(customers.columns):
        located = customers
    inst1 = _Instance(frame, rules, matrix=matrix, centres=extra, customers=located, within=within)
    inst2 = _Instance(frame, tier2_rules, matrix=matrix, centres=extra, customers=located)

    total_h = float(inst1.h.sum())
    total_k = float(inst1.k.sum())
    providers_by_unit: pd.Series | None = None
    if customers is not None and "provider" in customers.columns:
        if "unit_id" not in customers.columns:
            raise ValidationError("customers need unit_id and provider columns to count providers")
        providers_by_unit = (
            customers.dropna(subset=["provider"])
            .groupby(customers["unit_id"].astype(str))["provider"]
            .agg(lambda s: set(s.astype(str)))
        )
    tier = a["tier"] if "tier" in a.columns else pd.Series(1, index=a.index)
    marked = a["is_centre"].fillna(False).astype(bool) if "is_centre" in a.columns else None
    rurality = frame["rurality"].astype(str).to_numpy()

    rows = []
    in_lots = a[a["lot_id"].notna()]
    for lot_id, group in in_lots.groupby("lot_id", sort=True):
        members = np.array(sorted(position[u] for u in group["unit_id"]), dtype=np.int64)
        lot_tier = int(pd.to_numeric(tier[group.index], errors="coerce").mode().min())
        inst = inst2 if lot_tier == 2 else inst1
        r = inst.rules
        if lot_id in centre_of:
            centre = centre_of[lot_id]
        elif marked is not None and marked[group.index].sum() == 1:
            centre = position[group.loc[marked[group.index], "unit_id"].iloc[0]]
        else:
            found = inst.best_centre(members) or inst.best_centre(members, valid_only=False)
            centre = found[0]
        m = inst.measure(members, centre)
        broken = inst.breaches(m)
        excess: dict[str, float] = {}
        if "hours" in broken:
            limit = r.max_hours if m.hours > r.max_hours else r.min_hours
            excess["hours"] = abs(m.hours - limit) / max(limit, 1e-9)
        if "customers" in broken:
            limit = r.max_customers if m.customers > r.max_customers else r.min_customers
            excess["customers"] = abs(m.customers - limit) / max(limit, 1e-9)
        if "radius" in broken:
            excess["radius"] = m.max_miles / r.max_radius_miles - 1
        if "drive" in broken:
            excess["drive"] = m.max_minutes / r.max_drive_minutes - 1
        if "contiguity" in broken:
            excess["contiguity"] = np.inf
        if "within" in broken:
            excess["within"] = np.inf
        hrs = inst.h[members]
        mix = {c: float(hrs[rurality[members] == c].sum() / max(m.hours, 1e-9)) for c in _RURALITY}
        providers = np.nan
        if providers_by_unit is not None:
            found_sets = [providers_by_unit.get(inst.ids[i], set()) for i in members.tolist()]
            providers = len(set().union(*found_sets)) if found_sets else 0
        row = {
            "lot_id": lot_id,
            "tier": lot_tier,
            "units": len(members),
            "hours": m.hours,
            "customers": int(round(m.customers)),
            "centre_id": str(inst.travel.ids[centre]),
            "max_miles": m.max_miles,
            "p90_miles": m.p90_miles,
            "max_minutes": m.max_minutes,
            "customers_beyond": int(round(m.beyond)) if inst.has_customers else np.nan,
            "farthest_unit": str(inst.ids[m.far_minutes_unit]),
            "reach_to": "customers" if inst.has_customers else "unit points",
            "contiguous": m.contiguous,
            "travel": m.travel,
            "care_workers": m.hours / hours_per_worker,
            "share_hours": m.hours / total_h if total_h else 0.0,
            "share_customers": m.customers / total_k if total_k else 0.0,
            **{f"{c}_share": v for c, v in mix.items()},
            "rurality_mix": " / ".join(f"{c} {v:.0%}" for c, v in mix.items() if v > 0),
            "providers": providers,
        }
        for rule in RULES:
            row[f"{rule}_ok"] = rule not in broken
        row["passes"] = not broken
        row["rag"] = _rag(excess, amber_margin)
        row["reasons"] = "; ".join(f"{k}: {v}" for k, v in broken.items())
        rows.append(row)
    columns = [
        "lot_id", "tier", "units", "hours", "customers", "centre_id", "max_miles", "p90_miles",
        "max_minutes", "customers_beyond", "farthest_unit", "reach_to", "contiguous",
        "travel", "care_workers", "share_hours", "share_customers",
        "urban_share", "town_fringe_share", "village_dispersed_share", "rurality_mix",
        "providers", *[f"{r}_ok" for r in RULES], "passes", "rag", "reasons",
    ]  # fmt: skip
    table = pd.DataFrame(rows, columns=columns)
    table["passes"] = table["passes"].astype(bool)  # a mask even when there is no lot

    t1 = table[table["tier"].eq(1)]
    t1_pass = t1[t1["passes"]]
    covered = float(t1_pass["hours"].sum())
    share = covered / total_h if total_h else 0.0
    summary = pd.Series(
        {
            "lots": len(table),
            "lots_passing": int(table["passes"].sum()),
            "lots_failing": int((~table["passes"]).sum()),
            "tier1_lots": len(t1),
            "tier1_lots_passing": len(t1_pass),
            "hours_total": total_h,
            "customers_total": int(round(total_k)),
            "hours_in_passing_tier1": covered,
            "share_in_passing_tier1": share,
            # Units the assignment leaves out, or lists with no lot, are outside lots.
            "hours_outside_lots": total_h
            - float(inst1.h[[position[u] for u in in_lots["unit_id"]]].sum()),
            **{f"{r}_breaches": int((~table[f"{r}_ok"]).sum()) for r in RULES},
            "rule_breaches": int((~table[[f"{r}_ok" for r in RULES]]).to_numpy().sum()),
            "care_workers": covered / hours_per_worker,
            "seed_tier1_areas": settings.SEED_TIER1_AREAS,
            "seed_tier1_share": settings.SEED_TIER1_SHARE,
            "meets_seed_share": share >= settings.SEED_TIER1_SHARE,
            "travel_in_passing_tier1": float(t1_pass["travel"].sum()),
            "objective": plan_objective(covered, total_h, float(t1_pass["travel"].sum()), rules),
        },
        name="summary",
    )
    return table, summary


def lot_polygons(
    units: gpd.GeoDataFrame, assignment: pd.DataFrame, table: pd.DataFrame
) -> gpd.GeoDataFrame:
    """One dissolved polygon per lot, carrying the check columns.

    Parameters
    ----------
    units
        Demand units with polygons (units with no geometry are left out of the union).
    assignment
        ``unit_id``, ``lot_id`` as for :func:`check_plan`.
    table
        The per-lot table from :func:`check_plan`.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per lot of ``table``, in EPSG:27700; geometry None for a lot none of whose
        units has a polygon.
    """
    if not isinstance(units, gpd.GeoDataFrame):
        raise ValidationError("units must be a GeoDataFrame to draw lot polygons")
    a = _check_assignment(units, assignment)
    geo = units[["unit_id", "geometry"]].assign(unit_id=lambda d: d["unit_id"].astype(str))
    geo = geo.merge(a[["unit_id", "lot_id"]], on="unit_id", how="inner")
    geo = geo[geo["lot_id"].notna() & geo.geometry.notna() & ~geo.geometry.is_empty]
    crs = units.crs if units.crs is not None else settings.CRS_BNG
    if len(geo):
        dissolved = geo.dissolve(by="lot_id")[["geometry"]].reset_index()
    else:
        dissolved = gpd.GeoDataFrame(
            {"lot_id": pd.Series([], dtype=object), "geometry": []}, geometry="geometry", crs=crs
        )
    table = table.astype({"lot_id": object})  # no lot at all: an empty column of ids
    out = table.merge(dissolved, on="lot_id", how="left")
    return gpd.GeoDataFrame(out, geometry="geometry", crs=crs)
