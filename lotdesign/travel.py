"""Distances and drive-time estimates between demand units (and fixed centres).

Drive time is estimated as straight-line distance x a road-circuity factor / a driving speed
that depends on rurality (:data:`lotdesign.settings.ROAD_CIRCUITY`,
:data:`lotdesign.settings.SPEED_MPH`). Half of a trip is driven at each end's speed, so a trip
from a town centre out to a village is slower than one between two villages and the estimate
is the same in both directions. Where the user supplies a travel-time matrix (a long table of
``origin``, ``destination``, ``minutes``, e.g. from OSRM), its figure is used instead, in either
direction when only one is given.

Without a road file, a straight line across an estuary or a harbour is not a drive: where the
straight line between two points leaves the land (the union of the units' polygons, which end
at the coast), the estimate is taken along the shortest path over land instead
(:class:`LandPaths`: Dijkstra on a grid over the land, :mod:`scipy.sparse.csgraph`).

Nothing here builds an n x n matrix over all units: pairs are evaluated on demand and
neighbourhoods come from a :class:`scipy.spatial.cKDTree`.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from lotdesign import settings
from lotdesign.errors import ValidationError

__all__ = [
    "LandPaths",
    "TravelModel",
    "estimate_minutes",
    "speed_for",
    "validate_matrix",
]

_MINUTES_PER_HOUR = 60.0


def speed_for(
    rurality: Sequence[str] | np.ndarray,
    *,
    speeds: Mapping[str, float] | None = None,
) -> np.ndarray:
    """Driving speed (mph) for each rurality class.

    Parameters
    ----------
    rurality
        Rurality classes (``"urban"``, ``"town_fringe"``, ``"village_dispersed"``).
    speeds
        Speed (mph) by class; defaults to :data:`lotdesign.settings.SPEED_MPH`.

    Returns
    -------
    numpy.ndarray
        Speeds in mph, one per input.

    Raises
    ------
    ValidationError
        If a class has no speed, or a speed is not positive.
    """
    speeds = dict(settings.SPEED_MPH if speeds is None else speeds)
    bad = {k: v for k, v in speeds.items() if not (np.isfinite(v) and v > 0)}
    if bad:
        raise ValidationError(f"speeds must be positive mph; got {bad}. Fix the speeds mapping.")
    values = pd.Series(np.asarray(rurality, dtype=object))
    unknown = sorted(set(values.dropna().astype(str)) - set(speeds))
    if unknown or values.isna().any():
        raise ValidationError(
            f"no driving speed for rurality {unknown or ['<missing>']}; known classes are "
            f"{sorted(speeds)}. Fill the units' rurality column or pass speeds for these classes."
        )
    return values.map(speeds).to_numpy(dtype=float)


def estimate_minutes(
    distance_m: np.ndarray | float,
    speed_a_mph: np.ndarray | float,
    speed_b_mph: np.ndarray | float,
    *,
    circuity: float | None = None,
) -> np.ndarray:
    """Estimated drive time (minutes) for straight-line distances.

    Road distance is ``distance_m * circuity``; half of it is driven at each end's speed.

    Parameters
    ----------
    distance_m
        Straight-line distances in metres.
    speed_a_mph, speed_b_mph
        Driving speeds (mph) at the two ends.
    circuity
        Road distance / straight-line distance; default ``settings.ROAD_CIRCUITY``.

    Returns
    -------
    numpy.ndarray
        Minutes.
    """
    circuity = settings.ROAD_CIRCUITY if circuity is None else circuity
    road_miles = np.asarray(distance_m, dtype=float) * circuity / settings.METRES_PER_MILE
    pace = 0.5 * (1.0 / np.asarray(speed_a_mph, dtype=float) + 1.0 / np.asarray(speed_b_mph))
    return road_miles * pace * _MINUTES_PER_HOUR


def validate_matrix(matrix: pd.DataFrame) -> pd.DataFrame:
    """Check a user-supplied travel-time matrix and return it in canonical form.

    Parameters
    ----------
    matrix
        Long table with columns ``origin``, ``destination`` (ids as strings) and ``minutes``
        (non-negative). Duplicated pairs keep their smallest time.

    Returns
    -------
    pandas.DataFrame
        Columns ``origin``, ``destination`` (str) and ``minutes`` (float).

    Raises
    ------
    ValidationError
        If a column is missing or a time is negative or not a number.
    """
    if not isinstance(matrix, pd.DataFrame):
        raise ValidationError(
            "travel matrix must be a pandas DataFrame (origin, destination, minutes)"
        )
    missing = [c for c in ("origin", "destination", "minutes") if c not in matrix.columns]
    if missing:
        raise ValidationError(
            f"travel matrix lacks column(s) {missing}; it needs origin, destination and minutes "
            "(one row per pair, e.g. exported from OSRM's table service)."
        )
    out = matrix[["origin", "destination", "minutes"]].copy()
    out["origin"] = out["origin"].astype(str)
    out["destination"] = out["destination"].astype(str)
    out["minutes"] = pd.to_numeric(out["minutes"], errors="coerce")
    bad = out["minutes"].isna() | (out["minutes"] < 0)
    if bad.any():
        rows = list(out.index[bad][:5])
        raise ValidationError(
            f"travel matrix has {int(bad.sum())} missing or negative minutes (rows {rows}); "
            "drop those rows or fix the times."
        )
    out = out.groupby(["origin", "destination"], as_index=False, sort=True)["minutes"].min()
    # A road matrix (lotdesign.roads) says which points it routed and up to what cut-off.
    out.attrs.update(matrix.attrs)
    return out


#: Grid steps of a node's 16 neighbours (one of each opposite pair; edges are undirected).
_STEPS = ((1, 0), (0, 1), (1, 1), (1, -1), (1, 2), (2, 1), (1, -2), (2, -1))


class LandPaths:
    """Shortest paths over land, on a grid of nodes laid over a land polygon.

    Nodes sit on a square grid (``grid_m``) inside the land; each links to its 16 neighbours
    where the segment between them stays on land (tested every quarter of a grid step), so
    paths go round water, not over it. A grid path over open land is at most 2.7% longer than
    the straight line. Parts of the land that no edge joins (an island, a spit thinner than
    the grid) are linked to the nearest other part by their shortest gap, so every pair has a
    path. Distances from a node are found by Dijkstra (:func:`scipy.sparse.csgraph.dijkstra`)
    up to ``limit_m`` and kept, so a node is searched from once.

    Parameters
    ----------
    land
        Land polygon in BNG metres (e.g. the union of the units' polygons).
    grid_m
        Grid spacing (metres); default ``settings.LAND_GRID_M``.
    limit_m
        Longest path searched (metres); default ``settings.LAND_PATH_LIMIT_M``.
    """

    def __init__(
        self, land: Any, *, grid_m: float | None = None, limit_m: float | None = None
    ) -> None:
        self.grid_m = float(settings.LAND_GRID_M if grid_m is None else grid_m)
        self.limit_m = float(settings.LAND_PATH_LIMIT_M if limit_m is None else limit_m)
        if not (self.grid_m > 0 and self.limit_m > 0):
            raise ValidationError("LandPaths: grid_m and limit_m must be positive")
        land = shapely.make_valid(land)
        if land.is_empty or land.area <= 0:
            raise ValidationError("LandPaths needs a land polygon with an area")
        nodes = land.area / self.grid_m**2
        if nodes > settings.LAND_MAX_NODES:
            raise ValidationError(
                f"a {self.grid_m:g} m grid over {land.area / 1e6:,.0f} km² of land is about "
                f"{nodes:,.0f} nodes, more than LAND_MAX_NODES ({settings.LAND_MAX_NODES:,}); "
                "raise travel.land_grid_m (default 500) or set travel.land_paths: false."
            )
        self.land = land
        shapely.prepare(land)
        g = self.grid_m
        x0, y0, x1, y1 = land.bounds
        xs = np.arange(x0 + g / 2, x1, g)
        ys = np.arange(y0 + g / 2, y1, g)
        if not len(xs) or not len(ys):
            xs, ys = np.array([(x0 + x1) / 2]), np.array([(y0 + y1) / 2])
        gx, gy = np.meshgrid(xs, ys)
        inside = shapely.contains_xy(land, gx, gy)
        if not inside.any():
            # Land thinner than the grid: one node at a point on it.
            p = land.representative_point()
            gx, gy, inside = np.array([[p.x]]), np.array([[p.y]]), np.array([[True]])
        index = np.full(inside.shape, -1, dtype=np.int64)
        index[inside] = np.arange(int(inside.sum()))
        # The grid as a raster of land cells, to tell quickly which straight lines stay on it.
        self._inside = inside
        self._origin = (float(gx[0, 0]) - g / 2, float(gy[0, 0]) - g / 2)
        self.xy = np.column_stack([gx[inside], gy[inside]])
        rows, cols, lengths = [], [], []
        ny, nx = inside.shape
        for di, dj in _STEPS:
            # di steps along y (rows), dj along x (columns).
            a = index[max(0, -di) : ny - max(0, di), max(0, -dj) : nx - max(0, dj)]
            b = index[max(0, di) : ny + min(0, di), max(0, dj) : nx + min(0, dj)]
            ok = (a >= 0) & (b >= 0)
            a, b = a[ok], b[ok]
            if not len(a):
                continue
            length = g * float(np.hypot(di, dj))
            samples = int(np.ceil(length / (g / 4)))
            on_land = np.ones(len(a), dtype=bool)
            for k in range(1, samples):
                t = k / samples
                px = self.xy[a, 0] * (1 - t) + self.xy[b, 0] * t
                py = self.xy[a, 1] * (1 - t) + self.xy[b, 1] * t
                on_land &= shapely.contains_xy(land, px, py)
            rows.append(a[on_land])
            cols.append(b[on_land])
            lengths.append(np.full(int(on_land.sum()), length))
        n = len(self.xy)
        r = np.concatenate(rows) if rows else np.empty(0, np.int64)
        c = np.concatenate(cols) if cols else np.empty(0, np.int64)
        w = np.concatenate(lengths) if lengths else np.empty(0)
        r, c, w = self._join_parts(n, r, c, w)
        self.graph = sparse.csr_matrix(
            (np.concatenate([w, w]), (np.concatenate([r, c]), np.concatenate([c, r]))),
            shape=(n, n),
        )
        self.tree = cKDTree(self.xy)
        self._rows: OrderedDict[int, np.ndarray] = OrderedDict()
        # Keep at most ~256 MB of searched rows (float32).
        self._max_rows = max(64, int(256e6 / (4 * max(n, 1))))

    def _join_parts(
        self, n: int, r: np.ndarray, c: np.ndarray, w: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Link separate parts of the grid graph by their shortest gaps until it is one."""
        while n > 1:
            g = sparse.coo_matrix((np.ones(len(r)), (r, c)), shape=(n, n))
            count, label = csgraph.connected_components(g, directed=False)
            if count <= 1:
                break
            sizes = np.bincount(label)
            main = int(np.argmax(sizes))
            others = np.flatnonzero(label != main)
            tree = cKDTree(self.xy[label == main])
            main_nodes = np.flatnonzero(label == main)
            d, j = tree.query(self.xy[others])
            add_r, add_c, add_w = [], [], []
            # Each other part joins the main one by its own shortest gap.
            for part in np.unique(label[others]):
                members = label[others] == part
                best = int(np.argmin(np.where(members, d, np.inf)))
                add_r.append(others[best])
                add_c.append(main_nodes[j[best]])
                add_w.append(max(float(d[best]), 1.0))
            r = np.concatenate([r, add_r]).astype(np.int64)
            c = np.concatenate([c, add_c]).astype(np.int64)
            w = np.concatenate([w, add_w])
        return r, c, w

    def __len__(self) -> int:
        return len(self.xy)

    def snap(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Nearest node of each point and its distance (metres) to it."""
        d, i = self.tree.query(np.column_stack([np.asarray(x, float), np.asarray(y, float)]))
        return np.asarray(i, dtype=np.int64), np.asarray(d, dtype=float)

    def from_node(self, node: int) -> np.ndarray:
        """Path length (metres) over land from ``node`` to every node; inf beyond the limit."""
        row = self._rows.get(node)
        if row is None:
            # The graph holds both directions of every link, so a directed search gives the
            # same lengths without scipy converting the graph on every call.
            row = csgraph.dijkstra(
                self.graph, directed=True, indices=node, limit=self.limit_m
            ).astype(np.float32)
            self._rows[node] = row
            if len(self._rows) > self._max_rows:
                self._rows.popitem(last=False)
        return row

    def on_land(self, ax: float, ay: float, bx: np.ndarray, by: np.ndarray) -> np.ndarray:
        """Whether each straight line from ``(ax, ay)`` stays on land, cell by grid cell.

        Points every half grid step along each line are looked up in the raster of land
        cells; a line with one off the land may leave it (the path over land decides).
        """
        bx, by = np.asarray(bx, dtype=float), np.asarray(by, dtype=float)
        if not len(bx):
            return np.ones(0, dtype=bool)
        g = self.grid_m
        longest = float(np.hypot(bx - ax, by - ay).max())
        t = np.linspace(0.0, 1.0, int(np.ceil(longest / (g / 2))) + 2)
        px = ax + (bx[:, None] - ax) * t[None, :]
        py = ay + (by[:, None] - ay) * t[None, :]
        col = np.floor((px - self._origin[0]) / g).astype(np.int64)
        row = np.floor((py - self._origin[1]) / g).astype(np.int64)
        ny, nx = self._inside.shape
        inside = (col >= 0) & (col < nx) & (row >= 0) & (row < ny)
        inside[inside] = self._inside[row[inside], col[inside]]
        # The ends themselves may sit just off a cell centre's land (a coastal postcode).
        return inside[:, 1:-1].all(axis=1)

    def metres(self, ax: float, ay: float, bx: np.ndarray, by: np.ndarray) -> np.ndarray:
        """Path length over land (metres) from one point to many; ``limit_m`` if beyond it.

        Each end reaches its nearest node in a straight line; the snap distances are taken
        off the node-to-node path (a point between two nodes is not charged twice), and no
        path is shorter than the straight line.
        """
        bx, by = np.asarray(bx, dtype=float), np.asarray(by, dtype=float)
        if not len(bx):
            return np.zeros(0)  # nothing to reach: no search (a Dijkstra over the whole land)
        (na,), (da,) = self.snap([ax], [ay])
        nb, db = self.snap(bx, by)
        path = self.from_node(int(na))[nb].astype(float) - da - db
        path = np.maximum(path, np.hypot(bx - ax, by - ay))
        return np.where(np.isfinite(path), path, self.limit_m)


#: Above this many grid nodes (a land of ~5,000 km² at 500 m), straight lines are first
#: looked up in the land raster and only those that may leave it are searched; below it a
#: search from each point is cheaper than the look-up.
_RASTER_FIRST_NODES = 20_000

#: Land paths by the land they were built on, shared by every model over the same units.
_LAND_CACHE: OrderedDict[tuple, LandPaths | None] = OrderedDict()


def land_of_units(
    units: pd.DataFrame, *, grid_m: float | None = None, limit_m: float | None = None
) -> LandPaths | None:
    """Land paths over the union of the units' polygons; None when no water can lie between
    two of them (no polygons, or a convex union).

    ``grid_m`` and ``limit_m`` are :class:`LandPaths`'s (defaults ``settings.LAND_GRID_M``
    and ``settings.LAND_PATH_LIMIT_M``, read when called).
    """
    grid_m = float(settings.LAND_GRID_M if grid_m is None else grid_m)
    limit_m = float(settings.LAND_PATH_LIMIT_M if limit_m is None else limit_m)
    geoms = getattr(units, "geometry", None) if isinstance(units, pd.DataFrame) else None
    if geoms is None or "geometry" not in getattr(units, "columns", []):
        return None
    values = np.asarray(geoms.to_numpy(), dtype=object)
    values = values[~(shapely.is_missing(values) | shapely.is_empty(values))]
    values = values[np.isin(shapely.get_type_id(values), (3, 6))]
    if not len(values):
        return None
    digest = hashlib.sha1()
    for wkb in shapely.to_wkb(values):
        digest.update(wkb)
    key = (digest.hexdigest(), grid_m, limit_m)
    if key in _LAND_CACHE:
        _LAND_CACHE.move_to_end(key)
        return _LAND_CACHE[key]
    try:
        land = shapely.coverage_union_all(values)
    except shapely.errors.GEOSException:
        land = shapely.union_all(values)
    land = shapely.make_valid(land)
    hull = shapely.convex_hull(land)
    # A convex land has every straight line on it: there is nothing to go round.
    convex = land.area >= hull.area * (1 - 1e-6)
    found = None if convex else LandPaths(land, grid_m=grid_m, limit_m=limit_m)
    _LAND_CACHE[key] = found
    if len(_LAND_CACHE) > 8:
        _LAND_CACHE.popitem(last=False)
    return found


class TravelModel:
    """Distances and drive times between a fixed set of points (units and any centres).

    Points are addressed by position (0..n-1). Straight-line distance is exact; drive time is
    the user's matrix where it has the pair (either direction), else :func:`estimate_minutes`
    of the distance: the straight line, or with ``land`` the path over land where that is more
    than ``settings.LAND_DETOUR_MIN_RATIO`` times longer (the straight line crosses water).

    Parameters
    ----------
    ids
        One id per point (unit ids, then any centre names); used to match the matrix.
    x, y
        Coordinates in British National Grid metres.
    rurality
        Rurality class of each point (sets its driving speed).
    matrix
        Optional travel-time matrix (see :func:`validate_matrix`). A road matrix from
        :mod:`lotdesign.roads` names in ``attrs`` the points it routed and its cut-off: a pair
        of routed points it lacks is farther than the cut-off (``inf`` minutes).
    circuity
        Road distance / straight-line distance; default ``settings.ROAD_CIRCUITY`` (read when
        the model is built).
    speeds
        Speed (mph) by rurality class; default ``settings.SPEED_MPH``.
    land
        Paths over land (:class:`LandPaths`); None takes straight lines everywhere.
    detour_ratio
        A path over land is taken only where it is more than this many times the straight
        line; default ``settings.LAND_DETOUR_MIN_RATIO``.
    """

    def __init__(
        self,
        ids: Sequence[str],
        x: np.ndarray,
        y: np.ndarray,
        rurality: Sequence[str] | np.ndarray,
        *,
        matrix: pd.DataFrame | None = None,
        circuity: float | None = None,
        speeds: Mapping[str, float] | None = None,
        land: LandPaths | None = None,
        detour_ratio: float | None = None,
    ) -> None:
        self.ids = np.asarray(ids, dtype=object).astype(str)
        self.x = np.asarray(x, dtype=float)
        self.y = np.asarray(y, dtype=float)
        if not (len(self.ids) == len(self.x) == len(self.y) == len(rurality)):
            raise ValidationError("ids, x, y and rurality must have the same length")
        if not (np.all(np.isfinite(self.x)) and np.all(np.isfinite(self.y))):
            raise ValidationError("every point needs finite x and y (BNG metres)")
        circuity = settings.ROAD_CIRCUITY if circuity is None else circuity
        if not (np.isfinite(circuity) and circuity >= 1.0):
            raise ValidationError(f"circuity must be >= 1 (road >= straight line); got {circuity}")
        self.circuity = float(circuity)
        self.speed = speed_for(rurality, speeds=speeds)
        self.tree = cKDTree(np.column_stack([self.x, self.y])) if len(self.x) else None
        self._keys: np.ndarray | None = None
        self._minutes: np.ndarray | None = None
        self.matrix_pairs = 0
        #: Points a road matrix routed: a pair of them missing from it is beyond its cut-off.
        self.routed = np.zeros(len(self.ids), dtype=bool)
        self.cutoff_minutes: float | None = None
        self.attribution: str | None = None
        self.land = land
        ratio = settings.LAND_DETOUR_MIN_RATIO if detour_ratio is None else detour_ratio
        if not (np.isfinite(ratio) and ratio >= 1.0):
            raise ValidationError(
                f"detour_ratio must be >= 1 (a path is never shorter); got {ratio}"
            )
        self.detour_ratio = float(ratio)
        #: Per point, the points whose path over land is a detour, and its length (metres).
        self._detours: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        if matrix is not None:
            self._load_matrix(validate_matrix(matrix))

    def _load_matrix(self, matrix: pd.DataFrame) -> None:
        position = pd.Series(np.arange(len(self.ids)), index=pd.Index(self.ids))
        if position.index.has_duplicates:
            raise ValidationError("point ids must be unique to match a travel matrix")
        o = matrix["origin"].map(position)
        d = matrix["destination"].map(position)
        known = o.notna() & d.notna()
        o = o[known].to_numpy(dtype=np.int64)
        d = d[known].to_numpy(dtype=np.int64)
        t = matrix["minutes"][known].to_numpy(dtype=float)
        n = np.int64(len(self.ids))
        # Both directions go in; a pair given both ways keeps its own figure for each way
        # because the given direction is sorted first and wins the de-duplication.
        keys = np.concatenate([o * n + d, d * n + o])
        mins = np.concatenate([t, t])
        given = np.concatenate([np.zeros(len(t)), np.ones(len(t))])
        order = np.lexsort((given, keys))
        keys, mins = keys[order], mins[order]
        first = np.ones(len(keys), dtype=bool)
        first[1:] = keys[1:] != keys[:-1]
        self._keys, self._minutes = keys[first], mins[first]
        self.matrix_pairs = int(known.sum())
        cutoff = matrix.attrs.get("cutoff_minutes")
        if cutoff is not None:
            self.cutoff_minutes = float(cutoff)
            self.routed = np.isin(self.ids, np.asarray(matrix.attrs.get("points", []), str))
            self.attribution = matrix.attrs.get("attribution")

    @classmethod
    def from_units(
        cls,
        units: pd.DataFrame,
        *,
        extra: pd.DataFrame | None = None,
        matrix: pd.DataFrame | None = None,
        circuity: float | None = None,
        speeds: Mapping[str, float] | None = None,
        land: LandPaths | None | str = "auto",
        detour_ratio: float | None = None,
    ) -> TravelModel:
        """Build a model over a units frame (``unit_id``, ``x``, ``y``, ``rurality``).

        Parameters
        ----------
        units
            Demand units (the units contract).
        extra
            Further points (e.g. fixed centres) with columns ``id``, ``x``, ``y``, ``rurality``;
            they follow the units in position order.
        matrix, circuity, speeds
            As for :class:`TravelModel` (defaults: ``settings.ROAD_CIRCUITY``,
            ``settings.SPEED_MPH``).
        land
            ``"auto"`` (default): paths over the union of the units' polygons
            (:func:`land_of_units`), when they are a GeoDataFrame whose union is not convex;
            or a :class:`LandPaths`, or None for straight lines everywhere.
        detour_ratio
            As for :class:`TravelModel`.
        """
        if isinstance(land, str):
            if land != "auto":
                raise ValidationError(f"land must be 'auto', None or LandPaths; got {land!r}")
            land = land_of_units(units)
        frames = [units[["unit_id", "x", "y", "rurality"]].rename(columns={"unit_id": "id"})]
        if extra is not None and len(extra):
            frames.append(extra[["id", "x", "y", "rurality"]])
        pts = pd.concat(frames, ignore_index=True)
        return cls(
            pts["id"].astype(str).to_numpy(),
            pts["x"].to_numpy(dtype=float),
            pts["y"].to_numpy(dtype=float),
            pts["rurality"].to_numpy(dtype=object),
            matrix=matrix,
            circuity=circuity,
            speeds=speeds,
            land=land,
            detour_ratio=detour_ratio,
        )

    def __len__(self) -> int:
        return len(self.x)

    def metres(self, a: np.ndarray | int, b: np.ndarray | int) -> np.ndarray:
        """Straight-line distance (metres) between points ``a`` and ``b`` (broadcast)."""
        return np.hypot(self.x[a] - self.x[b], self.y[a] - self.y[b])

    def miles(self, a: np.ndarray | int, b: np.ndarray | int) -> np.ndarray:
        """Straight-line distance (miles) between points ``a`` and ``b`` (broadcast)."""
        return self.metres(a, b) / settings.METRES_PER_MILE

    def land_metres(self, a: np.ndarray | int, b: np.ndarray | int) -> np.ndarray:
        """Distance (metres) the drive-time estimate uses between ``a`` and ``b`` (broadcast).

        The straight line, except where the path over land is more than
        ``settings.LAND_DETOUR_MIN_RATIO`` times longer: then that path (the straight line
        crosses an estuary or a harbour). Without land paths, the straight line.
        """
        a_arr, b_arr = np.broadcast_arrays(np.asarray(a), np.asarray(b))
        out = self.metres(a_arr, b_arr)
        if self.land is None or out.size == 0:
            return out
        if np.ndim(a) == 0:
            return self._apply_detours(int(a), b_arr, out)
        flat_a, flat_b, flat = a_arr.ravel(), b_arr.ravel(), out.ravel().copy()
        for s in np.unique(flat_a):
            on = flat_a == s
            flat[on] = self._apply_detours(int(s), flat_b[on], flat[on])
        return flat.reshape(out.shape)

    def _apply_detours(self, source: int, b: np.ndarray, straight: np.ndarray) -> np.ndarray:
        row = self._detours.get(source)
        targets, length = self._detour_row(source) if row is None else row
        if not len(targets):
            return straight
        pos = np.minimum(np.searchsorted(targets, b), len(targets) - 1)
        hit = targets[pos] == b
        return np.where(hit, length[pos], straight)

    def _detour_row(self, source: int) -> tuple[np.ndarray, np.ndarray]:
        """Points whose path over land from ``source`` is a detour, sorted, and its length."""
        row = self._detours.get(source)
        if row is not None:
            return row
        land = self.land
        assert land is not None
        near = self.tree.query_ball_point(
            [self.x[source], self.y[source]], r=land.limit_m, return_sorted=True
        )
        near = np.asarray(near, dtype=np.int64)
        if len(land) > _RASTER_FIRST_NODES:
            # Only lines that may leave the land need a path: most stay on it, and a search
            # over a large land costs more than looking the lines up in its raster.
            xs, ys = self.x[near], self.y[near]
            near = near[~land.on_land(self.x[source], self.y[source], xs, ys)]
        straight = self.metres(source, near)
        path = land.metres(self.x[source], self.y[source], self.x[near], self.y[near])
        detour = path > self.detour_ratio * straight
        row = (near[detour], path[detour])
        self._detours[source] = row
        return row

    def detours(self) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """The detour rows found so far: source point -> (points reached by a detour, metres).

        A copy of the model in another process (a region's worker) finds its own; handing
        them back (:meth:`add_detours`) saves searching the same paths over land again.
        """
        return dict(self._detours)

    def add_detours(self, rows: dict[int, tuple[np.ndarray, np.ndarray]]) -> None:
        """Take detour rows found by a copy of this model over the same points."""
        self._detours.update(rows)

    def minutes(self, a: np.ndarray | int, b: np.ndarray | int) -> np.ndarray:
        """Drive time (minutes) from points ``a`` to points ``b`` (broadcast)."""
        a_arr, b_arr = np.broadcast_arrays(np.asarray(a), np.asarray(b))
        est = estimate_minutes(
            self.land_metres(a_arr, b_arr),
            self.speed[a_arr],
            self.speed[b_arr],
            circuity=self.circuity,
        )
        if self._keys is None or est.size == 0:
            return est
        keys = a_arr.astype(np.int64) * np.int64(len(self.ids)) + b_arr.astype(np.int64)
        pos = np.searchsorted(self._keys, keys)
        pos_c = np.minimum(pos, len(self._keys) - 1)
        hit = self._keys[pos_c] == keys
        out = np.where(hit, self._minutes[pos_c], est)
        if self.cutoff_minutes is not None:
            # Both ends routed on the roads but no time: farther than the cut-off, not the
            # straight line (which would put the two shores of a harbour minutes apart).
            beyond = ~hit & self.routed[a_arr] & self.routed[b_arr] & (a_arr != b_arr)
            out = np.where(beyond, np.inf, out)
        return out

    def max_reach_metres(self, minutes: float) -> float:
        """Largest straight-line distance a pair can be apart and still be within ``minutes``.

        Only an upper bound for estimated times; with a user matrix a pair can be faster than
        the estimate, so callers also bound their search by the radius rule.
        """
        fastest = float(self.speed.max()) if len(self.speed) else 1.0
        return minutes / _MINUTES_PER_HOUR * fastest * settings.METRES_PER_MILE / self.circuity

    def within(self, points: np.ndarray | Sequence[int], radius_m: float) -> list[np.ndarray]:
        """Points within ``radius_m`` (straight line) of each of ``points``, sorted by position."""
        if self.tree is None:
            return [np.empty(0, dtype=np.int64) for _ in points]
        xy = np.column_stack([self.x[np.asarray(points)], self.y[np.asarray(points)]])
        found = self.tree.query_ball_point(xy, r=radius_m, return_sorted=True)
        return [np.asarray(f, dtype=np.int64) for f in found]
