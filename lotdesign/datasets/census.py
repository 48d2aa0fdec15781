"""Home-care demand from real demography: Census 2021 over-65s by LSOA on real postcodes.

For checking lot designs against a real county's geography (the West Sussex open data in
``../shared/data/westsussex``): customers are spread over LSOAs in proportion to their
residents aged 65 and over, each placed on a random live postcode of its LSOA, with weekly
hours drawn from a gamma distribution of the given mean. Nothing here is a person: the
extract is synthetic, the geography real.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from lotdesign.errors import ValidationError

__all__ = ["CENSUS_SCALES", "census_extract"]

#: West Sussex council-funded home care at two dates: (customers, weekly hours).
#: 2019: ~£22m a year at £210 a customer-week (seed 003) is ~2,000 customers; ~20,000 h.
#: 2024: ~2,400 customers, mean package 12.6 h (WSCC market position statement 2024).
CENSUS_SCALES: dict[str, tuple[int, float]] = {
    "2019": (2000, 20_000.0),
    "2024": (2400, 2400 * 12.6),
}

#: Shape of the gamma distribution of weekly hours (coefficient of variation 1 / sqrt(1.5)):
#: most packages are short, a few are long (project default).
_HOURS_SHAPE = 1.5


def census_extract(
    folder: str | Path,
    *,
    customers: int,
    hours: float,
    seed: int = 0,
) -> pd.DataFrame:
    """A synthetic extract on real postcodes, spread as the over-65s live.

    Parameters
    ----------
    folder
        The West Sussex open-data folder (``lsoa21_census2021_age_bands.csv`` and
        ``postcodes_enriched.csv``).
    customers
        Customers to place.
    hours
        Total weekly hours (the mean package is ``hours / customers``).
    seed
        Random seed.

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``postcode``, ``weekly_hours``, ``lsoa21``, ``easting``, ``northing``.
    """
    folder = Path(folder)
    census_path = folder / "lsoa21_census2021_age_bands.csv"
    postcode_path = folder / "postcodes_enriched.csv"
    if not census_path.exists() or not postcode_path.exists():
        raise ValidationError(f"census or postcode file missing in {folder}")
    census = pd.read_csv(census_path)
    pcs = pd.read_csv(
        postcode_path,
        usecols=["pcds", "doterm_ons_may22", "lsoa21cd_pip", "in_codepoint_2025_04",
                 "cp_easting", "cp_northing"],
        dtype={"pcds": str, "lsoa21cd_pip": str},
    )  # fmt: skip
    live = pcs[pcs["doterm_ons_may22"].isna() & pcs["in_codepoint_2025_04"].eq(1)]
    live = live.dropna(subset=["cp_easting", "lsoa21cd_pip"])
    rng = np.random.default_rng(seed)
    old = census.set_index("lsoa21_code")["Aged 65 years and over"]
    old = old[old.index.isin(set(live["lsoa21cd_pip"]))]
    counts = rng.multinomial(customers, (old / old.sum()).to_numpy())
    by_lsoa = {k: g for k, g in live.groupby("lsoa21cd_pip")}
    rows = []
    for lsoa, k in zip(old.index, counts.tolist(), strict=True):
        if k:
            pick = by_lsoa[lsoa].iloc[rng.integers(0, len(by_lsoa[lsoa]), k)]
            rows.append(pick.assign(lsoa21=lsoa))
    placed = pd.concat(rows, ignore_index=True)
    mean = hours / customers
    weekly = rng.gamma(_HOURS_SHAPE, mean / _HOURS_SHAPE, customers)
    weekly = np.maximum(weekly * hours / weekly.sum(), 0.25).round(2)
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:05d}" for i in range(customers)],
            "postcode": placed["pcds"].to_numpy(),
            "weekly_hours": weekly,
            "lsoa21": placed["lsoa21"].to_numpy(),
            "easting": placed["cp_easting"].to_numpy(dtype=float),
            "northing": placed["cp_northing"].to_numpy(dtype=float),
        }
    )
