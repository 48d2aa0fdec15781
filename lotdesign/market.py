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
    lines = _prepare(packages, customers)
    county_rate = _rate(lines)

    def summarise(level: str, area: str, g: pd.DataFrame) -> dict:
        by_provider = g.groupby("provider")
        hours = by_provider["weekly_hours"].sum()
        total = float(hours.sum())
        shares = hours / total if total > 0 else hours * 0.0
        spreads = by_provider.apply(
            lambda p: _spread(p[["easting", "northing"]].to_numpy(), p["weekly_hours"].to_numpy()),
            include_groups=False,
        )
        workers = total / hours_per_worker
        rate = _rate(g)
        return {
            "level": level,
            "area": area,
            "providers": int(len(hours)),
            "customers": int(g["customer_id"].nunique()),
            "hours": total,
            "customers_per_provider": g["customer_id"].nunique() / max(len(hours), 1),
            "hours_per_provider": total / max(len(hours), 1),
            "top_provider_share": float(shares.max()) if len(shares) else np.nan,
            "hhi": float(10_000 * (shares**2).sum()),
            "spread_km": float(np.average(spreads, weights=hours)) / 1000.0
            if total > 0
            else np.nan,
            "criss_cross_index": _criss_cross(g),
            "overlap_depth": _overlap_depth(g),
            "mean_rate": rate,
            "rate_index": rate / county_rate if county_rate else np.nan,
            "rate_cv": _rate_cv(g),
            "care_workers": workers,
            "leavers_per_year": workers * turnover,
            "vacancies": workers * vacancy,
            "recruits_per_year": workers * (turnover + vacancy),
        }

    rows = [summarise("county", "county", lines)]
    rows += [summarise("district", str(d), g) for d, g in lines.groupby("district", sort=True)]
    if assignment is not None:
        plan = _plan(assignment)
        lines = lines.merge(plan, on="unit_id", how="left")
        lines["lot_id"] = lines["lot_id"].where(lines["lot_id"].notna(), _SPOT)
        for lot, g in lines.groupby("lot_id", sort=True):
            row = summarise("lot", str(lot), g)
            tier = g["tier"].dropna()
            row["tier"] = int(tier.iloc[0]) if lot != _SPOT and len(tier) else np.nan
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


def _rate(g: pd.DataFrame) -> float:
    known = g["_cost"].notna()
    hours = g.loc[known, "weekly_hours"].sum()
    return float(g.loc[known, "_cost"].sum() / hours) if hours > 0 else np.nan


def _rate_cv(g: pd.DataFrame) -> float:
    ok = g["_cost"].notna() & (g["weekly_hours"] > 0)
    if ok.sum() < 2:
        return np.nan
    rate = g.loc[ok, "_cost"] / g.loc[ok, "weekly_hours"]
    w = g.loc[ok, "weekly_hours"]
    mean = np.average(rate, weights=w)
    return float(np.sqrt(np.average((rate - mean) ** 2, weights=w)) / mean)


def _spread(xy: np.ndarray, w: np.ndarray) -> float:
    if len(xy) == 0 or w.sum() <= 0:
        return 0.0
    centre = np.average(xy, axis=0, weights=w)
    return float(np.sqrt(np.average(((xy - centre) ** 2).sum(axis=1), weights=w)))


def _mst(xy: np.ndarray) -> float:
    pts = np.unique(xy, axis=0)
    return mst_length(pts) if len(pts) >= 2 else 0.0


def _criss_cross(g: pd.DataFrame) -> float:
    whole = _mst(g[["easting", "northing"]].to_numpy())
    if whole <= 0:
        return np.nan
    own = sum(_mst(p[["easting", "northing"]].to_numpy()) for _, p in g.groupby("provider"))
    return float(own / whole)


def _overlap_depth(g: pd.DataFrame) -> float:
    """Other providers' patches (convex hulls) over a line's home, per line.

    Counted per distinct point, not per line: lines at one postcode share their hulls, and a
    large extract has many lines per postcode (200,000 lines: tens of millions of line-hull
    pairs otherwise).
    """
    hulls, owners = [], []
    for provider, p in g.groupby("provider"):
        hull = shapely.convex_hull(shapely.multipoints(p[["easting", "northing"]].to_numpy()))
        if hull.geom_type == "Polygon" and hull.area > 0:
            hulls.append(hull)
            owners.append(provider)
    if not hulls:
        return 0.0
    xy, at = np.unique(g[["easting", "northing"]].to_numpy(), axis=0, return_inverse=True)
    at = at.ravel()
    tree = shapely.STRtree(hulls)
    point_idx, hull_idx = tree.query(shapely.points(xy), predicate="within")
    lines_at = np.bincount(at, minlength=len(xy))
    # Lines at each point by provider; a hull's own provider's lines there are not "others".
    provider_code, providers = pd.factorize(g["provider"])
    own_lines = (
        pd.Series(1, index=pd.MultiIndex.from_arrays([at, provider_code]))
        .groupby(level=[0, 1])
        .sum()
    )
    owner_code = providers.get_indexer(np.asarray(owners, dtype=object))[hull_idx]
    own = own_lines.reindex(pd.MultiIndex.from_arrays([point_idx, owner_code]), fill_value=0)
    # Points on their own provider's hull boundary are not "within"; count others only.
    return float((lines_at[point_idx].sum() - own.to_numpy().sum()) / len(g))


def _require(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValidationError(
            f"Missing columns {missing}; the frame has {sorted(map(str, frame.columns))}. "
            "Build it to the customers contract (see lotdesign.market)."
        )
