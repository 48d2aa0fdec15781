"""Market analysis: who provides care where, how concentrated and how criss-crossed.

Per district, per lot and for the county: providers active, customers and hours per
provider, market shares and concentration (HHI), how widely providers' customers are
spread, how much their patches overlap, price dispersion between areas, and the workforce
the hours need against turnover and vacancies.

The **criss-cross index** measures the seed's "workers dashing one way while others dash the
other". For an area, it is the total length of each provider's own minimum spanning tree
(the shortest network joining that provider's customers there) divided by the length of the
minimum spanning tree of all the area's customers::

    CCI = sum_p MST(customers of p) / MST(all customers)

By the Beardwood-Halton-Hammersley law a provider's rounds are proportional to its MST, so
the CCI is how many times more driving the market does than one provider serving everyone
would. It is 1 when providers hold separate patches (zoning), and about ``sqrt(P)`` when
``P`` equal providers each cover the whole area. **Overlap depth** is the plainer picture:
the mean number of *other* providers' patches (convex hulls of their customers) a package
line's customer lies inside.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from lotdesign import settings
from lotdesign.cost import mst_length
from lotdesign.errors import ValidationError

__all__ = ["market_summary", "provider_summary"]

_REQUIRED = ("customer_id", "weekly_hours", "easting", "northing", "district", "unit_id")
_SPOT = "(spot)"


def provider_summary(
    packages: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per provider (within each ``by`` group): volume, share and spread.

    Parameters
    ----------
    packages : pandas.DataFrame
        Service lines (the customers contract's columns, one row per package line).
    by : str, sequence of str or None
        Area columns to split providers by (e.g. ``"district"``); None for the county.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``provider``, ``customers``, ``hours``, ``weekly_cost``, ``share``
        (of the group's hours), ``districts`` (how many it works in), ``spread_km`` (hours-
        weighted root-mean-square distance of its customers from their centre), ``mst_km``
        (length of the network joining its customers).
    """
    lines = _prepare(packages)
    keys = [] if by is None else ([by] if isinstance(by, str) else list(by))
    _require(lines, keys)
    rows = []
    for key, g in lines.groupby([*keys, "provider"], sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        w = g["weekly_hours"].to_numpy()
        xy = g[["easting", "northing"]].to_numpy()
        rows.append(
            (
                *key,
                g["customer_id"].nunique(),
                float(w.sum()),
                float(g["_cost"].sum()),
                g["district"].nunique(),
                _spread(xy, w) / 1000.0,
                _mst(xy) / 1000.0,
            )
        )
    out = pd.DataFrame(
        rows,
        columns=[
            *keys,
            "provider",
            "customers",
            "hours",
            "weekly_cost",
            "districts",
            "spread_km",
            "mst_km",
        ],
    )
    total = out.groupby(keys)["hours"].transform("sum") if keys else out["hours"].sum()
    out.insert(len(keys) + 4, "share", out["hours"] / total)
    return out


def market_summary(
    packages: pd.DataFrame,
    customers: pd.DataFrame | None = None,
    assignment: pd.DataFrame | None = None,
    *,
    hours_per_worker: float | None = None,
    turnover: float | None = None,
    vacancy: float | None = None,
    lead_share: float | None = None,
    tier2_lead_share: float | None = None,
) -> pd.DataFrame:
    """Market structure for the county, each district and (given a plan) each lot.

    Parameters
    ----------
    packages : pandas.DataFrame
        Service lines: ``customer_id``, ``provider``, ``weekly_hours``, ``weekly_cost`` or
        ``hourly_rate``, ``easting``, ``northing``, ``district``, ``unit_id``.
    customers : pandas.DataFrame, optional
        The customers frame; used for lines whose ``unit_id``/``district`` are missing.
    assignment : pandas.DataFrame, optional
        The lot plan (``unit_id``, ``lot_id``, ``tier``); adds one row per lot (lines outside
        lots under ``"(spot)"``) with the plan's providers and HHI.
    hours_per_worker, turnover, vacancy : float, optional
        Workforce figures; default ``settings.HOURS_PER_CARE_WORKER`` (seed 003),
        ``settings.WORKFORCE_TURNOVER`` and ``settings.WORKFORCE_VACANCY`` (Skills for Care
        2017/18).
    lead_share, tier2_lead_share : float, optional
        The plan's split between lead and secondary providers, for ``hhi_proposed``; default
        ``settings.LEAD_PROVIDER_SHARE`` and ``settings.TIER2_LEAD_SHARE``.

    Returns
    -------
    pandas.DataFrame
        ``market_summary.csv``: one row per area with ``level`` (county, district, lot),
        ``area``, ``providers``, ``customers``, ``hours``, ``customers_per_provider``,
        ``hours_per_provider``, ``top_provider_share``, ``hhi`` (0-10,000 on hours),
        ``spread_km`` (hours-weighted mean of its providers' spreads), ``criss_cross_index``,
        ``overlap_depth``, ``mean_rate`` (£/h), ``rate_index`` (against the county),
        ``rate_cv`` (hours-weighted coefficient of variation of line rates), ``care_workers``,
        ``leavers_per_year``, ``vacancies``, ``recruits_per_year``; lots add ``tier``,
        ``providers_proposed`` and ``hhi_proposed``. The county row's
        ``between_area_rate_cv`` is the dispersion of district mean rates.
    """
    if hours_per_worker is None:
        hours_per_worker = settings.HOURS_PER_CARE_WORKER
    if turnover is None:
        turnover = settings.WORKFORCE_TURNOVER
    if vacancy is None:
        vacancy = settings.WORKFORCE_VACANCY
    if lead_share is None:
        lead_share = settings.LEAD_PROVIDER_SHARE
    if tier2_lead_share is None:
        tier2_lead_share = settings.TIER2_LEAD_SHARE
    for name, value in (("turnover", turnover), ("vacancy", vacancy)):
        if not 0 <= value <= 1:
            raise ValidationError(f"{name} must be a share in [0, 1], got {value!r}.")
    if not hours_per_worker > 0:
        raise ValidationError(f"hours_per_worker must be > 0, got {hours_per_worker!r}.")
    lines = _prepare(packages, customers).reset_index(drop=True)
    areas: list[tuple[str, str, np.ndarray]] = [("county", "county", np.arange(len(lines)))]
    areas += [("district", str(d), idx) for d, idx in _groups(lines["district"])]
    if assignment is not None:
        plan = _plan(assignment)
        # A left merge on unique unit_ids keeps the lines' order, so row positions hold.
        lines = lines.merge(plan, on="unit_id", how="left")
        lines["lot_id"] = lines["lot_id"].where(lines["lot_id"].notna(), _SPOT)
        areas += [("lot", str(lot), idx) for lot, idx in _groups(lines["lot_id"])]
    arrays = _Lines.of(lines)
    county_rate = _rate(arrays, areas[0][2])
    cci = _criss_cross(arrays, [idx for _, _, idx in areas])

    def summarise(level: str, area: str, idx: np.ndarray, k: int) -> dict:
        provider = arrays.provider[idx]
        w = arrays.hours[idx]
        present = np.bincount(provider, minlength=arrays.n_providers) > 0
        hours = np.bincount(provider, weights=w, minlength=arrays.n_providers)[present]
        total = float(hours.sum())
        shares = hours / total if total > 0 else hours * 0.0
        spreads = _spreads(arrays, idx)[present]
        customers = len(np.unique(arrays.customer[idx]))
        workers = total / hours_per_worker
        rate = _rate(arrays, idx)
        return {
            "level": level,
            "area": area,
            "providers": int(len(hours)),
            "customers": int(customers),
            "hours": total,
            "customers_per_provider": customers / max(len(hours), 1),
            "hours_per_provider": total / max(len(hours), 1),
            "top_provider_share": float(shares.max()) if len(shares) else np.nan,
            "hhi": float(10_000 * (shares**2).sum()),
            "spread_km": float(np.average(spreads, weights=hours)) / 1000.0
            if total > 0
            else np.nan,
            "criss_cross_index": cci[k],
            "overlap_depth": _overlap_depth(arrays, idx),
            "mean_rate": rate,
            "rate_index": rate / county_rate if county_rate else np.nan,
            "rate_cv": _rate_cv(arrays, idx),
            "care_workers": workers,
            "leavers_per_year": workers * turnover,
            "vacancies": workers * vacancy,
            "recruits_per_year": workers * (turnover + vacancy),
        }

    rows = []
    for k, (level, area, idx) in enumerate(areas):
        row = summarise(level, area, idx, k)
        if level == "lot":
            tier = lines["tier"].iloc[idx].dropna()
            row["tier"] = int(tier.iloc[0]) if area != _SPOT and len(tier) else np.nan
            if row["tier"] == 1:
                row["providers_proposed"] = 1 if lead_share >= 1 else 2
                row["hhi_proposed"] = 10_000 * (lead_share**2 + (1 - lead_share) ** 2)
            elif row["tier"] == 2:
                row["providers_proposed"] = 1 if tier2_lead_share >= 1 else 2
                row["hhi_proposed"] = 10_000 * (tier2_lead_share**2 + (1 - tier2_lead_share) ** 2)
            else:
                row["providers_proposed"] = row["providers"]
                row["hhi_proposed"] = row["hhi"]
        rows.append(row)
    out = pd.DataFrame(rows)
    districts = out[out["level"] == "district"]
    mean = districts["mean_rate"].mean()
    out["between_area_rate_cv"] = np.where(
        out["level"] == "county", districts["mean_rate"].std(ddof=0) / mean, np.nan
    )
    return out


# --- helpers -------------------------------------------------------------------------------


def _prepare(packages: pd.DataFrame, customers: pd.DataFrame | None = None) -> pd.DataFrame:
    if not isinstance(packages, pd.DataFrame):
        raise ValidationError("packages must be a DataFrame of service lines.")
    lines = packages.copy()
    if customers is not None:
        if not isinstance(customers, pd.DataFrame) or "customer_id" not in customers.columns:
            raise ValidationError("customers must be a DataFrame with customer_id.")
        fill = [c for c in ("unit_id", "district", "easting", "northing") if c in customers]
        lookup = customers.drop_duplicates("customer_id").set_index("customer_id")[fill]
        for col in fill:
            mapped = lines["customer_id"].map(lookup[col])
            lines[col] = lines[col].where(lines[col].notna(), mapped) if col in lines else mapped
    _require(lines, [*_REQUIRED, "provider"])
    if lines.empty:
        raise ValidationError("No package lines; the market needs at least one.")
    hours = pd.to_numeric(lines["weekly_hours"], errors="coerce")
    if hours.isna().any() or (hours < 0).any():
        raise ValidationError("weekly_hours must be numbers >= 0 on every line.")
    lines["weekly_hours"] = hours.astype(float)
    if lines[["easting", "northing"]].isna().any().any():
        raise ValidationError("Some lines have no easting/northing; geocode or drop them first.")
    lines["customer_id"] = lines["customer_id"].astype(str)
    lines["unit_id"] = lines["unit_id"].astype(str)
    # Lines with no provider recorded are one "unknown" provider per district: they count
    # for volume, not as a real competitor spread over the county.
    lines["provider"] = lines["provider"].where(
        lines["provider"].notna(), "(unknown) " + lines["district"].astype(str)
    )
    cost = pd.to_numeric(lines.get("weekly_cost"), errors="coerce")
    rate = pd.to_numeric(lines.get("hourly_rate"), errors="coerce")
    lines["_cost"] = cost.where(cost.notna(), lines["weekly_hours"] * rate)
    return lines


def _plan(assignment: pd.DataFrame) -> pd.DataFrame:
    _require(assignment, ["unit_id", "lot_id", "tier"])
    plan = assignment[["unit_id", "lot_id", "tier"]].copy()
    plan["unit_id"] = plan["unit_id"].astype(str)
    if plan["unit_id"].duplicated().any():
        raise ValidationError("assignment lists a unit more than once; give one row per unit.")
    plan["lot_id"] = plan["lot_id"].where(plan["lot_id"].notna(), None)
    return plan


@dataclass(frozen=True)
class _Lines:
    """The lines as arrays: an area is a set of row positions, not a frame slice.

    Providers, customers and points (distinct easting/northing pairs) are integer codes, so
    per-area, per-provider figures are ``bincount``s rather than a pandas group per provider
    per area (200,000 lines in 150 areas: ~40,000 groups).
    """

    x: np.ndarray
    y: np.ndarray
    hours: np.ndarray
    cost: np.ndarray
    provider: np.ndarray
    n_providers: int
    customer: np.ndarray
    point: np.ndarray
    points: np.ndarray

    @classmethod
    def of(cls, lines: pd.DataFrame) -> _Lines:
        xy = lines[["easting", "northing"]].to_numpy(dtype=float)
        points, point = np.unique(xy, axis=0, return_inverse=True)
        provider, providers = pd.factorize(lines["provider"])
        customer, _ = pd.factorize(lines["customer_id"])
        return cls(
            x=xy[:, 0],
            y=xy[:, 1],
            hours=lines["weekly_hours"].to_numpy(dtype=float),
            cost=lines["_cost"].to_numpy(dtype=float, na_value=np.nan),
            provider=provider.astype(np.int64),
            n_providers=len(providers),
            customer=customer,
            point=point.ravel().astype(np.int64),
            points=points,
        )


def _groups(values: pd.Series) -> list[tuple[object, np.ndarray]]:
    """Row positions of each value, in sorted value order (as ``groupby(sort=True)``)."""
    return [(key, g.index.to_numpy()) for key, g in values.groupby(values, sort=True)]


def _rate(a: _Lines, idx: np.ndarray) -> float:
    cost, hours = a.cost[idx], a.hours[idx]
    known = ~np.isnan(cost)
    total = hours[known].sum()
    return float(cost[known].sum() / total) if total > 0 else np.nan


def _rate_cv(a: _Lines, idx: np.ndarray) -> float:
    cost, hours = a.cost[idx], a.hours[idx]
    ok = ~np.isnan(cost) & (hours > 0)
    if ok.sum() < 2:
        return np.nan
    w = hours[ok]
    rate = cost[ok] / w
    mean = np.average(rate, weights=w)
    return float(np.sqrt(np.average((rate - mean) ** 2, weights=w)) / mean)


def _spreads(a: _Lines, idx: np.ndarray) -> np.ndarray:
    """:func:`_spread` of every provider's lines in an area (0 for providers with no hours)."""
    p, w, x, y = a.provider[idx], a.hours[idx], a.x[idx], a.y[idx]
    weight = np.bincount(p, weights=w, minlength=a.n_providers)
    some = weight > 0
    safe = np.where(some, weight, 1.0)
    cx = np.bincount(p, weights=w * x, minlength=a.n_providers) / safe
    cy = np.bincount(p, weights=w * y, minlength=a.n_providers) / safe
    d2 = (x - cx[p]) ** 2 + (y - cy[p]) ** 2
    var = np.bincount(p, weights=w * d2, minlength=a.n_providers) / safe
    return np.where(some, np.sqrt(var), 0.0)


def _spread(xy: np.ndarray, w: np.ndarray) -> float:
    if len(xy) == 0 or w.sum() <= 0:
        return 0.0
    centre = np.average(xy, axis=0, weights=w)
    return float(np.sqrt(np.average(((xy - centre) ** 2).sum(axis=1), weights=w)))


def _mst(xy: np.ndarray) -> float:
    pts = np.unique(xy, axis=0)
    return mst_length(pts) if len(pts) >= 2 else 0.0


def _criss_cross(a: _Lines, areas: Sequence[np.ndarray]) -> np.ndarray:
    """The criss-cross index of each area (NaN where its customers share one point).

    Every network the index needs (each area's, and each provider's within each area) is
    measured in one batch on distinct points: see :func:`_mst_lengths`.
    """
    width = a.n_providers + 1  # group k * width + p: provider p in area k; + n_providers: all
    area = np.concatenate([np.full(len(idx), k, dtype=np.int64) for k, idx in enumerate(areas)])
    rows = np.concatenate(areas) if len(areas) else np.empty(0, dtype=np.int64)
    point = a.point[rows]
    group = np.concatenate([area * width + a.provider[rows], area * width + a.n_providers])
    length = _mst_lengths(
        group, np.concatenate([point, point]), a.points, n_groups=len(areas) * width
    ).reshape(len(areas), width)
    whole, own = length[:, -1], length[:, :-1].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(whole > 0, own / np.where(whole > 0, whole, 1.0), np.nan)


def _mst_lengths(
    group: np.ndarray, point: np.ndarray, points: np.ndarray, *, n_groups: int
) -> np.ndarray:
    """Euclidean minimum-spanning-tree length of each group's distinct points.

    ``group`` and ``point`` pair each item with its group (``0 .. n_groups - 1``) and its row
    of ``points``. Small groups - most of them: a provider's customers in one lot - go through
    Prim's algorithm on their full distance matrix, many groups of one size at once; large
    ones through :func:`lotdesign.cost.mst_length` (Delaunay edges). Both give the exact
    minimum spanning tree, so the lengths agree to rounding.
    """
    out = np.zeros(n_groups)
    if len(group) == 0:
        return out
    key = np.unique(group.astype(np.int64) * len(points) + point)
    g, q = np.divmod(key, len(points))
    xy = points[q]
    sizes = np.bincount(g, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    for n in np.unique(sizes[sizes >= 2]):
        ids = np.flatnonzero(sizes == n)
        if n > _DENSE_MST_MAX:
            for i in ids:
                out[i] = mst_length(xy[starts[i] : starts[i] + n])
            continue
        # Chunks of at most ~2 million distances (16 MB).
        step = max(1, 2_000_000 // int(n * n))
        for c in range(0, len(ids), step):
            chunk = ids[c : c + step]
            out[chunk] = _prim(xy[starts[chunk][:, None] + np.arange(n)])
    return out


#: Largest group measured on its full distance matrix; beyond it Delaunay edges are cheaper.
_DENSE_MST_MAX = 48


def _prim(pts: np.ndarray) -> np.ndarray:
    """MST length of each of ``G`` point sets of one size ``n`` (a ``(G, n, 2)`` array)."""
    diff = pts[:, :, None, :] - pts[:, None, :, :]
    dist = np.sqrt((diff * diff).sum(axis=-1))
    rows = np.arange(len(pts))
    best = dist[:, 0, :].copy()
    done = np.zeros(best.shape, dtype=bool)
    done[:, 0] = True
    total = np.zeros(len(pts))
    for _ in range(pts.shape[1] - 1):
        cand = np.where(done, np.inf, best)
        j = cand.argmin(axis=1)
        total += cand[rows, j]
        done[rows, j] = True
        np.minimum(best, dist[rows, j, :], out=best)
    return total


def _overlap_depth(a: _Lines, idx: np.ndarray) -> float:
    """Other providers' patches (convex hulls) over a line's home, per line.

    Counted per distinct point, not per line: lines at one postcode share their hulls, and a
    large extract has many lines per postcode. Each hull counts the points strictly inside it
    (``contains_xy`` on the prepared hull, points in its bounding box only) rather than an
    index listing every (point, hull) pair: with 300 providers over a county those pairs
    number millions, and the index query took ten times longer.
    """
    provider, point = a.provider[idx], a.point[idx]
    # Distinct (provider, point) pairs, sorted by provider: each provider's points in a run.
    pair, lines_of_pair = np.unique(provider * len(a.points) + point, return_counts=True)
    pair_provider, pair_point = np.divmod(pair, len(a.points))
    owners, at = np.unique(pair_provider, return_inverse=True)
    hulls = shapely.convex_hull(shapely.multipoints(a.points[pair_point], indices=at.ravel()))
    keep = (shapely.get_type_id(hulls) == 3) & (shapely.area(hulls) > 0)
    if not keep.any():
        return 0.0
    hulls, owners = hulls[keep], owners[keep]
    shapely.prepare(hulls)
    where, lines_at = np.unique(point, return_counts=True)
    px, py = a.points[where, 0], a.points[where, 1]
    first = np.searchsorted(pair_provider, owners)
    last = np.searchsorted(pair_provider, owners, side="right")
    inside = np.zeros(len(where), dtype=bool)
    others = 0
    for hull, (x0, y0, x1, y1), i, j in zip(hulls, shapely.bounds(hulls), first, last, strict=True):
        box = np.flatnonzero((px >= x0) & (px <= x1) & (py >= y0) & (py <= y1))
        hit = box[shapely.contains_xy(hull, px[box], py[box])]
        inside[hit] = True
        # The hull's own provider's lines at points inside it are not "others".
        own = inside[np.searchsorted(where, pair_point[i:j])]
        others += int(lines_at[hit].sum()) - int(lines_of_pair[i:j][own].sum())
        inside[hit] = False
    return float(others / len(idx))


def _require(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValidationError(
            f"Missing columns {missing}; the frame has {sorted(map(str, frame.columns))}. "
            "Build it to the customers contract (see lotdesign.market)."
        )
