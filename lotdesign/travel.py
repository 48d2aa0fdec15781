"""Distances and drive-time estimates between demand units (and fixed centres).

Drive time is estimated as straight-line distance x a road-circuity factor / a driving speed
that depends on rurality (:data:`lotdesign.settings.ROAD_CIRCUITY`,
:data:`lotdesign.settings.SPEED_MPH`). Half of a trip is driven at each end's speed, so a trip
from a town centre out to a village is slower than one between two villages and the estimate
is the same in both directions. Where the user supplies a travel-time matrix (a long table of
``origin``, ``destination``, ``minutes``, e.g. from OSRM), its figure is used instead, in either
direction when only one is given.

Nothing here builds an n x n matrix over all units: pairs are evaluated on demand and
neighbourhoods come from a :class:`scipy.spatial.cKDTree`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from lotdesign import settings
from lotdesign.errors import ValidationError

__all__ = [
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


class TravelModel:
    """Distances and drive times between a fixed set of points (units and any centres).

    Points are addressed by position (0..n-1). Straight-line distance is exact; drive time is
    the user's matrix where it has the pair (either direction), else :func:`estimate_minutes`.

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
        """
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
        )

    def __len__(self) -> int:
        return len(self.x)

    def metres(self, a: np.ndarray | int, b: np.ndarray | int) -> np.ndarray:
        """Straight-line distance (metres) between points ``a`` and ``b`` (broadcast)."""
        return np.hypot(self.x[a] - self.x[b], self.y[a] - self.y[b])

    def miles(self, a: np.ndarray | int, b: np.ndarray | int) -> np.ndarray:
        """Straight-line distance (miles) between points ``a`` and ``b`` (broadcast)."""
        return self.metres(a, b) / settings.METRES_PER_MILE

    def minutes(self, a: np.ndarray | int, b: np.ndarray | int) -> np.ndarray:
        """Drive time (minutes) from points ``a`` to points ``b`` (broadcast)."""
        a_arr, b_arr = np.broadcast_arrays(np.asarray(a), np.asarray(b))
        est = estimate_minutes(
            self.metres(a_arr, b_arr),
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
