"""The instance: unit arrays, travel and adjacency for one set of units and one rule set.

:class:`_Instance` is what every phase of the engine works on: unit positions as integers,
hours and customers as arrays, a :class:`~lotdesign.travel.TravelModel` (k-d tree, no n x n
matrix) and the shared-edge adjacency. It measures a lot (:class:`_Measure`), lists the rules
it breaks, and finds its centre (the constrained medoid). :func:`_check_units` checks the
demand-units contract before anything is built.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd

from lotdesign import settings
from lotdesign.errors import ValidationError
from lotdesign.lots.rules import LotRules
from lotdesign.travel import TravelModel, land_of_units

#: Tolerance on every rule comparison, so a lot exactly at a limit passes.
_EPS = 1e-9
#: Columns of the demand-units contract the engine needs (``neighbours`` is optional).
UNIT_COLUMNS: tuple[str, ...] = ("unit_id", "customers", "hours", "x", "y", "rurality")


class _Measure(NamedTuple):
    """One lot measured from its centre: totals, worst distances and connectedness.

    With customers known, ``max_miles`` and ``max_minutes`` are to the farthest customer's
    postcode and ``beyond_*`` count the customers past each limit; else they are to the
    farthest unit point and the counts are 0.
    """

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
    beyond_radius: float = 0.0
    beyond_drive: float = 0.0
    beyond: float = 0.0
    groups: int = 1


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
        customers: pd.DataFrame | None = None,
        within: pd.Series | None = None,
    ) -> None:
        _check_units(units)
        #: The rules as given, and as held today (ceilings lowered by growth headroom).
        self.given_rules = rules
        rules = rules.effective()
        self.rules = rules
        self.units = units.reset_index(drop=True)
        self.ids = self.units["unit_id"].astype(str).to_numpy()
        self.n = len(self.ids)
        self.h = self.units["hours"].to_numpy(dtype=float)
        self.k = self.units["customers"].to_numpy(dtype=float)
        self.x = self.units["x"].to_numpy(dtype=float)
        self.y = self.units["y"].to_numpy(dtype=float)
        self.centres = centres
        n_centres = 0 if centres is None else len(centres)
        points = _customer_points(self.units, customers)
        self.has_customers = points is not None
        extra = centres
        if points is not None:
            pts, self._cp_start, self._cp_point, self._cp_count = points
            self._cp_point = self._cp_point + self.n + n_centres
            extra = pts if centres is None else pd.concat([centres, pts], ignore_index=True)
        self.travel = TravelModel.from_units(
            self.units,
            extra=extra,
            matrix=matrix,
            circuity=rules.circuity,
            speeds=rules.speeds,
            land=(
                land_of_units(self.units, grid_m=rules.land_grid_m, limit_m=rules.land_path_limit_m)
                if rules.land_paths
                else None
            ),
            detour_ratio=rules.land_detour_ratio,
        )
        self.group = _groups(self.ids, within)
        self._reach_rows: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
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
        #: Cost of each lot in the objective (hour-minutes): 0 under the ``compact`` policy,
        #: set by :func:`~lotdesign.lots.design` under ``viable``.
        self.lot_cost = 0.0

    def reachable(self, centre: int, pool: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pool units a lot centred on ``centre`` may hold, and their minutes from it.

        A unit may join when it is in the same ``within`` area as the centre and its
        customers (or, without customers, its point) are within the radius and drive limit,
        up to the rules' reach tolerance.
        """
        ball = self.travel.within([centre], self.reach_m)[0]
        ball = ball[ball < self.n]
        ball = ball[pool[ball]]
        if not len(ball):
            return ball, np.empty(0)
        ok = self.reach_ok(centre, ball)
        ball = ball[ok]
        return ball, self.travel.minutes(centre, ball)

    def reach_ok(self, centre: int, units: np.ndarray) -> np.ndarray:
        """Whether each of ``units`` may be in a lot centred on ``centre`` (reach and area)."""
        units = np.asarray(units, dtype=np.int64)
        _, _, ok, _ = self.reach(centre, units)
        if self.group is not None:
            ok = ok & (self.group[units] == self._group_of(centre))
        return ok

    def _group_of(self, centre: int) -> int:
        if self.group is None:
            return 0
        if centre < self.n:
            return int(self.group[centre])
        # A fixed centre takes the area of the unit nearest it.
        d = np.hypot(self.x - self.travel.x[centre], self.y - self.travel.y[centre])
        return int(self.group[int(np.argmin(d))])

    def reach(
        self, centre: int, units: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """From ``centre`` to each unit's farthest customer: minutes, miles, ok, beyond.

        Without customers the unit's own point stands for them. ``beyond`` (3 x units) counts
        the customers past the radius, past the drive limit and past either. ``ok`` holds when
        those past either are at most the reach tolerance's share of the unit's customers,
        so a lot made of such units meets the tolerance too.
        """
        units = np.asarray(units, dtype=np.int64)
        r = self.rules
        if not self.has_customers:
            mins = self.travel.minutes(centre, units)
            miles = self.travel.miles(centre, units)
            ok = (mins <= r.max_drive_minutes + _EPS) & (miles <= r.max_radius_miles + _EPS)
            beyond = np.zeros((3, len(units)))
            return mins, miles, ok, beyond
        row = self._reach_rows.get(centre)
        if row is None:
            ball = self.travel.within([centre], self.reach_m * _REACH_ROW_SLACK)[0]
            ball = ball[ball < self.n]
            row = (ball, *self._reach_direct(centre, ball))
            self._reach_rows[centre] = row
        ball = row[0]
        pos = np.minimum(np.searchsorted(ball, units), max(len(ball) - 1, 0))
        if len(ball) and (ball[pos] == units).all():
            mins, miles, beyond = row[1][pos], row[2][pos], row[3][:, pos]
        else:
            mins, miles, beyond = self._reach_direct(centre, units)
        ok = beyond[2] <= r.reach_tolerance * self.k[units] + _EPS
        return mins, miles, ok, beyond

    def _reach_direct(
        self, centre: int, units: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Farthest-customer minutes and miles per unit; customers past radius, drive, either."""
        r = self.rules
        start, end = self._cp_start[units], self._cp_start[units + 1]
        lengths = end - start
        mins = np.zeros(len(units))
        miles = np.zeros(len(units))
        beyond = np.zeros((3, len(units)))
        has = lengths > 0
        if not has.any():
            return mins, miles, beyond
        idx = np.concatenate([np.arange(a, b) for a, b in zip(start[has], end[has], strict=True)])
        pts = self._cp_point[idx]
        count = self._cp_count[idx]
        pm = self.travel.minutes(centre, pts)
        pl = self.travel.miles(centre, pts)
        offsets = np.concatenate([[0], np.cumsum(lengths[has])[:-1]])
        far_r = pl > r.max_radius_miles + _EPS
        far_d = pm > r.max_drive_minutes + _EPS
        mins[has] = np.maximum.reduceat(pm, offsets)
        miles[has] = np.maximum.reduceat(pl, offsets)
        beyond[0, has] = np.add.reduceat(count * far_r, offsets)
        beyond[1, has] = np.add.reduceat(count * far_d, offsets)
        beyond[2, has] = np.add.reduceat(count * (far_r | far_d), offsets)
        return mins, miles, beyond

    def adjacency_csr(self) -> tuple[np.ndarray, np.ndarray]:
        """Shared-edge adjacency as CSR arrays (``indptr``, ``indices``), built once."""
        csr = getattr(self, "_adj_csr", None)
        if csr is None:
            lengths = np.fromiter((len(a) for a in self.adj), dtype=np.int64, count=self.n)
            indptr = np.zeros(self.n + 1, dtype=np.int64)
            np.cumsum(lengths, out=indptr[1:])
            indices = np.fromiter(
                (v for a in self.adj for v in a), dtype=np.int64, count=int(indptr[-1])
            )
            csr = self._adj_csr = (indptr, indices)
        return csr

    def pieces(self, members: Sequence[int]) -> list[set[int]]:
        """The connected parts of ``members`` through shared edges, largest first."""
        left = set(int(m) for m in members)
        out = []
        while left:
            piece = {left.pop()}
            stack = list(piece)
            while stack:
                for v in self.adj[stack.pop()]:
                    if v in left:
                        left.remove(v)
                        piece.add(v)
                        stack.append(v)
            out.append(piece)
        return sorted(out, key=lambda p: (-len(p), min(p)))

    def separators(self, members: Sequence[int], centre: int) -> list[tuple[int, list[int]]]:
        """Contiguity cuts for a lot in pieces: (unit, the units any connected lot needs one of).

        For each unit ``i`` of a piece without ``centre``, the units next to that piece
        outside it: a connected lot holding ``i`` and ``centre`` holds one of them (its path
        from ``i`` leaves the piece through one), so ``x_i <= sum of x over them`` holds for
        every contiguous lot and cuts this one off. Empty for a connected lot.
        """
        out = []
        for piece in self.pieces(members):
            if centre in piece:
                continue
            edge = sorted({v for u in piece for v in self.adj[u]} - piece)
            out.extend((i, edge) for i in sorted(piece))
        return out

    def separator_rows(
        self, lots: Iterable[tuple[int, np.ndarray]], column: Mapping[tuple[int, int], int]
    ) -> list[np.ndarray]:
        """The :meth:`separators` of ``lots`` (centre, members) as rows of a p-median model.

        Each row lists the columns of ``x_ic - sum(x_jc) <= 0``, ``x_ic`` first; ``column``
        maps (unit, centre) to the model's column (pairs it lacks are out of reach and
        left out). Empty when every lot is in one piece.
        """
        return [
            np.array(
                [column[(i, c)], *(column[(j, c)] for j in edge if (j, c) in column)], np.int32
            )
            for c, members in lots
            for i, edge in self.separators(members, c)
        ]

    def parts(self, members: Sequence[int]) -> int:
        """Number of connected parts of ``members`` through shared edges."""
        # Counted without building the pieces (:meth:`pieces`): every boundary move and
        # every growth step that needs a join asks this.
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

    def meets_floors(self, units: np.ndarray) -> bool:
        """Whether ``units`` hold enough hours and customers for both floors."""
        r = self.rules
        return bool(
            self.h[units].sum() >= r.min_hours - _EPS
            and self.k[units].sum() >= r.min_customers - _EPS
        )

    def measure(self, members: np.ndarray, centre: int) -> _Measure:
        members = np.asarray(members, dtype=np.int64)
        unit_miles = self.travel.miles(centre, members)
        unit_mins = self.travel.minutes(centre, members)
        mins, miles, _, beyond = self.reach(centre, members)
        parts = self.parts(members)
        groups = len(set(self.group[members].tolist())) if self.group is not None else 1
        return _Measure(
            hours=float(self.h[members].sum()),
            customers=float(self.k[members].sum()),
            max_miles=float(miles.max()) if len(miles) else 0.0,
            p90_miles=float(np.quantile(unit_miles, 0.9)) if len(unit_miles) else 0.0,
            max_minutes=float(mins.max()) if len(mins) else 0.0,
            travel=float((self.h[members] * unit_mins).sum()),
            contiguous=parts <= 1,
            parts=parts,
            far_miles_unit=int(members[np.argmax(miles)]) if len(miles) else -1,
            far_minutes_unit=int(members[np.argmax(mins)]) if len(mins) else -1,
            beyond_radius=float(beyond[0].sum()),
            beyond_drive=float(beyond[1].sum()),
            beyond=float(beyond[2].sum()),
            groups=groups,
        )

    def breaches(self, m: _Measure, rules: LotRules | None = None) -> dict[str, str]:
        """Rule -> reason for every rule the measured lot breaks (empty when valid)."""
        r = self.rules if rules is None else rules
        out: dict[str, str] = {}
        note = self.given_rules.headroom_note() if rules is None else ""
        if m.hours > r.max_hours + _EPS:
            out["hours"] = f"{m.hours:,.1f} h above the {r.max_hours:,.0f} h ceiling{note}"
        elif m.hours < r.min_hours - _EPS:
            out["hours"] = f"{m.hours:,.1f} h below the {r.min_hours:,.0f} h floor"
        if m.customers > r.max_customers + _EPS:
            out["customers"] = (
                f"{m.customers:,.0f} customers above the {r.max_customers:,.0f} ceiling{note}"
            )
        elif m.customers < r.min_customers - _EPS:
            out["customers"] = (
                f"{m.customers:,.0f} customers below the {r.min_customers:,.0f} floor"
            )
        if self.has_customers:
            allowed = r.reach_tolerance * m.customers + _EPS
            if m.beyond > allowed and m.beyond_radius > 0:
                out["radius"] = (
                    f"{m.beyond_radius:,.0f} customer(s) more than {r.max_radius_miles:g} miles "
                    f"from the centre, the farthest {m.max_miles:.1f} miles away in unit "
                    f"{self.ids[m.far_miles_unit]}" + _tolerated(r, m)
                )
            if m.beyond > allowed and m.beyond_drive > 0:
                out["drive"] = (
                    f"{m.beyond_drive:,.0f} customer(s) more than {r.max_drive_minutes:g} min "
                    f"from the centre, the farthest {_minutes_text(m.max_minutes, self)} "
                    f"away in unit {self.ids[m.far_minutes_unit]}" + _tolerated(r, m)
                )
        else:
            if m.max_miles > r.max_radius_miles + _EPS:
                out["radius"] = (
                    f"unit {self.ids[m.far_miles_unit]} is {m.max_miles:.1f} miles from the "
                    f"centre (limit {r.max_radius_miles:g})"
                )
            if m.max_minutes > r.max_drive_minutes + _EPS:
                out["drive"] = (
                    f"unit {self.ids[m.far_minutes_unit]} is "
                    f"{_minutes_text(m.max_minutes, self)} from the centre "
                    f"(limit {r.max_drive_minutes:g})"
                )
        if r.contiguous and not m.contiguous:
            out["contiguity"] = f"not contiguous: {m.parts} separate parts"
        if m.groups > 1:
            out["within"] = f"spans {m.groups} areas it should nest in"
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
            if self.has_customers or self.group is not None:
                ok = np.array([self.reach_ok(int(c), members).all() for c in cands.tolist()])
            else:
                miles = self.travel.miles(cands[:, None], members[None, :])
                ok = (mins.max(axis=1) <= self.rules.max_drive_minutes + _EPS) & (
                    miles.max(axis=1) <= self.rules.max_radius_miles + _EPS
                )
            if not ok.any():
                return None
            cost = np.where(ok, cost, np.inf)
        elif not np.isfinite(cost).any():
            cost = np.where(np.isnan(cost), np.inf, cost)
            return int(cands[0]), float(cost[0])
        best = int(np.argmin(cost))
        return int(cands[best]), float(cost[best])

    def centre_shortlist(self, members: np.ndarray, size: int) -> np.ndarray:
        """Members nearest the lot's hours-weighted centroid (medoid candidates)."""
        w = self.h[members] + _EPS
        cx = float((self.x[members] * w).sum() / w.sum())
        cy = float((self.y[members] * w).sum() / w.sum())
        d = np.hypot(self.x[members] - cx, self.y[members] - cy)
        return members[np.argsort(d, kind="stable")[:size]]


#: A centre's cached reach row covers units this much beyond the search radius, so a unit
#: moved in later (boundary moves) is usually found in it.
_REACH_ROW_SLACK = 1.5


def _minutes_text(minutes: float, inst: _Instance) -> str:
    if np.isfinite(minutes):
        return f"{minutes:.1f} min"
    cutoff = inst.travel.cutoff_minutes
    return f"more than {cutoff:g} min (beyond the road matrix's cut-off)"


def _tolerated(rules: LotRules, m: _Measure) -> str:
    if rules.reach_tolerance <= 0:
        return ""
    return (
        f"; {m.beyond:,.0f} of {m.customers:,.0f} customers beyond the limits, more than the "
        f"{rules.reach_tolerance:.0%} tolerated"
    )


def _customer_points(
    units: pd.DataFrame, customers: pd.DataFrame | None
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray] | None:
    """Customers' distinct postcodes as points, and each unit's (point, customers) list.

    Returns the points frame (``id`` = postcode, ``x``, ``y``, ``rurality``), CSR-style
    starts per unit (length n + 1), the point of each entry and its customers; None without
    customers.
    """
    if customers is None:
        return None
    need = {"unit_id", "easting", "northing"}
    if not need <= set(customers.columns):
        raise ValidationError(
            "customers need unit_id, easting and northing (and postcode) to check the reach "
            "to every customer; pass Run.customers or make_units' customers"
        )
    c = customers.dropna(subset=["easting", "northing"]).copy()
    c["unit_id"] = c["unit_id"].astype(str)
    position = {u: i for i, u in enumerate(units["unit_id"].astype(str))}
    c = c[c["unit_id"].isin(position)]
    if "postcode" in c.columns:
        c["_pt"] = c["postcode"].astype(str)
    else:
        c["_pt"] = (
            c["easting"].round(0).astype(int).astype(str)
            + ","
            + c["northing"].round(0).astype(int).astype(str)
        )
    rur = units.set_index(units["unit_id"].astype(str))["rurality"]
    pts = (
        c.groupby("_pt", sort=True)
        .agg(x=("easting", "first"), y=("northing", "first"), unit=("unit_id", "first"))
        .reset_index()
    )
    pts["rurality"] = pts["unit"].map(rur).to_numpy()
    pts = pts.rename(columns={"_pt": "id"})[["id", "x", "y", "rurality"]]
    point_of = pd.Series(np.arange(len(pts)), index=pts["id"])
    pairs = c.groupby(["unit_id", "_pt"], sort=True).size().rename("count").reset_index()
    pairs["u"] = pairs["unit_id"].map(position).to_numpy()
    pairs = pairs.sort_values(["u", "_pt"], kind="stable")
    starts = np.zeros(len(units) + 1, dtype=np.int64)
    np.add.at(starts, pairs["u"].to_numpy() + 1, 1)
    starts = np.cumsum(starts)
    return (
        pts,
        starts,
        point_of.reindex(pairs["_pt"]).to_numpy(dtype=np.int64),
        pairs["count"].to_numpy(dtype=float),
    )


def _groups(ids: np.ndarray, within: pd.Series | None) -> np.ndarray | None:
    """Integer area of each unit for nesting (``within``); None when lots need not nest."""
    if within is None:
        return None
    area = pd.Series(within).copy()
    area.index = area.index.astype(str)
    labels = area.reindex(ids)
    if labels.isna().any():
        missing = list(ids[labels.isna().to_numpy()][:5])
        raise ValidationError(
            f"within: {int(labels.isna().sum())} unit(s) have no area to nest in (e.g. "
            f"{missing}); give every unit an area"
        )
    codes, _ = pd.factorize(labels.astype(str), sort=True)
    return codes.astype(np.int64)
