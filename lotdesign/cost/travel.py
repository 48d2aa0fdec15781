"""Travel model: paid travel per visit for a provider whose customers lie in a patch.

The Beardwood-Halton-Hammersley law -- a shortest tour through ``n`` random points in an area
``A`` is about ``k * sqrt(n * A)`` -- turned into road miles and minutes per visit
(:func:`travel_per_visit`), with whole rounds (each round's first drive unpaid) and a
calibrated factor for real rounds. :func:`patch_area` estimates the area a set of customers
lie in (from their minimum spanning tree, :func:`mst_length`, or a corrected convex hull),
also as a provider holding a share of them sees it, and :func:`patch_travel` prices travel
for each group of customers (a provider's patch, a lot). ``benchmarks/bench_rounds.py``
validates the level and the change zoning makes on OR-Tools care rounds on real postcodes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import Delaunay, QhullError

from lotdesign import settings
from lotdesign.cost.params import PriceParams, TravelParams, _require
from lotdesign.cost.price import _build_up
from lotdesign.errors import ValidationError

__all__ = ["mst_length", "patch_area", "patch_travel", "travel_per_visit"]


def travel_per_visit(
    customers: float | Sequence[float] | np.ndarray,
    area_m2: float | Sequence[float] | np.ndarray,
    *,
    weekly_hours: float | Sequence[float] | np.ndarray | None = None,
    rurality: str | Sequence[str] = "town_fringe",
    minutes_per_mile: float | Sequence[float] | np.ndarray | None = None,
    params: TravelParams | None = None,
) -> pd.Series | pd.DataFrame:
    """Paid travel per visit for a provider whose customers lie in a patch.

    A round in one call slot visits the customers who need a call then: ``n_slot = n *
    min(1, visits a day / slots)``. Its shortest tour is ``k * sqrt(n_slot * A)``
    (Beardwood-Halton-Hammersley), so ``k * sqrt(A / n_slot)`` a visit. The drive to each
    round's first call is unpaid, and rounds are whole: with ``v`` calls in a slot and ``c``
    calls a round, ``max(v / c + 1/2, 1)`` rounds (the last one half full on average), so a
    share ``1 - rounds / v`` of the calls is reached by a paid leg -- ``(c - 1) / c`` for a
    large provider, less for a small one. Road miles add circuity and the calibrated
    scheduling factor (so travel scales exactly with both); minutes divide by the rurality's
    speed.

    Parameters
    ----------
    customers : float or array-like
        Customers the provider serves in the patch (> 0).
    area_m2 : float or array-like
        Area of the patch, m² (e.g. :func:`patch_area`).
    weekly_hours : float or array-like, optional
        Their weekly contact hours; default ``settings.TYPICAL_HOURS_PER_CUSTOMER`` each.
    rurality : str or sequence of str
        Speed class (``urban``, ``town_fringe``, ``village_dispersed``); ignored when
        ``minutes_per_mile`` is given.
    minutes_per_mile : float or array-like, optional
        Driving minutes per mile (e.g. an hours-weighted mix of rurality classes).
    params : TravelParams, optional

    Returns
    -------
    pandas.Series or pandas.DataFrame
        ``visits_week``, ``slot_customers``, ``miles_per_visit``, ``minutes_per_visit``,
        ``travel_share`` (travel minutes per contact minute), ``miles_per_contact_hour``.

    Examples
    --------
    >>> t = travel_per_visit(25, 284e6, weekly_hours=25 * 12.6)  # optimised rounds
    >>> round(float(t["miles_per_visit"]), 1)
    1.7
    >>> real = TravelParams(scheduling_factor=1.72)  # real rotas' national average
    >>> t = travel_per_visit(25, 284e6, weekly_hours=25 * 12.6, params=real)
    >>> round(float(t["miles_per_visit"]), 1)
    3.1
    """
    params = params or TravelParams()
    scalar = np.ndim(customers) == 0 and np.ndim(area_m2) == 0
    n = np.atleast_1d(np.asarray(customers, dtype=float))
    area = np.atleast_1d(np.asarray(area_m2, dtype=float))
    if not (np.all(np.isfinite(n)) and np.all(n > 0)):
        raise ValidationError("customers must be finite and > 0 for every patch.")
    if not (np.all(np.isfinite(area)) and np.all(area >= 0)):
        raise ValidationError("area_m2 must be finite and >= 0 (square metres, BNG).")
    if weekly_hours is None:
        hours = n * settings.TYPICAL_HOURS_PER_CUSTOMER
    else:
        hours = np.atleast_1d(np.asarray(weekly_hours, dtype=float))
        if not (np.all(np.isfinite(hours)) and np.all(hours > 0)):
            raise ValidationError("weekly_hours must be finite and > 0 for every patch.")
    if minutes_per_mile is None:
        mpm = _minutes_per_mile(rurality, params)
    else:
        mpm = np.atleast_1d(np.asarray(minutes_per_mile, dtype=float))
        if not (np.all(np.isfinite(mpm)) and np.all(mpm > 0)):
            raise ValidationError("minutes_per_mile must be finite and > 0.")
    n, area, hours, mpm = np.broadcast_arrays(n, area, hours, mpm)
    table = pd.DataFrame(_travel(n, area, hours, mpm, params))
    return table.iloc[0] if scalar else table


def _minutes_per_mile(rurality: str | Sequence[str], params: TravelParams) -> np.ndarray:
    classes = [rurality] if isinstance(rurality, str) else list(rurality)
    unknown = sorted({str(r) for r in classes} - set(params.speed_mph))
    if unknown:
        raise ValidationError(
            f"Unknown rurality {unknown}; expected one of {sorted(params.speed_mph)} "
            "(or pass minutes_per_mile)."
        )
    return np.array([60.0 / params.speed_mph[r] for r in classes])


def _travel(
    n: np.ndarray, area: np.ndarray, hours: np.ndarray, mpm: np.ndarray, p: TravelParams
) -> dict[str, np.ndarray]:
    mean_visit = p.mean_visit_minutes
    visits_week = hours * 60.0 / mean_visit
    calls_a_day = visits_week / 7.0 / n
    slot_n = np.maximum(n * np.minimum(1.0, calls_a_day / p.slots_per_day), 1.0)
    paid_legs = _paid_legs(visits_week / 7.0 / p.slots_per_day, p.visits_per_round)
    straight_m = p.bhh_constant * np.sqrt(area / slot_n) * paid_legs
    miles = straight_m * p.circuity * p.scheduling_factor / settings.METRES_PER_MILE
    minutes = miles * mpm
    return {
        "visits_week": visits_week,
        "slot_customers": slot_n,
        "miles_per_visit": miles,
        "minutes_per_visit": minutes,
        "travel_share": minutes / mean_visit,
        "miles_per_contact_hour": miles * 60.0 / mean_visit,
    }


def _paid_legs(slot_visits: np.ndarray, visits_per_round: float) -> np.ndarray:
    """Share of a slot's calls reached by a paid leg: all but each round's first call.

    Rounds are whole: a provider with ``v`` calls in a slot runs ``v / c`` rounds plus, on
    average, half a round for the part-filled last one (at least one round), and each round's
    first drive is unpaid. A large provider pays ``(c - 1) / c`` of its legs; a small one,
    whose rounds cannot be filled, pays fewer (with one call a slot, none).
    ``benchmarks/bench_rounds.py``: providers with 6-12 customers ran 5.4 calls a carer-shift
    against 6.4-7.2 for those with 20 or more, and the model without this overstated today's
    small providers' travel.
    """
    rounds = np.maximum(slot_visits / visits_per_round + 0.5, 1.0)
    return np.clip(1.0 - rounds / np.maximum(slot_visits, 1.0), 0.0, 1.0)


def patch_area(
    x: Sequence[float] | np.ndarray,
    y: Sequence[float] | np.ndarray,
    *,
    method: str = "mst",
    bhh_constant: float | None = None,
    share: float = 1.0,
    draws: int | None = None,
) -> float:
    """Effective area (m²) of the patch a set of customers lie in, as rounds see it.

    ``method="mst"`` (default): the area ``A`` for which the BHH tour ``k * sqrt(n * A)``
    equals the length of the customers' minimum spanning tree, ``A = (L_mst / k)² / n``.
    Care rounds are open paths covering the customers, which the MST (the shortest network
    joining them) tracks closely; unlike a hull it is not fooled by clustered towns or empty
    land between them. ``method="hull"``: the convex hull scaled by Ripley and Rasson's
    (1977) ``n / (n - v)`` (``v`` hull vertices), near unbiased for uniform points in a
    convex region but too large for clustered ones. ``benchmarks/bench_travel.py`` compares
    both against simulated rounds. Duplicate points (customers sharing a postcode) count once.

    ``share`` < 1 (``"mst"`` only): the area as a provider holding that share of the
    customers sees it -- the mean, over ``draws`` seeded samples of ``share`` of the points,
    of the sample's MST-area. For uniform points this is the patch's own area (a sample's
    tree shrinks as ``sqrt(share)``); for customers clustered in villages it is larger, since
    the gaps between villages do not shrink when a provider holds fewer of the customers.
    ``benchmarks/bench_rounds.py`` found that uniform thinning under-predicts the lead's and
    secondary's travel in rural lots by about 12%.

    Parameters
    ----------
    x, y : array-like
        Customer coordinates, BNG metres.
    method : {"mst", "hull"}
    bhh_constant : float, optional
        ``k`` of the tour law, for ``method="mst"`` (default ``settings.BHH_CONSTANT``).
    share : float
        Share (0, 1] of the customers one provider holds, spread over the patch; below 1 the
        area is measured on samples of that share (``method="mst"``; ``"hull"`` ignores it).
    draws : int, optional
        Seeded samples for ``share`` < 1 (default ``settings.TRAVEL_SHARE_DRAWS``); 0 assumes
        uniform thinning (the patch's own area).

    Returns
    -------
    float
        Area in m²; 0.0 when there is no extent (one distinct point; for ``hull`` also two
        points or collinear ones).
    """
    if method not in ("mst", "hull"):
        raise ValidationError(f"patch_area method must be 'mst' or 'hull', got {method!r}.")
    if not 0 < share <= 1:
        raise ValidationError(f"patch_area share must be in (0, 1], got {share!r}.")
    if bhh_constant is None:
        bhh_constant = settings.BHH_CONSTANT
    if draws is None:
        draws = settings.TRAVEL_SHARE_DRAWS
    pts = np.column_stack([np.asarray(x, float), np.asarray(y, float)])
    pts = np.unique(pts[np.all(np.isfinite(pts), axis=1)], axis=0)
    n = len(pts)
    if method == "mst":
        if n < 2:
            return 0.0
        if share < 1 and draws > 0:
            return _share_area(pts, share, draws, bhh_constant)
        return float((mst_length(pts) / bhh_constant) ** 2 / n)
    if n < 3:
        return 0.0
    hull = shapely.convex_hull(shapely.multipoints(pts))
    if hull.geom_type != "Polygon" or hull.area <= 0:
        return 0.0
    vertices = len(hull.exterior.coords) - 1
    return float(hull.area * n / max(n - vertices, 1))


def _share_area(pts: np.ndarray, share: float, draws: int, k: float) -> float:
    """Mean MST-area of samples of ``share`` of distinct ``pts`` (two points at least)."""
    n = len(pts)
    # A round needs two calls for a leg: smaller samples are taken as two points.
    size = min(max(share * n, 2.0), float(n))
    lo = int(np.floor(size))
    # Seeded once per call: the same customers always give the same area.
    rng = np.random.default_rng(0)
    total = 0.0
    for _ in range(draws):
        # Fractional sizes by stochastic rounding, so the mean tracks ``share * n`` smoothly.
        m = min(lo + int(rng.random() < size - lo), n)
        total += mst_length(pts[rng.choice(n, size=m, replace=False)])
    return float((total / draws / k) ** 2 / size)


def mst_length(pts: np.ndarray) -> float:
    """Length of the Euclidean minimum spanning tree of points (an ``(n, 2)`` array, metres).

    Duplicate points count once; fewer than two distinct points give 0.0.
    """
    pts = np.unique(np.asarray(pts, dtype=float).reshape(-1, 2), axis=0)
    if len(pts) < 2:
        return 0.0
    try:
        # The Euclidean MST lies within the Delaunay triangulation: O(n log n) edges.
        simplices = Delaunay(pts).simplices
        edges = np.vstack([simplices[:, [0, 1]], simplices[:, [1, 2]], simplices[:, [0, 2]]])
        edges.sort(axis=1)
        # Each edge once: unique on one integer key (i * n + j, so the same sorted order as
        # unique rows) is several times faster than np.unique(axis=0).
        key = np.unique(edges[:, 0].astype(np.int64) * len(pts) + edges[:, 1])
        edges = np.column_stack(np.divmod(key, len(pts)))
    except QhullError:  # collinear points (or too few): every pair is a candidate edge
        i, j = np.triu_indices(len(pts), k=1)
        edges = np.column_stack([i, j])
    weight = np.linalg.norm(pts[edges[:, 0]] - pts[edges[:, 1]], axis=1)
    graph = coo_matrix((weight, (edges[:, 0], edges[:, 1])), shape=(len(pts), len(pts)))
    return float(minimum_spanning_tree(graph).sum())


def patch_travel(
    lines: pd.DataFrame,
    *,
    by: str | Sequence[str],
    params: TravelParams | None = None,
    price_params: PriceParams | None = None,
    customer_share: float = 1.0,
    area_method: str = "mst",
) -> pd.DataFrame:
    """Travel and price per hour for each group of customers (a provider's patch, a lot).

    Parameters
    ----------
    lines : pandas.DataFrame
        Customers or package lines with ``customer_id``, ``weekly_hours``, ``easting``,
        ``northing``, ``rurality`` and the ``by`` columns.
    by : str or sequence of str
        Columns defining a patch.
    params, price_params : optional
        Travel and price inputs.
    customer_share : float
        Share of each patch's customers (and hours) one provider holds, spread over the whole
        patch -- 0.7 for a lead provider holding 70% of a lot. Its area is measured on
        samples of that share of the patch's customers (:func:`patch_area`, ``share``).
    area_method : {"mst", "hull"}
        How a patch's area is estimated (see :func:`patch_area`).

    Returns
    -------
    pandas.DataFrame
        One row per group (``by`` columns as columns): ``customers``, ``hours``, ``area_km2``,
        ``area_source`` (``area_method``, or ``density`` for a group on one point,
        taken as dense as all ``lines``, or ``typical`` when all ``lines`` are on one point,
        taken as dense as a typical provider's patch: settings
        ``TYPICAL_PROVIDER_CUSTOMERS`` / ``TYPICAL_PROVIDER_AREA_KM2``),
        ``minutes_per_mile`` and the columns of
        :func:`travel_per_visit`, plus ``price_per_hour``.
    """
    params = params or TravelParams()
    by = [by] if isinstance(by, str) else list(by)
    _require(lines, ["customer_id", "weekly_hours", "easting", "northing", "rurality", *by])
    if not 0 < customer_share <= 1:
        raise ValidationError(f"customer_share must be in (0, 1], got {customer_share!r}.")
    if lines.empty:
        raise ValidationError("patch_travel got no rows; pass at least one customer.")
    unknown = sorted(set(lines["rurality"].astype(str)) - set(params.speed_mph))
    if unknown:
        raise ValidationError(
            f"Unknown rurality {unknown} in lines; expected one of {sorted(params.speed_mph)}."
        )
    frame = lines.assign(
        _mpm=lines["rurality"].astype(str).map(lambda r: 60.0 / params.speed_mph[r]),
        _w=lines["weekly_hours"].astype(float),
    )
    # Groups on a single point are taken to be as dense as the whole frame's customers.
    k = params.bhh_constant
    all_area = patch_area(frame["easting"], frame["northing"], method=area_method, bhh_constant=k)
    n_all = frame["customer_id"].nunique()
    density = n_all / all_area if all_area > 0 else np.nan
    rows = []
    for key, g in frame.groupby(by, sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        n = g["customer_id"].nunique()
        area = patch_area(
            g["easting"],
            g["northing"],
            method=area_method,
            bhh_constant=k,
            share=customer_share,
            draws=params.share_draws,
        )
        source = area_method
        if area <= 0:
            if not np.isfinite(density):
                # Every customer on one point (one spot-purchased customer left, a care home):
                # no spread to measure, so a typical provider's density stands in.
                typical_m2 = settings.TYPICAL_PROVIDER_AREA_KM2 * 1e6
                area, source = n * typical_m2 / settings.TYPICAL_PROVIDER_CUSTOMERS, "typical"
            else:
                area, source = n / density, "density"
        w = g["_w"].to_numpy()
        mpm = float(np.average(g["_mpm"], weights=w)) if w.sum() > 0 else float(g["_mpm"].mean())
        rows.append((*key, n, float(w.sum()), area, source, mpm))
    out = pd.DataFrame(
        rows, columns=[*by, "customers", "hours", "area_m2", "area_source", "minutes_per_mile"]
    )
    n = out["customers"].to_numpy(float) * customer_share
    hours = np.maximum(out["hours"].to_numpy(float) * customer_share, 1e-9)
    travel = pd.DataFrame(
        _travel(n, out["area_m2"].to_numpy(), hours, out["minutes_per_mile"].to_numpy(), params)
    )
    price = _build_up(
        travel["travel_share"].to_numpy(),
        travel["miles_per_contact_hour"].to_numpy(),
        price_params or PriceParams(),
    )["total"]
    out = pd.concat([out, travel], axis=1)
    out["area_km2"] = out.pop("area_m2") / 1e6
    out["price_per_hour"] = price
    return out
