"""The lot-design engine: partition demand units into Tier 1 lots that meet every hard rule.

How it works (column generation over valid lots, then set packing):

1. **Candidate lots, valid by construction.** From every unit (or every fixed centre) the
   engine grows lots outwards through the units within the radius and drive-time limits of
   that centre, found with a k-d tree (no n x n matrix). Growth is nearest-first, then several
   jittered and directional orders; with contiguity it only crosses shared edges. A unit that
   would break a ceiling (hours or customers) is skipped. Snapshots are kept once both floors
   are met (smallest, mid-band and largest), so every candidate meets every rule.
2. **Centre.** A lot's centre is the member unit with the least hours-weighted drive time to
   the other members among those from which every member is within the radius and drive limit
   (a constrained medoid); with fixed centres it is the given point. Rules are checked from it.
3. **Selection.** A HiGHS LP dive picks a disjoint set of candidates minimising
   ``travel + penalty x uncovered hours``, where travel is the sum over covered units of
   weekly hours x drive minutes to the lot centre and the penalty per uncovered hour is
   :data:`lotdesign.settings.LOT_UNCOVERED_PENALTY_FACTOR` x the drive limit. Any covered hour
   travels less than the drive limit, so coverage comes first and travel second. The dive
   solves the set-packing LP, fixes the lots it all but chooses, and re-solves warm; a
   greedy pass (hardest-to-cover unit first) finishes, then lots are regrown from the units
   still free ("refill").
4. **Improvement.** Units move between neighbouring lots, and uncovered units join a lot,
   whenever every rule still holds on both sides and the objective falls; centres are then
   re-chosen. Optional: several constructions with the best kept (``restarts``),
   large-neighbourhood search (``lns_rounds``: each lot re-solved with its nearest lots) and
   exact polishing (``polish_rounds``: windows of lots re-solved to optimality as HiGHS
   p-median models). Every replacement is re-checked against the rules.
5. **Scale.** Large instances are cut into spatial tiles (k-means on unit points), solved tile
   by tile; a second pass over the uncovered units with a shifted tiling recovers lots along
   the seams. Memory grows with n x (units within the radius), not n squared.

:func:`lower_bound` gives a HiGHS lower bound on the objective (p-median MIP or column
generation) to measure how far a plan is from optimal.

Locked units (unit -> lot label) keep their label: the lot is grown round them first and they
never move. A starting plan (unit -> area) is repaired, not discarded: valid areas are kept as
they are, broken areas are trimmed and topped up with the fewest changes that make them valid,
and only what is left is designed afresh. A unit whose own hours or customers exceed the Tier 1
ceiling becomes its own lot (``X01``...), flagged ``oversize`` and never counted as Tier 1.

Lot ids: new lots are ``L01``, ``L02``... ordered north to south by centre (ties west to east);
locked and starting-plan lots keep their label. Units outside any lot have ``lot_id`` None.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import geopandas as gpd
import highspy
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree
from sklearn.cluster import KMeans

from lotdesign import settings
from lotdesign.errors import InfeasibleRulesError, ValidationError
from lotdesign.travel import TravelModel

__all__ = ["LotPlan", "LotRules", "design", "lower_bound", "plan_objective"]

_EPS = 1e-9
UNIT_COLUMNS: tuple[str, ...] = ("unit_id", "customers", "hours", "x", "y", "rurality")


@dataclass(frozen=True)
class LotRules:
    """Hard rules every Tier 1 lot must meet (defaults from :mod:`lotdesign.settings`).

    Parameters
    ----------
    min_hours, max_hours
        Weekly hours band of a lot.
    min_customers, max_customers
        Customers band of a lot.
    max_radius_miles
        Largest straight-line distance (miles) from the lot centre to any of its units.
    max_drive_minutes
        Largest drive time (minutes) from the lot centre to any of its units.
    contiguous
        If True, a lot's units must be connected through shared edges (``neighbours``).
    circuity
        Road / straight-line distance, for estimated drive times.
    speeds
        Driving speed (mph) by rurality class, for estimated drive times.

    Raises
    ------
    InfeasibleRulesError
        If a band's floor is above its ceiling.
    ValidationError
        If a value is negative, zero where it must be positive, or not a number.
    """

    min_hours: float = settings.LOT_MIN_HOURS
    max_hours: float = settings.LOT_MAX_HOURS
    min_customers: int = settings.LOT_MIN_CUSTOMERS
    max_customers: int = settings.LOT_MAX_CUSTOMERS
    max_radius_miles: float = settings.LOT_MAX_RADIUS_MILES
    max_drive_minutes: float = settings.LOT_MAX_DRIVE_MINUTES
    contiguous: bool = settings.LOT_CONTIGUOUS
    circuity: float = settings.ROAD_CIRCUITY
    speeds: Mapping[str, float] = field(default_factory=lambda: dict(settings.SPEED_MPH))

    def __post_init__(self) -> None:
        for name in ("min_hours", "max_hours", "min_customers", "max_customers"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float, np.number)) and math.isfinite(value)):
                raise ValidationError(f"LotRules.{name} must be a finite number; got {value!r}")
            if value < 0:
                raise ValidationError(f"LotRules.{name} cannot be negative; got {value}")
        for name in ("max_radius_miles", "max_drive_minutes"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float, np.number)) and value > 0):
                raise ValidationError(f"LotRules.{name} must be a positive number; got {value!r}")
        if self.min_hours > self.max_hours:
            raise InfeasibleRulesError(
                f"hours band is empty: min_hours {self.min_hours:g} > max_hours "
                f"{self.max_hours:g}. Lower the floor or raise the ceiling."
            )
        if self.min_customers > self.max_customers:
            raise InfeasibleRulesError(
                f"customers band is empty: min_customers {self.min_customers} > max_customers "
                f"{self.max_customers}. Lower the floor or raise the ceiling."
            )
        if self.circuity < 1:
            raise ValidationError(f"LotRules.circuity must be >= 1; got {self.circuity}")

    @classmethod
    def tier2(cls, **overrides: Any) -> LotRules:
        """Rules for Tier 2 rural zones (defaults ``settings.TIER2_*``).

        Zones are not required to be contiguous by default: a rural zone may wrap round a
        town's Tier 1 lot, and the wider radius still keeps it compact.
        """
        base = {
            "min_hours": settings.TIER2_MIN_HOURS,
            "max_hours": settings.TIER2_MAX_HOURS,
            "min_customers": settings.TIER2_MIN_CUSTOMERS,
            "max_customers": settings.TIER2_MAX_CUSTOMERS,
            "max_radius_miles": settings.TIER2_MAX_RADIUS_MILES,
            "max_drive_minutes": settings.TIER2_MAX_DRIVE_MINUTES,
            "contiguous": settings.TIER2_CONTIGUOUS,
        }
        base.update(overrides)
        return cls(**base)

    def replace(self, **changes: Any) -> LotRules:
        """A copy with some rules changed."""
        return replace(self, **changes)


@dataclass
class LotPlan:
    """The result of :func:`design`.

    Attributes
    ----------
    assignment
        One row per unit: ``unit_id``, ``lot_id`` (None outside any lot), ``tier`` (1 in a
        valid lot, 3 outside any lot, 4 for oversize units; :func:`lotdesign.tiers.assign_tiers`
        refines 3 into 2 and 3), ``is_centre``, ``locked``, ``hours``, ``customers``.
    lots
        One row per lot: ``lot_id``, ``centre_id`` (unit id, or fixed centre name),
        ``centre_x``, ``centre_y``, ``units``, ``hours``, ``customers``, ``travel``
        (hour-minutes), ``max_miles``, ``max_minutes``, ``contiguous``, ``valid``, ``flag``
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


# --- the instance: unit arrays, travel, adjacency ---------------------------------------------


class _Measure(NamedTuple):
    hours: float
    customers: float
    max_miles: float
    p90_miles: float
    max_minutes: float
    travel: float
    contiguous: bool
    parts: int
    far_miles_unit: int
    far_minutes_unit: int


def _parse_neighbours(units: pd.DataFrame) -> list[list[str]]:
    # units.neighbour_map is the lead's helper; this parses the same ";"-joined contract column.
    if "neighbours" not in units.columns:
        return [[] for _ in range(len(units))]
    return [
        [t for t in str(v).split(";") if t] if isinstance(v, str) else []
        for v in units["neighbours"].to_numpy()
    ]


def _check_units(units: pd.DataFrame) -> None:
    if not isinstance(units, pd.DataFrame):
        raise ValidationError("units must be a (Geo)DataFrame in the demand-units contract")
    missing = [c for c in UNIT_COLUMNS if c not in units.columns]
    if missing:
        raise ValidationError(
            f"units lack column(s) {missing}; build them with lotdesign.units.build_units "
            "(unit_id, customers, hours, x, y, rurality, neighbours, ...)."
        )
    crs = units.crs if isinstance(units, gpd.GeoDataFrame) else None
    if crs is not None and crs.to_epsg() != 27700:
        raise ValidationError(
            f"units are in {crs.to_string()}, not British National Grid; "
            "reproject with units.to_crs('EPSG:27700') (x and y must be BNG metres)."
        )
    ids = units["unit_id"].astype(str)
    if ids.duplicated().any():
        dup = list(ids[ids.duplicated()].unique()[:5])
        raise ValidationError(f"unit_id must be unique; duplicated: {dup}")
    for col in ("hours", "customers", "x", "y"):
        values = pd.to_numeric(units[col], errors="coerce")
        if values.isna().any() or not np.isfinite(values.to_numpy(dtype=float)).all():
            bad = list(ids[values.isna() | ~np.isfinite(values.fillna(0))][:5])
            raise ValidationError(f"units column {col!r} has missing values (units {bad})")
        if col in ("hours", "customers") and (values < 0).any():
            raise ValidationError(f"units column {col!r} has negative values")


class _Instance:
    """Arrays and indexes over one set of units (and any fixed centres) for one rule set."""

    def __init__(
        self,
        units: pd.DataFrame,
        rules: LotRules,
        *,
        matrix: pd.DataFrame | None = None,
        centres: pd.DataFrame | None = None,
    ) -> None:
        _check_units(units)
        self.rules = rules
        self.units = units.reset_index(drop=True)
        self.ids = self.units["unit_id"].astype(str).to_numpy()
        self.n = len(self.ids)
        self.h = self.units["hours"].to_numpy(dtype=float)
        self.k = self.units["customers"].to_numpy(dtype=float)
        self.x = self.units["x"].to_numpy(dtype=float)
        self.y = self.units["y"].to_numpy(dtype=float)
        self.centres = centres
        self.travel = TravelModel.from_units(
            self.units,
            extra=centres,
            matrix=matrix,
            circuity=rules.circuity,
            speeds=rules.speeds,
        )
        position = {u: i for i, u in enumerate(self.ids)}
        self.adj: list[list[int]] = [
            sorted({position[v] for v in nb if v in position and position[v] != i})
            for i, nb in enumerate(_parse_neighbours(self.units))
        ]
        # Adjacency is symmetric by contract; make it so, in case an edge is listed one way.
        for i, nb in enumerate(self.adj):
            for j in nb:
                if i not in self.adj[j]:
                    self.adj[j].append(i)
        self.radius_m = rules.max_radius_miles * settings.METRES_PER_MILE
        reach = self.radius_m
        if matrix is None:
            reach = min(reach, self.travel.max_reach_metres(rules.max_drive_minutes))
        self.reach_m = reach * (1 + 1e-9)
        self.penalty = settings.LOT_UNCOVERED_PENALTY_FACTOR * rules.max_drive_minutes

    def reachable(self, centre: int, pool: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pool units within the radius and drive limit of ``centre`` and their minutes."""
        ball = self.travel.within([centre], self.reach_m)[0]
        ball = ball[ball < self.n]
        ball = ball[pool[ball]]
        if not len(ball):
            return ball, np.empty(0)
        mins = self.travel.minutes(centre, ball)
        ok = (mins <= self.rules.max_drive_minutes + _EPS) & (
            self.travel.miles(centre, ball) <= self.rules.max_radius_miles + _EPS
        )
        return ball[ok], mins[ok]

    def parts(self, members: Sequence[int]) -> int:
        """Number of connected parts of ``members`` through shared edges."""
        left = set(int(m) for m in members)
        count = 0
        while left:
            count += 1
            stack = [left.pop()]
            while stack:
                u = stack.pop()
                for v in self.adj[u]:
                    if v in left:
                        left.remove(v)
                        stack.append(v)
        return count

    def measure(self, members: np.ndarray, centre: int) -> _Measure:
        members = np.asarray(members, dtype=np.int64)
        miles = self.travel.miles(centre, members)
        mins = self.travel.minutes(centre, members)
        parts = self.parts(members)
        return _Measure(
            hours=float(self.h[members].sum()),
            customers=float(self.k[members].sum()),
            max_miles=float(miles.max()) if len(miles) else 0.0,
            p90_miles=float(np.quantile(miles, 0.9)) if len(miles) else 0.0,
            max_minutes=float(mins.max()) if len(mins) else 0.0,
            travel=float((self.h[members] * mins).sum()),
            contiguous=parts <= 1,
            parts=parts,
            far_miles_unit=int(members[np.argmax(miles)]) if len(miles) else -1,
            far_minutes_unit=int(members[np.argmax(mins)]) if len(mins) else -1,
        )

    def breaches(self, m: _Measure, rules: LotRules | None = None) -> dict[str, str]:
        """Rule -> reason for every rule the measured lot breaks (empty when valid)."""
        r = self.rules if rules is None else rules
        out: dict[str, str] = {}
        if m.hours > r.max_hours + _EPS:
            out["hours"] = f"{m.hours:,.1f} h above the {r.max_hours:,.0f} h ceiling"
        elif m.hours < r.min_hours - _EPS:
            out["hours"] = f"{m.hours:,.1f} h below the {r.min_hours:,.0f} h floor"
        if m.customers > r.max_customers + _EPS:
            out["customers"] = (
                f"{m.customers:,.0f} customers above the {r.max_customers:,.0f} ceiling"
            )
        elif m.customers < r.min_customers - _EPS:
            out["customers"] = (
                f"{m.customers:,.0f} customers below the {r.min_customers:,.0f} floor"
            )
        if m.max_miles > r.max_radius_miles + _EPS:
            out["radius"] = (
                f"unit {self.ids[m.far_miles_unit]} is {m.max_miles:.1f} miles from the centre "
                f"(limit {r.max_radius_miles:g})"
            )
        if m.max_minutes > r.max_drive_minutes + _EPS:
            out["drive"] = (
                f"unit {self.ids[m.far_minutes_unit]} is {m.max_minutes:.1f} min from the "
                f"centre (limit {r.max_drive_minutes:g})"
            )
        if r.contiguous and not m.contiguous:
            out["contiguity"] = f"not contiguous: {m.parts} separate parts"
        return out

    def best_centre(
        self, members: np.ndarray, *, candidates: np.ndarray | None = None, valid_only: bool = True
    ) -> tuple[int, float] | None:
        """Member minimising hours-weighted minutes to the lot (within the limits if asked)."""
        members = np.asarray(members, dtype=np.int64)
        cands = members if candidates is None else np.asarray(candidates, dtype=np.int64)
        mins = self.travel.minutes(cands[:, None], members[None, :])
        cost = mins @ self.h[members]
        if valid_only:
            miles = self.travel.miles(cands[:, None], members[None, :])
            ok = (mins.max(axis=1) <= self.rules.max_drive_minutes + _EPS) & (
                miles.max(axis=1) <= self.rules.max_radius_miles + _EPS
            )
            if not ok.any():
                return None
            cost = np.where(ok, cost, np.inf)
        best = int(np.argmin(cost))
        return int(cands[best]), float(cost[best])

    def centre_shortlist(self, members: np.ndarray, size: int) -> np.ndarray:
        """Members nearest the lot's hours-weighted centroid (medoid candidates)."""
        w = self.h[members] + _EPS
        cx = float((self.x[members] * w).sum() / w.sum())
        cy = float((self.y[members] * w).sum() / w.sum())
        d = np.hypot(self.x[members] - cx, self.y[members] - cy)
        return members[np.argsort(d, kind="stable")[:size]]


# --- candidate generation ------------------------------------------------------------------


class _Column(NamedTuple):
    members: np.ndarray  # sorted unit positions
    centre: int  # point position (unit, or fixed centre >= n)
    travel: float
    hours: float
    group: int  # fixed-centre index, or -1


def _grow(
    inst: _Instance,
    ball: np.ndarray,
    key: np.ndarray,
    start_local: int,
    rules: LotRules,
    *,
    contiguous: bool,
    core: Sequence[int] = (),
) -> tuple[list[int], list[tuple[int, float]]]:
    """Grow a lot through ``ball`` (local order by ``key``), never breaking a ceiling.

    Returns the local indices in the order added and the (size, hours) of every step at which
    both floors are met.
    """
    hs = inst.h[ball].tolist()
    ks = inst.k[ball].tolist()
    max_h, max_k = rules.max_hours + _EPS, rules.max_customers + _EPS
    min_h, min_k = rules.min_hours - _EPS, rules.min_customers - _EPS
    added: list[int] = []
    in_lot = [False] * len(ball)
    tot_h = tot_k = 0.0
    valid: list[tuple[int, float]] = []
    first = [start_local, *[c for c in core if c != start_local]]
    for li in first:
        in_lot[li] = True
        added.append(li)
        tot_h += hs[li]
        tot_k += ks[li]
    if tot_h > max_h or tot_k > max_k:
        return added, valid
    if tot_h >= min_h and tot_k >= min_k and (not contiguous or not core):
        valid.append((len(added), tot_h))
    keys = key.tolist()
    if not contiguous:
        for li in np.argsort(key, kind="stable").tolist():
            if in_lot[li]:
                continue
            if tot_h + hs[li] > max_h or tot_k + ks[li] > max_k:
                continue
            in_lot[li] = True
            added.append(li)
            tot_h += hs[li]
            tot_k += ks[li]
            if tot_h >= min_h and tot_k >= min_k:
                valid.append((len(added), tot_h))
        return added, valid
    local = {int(u): li for li, u in enumerate(ball)}
    heap: list[tuple[float, int]] = []
    seen = set(added)
    for li in added:
        for v in inst.adj[int(ball[li])]:
            lv = local.get(v)
            if lv is not None and lv not in seen:
                seen.add(lv)
                heapq.heappush(heap, (keys[lv], lv))
    needs_join = len(core) > 1
    while heap:
        _, li = heapq.heappop(heap)
        if tot_h + hs[li] > max_h or tot_k + ks[li] > max_k:
            continue
        in_lot[li] = True
        added.append(li)
        tot_h += hs[li]
        tot_k += ks[li]
        for v in inst.adj[int(ball[li])]:
            lv = local.get(v)
            if lv is not None and lv not in seen:
                seen.add(lv)
                heapq.heappush(heap, (keys[lv], lv))
        if tot_h >= min_h and tot_k >= min_k:
            if needs_join and inst.parts(ball[added]) > 1:
                continue
            needs_join = False
            valid.append((len(added), tot_h))
    return added, valid


def _snapshots(valid: list[tuple[int, float]], rules: LotRules) -> list[int]:
    if not valid:
        return []
    sizes = {valid[0][0], valid[-1][0]}
    span = rules.max_hours - rules.min_hours
    for frac in settings.LOT_SNAPSHOT_FRACTIONS:
        target = rules.min_hours + frac * span
        for size, hrs in valid:
            if hrs >= target:
                sizes.add(size)
                break
    return sorted(sizes)


def _candidates(
    inst: _Instance,
    centres: np.ndarray,
    pool: np.ndarray,
    rng: np.random.Generator,
    *,
    variants: int,
    fixed: bool,
    group_of: Mapping[int, int] | None = None,
) -> list[_Column]:
    """Valid candidate lots grown from each of ``centres`` over ``pool`` units."""
    rules = inst.rules
    out: dict[bytes, _Column] = {}
    balls = inst.travel.within(centres, inst.reach_m)
    for c, ball in zip(centres.tolist(), balls, strict=True):
        ball = ball[ball < inst.n]
        ball = ball[pool[ball]]
        if not len(ball):
            continue
        mins = inst.travel.minutes(c, ball)
        ok = (mins <= rules.max_drive_minutes + _EPS) & (
            inst.travel.miles(c, ball) <= rules.max_radius_miles + _EPS
        )
        ball, mins = ball[ok], mins[ok]
        if (
            not len(ball)
            or inst.h[ball].sum() < rules.min_hours - _EPS
            or inst.k[ball].sum() < rules.min_customers - _EPS
        ):
            continue
        start = int(np.argmin(mins))
        if not fixed and ball[start] != c:
            continue
        dx = inst.travel.x[ball] - inst.travel.x[c]
        dy = inst.travel.y[ball] - inst.travel.y[c]
        angle = np.arctan2(dy, dx)
        group = -1 if group_of is None else group_of.get(c, -1)
        for v in range(variants):
            if v == 0:
                key = mins
            else:
                theta = rng.uniform(0.0, 2.0 * np.pi)
                stretch = 1.0 + settings.LOT_GROWTH_STRETCH * np.cos(angle - theta)
                key = mins * stretch * rng.uniform(0.85, 1.15, len(ball))
            added, valid = _grow(inst, ball, key, start, rules, contiguous=rules.contiguous)
            for size in _snapshots(valid, rules):
                members = np.sort(ball[added[:size]])
                tag = members.tobytes()
                if fixed:
                    centre = c
                    cmin = inst.travel.minutes(c, members)
                    travel = float(cmin @ inst.h[members])
                    tag += np.int64(c).tobytes()
                else:
                    shortlist = np.unique(
                        np.append(inst.centre_shortlist(members, settings.LOT_CENTRE_SHORTLIST), c)
                    )
                    found = inst.best_centre(members, candidates=shortlist)
                    centre, travel = found if found is not None else (c, math.inf)
                prev = out.get(tag)
                if prev is None or travel < prev.travel:
                    out[tag] = _Column(members, centre, travel, float(inst.h[members].sum()), group)
    return list(out.values())


# --- selection: HiGHS LP dive, then greedy -------------------------------------------------


def _packing_lp(
    inst: _Instance, columns: list[_Column], count: tuple[int, int] | None
) -> highspy.HighsLp:
    """Set-packing LP: each unit (and each fixed centre) in at most one chosen column."""
    cost = np.array([c.travel - inst.penalty * c.hours for c in columns])
    groups = sorted({c.group for c in columns if c.group >= 0})
    row_of = {g: inst.n + i for i, g in enumerate(groups)}
    n_rows = inst.n + len(groups)
    segments = []
    for col in columns:
        seg = col.members
        if col.group >= 0:
            seg = np.append(seg, row_of[col.group])
        if count is not None:
            seg = np.append(seg, n_rows)
        segments.append(seg)
    row_lower = np.full(n_rows, -highspy.kHighsInf)
    row_upper = np.ones(n_rows)
    if count is not None:
        row_lower = np.append(row_lower, float(count[0]))
        row_upper = np.append(row_upper, float(count[1]))
        n_rows += 1
    starts = np.zeros(len(columns) + 1, dtype=np.int32)
    starts[1:] = np.cumsum([len(seg) for seg in segments])
    index = np.concatenate(segments).astype(np.int32)
    lp = highspy.HighsLp()
    lp.num_col_ = len(columns)
    lp.num_row_ = n_rows
    lp.col_cost_ = cost
    lp.col_lower_ = np.zeros(len(columns))
    lp.col_upper_ = np.ones(len(columns))
    lp.row_lower_ = row_lower
    lp.row_upper_ = row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = np.ones(len(index))
    return lp


def _select(
    inst: _Instance,
    columns: list[_Column],
    *,
    count: tuple[int, int] | None,
    time_limit: float,
    seed: int,
) -> tuple[list[int], dict[str, Any]]:
    """Disjoint columns minimising travel + penalty x uncovered hours.

    An LP dive: solve the set-packing LP relaxation with HiGHS, fix every column at more
    than one half (they cannot overlap) or else the largest, drop the columns that now
    clash, and re-solve warm until nothing fractional is left. Exact set packing over tens
    of thousands of overlapping columns stalls HiGHS's MIP heuristics (measured: no useful
    incumbent in 30 s on 500 units), while the dive lands within a few per cent of the LP
    bound in seconds. The time limit stops diving early; the greedy pass then completes it.
    """
    t0 = time.perf_counter()
    if not columns:
        return [], {"status": "no candidates", "columns": 0, "lp_bound": math.nan}
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("random_seed", int(seed) % 2_147_483_647)
    h.setOptionValue("threads", 1)
    h.passModel(_packing_lp(inst, columns, count))
    alive = np.ones(len(columns), dtype=bool)
    free = np.ones(inst.n, dtype=bool)
    groups_used: set[int] = set()
    chosen: list[int] = []
    lp_bound, rounds, status = math.nan, 0, "dive"
    while alive.any():
        if time.perf_counter() - t0 > time_limit or rounds >= settings.LOT_DIVE_ROUNDS:
            status = "dive stopped at its limit; greedy finished"
            break
        h.setOptionValue("time_limit", max(1.0, time_limit - (time.perf_counter() - t0)))
        h.run()
        rounds += 1
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            status = h.modelStatusToString(h.getModelStatus())
            break
        x = np.asarray(h.getSolution().col_value)
        if rounds == 1:
            lp_bound = float(h.getInfo().objective_function_value)
        x = np.where(alive, x, 0.0)
        pick = np.flatnonzero(x > 0.5 + 1e-7)
        if not len(pick):
            if x.max() <= 1e-7:
                break
            pick = np.array([int(np.argmax(x))])
        for j in pick.tolist():
            chosen.append(j)
            free[columns[j].members] = False
            if columns[j].group >= 0:
                groups_used.add(columns[j].group)
        alive[pick] = False
        dead = [
            j
            for j in np.flatnonzero(alive).tolist()
            if not free[columns[j].members].all() or columns[j].group in groups_used
        ]
        alive[dead] = False
        fix = np.asarray(pick, dtype=np.int32)
        h.changeColsBounds(len(fix), fix, np.ones(len(fix)), np.ones(len(fix)))
        if dead:
            kill = np.asarray(dead, dtype=np.int32)
            h.changeColsBounds(len(kill), kill, np.zeros(len(kill)), np.zeros(len(kill)))
    limit = None if count is None else max(0, count[1] - len(chosen))
    chosen += _greedy(inst, columns, alive, free, groups_used, limit=limit)
    return chosen, {
        "status": status,
        "columns": len(columns),
        "lp_rounds": rounds,
        "lp_bound": lp_bound + inst.penalty * float(inst.h.sum()),
        "seconds": time.perf_counter() - t0,
    }


def _greedy(
    inst: _Instance,
    columns: list[_Column],
    alive: np.ndarray,
    free: np.ndarray,
    groups_used: set[int],
    *,
    limit: int | None = None,
) -> list[int]:
    """Hardest unit first: take the cheapest-per-hour column covering it, until none fit."""
    alive = alive.copy()
    for j in np.flatnonzero(alive).tolist():
        if not free[columns[j].members].all() or columns[j].group in groups_used:
            alive[j] = False
    if not alive.any():
        return []
    cols_of: dict[int, list[int]] = {}
    for j in np.flatnonzero(alive).tolist():
        for i in columns[j].members.tolist():
            cols_of.setdefault(i, []).append(j)
    cover = np.zeros(inst.n, dtype=np.int64)
    for i, js in cols_of.items():
        cover[i] = len(js)
    per_hour = np.array([c.travel / max(c.hours, _EPS) for c in columns])
    chosen: list[int] = []
    while limit is None or len(chosen) < limit:
        open_units = np.flatnonzero(free & (cover > 0))
        if not len(open_units):
            break
        s = int(open_units[np.lexsort((open_units, cover[open_units]))[0]])
        j = min((j for j in cols_of[s] if alive[j]), key=lambda j: (per_hour[j], j))
        chosen.append(j)
        free[columns[j].members] = False
        killed = {jj for i in columns[j].members.tolist() for jj in cols_of[i] if alive[jj]}
        if columns[j].group >= 0:
            groups_used.add(columns[j].group)
            killed |= {
                jj for jj in np.flatnonzero(alive).tolist() if columns[jj].group == columns[j].group
            }
        for jj in sorted(killed):
            alive[jj] = False
            cover[columns[jj].members] -= 1
    return chosen


# --- the lot state and local improvement -------------------------------------------------------


class _Lot:
    __slots__ = ("members", "centre", "hours", "customers", "origin", "label", "frozen", "group")

    def __init__(
        self,
        members: set[int],
        centre: int,
        inst: _Instance,
        *,
        origin: str = "new",
        label: str | None = None,
        frozen: bool = False,
        group: int = -1,
    ) -> None:
        self.members = set(members)
        self.centre = centre
        self.hours = float(inst.h[list(members)].sum())
        self.customers = float(inst.k[list(members)].sum())
        self.origin = origin
        self.label = label
        self.frozen = frozen
        self.group = group


def _improve(
    inst: _Instance,
    lots: list[_Lot],
    fixed_units: np.ndarray,
    pool: np.ndarray,
    *,
    passes: int,
    fixed_centres: bool,
) -> None:
    """Move units between lots (and uncovered units into lots) while every rule holds."""
    rules = inst.rules
    lot_of = np.full(inst.n, -1, dtype=np.int64)
    for li, lot in enumerate(lots):
        lot_of[list(lot.members)] = li
    h, k = inst.h, inst.k
    max_h, max_k = rules.max_hours + _EPS, rules.max_customers + _EPS
    min_h, min_k = rules.min_hours - _EPS, rules.min_customers - _EPS
    movable = pool & ~fixed_units
    if not rules.contiguous:
        near_k = min(settings.LOT_MOVE_NEIGHBOURS, inst.n)
        _, near = inst.travel.tree.query(
            np.column_stack([inst.x, inst.y]), k=near_k if near_k > 1 else 1
        )
        near = np.atleast_2d(near.T).T if near_k > 1 else near[:, None]
    for _ in range(passes):
        changed = False
        for i in np.flatnonzero(movable).tolist():
            a = int(lot_of[i])
            if a >= 0 and (lots[a].frozen or lots[a].centre == i):
                continue
            if rules.contiguous:
                cand = {int(lot_of[j]) for j in inst.adj[i]}
            else:
                cand = {int(lot_of[j]) for j in near[i].tolist() if j < inst.n}
            cand.discard(-1)
            cand.discard(a)
            if not cand:
                continue
            if a >= 0:
                la = lots[a]
                if la.hours - h[i] < min_h or la.customers - k[i] < min_k:
                    continue
                t_a = float(inst.travel.minutes(la.centre, i))
                here = h[i] * t_a
            else:
                here = inst.penalty * h[i]
            best, best_gain = -1, 1e-9
            for b in sorted(cand):
                lb = lots[b]
                if lb.frozen or lb.hours + h[i] > max_h or lb.customers + k[i] > max_k:
                    continue
                t_b = float(inst.travel.minutes(lb.centre, i))
                if t_b > rules.max_drive_minutes + _EPS:
                    continue
                if float(inst.travel.miles(lb.centre, i)) > rules.max_radius_miles + _EPS:
                    continue
                gain = here - h[i] * t_b
                if gain > best_gain:
                    best, best_gain = b, gain
            if best < 0:
                continue
            if a >= 0 and rules.contiguous and inst.parts(lots[a].members - {i}) > 1:
                continue
            if a >= 0:
                lots[a].members.discard(i)
                lots[a].hours -= h[i]
                lots[a].customers -= k[i]
            lb = lots[best]
            lb.members.add(i)
            lb.hours += h[i]
            lb.customers += k[i]
            lot_of[i] = best
            changed = True
        if not fixed_centres:
            for lot in lots:
                if lot.frozen or lot.origin == "locked":
                    continue
                members = np.fromiter(sorted(lot.members), dtype=np.int64)
                found = inst.best_centre(members)
                if found is not None and found[0] != lot.centre:
                    old = float(inst.travel.minutes(lot.centre, members) @ h[members])
                    if found[1] < old - 1e-9:
                        lot.centre = found[0]
                        changed = True
        if not changed:
            break


def _reoptimise(
    inst: _Instance,
    lots: list[_Lot],
    pool: np.ndarray,
    rng: np.random.Generator,
    *,
    exact: bool,
    window: int,
    variants: int,
    window_seconds: float,
    seed: int,
    tried: set[Any] | None = None,
    stats: dict[str, Any] | None = None,
) -> int:
    """Large-neighbourhood search: re-solve each lot with its nearest lots; keep improvements.

    The units of a window (a lot, its ``window - 1`` nearest lots and the uncovered units
    touching them; for exact pairs, the lot with each lot it touches in turn) are pooled and
    re-solved: with ``exact`` by :func:`_window_mip` (HiGHS, warm-started from the current
    lots), else by growing fresh candidates over the pool and re-running the LP dive with the
    current lots among the candidates. A window is replaced only when its objective falls and
    every new lot passes the rule check. Windows in ``tried`` (the exact ones already solved
    without gain) are skipped. Returns the number of windows replaced.
    """
    live = [lot for lot in lots if not lot.frozen and lot.origin == "new" and lot.group < 0]
    if len(live) < 2:
        return 0
    in_lot = np.zeros(inst.n, dtype=bool)
    for lot in lots:
        in_lot[list(lot.members)] = True
    improved = 0
    order = sorted(range(len(live)), key=lambda i: -inst.travel.y[live[i].centre])
    alive = [True] * len(live)  # may still be windowed in this sweep
    gone = [False] * len(live)  # replaced
    owner = np.full(inst.n, -1, dtype=np.int64)  # live lot of each unit
    for i, lot in enumerate(live):
        owner[list(lot.members)] = i

    def windows(a: int) -> list[list[int]]:
        idx = [i for i in range(len(live)) if not gone[i]]
        cxy = np.array(
            [[inst.travel.x[live[i].centre], inst.travel.y[live[i].centre]] for i in idx]
        )
        here = np.array([inst.travel.x[live[a].centre], inst.travel.y[live[a].centre]])
        dist = np.hypot(*(cxy - here).T)
        near = np.argsort(dist, kind="stable")
        if not (exact and window == 2):
            return [[idx[j] for j in near[:window].tolist()]]
        # Exact pairs: the lot with each lot it touches (nearest first), not only the
        # nearest one; a lot has several neighbours and the best trade may be with any.
        touching = {int(owner[v]) for u in live[a].members for v in inst.adj[u]}
        partners = [idx[j] for j in near[1:].tolist() if idx[j] in touching and alive[idx[j]]]
        if not partners and len(near) > 1:
            partners = [idx[int(near[1])]]
        return [[a, b] for b in partners]

    for a in order:
        if not alive[a]:
            continue
        for win in windows(a):
            replaced = _try_window(
                inst, live, win, in_lot, pool, rng, exact=exact, variants=variants,
                window_seconds=window_seconds, seed=seed, tried=tried, stats=stats,
            )  # fmt: skip
            if replaced is None:
                continue
            for i in win:
                alive[i] = False
                gone[i] = True
                in_lot[list(live[i].members)] = False
                owner[list(live[i].members)] = -1
            for c, m in replaced:
                live.append(_Lot(set(m.tolist()), c, inst))
                alive.append(False)
                gone.append(False)
                in_lot[m] = True
                owner[m] = len(live) - 1
            improved += 1
            break
    kept = [lot for lot in lots if lot.frozen or lot.origin != "new" or lot.group >= 0]
    lots[:] = kept + [lot for lot, dead in zip(live, gone, strict=True) if not dead]
    return improved


def _try_window(
    inst: _Instance,
    live: list[_Lot],
    win: list[int],
    in_lot: np.ndarray,
    pool: np.ndarray,
    rng: np.random.Generator,
    *,
    exact: bool,
    variants: int,
    window_seconds: float,
    seed: int,
    tried: set[Any] | None,
    stats: dict[str, Any] | None,
) -> list[tuple[int, np.ndarray]] | None:
    """Re-solve the lots ``win`` (and uncovered units touching them); the new lots if better."""
    members = set().union(*(live[i].members for i in win))
    edge = {v for u in members for v in inst.adj[u]}
    uncovered = {v for v in edge if pool[v] and not in_lot[v]}
    wpool = np.zeros(inst.n, dtype=bool)
    wpool[list(members | uncovered)] = True
    old = []
    current = 0.0
    for i in win:
        m = np.fromiter(sorted(live[i].members), dtype=np.int64)
        t = float(inst.travel.minutes(live[i].centre, m) @ inst.h[m])
        current += t - inst.penalty * float(inst.h[m].sum())
        old.append(_Column(m, live[i].centre, t, float(inst.h[m].sum()), -1))
    if exact:
        key = (tuple(sorted(tuple(c.members.tolist()) for c in old)), tuple(sorted(uncovered)))
        if tried is not None:
            if key in tried:
                return None
            tried.add(key)
        # Solved first without the contiguity rows (smaller and, measured, contiguous anyway
        # almost always); with them only when a lot comes back in pieces.
        solved = None
        for nearer in (False, True) if inst.rules.contiguous else (False,):
            solved = _window_mip(
                inst, wpool, [(c.centre, c.members) for c in old],
                time_limit=window_seconds, seed=seed, stats=stats, nearer=nearer,
            )  # fmt: skip
            if solved is None or not any(inst.breaches(inst.measure(m, c)) for c, m in solved[1]):
                break
        if solved is None:
            return None
        value, new_lots = solved
    else:
        cols = old + _candidates(
            inst, np.flatnonzero(wpool), wpool, rng, variants=variants, fixed=False
        )
        chosen, _ = _select(inst, cols, count=None, time_limit=window_seconds, seed=seed)
        value = sum(cols[j].travel - inst.penalty * cols[j].hours for j in chosen)
        new_lots = [(cols[j].centre, cols[j].members) for j in chosen]
    if value >= current - 1e-6 * max(1.0, abs(current)):
        return None
    if any(inst.breaches(inst.measure(m, c)) for c, m in new_lots):
        return None  # cannot happen by construction; never let a broken lot through
    return new_lots


def _window_mip(
    inst: _Instance,
    wpool: np.ndarray,
    current: list[tuple[int, np.ndarray]],
    *,
    time_limit: float,
    seed: int,
    stats: dict[str, Any] | None = None,
    nearer: bool = True,
) -> tuple[float, list[tuple[int, np.ndarray]]] | None:
    """Exact re-solve of a window as a capacitated p-median MIP (HiGHS), warm-started.

    Any window unit may open as a centre; units join an open centre within the radius and
    drive limit; both bands hold per centre. With ``nearer`` (and contiguity in the rules),
    a unit may join a centre only if a neighbour nearer that centre (or the centre itself)
    joins it too, so new lots are connected along paths of falling drive time. Returns
    (objective, lots) when HiGHS finds a solution, else None; ``stats`` counts solves
    (``polish_windows``) and solves stopped by the time limit (``polish_time_limited``).
    """
    rules = inst.rules
    units = np.flatnonzero(wpool)
    xi, xc, xt = [], [], []
    centres = []
    for c in units.tolist():
        ball, mins = inst.reachable(c, wpool)
        if inst.h[ball].sum() < rules.min_hours - _EPS or inst.k[ball].sum() < (
            rules.min_customers - _EPS
        ):
            continue
        keep = ball != c
        centres.append(c)
        xi.append(ball[keep])
        xc.append(np.full(int(keep.sum()), c))
        xt.append(mins[keep])
    if not centres:
        return None
    ii = np.concatenate(xi)
    cc = np.concatenate(xc)
    tt = np.concatenate(xt)
    n_x = len(ii)
    y_of = {c: n_x + r for r, c in enumerate(centres)}
    n_col = n_x + len(centres)
    pair = {
        (int(i), int(c)): k for k, (i, c) in enumerate(zip(ii.tolist(), cc.tolist(), strict=True))
    }
    rows_r, rows_c, rows_v, lo, hi = [], [], [], [], []
    r = 0

    def row(cols: list[int], vals: list[float], low: float, high: float) -> None:
        nonlocal r
        rows_r.extend([r] * len(cols))
        rows_c.extend(cols)
        rows_v.extend(vals)
        lo.append(low)
        hi.append(high)
        r += 1

    inf = highspy.kHighsInf
    by_unit: dict[int, list[int]] = {}
    for k, i in enumerate(ii.tolist()):
        by_unit.setdefault(i, []).append(k)
    for i in units.tolist():
        cols = by_unit.get(i, []) + ([y_of[i]] if i in y_of else [])
        if len(cols) > 1:
            row(cols, [1.0] * len(cols), -inf, 1.0)
    upper = np.ones(n_col)
    adj_sets = [set(a) for a in inst.adj] if rules.contiguous and nearer else None
    # Pairs of the current lots are exempt from the nearer-neighbour rule so that the warm
    # start stays feasible (a connected lot need not be connected along falling drive times);
    # the caller re-checks contiguity of whatever comes back.
    now = {(int(i), c) for c, members in current for i in members.tolist()}
    for k, (i, c, t) in enumerate(zip(ii.tolist(), cc.tolist(), tt.tolist(), strict=True)):
        row([k, y_of[c]], [1.0, -1.0], -inf, 0.0)
        if adj_sets is not None and c not in adj_sets[i] and (i, c) not in now:
            closer = [pair[(j, c)] for j in inst.adj[i] if (j, c) in pair and tt[pair[(j, c)]] < t]
            if closer:
                row([k, *closer], [1.0] + [-1.0] * len(closer), -inf, 0.0)
            else:
                upper[k] = 0.0
    order = np.argsort(cc, kind="stable")
    bounds = np.searchsorted(cc[order], np.asarray(centres))
    ends = np.append(bounds[1:], n_x)
    for c, b0, b1 in zip(centres, bounds.tolist(), ends.tolist(), strict=True):
        ks = order[b0:b1].tolist()
        for w, low, high in (
            (inst.h, rules.min_hours, rules.max_hours),
            (inst.k, rules.min_customers, rules.max_customers),
        ):
            vals = [float(w[ii[k]]) for k in ks]
            row(ks + [y_of[c]], vals + [float(w[c]) - high], -inf, _EPS)
            row(ks + [y_of[c]], vals + [float(w[c]) - low], -_EPS, inf)
    from scipy.sparse import csc_matrix

    a = csc_matrix((rows_v, (rows_r, rows_c)), shape=(r, n_col))
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_col, r
    lp.col_cost_ = np.concatenate(
        [inst.h[ii] * tt - inst.penalty * inst.h[ii], -inst.penalty * inst.h[centres]]
    )
    lp.col_lower_ = np.zeros(n_col)
    lp.col_upper_ = upper
    lp.row_lower_ = np.asarray(lo)
    lp.row_upper_ = np.asarray(hi)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(float)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_col
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("random_seed", int(seed) % 2_147_483_647)
    h.setOptionValue("threads", 1)
    h.passModel(lp)
    start = np.zeros(n_col)
    for c, members in current:
        if c not in y_of:
            return None
        start[y_of[c]] = 1.0
        for i in members.tolist():
            if i != c:
                if (i, c) not in pair:
                    return None
                start[pair[(i, c)]] = 1.0
    sol = highspy.HighsSolution()
    sol.col_value = list(start)
    sol.value_valid = True
    h.setSolution(sol)
    h.run()
    if stats is not None:
        stats["polish_windows"] = stats.get("polish_windows", 0) + 1
        if h.getModelStatus() == highspy.HighsModelStatus.kTimeLimit:
            stats["polish_time_limited"] = stats.get("polish_time_limited", 0) + 1
    if h.getInfo().primal_solution_status < 2:
        return None
    x = np.asarray(h.getSolution().col_value) > 0.5
    lots = []
    for c in centres:
        if x[y_of[c]]:
            members = np.sort(np.append(ii[:n_x][x[:n_x] & (cc == c)], c))
            lots.append((c, members))
    return float(h.getInfo().objective_function_value), lots


# --- pre-phases: locked units and a starting plan ----------------------------------------------


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


def _as_mapping(table: Any, what: str, value_cols: Sequence[str]) -> dict[str, str]:
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


# --- diagnostics -------------------------------------------------------------------------------


def _explain_uncovered(inst: _Instance, pool: np.ndarray, covered: np.ndarray) -> list[str]:
    """Why units are left outside lots; detailed when no lot could be built at all."""
    rules = inst.rules
    left = pool & ~covered
    if not left.any():
        return []
    msgs = [
        f"{int(left.sum())} units ({inst.h[left].sum():,.0f} h, "
        f"{inst.h[left].sum() / max(inst.h.sum(), _EPS):.0%} of hours) are in no Tier 1 lot."
    ]
    if covered.any():
        return msgs
    idx = np.flatnonzero(pool)
    best_h, best_k, at_h, at_k = 0.0, 0.0, -1, -1
    for c in idx.tolist():
        ball, _ = inst.reachable(c, pool)
        hh, kk = float(inst.h[ball].sum()), float(inst.k[ball].sum())
        if hh > best_h:
            best_h, at_h = hh, c
        if kk > best_k:
            best_k, at_k = kk, c
    where = f"around unit {inst.ids[at_h]}" if at_h >= 0 else "anywhere"
    limit = (
        f"within {rules.max_radius_miles:g} miles and {rules.max_drive_minutes:g} minutes of "
        "any centre"
    )
    if best_h < rules.min_hours:
        msgs.append(
            f"No valid lot exists: the most hours {limit} are {best_h:,.0f} ({where}), below "
            f"the {rules.min_hours:,.0f} h floor. Lower min_hours or widen the radius/drive limit."
        )
    elif best_k < rules.min_customers:
        msgs.append(
            f"No valid lot exists: the most customers {limit} are {best_k:,.0f} (around unit "
            f"{inst.ids[at_k]}), "
            f"below the {rules.min_customers} floor. Lower min_customers or widen the limits."
        )
    else:
        msgs.append(
            "No valid lot exists: enough hours and customers lie within reach, but no unit set "
            f"meets both bands ({rules.min_hours:g}-{rules.max_hours:g} h, "
            f"{rules.min_customers}-{rules.max_customers} customers)"
            + (" while staying contiguous" if rules.contiguous else "")
            + ". Widen a band"
            + (" or drop contiguity." if rules.contiguous else ".")
        )
    return msgs


# --- the public engine -------------------------------------------------------------------------


def design(
    units: pd.DataFrame,
    *,
    rules: LotRules | None = None,
    seed: int = 0,
    centres: pd.DataFrame | None = None,
    target_lots: int | None = None,
    target_tolerance: float = settings.LOT_TARGET_TOLERANCE,
    locked: Mapping[str, str] | pd.Series | pd.DataFrame | None = None,
    start: Mapping[str, str] | pd.Series | pd.DataFrame | None = None,
    matrix: pd.DataFrame | None = None,
    variants: int = settings.LOT_GROWTH_VARIANTS,
    tile_size: int = settings.LOT_TILE_SIZE,
    time_limit: float = settings.LOT_MIP_TIME_LIMIT,
    improve_passes: int = settings.LOT_IMPROVE_PASSES,
    lns_rounds: int = settings.LOT_LNS_ROUNDS,
    restarts: int = settings.LOT_RESTARTS,
    polish_rounds: int = settings.LOT_POLISH_ROUNDS,
    prefix: str = "L",
) -> LotPlan:
    """Partition demand units into lots; every lot marked valid meets every rule.

    Parameters
    ----------
    units
        Demand units (the units contract; EPSG:27700).
    rules
        Hard rules; default :class:`LotRules` (settings ``LOT_*``).
    seed
        Random seed: the same inputs and seed give the same plan (provided the MIP finishes
        within ``time_limit``; ``plan.stats`` says if it did not).
    centres
        Fixed centres (towns, GP practices): points with ``x``, ``y`` (or point geometry)
        and an optional ``name``. Lots are then built only round these, one lot per centre,
        and rules are checked from the point.
    target_lots
        About how many lots to make; the count is held within ``target_tolerance`` of it.
    target_tolerance
        Allowed relative deviation from ``target_lots``.
    locked
        Unit -> lot label. Units sharing a label end up in one lot with that label; they never
        move. The lot is grown to validity round them; if no valid lot contains them it is
        kept as given, flagged ``locked_invalid`` with the reason.
    start
        A starting plan, unit -> area (mapping, Series, or DataFrame with ``unit_id`` and
        ``lot_id``/``area``). Valid areas are kept; broken ones are repaired with the fewest
        changed hours; what cannot be repaired is redesigned.
    matrix
        Travel-time matrix (``origin``, ``destination``, ``minutes``), used where given.
    variants
        Growth orders tried per centre (1 = nearest-first only).
    tile_size
        Units per spatial tile for large instances.
    time_limit
        Seconds per tile for the HiGHS LP dive (the greedy pass finishes what is left).
    improve_passes
        Passes of boundary moves after selection.
    lns_rounds
        Sweeps of large-neighbourhood search (each lot re-solved with its nearest lots);
        0 turns it off. Not used with fixed centres or a lot-count target.
    restarts
        Independent constructions (tiles, candidates, LP dive, boundary moves), each with its
        own stream from ``seed``; the best goes on to the search below. 1 builds one.
    polish_rounds
        Sweeps of exact polishing after the search: windows of a few lots
        (:data:`lotdesign.settings.LOT_POLISH_WINDOW`) re-solved to optimality as HiGHS
        p-median models, until no window improves; 0 turns it off. Windows stop on HiGHS's
        own work, not the clock, so results stay deterministic; a safety time limit per
        window (:data:`lotdesign.settings.LOT_POLISH_WINDOW_SECONDS`) is counted in
        ``plan.stats["polish_time_limited"]`` when it bites. Not used with fixed centres or
        a lot-count target.
    prefix
        Letter(s) of new lot ids (``L01``...).

    Returns
    -------
    LotPlan

    Raises
    ------
    ValidationError
        If the units or options are malformed.
    InfeasibleRulesError
        If a band is empty, or the lot-count target cannot be met.

    Examples
    --------
    >>> from lotdesign.synthetic import grid_units
    >>> plan = design(grid_units(300, seed=1), seed=1)
    >>> bool(plan.lots.loc[plan.lots["valid"], "hours"].between(700, 1300).all())
    True
    """
    t0 = time.perf_counter()
    rules = LotRules() if rules is None else rules
    if not isinstance(rules, LotRules):
        raise ValidationError("rules must be a LotRules")
    if (
        min(variants, restarts) < 1
        or tile_size < 50
        or time_limit <= 0
        or min(improve_passes, lns_rounds, polish_rounds) < 0
    ):
        raise ValidationError(
            "variants >= 1, restarts >= 1, tile_size >= 50, time_limit > 0, and "
            "improve_passes, lns_rounds and polish_rounds >= 0 are needed"
        )
    if target_lots is not None and (int(target_lots) < 1 or not 0 <= target_tolerance < 1):
        raise ValidationError("target_lots must be >= 1 and target_tolerance in [0, 1)")
    _check_units(units)
    frame = units.reset_index(drop=True)
    centre_frame = _centre_points(centres, frame)
    inst = _Instance(frame, rules, matrix=matrix, centres=centre_frame)
    lock_map = _as_mapping(locked, "locked", ("lot_id", "lot", "label"))
    start_map = _as_mapping(start, "start", ("lot_id", "area", "lot", "label"))
    position = {u: i for i, u in enumerate(inst.ids)}
    unknown = sorted((set(lock_map) | set(start_map)) - set(position))
    if unknown:
        raise ValidationError(
            f"locked/start name unit(s) not in units: {unknown[:5]}; check the unit ids"
        )
    rng = np.random.default_rng(seed)
    reasons: list[str] = []
    stats: dict[str, Any] = {"tiles": []}
    lots: list[_Lot] = []
    pool = np.ones(inst.n, dtype=bool)
    fixed_units = np.zeros(inst.n, dtype=bool)

    # Locked lots first: their units are spoken for.
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
            reasons.append(f"locked lot {label} cannot be made valid and is kept as given: {why}")
        else:
            members, centre = grown
            lot = _Lot(set(members.tolist()), centre, inst, origin="locked", label=label)
            pool[members] = False
        lots.append(lot)

    # Oversize units: their own lot, never Tier 1.
    over = pool & ((inst.h > rules.max_hours + _EPS) | (inst.k > rules.max_customers + _EPS))
    for i in np.flatnonzero(over).tolist():
        lots.append(_Lot({i}, i, inst, origin="oversize", frozen=True))
        reasons.append(
            f"unit {inst.ids[i]} alone holds {inst.h[i]:,.0f} h and {inst.k[i]:,.0f} customers, "
            f"above the {rules.max_hours:,.0f} h / {rules.max_customers} customer ceiling: it is "
            "its own lot, flagged oversize (split it at a finer unit level or contract it apart)."
        )
    pool &= ~over

    # A starting plan: keep valid areas, repair broken ones with the fewest changes.
    if start_map:
        areas: dict[str, list[int]] = {}
        for u, label in start_map.items():
            if pool[position[u]]:
                areas.setdefault(label, []).append(position[u])
        broken: list[str] = []
        for label in sorted(areas):
            members = np.array(sorted(areas[label]), dtype=np.int64)
            found = inst.best_centre(members)
            if found is not None and not inst.breaches(inst.measure(members, found[0])):
                lots.append(
                    _Lot(
                        set(members.tolist()),
                        found[0],
                        inst,
                        origin="kept",
                        label=label,
                        frozen=True,
                    )
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
                reasons.append(
                    f"area {label} could not be repaired ({why}); its units were redesigned"
                )
                continue
            members2, centre = repaired
            lots.append(
                _Lot(
                    set(members2.tolist()),
                    centre,
                    inst,
                    origin="repaired",
                    label=label,
                    frozen=True,
                )
            )
            pool[members2] = False
            fixed_units[members2] = True
            added = len(np.setdiff1d(members2, members))
            dropped = len(np.setdiff1d(members, members2))
            reasons.append(f"area {label} repaired: {added} units added, {dropped} dropped")

    count: tuple[int, int] | None = None
    if target_lots is not None:
        done = sum(1 for lot in lots if lot.origin not in ("oversize",))
        lo = max(0, math.floor(target_lots * (1 - target_tolerance)) - done)
        hi = math.ceil(target_lots * (1 + target_tolerance)) - done
        if hi < 0:
            raise InfeasibleRulesError(
                f"target of about {target_lots} lots cannot be met: {done} locked or kept lots "
                "already exceed it. Raise target_lots or unlock areas."
            )
        count = (lo, hi)

    design_pool = pool.copy()
    fixed = centre_frame is not None
    movable_pool = np.ones(inst.n, dtype=bool)
    movable_pool[np.flatnonzero(over)] = False

    def improve(plan_lots: list[_Lot]) -> None:
        _improve(
            inst,
            [lot for lot in plan_lots if lot.origin != "oversize"],
            fixed_units,
            movable_pool & ~_members_of(plan_lots, frozen_only=True, n=inst.n),
            passes=improve_passes,
            fixed_centres=fixed,
        )

    # Restarts: the LP dive's rounding and the tiles decide much of the final plan (measured
    # on a 500-unit grid: 59,300 to 95,000 across seeds), so build several and keep the best.
    t_imp = 0.0
    best: tuple[float, list[_Lot], dict[str, Any]] | None = None
    found_counts = []
    for r in range(restarts):
        run_stats: dict[str, Any] = {"tiles": []}
        free_lots = _design_pool(
            inst,
            design_pool,
            rng if r == 0 else np.random.default_rng([seed, r]),
            seed=seed + r,
            fixed=fixed,
            variants=variants,
            tile_size=tile_size,
            time_limit=time_limit,
            count=count,
            stats=run_stats,
        )
        found_counts.append(len(free_lots))
        if count is not None and not count[0] <= len(free_lots) <= count[1]:
            continue
        trial = [_copy_lot(lot, inst) for lot in lots] + free_lots
        t_i = time.perf_counter()
        improve(trial)
        t_imp += time.perf_counter() - t_i
        value = _plan_value(inst, trial)
        if best is None or value < best[0] - 1e-9:
            best = (value, trial, run_stats)
    if best is None:
        assert count is not None
        raise InfeasibleRulesError(
            f"target of about {target_lots} lots (allowed {count[0]}-{count[1]} new lots) cannot "
            f"be met with these rules: {'/'.join(map(str, found_counts))} disjoint valid lots "
            "were found. Change target_lots or its tolerance, or the bands."
        )
    lots = best[1]
    stats.update(best[2])
    stats["restarts"] = restarts

    t_lns = time.perf_counter()
    stats["polish_windows"] = stats["polish_time_limited"] = 0
    if not fixed and count is None:
        for exact, rounds in ((False, lns_rounds), (True, polish_rounds)):
            tried: set[Any] = set()  # exact windows already solved without gain
            for _ in range(rounds):
                replaced = _reoptimise(
                    inst,
                    lots,
                    design_pool,
                    rng,
                    exact=exact,
                    window=settings.LOT_POLISH_WINDOW if exact else settings.LOT_LNS_WINDOW,
                    variants=variants,
                    window_seconds=settings.LOT_POLISH_WINDOW_SECONDS if exact else 5.0,
                    seed=seed,
                    tried=tried if exact else None,
                    stats=stats,
                )
                improve(lots)
                if not replaced:
                    break
    stats["lns_seconds"] = time.perf_counter() - t_lns
    stats["improve_seconds"] = t_imp + stats["lns_seconds"]
    plan = _finish(inst, lots, rules, reasons, stats, prefix=prefix, centre_frame=centre_frame)
    covered = plan.assignment["tier"].eq(1).to_numpy()
    plan.reasons.extend(_explain_uncovered(inst, np.ones(inst.n, bool) & ~over, covered))
    stats["seconds"] = time.perf_counter() - t0
    return plan


def _copy_lot(lot: _Lot, inst: _Instance) -> _Lot:
    return _Lot(
        lot.members, lot.centre, inst, origin=lot.origin, label=lot.label, frozen=lot.frozen,
        group=lot.group,
    )  # fmt: skip


def _plan_value(inst: _Instance, lots: list[_Lot]) -> float:
    """The objective less its constant: travel - penalty x hours over the lots that pass."""
    value = 0.0
    for lot in lots:
        if lot.origin == "oversize":
            continue
        m = inst.measure(np.fromiter(sorted(lot.members), dtype=np.int64), lot.centre)
        if not inst.breaches(m):
            value += m.travel - inst.penalty * m.hours
    return value


def _members_of(lots: list[_Lot], *, frozen_only: bool, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    for lot in lots:
        if lot.frozen or not frozen_only:
            out[list(lot.members)] = True
    return out


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


def _design_pool(
    inst: _Instance,
    pool: np.ndarray,
    rng: np.random.Generator,
    *,
    seed: int,
    fixed: bool,
    variants: int,
    tile_size: int,
    time_limit: float,
    count: tuple[int, int] | None,
    stats: dict[str, Any],
) -> list[_Lot]:
    """Lots over the free ``pool`` units: tiles, candidates, HiGHS dive, refill, seam pass."""
    lots: list[_Lot] = []
    idx = np.flatnonzero(pool)
    if not len(idx):
        return lots
    n_fixed = len(inst.travel) - inst.n
    # A fixed centre belongs to the tile of its nearest unit.
    centre_home = None
    if fixed:
        _, centre_home = cKDTree(np.column_stack([inst.x, inst.y])).query(
            np.column_stack([inst.travel.x[inst.n :], inst.travel.y[inst.n :]])
        )
    used_groups: set[int] = set()
    t_cand = 0.0
    for sweep in range(2):
        free = pool.copy()
        for lot in lots:
            free[list(lot.members)] = False
        idx = np.flatnonzero(free)
        if not len(idx):
            break
        n_tiles = 1 if count is not None else max(1, math.ceil(len(idx) / tile_size))
        if sweep == 1 and n_tiles == 1:
            break
        if n_tiles > 1:
            km = KMeans(n_clusters=n_tiles, n_init=1, random_state=seed + sweep)
            tile = km.fit_predict(np.column_stack([inst.x[idx], inst.y[idx]]))
        else:
            tile = np.zeros(len(idx), dtype=np.int64)
        for t in range(n_tiles):
            tpool = np.zeros(inst.n, dtype=bool)
            tpool[idx[tile == t]] = True
            tc = time.perf_counter()
            if fixed:
                group_of = {}
                seeds = []
                for g in range(n_fixed):
                    if g not in used_groups and tpool[centre_home[g]]:
                        seeds.append(inst.n + g)
                        group_of[inst.n + g] = g
                cols = _candidates(
                    inst,
                    np.asarray(seeds, dtype=np.int64),
                    tpool,
                    rng,
                    variants=variants,
                    fixed=True,
                    group_of=group_of,
                )
            else:
                cols = _candidates(
                    inst, np.flatnonzero(tpool), tpool, rng, variants=variants, fixed=False
                )
            t_cand += time.perf_counter() - tc
            chosen, info = _select(inst, cols, count=count, time_limit=time_limit, seed=seed)
            info.update(sweep=sweep, tile=t, units=int(tpool.sum()))
            stats["tiles"].append(info)
            for j in chosen:
                tpool[cols[j].members] = False
            if count is None and not fixed:
                # Refill: lots shaped to the gaps the first choice left, from free units only.
                tc = time.perf_counter()
                more = _candidates(
                    inst, np.flatnonzero(tpool), tpool, rng, variants=variants, fixed=False
                )
                t_cand += time.perf_counter() - tc
                extra = _greedy(inst, more, np.ones(len(more), bool), tpool.copy(), set())
                info["refill_lots"] = len(extra)
                cols = cols + more
                chosen = chosen + [len(cols) - len(more) + j for j in extra]
            for j in chosen:
                col = cols[j]
                lots.append(_Lot(set(col.members.tolist()), col.centre, inst, group=col.group))
                if col.group >= 0:
                    used_groups.add(col.group)
    stats["candidate_seconds"] = t_cand
    return lots


def _finish(
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
        table = pd.DataFrame(columns=["lot_id", "members", "centre", "valid", "origin"])
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
    }
    return LotPlan(assignment, lots_frame.reset_index(drop=True), rules, objective, reasons, stats)


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


def lower_bound(
    units: pd.DataFrame,
    *,
    rules: LotRules | None = None,
    matrix: pd.DataFrame | None = None,
    method: str = "colgen",
    time_limit: float = 60.0,
    seed: int = 0,
) -> dict[str, Any]:
    """A lower bound on :func:`design`'s objective (``plan.objective["value"]``), by HiGHS.

    Both models relax contiguity, so they bound contiguous and non-contiguous plans alike.
    A lot is a centre unit plus members within the radius and drive limit of it, meeting both
    bands; the objective is the engine's (hours x minutes to the centre + penalty x
    uncovered hours).

    ``method="colgen"`` (default): set partitioning over *all* such lots, bounded by column
    generation. A HiGHS LP master over the lots found so far gives unit duals; for each
    centre a small HiGHS MIP (a two-band knapsack over the units within reach) prices the
    best lot. The Lagrangian bound ``sum(duals) + sum over centres of min(0, best reduced
    cost)`` (only the ``k`` most negative, where ``k`` is the most lots the floors allow) is
    valid at every round (the pricing MIPs' dual bounds are used), and meets the LP optimum
    when no lot prices out.

    ``method="pmedian"``: a capacitated p-median MIP (x[unit, centre], y[centre]) given to
    HiGHS whole; its dual bound when the time limit stops it. Weaker in practice.

    Parameters
    ----------
    units
        Demand units.
    rules
        Rules (default :class:`LotRules`).
    matrix
        Travel-time matrix, as for :func:`design`.
    method
        ``"colgen"`` or ``"pmedian"``.
    time_limit
        Seconds; the best bound so far is returned when it runs out.
    seed
        Random seed (initial columns and HiGHS).

    Returns
    -------
    dict
        ``bound``, ``method``, ``status``, ``seconds`` and method facts (``rounds``,
        ``columns``, ``lp_value`` for colgen; ``incumbent``, ``gap``, ``pairs`` for pmedian).
    """
    rules = LotRules() if rules is None else rules
    if method == "colgen":
        return _colgen_bound(units, rules, matrix=matrix, time_limit=time_limit, seed=seed)
    if method != "pmedian":
        raise ValidationError(f"method must be 'colgen' or 'pmedian'; got {method!r}")
    return _pmedian_bound(units, rules, matrix=matrix, time_limit=time_limit, seed=seed)


def _colgen_bound(
    units: pd.DataFrame,
    rules: LotRules,
    *,
    matrix: pd.DataFrame | None,
    time_limit: float,
    seed: int,
) -> dict[str, Any]:
    t0 = time.perf_counter()
    inst = _Instance(units.reset_index(drop=True), rules, matrix=matrix)
    n = inst.n
    offset = inst.penalty * float(inst.h.sum())
    pool = ~((inst.h > rules.max_hours + _EPS) | (inst.k > rules.max_customers + _EPS))
    centres = np.flatnonzero(pool)
    reach = {}
    for c in centres.tolist():
        ball, mins = inst.reachable(c, pool)
        if inst.h[ball].sum() >= rules.min_hours - _EPS and inst.k[ball].sum() >= (
            rules.min_customers - _EPS
        ):
            reach[c] = (ball, mins)
    centre_row = {c: n + r for r, c in enumerate(sorted(reach))}
    # No plan has more lots than the floors allow: a valid cut on the lot count that keeps
    # the Lagrangian bound to the most negative few centres instead of all of them.
    max_lots = int(
        min(
            inst.h[pool].sum() / max(rules.min_hours, _EPS),
            inst.k[pool].sum() / max(rules.min_customers, _EPS),
            len(reach),
        )
    )
    count_row = n + len(centre_row)
    n_rows = count_row + 1
    master = highspy.Highs()
    master.setOptionValue("output_flag", False)
    master.setOptionValue("random_seed", int(seed))
    inf = highspy.kHighsInf
    upper = np.ones(n_rows)
    upper[count_row] = max_lots
    master.addRows(
        n_rows, np.full(n_rows, -inf), upper, 0, np.zeros(0, np.int32),
        np.zeros(0, np.int32), np.zeros(0),
    )  # fmt: skip
    seen: set[bytes] = set()

    def add(members: np.ndarray, centre: int) -> bool:
        key = members.tobytes() + np.int64(centre).tobytes()
        if key in seen or centre not in centre_row:
            return False
        seen.add(key)
        mins = inst.travel.minutes(centre, members)
        cost = float(inst.h[members] @ mins - inst.penalty * inst.h[members].sum())
        rows = np.append(members, [centre_row[centre], count_row]).astype(np.int32)
        master.addCol(cost, 0.0, 1.0, len(rows), rows, np.ones(len(rows)))
        return True

    rng = np.random.default_rng(seed)
    for col in _candidates(
        inst, np.asarray(sorted(reach), np.int64), pool, rng, variants=2, fixed=False
    ):
        add(col.members, col.centre)
    best_bound, lp_value, rounds, status = -math.inf, math.nan, 0, "time limit"
    stable: np.ndarray | None = None  # duals of the best bound so far (Wentges smoothing)
    while time.perf_counter() - t0 < time_limit:
        master.run()
        rounds += 1
        lp_value = float(master.getInfo().objective_function_value)
        duals = np.minimum(np.asarray(master.getSolution().row_dual)[:n], 0.0)
        # Price at duals pulled towards the best-bound duals: damps the oscillation that
        # makes plain column generation tail off, and any duals <= 0 give a valid bound.
        price_at = duals if stable is None else 0.5 * stable + 0.5 * duals
        added, finished, best_rc = 0, True, []
        for c, (ball, mins) in reach.items():
            if time.perf_counter() - t0 > time_limit:
                finished = False  # pricing unfinished: this round gives no bound
                break
            base = inst.h[ball] * mins - inst.penalty * inst.h[ball]
            value, lb, members = _price(inst, ball, base - price_at[ball], c, rules)
            best_rc.append(min(0.0, lb))
            if members is not None:
                pos = np.searchsorted(ball, members)
                true_rc = float((base[pos] - duals[members]).sum())
                if true_rc < -1e-6 and add(members, c):
                    added += 1
        if not finished:
            break
        lagrange = float(price_at.sum()) + float(np.sort(best_rc)[:max_lots].sum())
        if lagrange > best_bound:
            best_bound, stable = lagrange, price_at.copy()
        if added == 0 and stable is not None and np.array_equal(price_at, duals):
            status = "optimal (no lot prices out)"
            break
        if added == 0:
            stable = duals.copy()  # mis-priced round: price at the master's duals next
    return {
        "bound": best_bound + offset,
        "method": "colgen",
        "status": status,
        "lp_value": lp_value + offset,
        "rounds": rounds,
        "columns": len(seen),
        "seconds": time.perf_counter() - t0,
    }


def _price(
    inst: _Instance, ball: np.ndarray, coef: np.ndarray, centre: int, rules: LotRules
) -> tuple[float, float, np.ndarray | None]:
    """Best lot at ``centre`` for reduced costs ``coef`` (a two-band knapsack, HiGHS MIP)."""
    m = len(ball)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 1e-6)
    h.setOptionValue("time_limit", 10.0)
    lower = np.zeros(m)
    lower[ball == centre] = 1.0
    h.addVars(m, lower, np.ones(m))
    idx = np.arange(m, dtype=np.int32)
    h.changeColsCost(m, idx, coef)
    h.changeColsIntegrality(m, idx, np.array([highspy.HighsVarType.kInteger] * m))
    h.addRow(rules.min_hours - 1e-9, rules.max_hours + 1e-9, m, idx, inst.h[ball])
    h.addRow(rules.min_customers - 1e-9, rules.max_customers + 1e-9, m, idx, inst.k[ball])
    h.run()
    info = h.getInfo()
    if h.getModelStatus() == highspy.HighsModelStatus.kInfeasible:
        return math.inf, math.inf, None
    lb = float(info.mip_dual_bound)
    if info.primal_solution_status < 2:
        return math.inf, lb, None
    z = np.asarray(h.getSolution().col_value) > 0.5
    return float(info.objective_function_value), lb, np.sort(ball[z])


def _pmedian_bound(
    units: pd.DataFrame,
    rules: LotRules,
    *,
    matrix: pd.DataFrame | None,
    time_limit: float,
    seed: int,
) -> dict[str, Any]:
    inst = _Instance(units.reset_index(drop=True), rules, matrix=matrix)
    n = inst.n
    pool = np.ones(n, dtype=bool)
    big = (inst.h > rules.max_hours + _EPS) | (inst.k > rules.max_customers + _EPS)
    pool &= ~big
    pair_i, pair_c, pair_t = [], [], []
    for c in np.flatnonzero(pool).tolist():
        ball, mins = inst.reachable(c, pool)
        pair_i.append(ball)
        pair_c.append(np.full(len(ball), c))
        pair_t.append(mins)
    ii = np.concatenate(pair_i) if pair_i else np.empty(0, np.int64)
    cc = np.concatenate(pair_c) if pair_c else np.empty(0, np.int64)
    tt = np.concatenate(pair_t) if pair_t else np.empty(0)
    keep = ii != cc  # the centre's own unit is carried by its y variable
    ii, cc, tt = ii[keep], cc[keep], tt[keep]
    n_x = len(ii)
    centres = np.flatnonzero(pool)
    y_of = {int(c): n_x + j for j, c in enumerate(centres.tolist())}
    n_col = n_x + len(centres)
    # Columns: x (unit i to centre c), then y (centre c open, its own unit included).
    cost = np.concatenate(
        [inst.h[ii] * tt - inst.penalty * inst.h[ii], -inst.penalty * inst.h[centres]]
    )
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("random_seed", int(seed))
    h.setOptionValue("threads", 1)
    inf = highspy.kHighsInf
    h.addVars(n_col, np.zeros(n_col), np.ones(n_col))
    h.changeColsCost(n_col, np.arange(n_col, dtype=np.int32), cost)
    h.changeColsIntegrality(
        n_col,
        np.arange(n_col, dtype=np.int32),
        np.array([highspy.HighsVarType.kInteger] * n_col),
    )
    ycol = np.array([y_of[int(c)] for c in cc], dtype=np.int32)
    xcol = np.arange(n_x, dtype=np.int32)
    # Each unit in at most one lot (as member or as centre).
    order = np.argsort(ii, kind="stable")
    by_unit = np.split(xcol[order], np.searchsorted(ii[order], np.arange(1, n)))
    for u in range(n):
        cols = by_unit[u]
        if u in y_of:
            cols = np.append(cols, y_of[u])
        if len(cols) > 1:
            h.addRow(-inf, 1.0, len(cols), cols.astype(np.int32), np.ones(len(cols)))
    # Linking x_ic <= y_c.
    for j in range(n_x):
        h.addRow(-inf, 0.0, 2, np.array([j, ycol[j]], np.int32), np.array([1.0, -1.0]))
    # Bands per centre.
    order = np.argsort(cc, kind="stable")
    by_centre = np.split(xcol[order], np.searchsorted(cc[order], centres[1:]))
    for c, cols in zip(centres.tolist(), by_centre, strict=True):
        yc = y_of[c]
        idx = np.append(cols, yc).astype(np.int32)
        for weights, lo, hi, own in (
            (inst.h, rules.min_hours, rules.max_hours, inst.h[c]),
            (inst.k, rules.min_customers, rules.max_customers, inst.k[c]),
        ):
            w = weights[ii[cols]]
            h.addRow(-inf, 0.0, len(idx), idx, np.append(w, own - hi))
            h.addRow(0.0, inf, len(idx), idx, np.append(w, own - lo))
    h.run()
    info = h.getInfo()
    offset = inst.penalty * float(inst.h.sum())
    has_sol = info.primal_solution_status >= 2
    return {
        "bound": float(info.mip_dual_bound) + offset,
        "method": "pmedian",
        "incumbent": float(info.objective_function_value) + offset if has_sol else math.nan,
        "status": h.modelStatusToString(h.getModelStatus()),
        "gap": float(info.mip_gap),
        "seconds": float(h.getRunTime()),
        "pairs": n_x,
    }
