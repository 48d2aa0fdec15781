"""Synthetic demand units for tests, benchmarks and docs.

:func:`grid_units` builds a county-like instance in the demand-units contract: a grid of
square cells (about the size of postcode sectors in a shire county) with jittered unit points,
rook neighbours (cells sharing an edge), demand that clusters round a few towns, and
heavy-tailed (lognormal) weekly hours, so a handful of units hold 200+ hours as real sectors
do. Nothing here is real data.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from lotdesign import settings
from lotdesign.datasets import settings as demo_settings
from lotdesign.errors import ValidationError

__all__ = ["grid_units"]

#: Lognormal shape of unit hours; 1.0 gives the long right tail seen in sector-level demand.
_HOURS_SIGMA = 1.0
#: Spread of customers per hour around the mean package size (lognormal shape).
_PACKAGE_SIGMA = 0.15


def grid_units(
    n: int,
    *,
    seed: int = 0,
    mean_hours: float = 30.0,
    cell_m: float = 1500.0,
    towns: int | None = None,
    oversize: int = 0,
    origin: tuple[float, float] = (450_000.0, 100_000.0),
) -> gpd.GeoDataFrame:
    """Make ``n`` synthetic demand units on a jittered square grid.

    Parameters
    ----------
    n
        Number of units (cells fill a square grid row by row).
    seed
        Random seed; the same seed gives the same frame.
    mean_hours
        Mean weekly hours per unit. 30 h with 1.5 km cells gives Tier 1 lots of ~10-60 units.
    cell_m
        Cell width in metres; 1,500 m is about a rural postcode sector's width, so a 7-mile
        radius spans a few dozen cells.
    towns
        Number of towns demand clusters round; default one per 250 units (at least one).
    oversize
        Number of units pushed above the Tier 1 ceiling
        (:data:`lotdesign.settings.LOT_MAX_HOURS`), to exercise the oversize path.
    origin
        South-west corner in British National Grid metres.

    Returns
    -------
    geopandas.GeoDataFrame
        The units contract in EPSG:27700 (``unit_id``, ``name``, ``unit_type``, ``customers``,
        ``hours``, ``weekly_cost``, ``x``, ``y``, ``district``, ``rurality``,
        ``rurality_source``, ``neighbours``, ``flag``, ``geometry``).

    Examples
    --------
    >>> units = grid_units(200, seed=1)
    >>> len(units), units.crs.to_epsg()
    (200, 27700)
    """
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValidationError(f"n must be a positive integer; got {n!r}")
    if not (mean_hours > 0 and cell_m > 0):
        raise ValidationError("mean_hours and cell_m must be positive")
    if not 0 <= oversize <= n:
        raise ValidationError(f"oversize must be between 0 and n ({n}); got {oversize}")
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n)))
    idx = np.arange(n)
    row, col = idx // side, idx % side
    x0 = origin[0] + (col + 0.5) * cell_m
    y0 = origin[1] + (row + 0.5) * cell_m
    x = x0 + rng.uniform(-0.3, 0.3, n) * cell_m
    y = y0 + rng.uniform(-0.3, 0.3, n) * cell_m

    n_towns = max(1, n // 250) if towns is None else max(1, int(towns))
    town_x = rng.uniform(x0.min(), x0.max() + 1.0, n_towns)
    town_y = rng.uniform(y0.min(), y0.max() + 1.0, n_towns)
    town_size = rng.uniform(1.5, 4.0, n_towns) * cell_m
    d2 = (x[:, None] - town_x[None, :]) ** 2 + (y[:, None] - town_y[None, :]) ** 2
    intensity = 1.0 + 6.0 * np.exp(-d2 / (2.0 * town_size[None, :] ** 2)).sum(axis=1)
    rurality = np.where(
        intensity > 3.0, "urban", np.where(intensity > 1.6, "town_fringe", "village_dispersed")
    )

    raw = rng.lognormal(0.0, _HOURS_SIGMA, n) * intensity
    hours = raw / raw.mean() * mean_hours
    # Oversize units are opt-in (``oversize``) so that default instances test the bands, not
    # the oversize path; 60% of the ceiling still leaves a long tail.
    hours = np.minimum(hours, 0.6 * settings.LOT_MAX_HOURS)
    # A few big sectors (200+ h) are part of real heavy-tailed demand; make sure they occur
    # even on small instances.
    n_big = max(1, n // 500)
    big = np.argsort(-hours, kind="stable")[:n_big]
    hours[big] = np.maximum(hours[big], rng.uniform(200.0, 350.0, n_big))
    if oversize:
        over = rng.choice(n, size=oversize, replace=False)
        hours[over] = settings.LOT_MAX_HOURS * rng.uniform(1.05, 1.4, oversize)
    hours = np.round(hours, 1)
    package = demo_settings.DEMO_MEAN_WEEKLY_HOURS * rng.lognormal(0.0, _PACKAGE_SIGMA, n)
    customers = np.maximum(1, np.rint(hours / package)).astype(int)
    cost = np.round(hours * settings.MEAN_HOURLY_RATE * rng.lognormal(0.0, 0.05, n), 2)

    half = cell_m / 2.0
    geometry = shapely.box(x0 - half, y0 - half, x0 + half, y0 + half)
    ids = np.array([f"S{i:05d}" for i in idx])
    neighbours = []
    for i in idx:
        r, c = row[i], col[i]
        nb = []
        for rr, cc in ((r - 1, c), (r, c - 1), (r, c + 1), (r + 1, c)):
            j = rr * side + cc
            if rr >= 0 and 0 <= cc < side and j < n:
                nb.append(ids[j])
        neighbours.append(";".join(nb))
    n_districts = min(len(demo_settings.DEMO_DISTRICTS), side)
    band = np.minimum(col * n_districts // side, n_districts - 1)
    district = np.asarray(demo_settings.DEMO_DISTRICTS)[band]

    frame = pd.DataFrame(
        {
            "unit_id": ids,
            "name": [f"Synthetic {r}-{c}" for r, c in zip(row, col, strict=True)],
            "unit_type": "postcode_sector",
            "customers": customers,
            "hours": hours,
            "weekly_cost": cost,
            "x": x,
            "y": y,
            "district": district,
            "rurality": rurality,
            "rurality_source": "synthetic",
            "neighbours": neighbours,
            "flag": "",
        }
    )
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=settings.CRS_BNG)
