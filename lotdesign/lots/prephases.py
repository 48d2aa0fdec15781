"""Pre-phases: locked units, oversize units and a starting plan, before any lot is designed.

Locked units (unit -> lot label) keep their label: the lot is grown round them first and they
never move. A unit whose own hours or customers exceed the Tier 1 ceiling becomes its own lot,
flagged oversize. A starting plan (unit -> area) is repaired, not discarded: valid areas are
kept as they are, broken areas are trimmed and topped up with the fewest changes that make
them valid. What is left (:attr:`_Setup.pool`) is designed afresh.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from lotdesign import settings
from lotdesign.errors import ValidationError
from lotdesign.lots.candidates import _grow
from lotdesign.lots.instance import _EPS, _Instance
from lotdesign.lots.search import _Lot


@dataclass
class _Setup:
    """What the pre-phases hand to construction.

    Attributes
    ----------
    lots
        Lots made so far: locked, oversize, kept and repaired ones.
    pool
        Units still free, to be designed afresh.
    fixed_units
        Units that never move (in locked, kept and repaired lots).
    over
        Oversize units (each its own lot, never Tier 1).
    reasons
        Plain-English notes for the plan so far.
    """

    lots: list[_Lot]
    pool: np.ndarray
    fixed_units: np.ndarray
    over: np.ndarray
    reasons: list[str]

    @classmethod
    def empty(cls, n: int) -> _Setup:
        """Nothing made yet: every one of ``n`` units is free."""
        return cls(
            lots=[],
            pool=np.ones(n, dtype=bool),
            fixed_units=np.zeros(n, dtype=bool),
            over=np.zeros(n, dtype=bool),
            reasons=[],
        )


# --- inputs: unit -> label tables and fixed centres -------------------------------------------


def _as_mapping(table: Any, what: str, value_cols: Sequence[str]) -> dict[str, str]:
    """Unit id -> label from a mapping, Series or DataFrame (``unit_id`` + a label column)."""
    if table is None:
        return {}
    if isinstance(table, pd.Series):
        series = table
    elif isinstance(table, pd.DataFrame):
        col = next((c for c in value_cols if c in table.columns), None)
        if "unit_id" not in table.columns or col is None:
            raise ValidationError(
                f"{what} table needs columns unit_id and one of {list(value_cols)}; got "
                f"{list(table.columns)}"
            )
        series = table.set_index("unit_id")[col]
    elif isinstance(table, Mapping):
        series = pd.Series(table, dtype=object)
    else:
        raise ValidationError(f"{what} must be a mapping unit_id -> label or a DataFrame")
    series = series.dropna()
    series.index = series.index.astype(str)
    if series.index.has_duplicates:
        raise ValidationError(f"{what} lists some units more than once")
    return {str(k): str(v) for k, v in series.items()}


def _centre_points(centres: Any, inst_units: pd.DataFrame) -> pd.DataFrame | None:
    """Fixed centres as ``x``, ``y``, ``id``, ``rurality`` rows (None when not given)."""
    if centres is None:
        return None
    if not isinstance(centres, pd.DataFrame) or not len(centres):
        raise ValidationError("centres must be a non-empty (Geo)DataFrame of points")
    frame = pd.DataFrame(index=range(len(centres)))
    if {"x", "y"} <= set(centres.columns):
        frame["x"] = pd.to_numeric(centres["x"], errors="coerce").to_numpy()
        frame["y"] = pd.to_numeric(centres["y"], errors="coerce").to_numpy()
    elif isinstance(centres, gpd.GeoDataFrame):
        if centres.crs is not None and centres.crs.to_epsg() != 27700:
            centres = centres.to_crs(settings.CRS_BNG)
        frame["x"] = centres.geometry.x.to_numpy()
        frame["y"] = centres.geometry.y.to_numpy()
    else:
        raise ValidationError("centres need x and y columns (BNG metres) or point geometry")
    if frame[["x", "y"]].isna().any().any():
        raise ValidationError("every fixed centre needs a location (x, y)")
    names = (
        centres["name"].astype(str).to_numpy()
        if "name" in centres.columns
        else np.array([f"C{i + 1:02d}" for i in range(len(centres))])
    )
    if len(set(names)) != len(names):
        raise ValidationError("fixed centre names must be unique")
    frame["id"] = names
    # A centre drives at the speed of the unit it sits in (its nearest unit).
    tree = cKDTree(inst_units[["x", "y"]].to_numpy(dtype=float))
    _, nearest = tree.query(frame[["x", "y"]].to_numpy())
    frame["rurality"] = inst_units["rurality"].to_numpy()[nearest]
    return frame


# --- the pre-phases, in the order design() runs them -----------------------------------------


def _lock_lots(
    inst: _Instance, setup: _Setup, lock_map: Mapping[str, str], position: Mapping[str, int]
) -> None:
    """A lot per locked label, grown to validity round its units (kept as given if it cannot be).

    Every locked unit leaves the pool before any lot is grown, so one label's lot never takes
    another label's units.
    """
    pool, fixed_units = setup.pool, setup.fixed_units
    lock_units = np.array([position[u] for u in lock_map], dtype=np.int64)
    pool[lock_units] = False
    by_label: dict[str, list[int]] = {}
    for u, label in lock_map.items():
        by_label.setdefault(label, []).append(position[u])
    for label in sorted(by_label):
        core = np.array(sorted(by_label[label]), dtype=np.int64)
        fixed_units[core] = True
        grown = _grow_around(inst, core, pool)
        if grown is None:
            centre = inst.best_centre(core, valid_only=False)
            lot = _Lot(set(core.tolist()), centre[0], inst, origin="locked", label=label)
            why = "; ".join(inst.breaches(inst.measure(core, lot.centre)).values())
            setup.reasons.append(
                f"locked lot {label} cannot be made valid and is kept as given: {why}"
            )
        else:
            members, centre = grown
            lot = _Lot(set(members.tolist()), centre, inst, origin="locked", label=label)
            pool[members] = False
        setup.lots.append(lot)


def _oversize_lots(inst: _Instance, setup: _Setup) -> None:
    """Each free unit above a ceiling on its own becomes its own lot, never Tier 1."""
    rules = inst.rules
    over = setup.pool & ((inst.h > rules.max_hours + _EPS) | (inst.k > rules.max_customers + _EPS))
    for i in np.flatnonzero(over).tolist():
        setup.lots.append(_Lot({i}, i, inst, origin="oversize", frozen=True))
        setup.reasons.append(
            f"unit {inst.ids[i]} alone holds {inst.h[i]:,.0f} h and {inst.k[i]:,.0f} customers, "
            f"above the {rules.max_hours:,.0f} h / {rules.max_customers} customer ceiling: it is "
            "its own lot, flagged oversize (split it at a finer unit level or contract it apart)."
        )
    setup.pool &= ~over
    setup.over = over


def _start_plan_lots(
    inst: _Instance, setup: _Setup, start_map: Mapping[str, str], position: Mapping[str, int]
) -> None:
    """Keep a starting plan's valid areas; repair broken ones with the fewest changes.

    Valid areas are all kept before any broken one is repaired, so a repair never takes a
    unit from an area that was fine.
    """
    pool, fixed_units = setup.pool, setup.fixed_units
    areas: dict[str, list[int]] = {}
    for u, label in start_map.items():
        if pool[position[u]]:
            areas.setdefault(label, []).append(position[u])
    broken: list[str] = []
    for label in sorted(areas):
        members = np.array(sorted(areas[label]), dtype=np.int64)
        found = inst.best_centre(members)
        if found is not None and not inst.breaches(inst.measure(members, found[0])):
            setup.lots.append(
                _Lot(set(members.tolist()), found[0], inst, origin="kept", label=label, frozen=True)
            )
            pool[members] = False
            fixed_units[members] = True
        else:
            broken.append(label)
    for label in broken:
        members = np.array([u for u in sorted(areas[label]) if pool[u]], dtype=np.int64)
        repaired = _repair(inst, members, pool)
        if repaired is None:
            centre = inst.best_centre(members, valid_only=False) if len(members) else None
            why = (
                "; ".join(inst.breaches(inst.measure(members, centre[0])).values())
                if centre is not None
                else "no units left"
            )
            setup.reasons.append(
                f"area {label} could not be repaired ({why}); its units were redesigned"
            )
            continue
        members2, centre = repaired
        setup.lots.append(
            _Lot(set(members2.tolist()), centre, inst, origin="repaired", label=label, frozen=True)
        )
        pool[members2] = False
        fixed_units[members2] = True
        added = len(np.setdiff1d(members2, members))
        dropped = len(np.setdiff1d(members, members2))
        setup.reasons.append(f"area {label} repaired: {added} units added, {dropped} dropped")


# --- growing and repairing a lot round given units ---------------------------------------------


def _grow_around(
    inst: _Instance,
    core: np.ndarray,
    pool: np.ndarray,
    *,
    prefer: np.ndarray | None = None,
) -> tuple[np.ndarray, int] | None:
    """Smallest-travel valid lot containing ``core``, grown from pool units (None if none)."""
    rules = inst.rules
    shortlist = np.unique(
        np.concatenate([core, inst.centre_shortlist(core, settings.LOT_CENTRE_SHORTLIST)])
    )
    best: tuple[float, np.ndarray, int] | None = None
    allowed = pool.copy()
    allowed[core] = True
    for c in shortlist.tolist():
        ball, mins = inst.reachable(c, allowed)
        local = {int(u): li for li, u in enumerate(ball)}
        if any(int(u) not in local for u in core):
            continue
        key = mins.copy()
        if prefer is not None:
            # Units of the area being repaired come first: fewest changes to the area.
            key = np.where(prefer[ball], key, key + 10.0 * rules.max_drive_minutes)
        core_local = [local[int(u)] for u in core]
        start = local[c] if c in local else core_local[0]
        added, valid = _grow(
            inst, ball, key, start, rules, contiguous=rules.contiguous, core=core_local
        )
        if not valid:
            continue
        members = np.sort(ball[added[: valid[0][0]]])
        found = inst.best_centre(members, candidates=np.unique(np.append(shortlist, c)))
        if found is None:
            continue
        value = found[1] - inst.penalty * inst.h[members].sum()
        if prefer is not None:
            changed = np.setdiff1d(members, np.flatnonzero(prefer))
            value += inst.penalty * inst.h[changed].sum()
        if not inst.breaches(inst.measure(members, found[0])) and (best is None or value < best[0]):
            best = (value, members, found[0])
    return None if best is None else (best[1], best[2])


def _repair(
    inst: _Instance, members: np.ndarray, pool: np.ndarray
) -> tuple[np.ndarray, int] | None:
    """Fewest-change valid lot from a broken area: trim what breaks limits, top up to floors."""
    if not len(members):
        return None
    rules = inst.rules
    prefer = np.zeros(inst.n, dtype=bool)
    prefer[members] = True
    best: tuple[float, np.ndarray, int] | None = None
    for c in np.unique(inst.centre_shortlist(members, settings.LOT_CENTRE_SHORTLIST)).tolist():
        ball, mins = inst.reachable(c, pool)
        keep = ball[prefer[ball]]
        if c not in set(keep.tolist()):
            continue
        # Trim: drop the farthest area units until the ceilings hold.
        order = np.argsort(inst.travel.minutes(c, keep), kind="stable")
        keep = keep[order]
        hrs = np.cumsum(inst.h[keep])
        cus = np.cumsum(inst.k[keep])
        fits = (hrs <= rules.max_hours + _EPS) & (cus <= rules.max_customers + _EPS)
        keep = keep[: int(np.argmin(fits)) if not fits.all() else len(keep)]
        if rules.contiguous and len(keep):
            keep = _component_with(inst, keep, c)
        if not len(keep):
            continue
        grown = _grow_around(inst, keep, pool, prefer=prefer)
        if grown is None:
            continue
        lot_members, centre = grown
        change = inst.h[np.setxor1d(lot_members, members)].sum()
        if best is None or change < best[0]:
            best = (float(change), lot_members, centre)
    return None if best is None else (best[1], best[2])


def _component_with(inst: _Instance, members: np.ndarray, c: int) -> np.ndarray:
    """The members connected to ``c`` through shared edges (``c`` included)."""
    left = set(members.tolist())
    left.discard(c)
    comp, stack = {c}, [c]
    while stack:
        u = stack.pop()
        for v in inst.adj[u]:
            if v in left:
                left.remove(v)
                comp.add(v)
                stack.append(v)
    return np.array(sorted(comp), dtype=np.int64)
