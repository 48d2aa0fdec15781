"""The demo's geography: real postcodes of the chosen districts, settlements, practices and
provider offices placed among them."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.cluster.vq import kmeans2
from scipy.spatial import cKDTree
from sklearn.cluster import DBSCAN

from lotdesign.datasets import settings as demo_settings
from lotdesign.datasets._layout import (
    _PRACTICE_KINDS,
    _PRACTICE_WORDS,
    _PROVIDER_KINDS,
    _PROVIDER_WORDS,
)
from lotdesign.errors import ValidationError
from lotdesign.io.lookups import read_postcode_lookup

# --- Inputs and geography ---------------------------------------------------------------------


def _check_inputs(
    out_dir: str | Path,
    seed: int,
    districts: Sequence[str],
    n_customers: int,
    as_of: str,
    n_providers: int,
    n_practices: int,
) -> tuple[tuple[str, ...], dt.date]:
    if Path(out_dir).exists() and not Path(out_dir).is_dir():
        raise ValidationError(f"out_dir {out_dir} is a file: give a folder for the demo files.")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValidationError(f"seed must be a non-negative integer, got {seed!r}.")
    if isinstance(districts, str):
        raise ValidationError(
            f"districts must be a list of district codes, got the string {districts!r}: "
            f"write districts=[{districts!r}]."
        )
    codes = tuple(str(d).strip().upper() for d in districts)
    if not codes:
        raise ValidationError("districts is empty: name at least one district code.")
    for name, value, low in (
        ("n_customers", n_customers, 100),
        ("n_providers", n_providers, 1),
        ("n_practices", n_practices, 1),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValidationError(f"{name} must be an integer of at least {low}, got {value!r}.")
    if n_providers * demo_settings.DEMO_PROVIDER_MIN_CUSTOMERS > n_customers:
        raise ValidationError(
            f"{n_providers} providers with at least {demo_settings.DEMO_PROVIDER_MIN_CUSTOMERS} "
            f"customers each need more than {n_customers} customers: raise n_customers or "
            "lower n_providers."
        )
    try:
        as_of_date = dt.date.fromisoformat(str(as_of))
    except ValueError:
        raise ValidationError(
            f"as_of must be an ISO date such as 2026-11-01, got {as_of!r}."
        ) from None
    return codes, as_of_date


@functools.lru_cache(maxsize=4)
def _lookup(districts: tuple[str, ...]) -> pd.DataFrame:
    # Reading the packaged lookup takes seconds; notebooks and tests build the demo repeatedly.
    return read_postcode_lookup("packaged", districts=list(districts))


def _district_postcodes(districts: tuple[str, ...]) -> pd.DataFrame:
    lookup = _lookup(districts)
    missing = sorted(set(districts) - set(lookup["district"].dropna()))
    if missing:
        raise ValidationError(
            f"No postcodes in the packaged lookup for district code(s) {', '.join(missing)}. "
            "Use current local authority district codes such as E07000227 (Horsham)."
        )
    frame = lookup.dropna(subset=["easting", "northing"])
    if (~frame["terminated"]).any():
        frame = frame[~frame["terminated"]]
    return frame.sort_values("postcode").reset_index(drop=True)[
        ["postcode", "easting", "northing", "district"]
    ]


def _settlements(lookup: pd.DataFrame) -> pd.DataFrame:
    """Label each postcode town, village or dispersed from the density of postcodes around it."""
    xy = lookup[["easting", "northing"]].to_numpy()
    labels = DBSCAN(
        eps=demo_settings.DEMO_SETTLEMENT_EPS_M,
        min_samples=demo_settings.DEMO_SETTLEMENT_MIN_POSTCODES,
    ).fit_predict(xy)
    sizes = np.bincount(labels[labels >= 0]) if (labels >= 0).any() else np.zeros(0, int)
    size = np.where(labels >= 0, sizes[np.maximum(labels, 0)] if len(sizes) else 0, 0)
    town = size >= demo_settings.DEMO_TOWN_MIN_POSTCODES
    if not town.any():
        # A small rural district may have no settlement of town size: its largest one serves.
        town = (labels == np.argmax(sizes)) if len(sizes) else np.ones(len(xy), bool)
    place = np.where(town, "town", np.where(labels >= 0, "village", "dispersed"))
    return lookup.assign(place=place, settlement=labels)


def _sample_places(rng: np.random.Generator, places: pd.DataFrame, k: int) -> np.ndarray:
    weights = places["place"].map(demo_settings.DEMO_PLACEMENT_WEIGHTS).to_numpy(float)
    return rng.choice(len(places), size=k, p=weights / weights.sum())


def _names(rng: np.random.Generator, words: Sequence[str], kinds: Sequence[str], k: int) -> list:
    grid = [f"{w} {kind}" for w in words for kind in kinds]
    order = rng.permutation(len(grid))
    names = [grid[order[i % len(grid)]] for i in range(k)]
    # Past the end of the grid, number the repeats so names stay unique.
    return [
        name if i < len(grid) else f"{name} {i // len(grid) + 1}" for i, name in enumerate(names)
    ]


def _make_practices(
    places: pd.DataFrame, rng: np.random.Generator, n_open: int, as_of: dt.date
) -> pd.DataFrame:
    """Open practices spread over settlements by k-means, plus closed and non-GP entries."""
    settled = places[places["place"] != "dispersed"]
    xy = settled[["easting", "northing"]].to_numpy()
    centres, _ = kmeans2(xy, n_open, minit="++", seed=rng)
    # Snap each centre to a distinct real postcode near it.
    _, near = cKDTree(xy).query(centres, k=min(20, len(xy)))
    used: list[int] = []
    for candidates in np.atleast_2d(near):
        used.append(next((int(c) for c in candidates if c not in used), int(candidates[0])))
    towns = np.flatnonzero(settled["place"].to_numpy() == "town")
    n_closed, n_other = demo_settings.DEMO_GP_CLOSED, demo_settings.DEMO_GP_NON_GP
    extra = rng.choice(np.setdiff1d(towns, used), size=n_closed + n_other, replace=False)
    at = np.concatenate([used, extra]).astype(int)
    n = len(at)
    names = _names(rng, _PRACTICE_WORDS, _PRACTICE_KINDS, n_open + n_closed)
    kinds = ["open"] * n_open + ["closed"] * n_closed + ["other"] * n_other
    other_names = ["OUT OF HOURS SERVICE", "WALK-IN CENTRE"]
    for i in range(n_other):
        names.append(f"{other_names[i % 2]} {i // 2 + 1}")
    opened = [
        "19740401" if rng.random() < 0.6 else _yyyymmdd(_rand_date(rng, 1975, 2015))
        for _ in range(n)
    ]
    closed = [
        _yyyymmdd(as_of - dt.timedelta(days=int(rng.integers(200, 1500)))) if k == "closed" else ""
        for k in kinds
    ]
    codes = [f"{demo_settings.DEMO_GP_CODE_PREFIX}{i + 1:03d}" for i in rng.permutation(n)]
    return pd.DataFrame(
        {
            "code": codes,
            "name": [f"{name} (SYNTHETIC)" for name in names],
            "kind": kinds,
            "postcode": settled["postcode"].to_numpy()[at],
            "x": xy[at, 0],
            "y": xy[at, 1],
            "opened": opened,
            "closed": closed,
        }
    )


def _make_providers(places: pd.DataFrame, rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Providers with town offices, skewed sizes, overlapping patches and own rate levels."""
    towns = places[places["place"] == "town"]
    # Offices go where the towns are big: pick a town by its size, then a postcode in it.
    town_ids, town_sizes = np.unique(towns["settlement"].to_numpy(), return_counts=True)
    which = rng.choice(town_ids, size=n, p=town_sizes / town_sizes.sum())
    office = np.empty(n, dtype=int)
    for i, t in enumerate(which):
        office[i] = rng.choice(np.flatnonzero(towns["settlement"].to_numpy() == t))
    size = rng.lognormal(0.0, demo_settings.DEMO_PROVIDER_SIZE_SIGMA, n)
    low, high = demo_settings.DEMO_PATCH_RANGE_KM
    radius_km = np.clip(
        rng.lognormal(np.log(demo_settings.DEMO_PATCH_MEDIAN_KM), 0.5, n)
        * (size / np.median(size)) ** 0.3,
        low,
        high,
    )
    # The biggest providers work county-wide (infinite patch), as the large national ones do.
    county_wide = np.argsort(-size, kind="stable")[: demo_settings.DEMO_COUNTY_WIDE_PROVIDERS]
    radius_km[county_wide] = np.inf
    return pd.DataFrame(
        {
            "provider": [
                f"{name} (synthetic)" for name in _names(rng, _PROVIDER_WORDS, _PROVIDER_KINDS, n)
            ],
            "office_postcode": towns["postcode"].to_numpy()[office],
            "x": towns["easting"].to_numpy()[office],
            "y": towns["northing"].to_numpy()[office],
            "size": size,
            "radius_m": radius_km * 1000.0,
            "rate_factor": rng.lognormal(0.0, demo_settings.DEMO_PROVIDER_RATE_SD, n),
        }
    )


def _rand_date(rng: np.random.Generator, first_year: int, last_year: int) -> dt.date:
    start = dt.date(first_year, 1, 1)
    days = (dt.date(last_year, 12, 31) - start).days
    return start + dt.timedelta(days=int(rng.integers(0, days + 1)))


def _yyyymmdd(day: dt.date) -> str:
    return day.strftime("%Y%m%d")
