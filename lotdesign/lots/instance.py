"""The instance: unit arrays, travel and adjacency for one set of units and one rule set.

:class:`_Instance` is what every phase of the engine works on: unit positions as integers,
hours and customers as arrays, a :class:`~lotdesign.travel.TravelModel` (k-d tree, no n x n
matrix) and the shared-edge adjacency. It measures a lot (:class:`_Measure`), lists the rules
it breaks, and finds its centre (the constrained medoid). :func:`_check_units` checks the
demand-units contract before anything is built.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd

from lotdesign import settings
from lotdesign.errors import ValidationError
from lotdesign.lots.rules import LotRules
from lotdesign.travel import TravelModel

#: Tolerance on every rule comparison, so a lot exactly at a limit passes.
_EPS = 1e-9
#: Columns of the demand-units contract the engine needs (``neighbours`` is optional).
UNIT_COLUMNS: tuple[str, ...] = ("unit_id", "customers", "hours", "x", "y", "rurality")


class _Measure(NamedTuple):
    """One lot measured from its centre: totals, worst distances and connectedness."""

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
