"""The demo county: synthetic home-care customers, providers and GP practices on real postcodes.

:func:`make_demo` writes what a council would hand over - a care-package extract (XLSX), an NHS
ODS ``epraccur`` practice file, a provider list and a run config - so that the demo goes
through the same readers as real data. The geography is real (postcodes of the chosen
districts from the packaged ONS Postcode Directory subset); the people, providers and practices
are invented, and every file says so.

The extract is realistic on purpose: heavy-tailed package hours, rates that vary by provider
and rurality, a fragmented market whose providers' patches overlap, multi-line customers, ended
and not-yet-started packages, formatting variants that must be accepted, and a small share of
planted bad rows (each with exactly one fault) listed with the reason the reader must give.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from scipy.cluster.vq import kmeans2
from scipy.optimize import brentq
from scipy.spatial import cKDTree
from sklearn.cluster import DBSCAN

from lotdesign import __version__, settings
from lotdesign import postcodes as pc
from lotdesign.errors import ValidationError
from lotdesign.io.lookups import read_postcode_lookup

#: Sheet of the extract that holds the packages.
SHEET: str = "Packages"
#: Words every demo output carries.
SYNTHETIC_NOTE: str = "SYNTHETIC DEMO DATA \u2014 not real people"
#: Config ``inputs.columns``: lotdesign field -> council-style header in the extract.
COLUMNS: dict[str, str] = {
    "customer_id": "Person ID",
    "postcode": "Post Code",
    "weekly_hours": "Planned Hrs/Wk",
    "weekly_cost": "Weekly Cost (\u00a3)",
    "provider": "Provider Name",
    "gp_practice": "GP Practice Code",
    "start_date": "Start Date",
    "end_date": "End Date",
    "service_type": "Service Type",
}
#: Reasons the reader gives rejected rows, in the order it checks them.
REJECT_REASONS: tuple[str, ...] = (
    "duplicate_row",
    "customer_id_missing",
    "postcode_missing",
    "postcode_invalid",
    "hours_missing",
    "hours_not_numeric",
    "hours_not_positive",
    "hours_implausible",
    "cost_not_numeric",
    "cost_negative",
    "date_invalid",
    "end_before_start",
    "postcode_not_found",
)
#: NHS ODS default code for "GP practice not known".
GP_UNKNOWN_CODE: str = "V81999"

# Extract headers in sheet order; "Package ID" and "Team" are extras the reader ignores.
_HEADERS: tuple[str, ...] = (
    "Package ID",
    COLUMNS["customer_id"],
    COLUMNS["postcode"],
    "Team",
    COLUMNS["service_type"],
    COLUMNS["provider"],
    COLUMNS["weekly_hours"],
    COLUMNS["weekly_cost"],
    COLUMNS["gp_practice"],
    COLUMNS["start_date"],
    COLUMNS["end_date"],
)
_H = {key: i for i, key in enumerate(_HEADERS)}

_PERSONAL = "Personal care"
_DOMESTIC = "Domestic/Sitting"

_PROVIDER_WORDS = (
    "Amber", "Bluebell", "Bramble", "Brook", "Clover", "Copper", "Daisy", "Downland", "Elder",
    "Fern", "Foxglove", "Harbour", "Heather", "Heron", "Juniper", "Kestrel", "Lark", "Lavender",
    "Linnet", "Meadow", "Orchard", "Otter", "Primrose", "Quill", "Robin", "Saffron", "Sorrel",
    "Swallow", "Teasel", "Thistle", "Wren", "Yarrow",
)  # fmt: skip
_PROVIDER_KINDS = (
    "Home Care", "Care at Home", "Homecare", "Care Services", "Support at Home", "Community Care",
)  # fmt: skip
_PRACTICE_WORDS = (
    "ALDER", "ASH", "BEECH", "BIRCH", "CEDAR", "CHERRY", "ELM", "HAWTHORN", "HAZEL", "HOLLY",
    "JUNIPER", "LARCH", "LINDEN", "MAPLE", "MYRTLE", "OAK", "POPLAR", "ROWAN", "WILLOW", "YEW",
)  # fmt: skip
_PRACTICE_KINDS = (
    "SURGERY", "MEDICAL CENTRE", "MEDICAL PRACTICE", "HEALTH CENTRE", "FAMILY PRACTICE",
)  # fmt: skip
# Letters used in the unit part of inward codes (Royal Mail never uses C, I, K, M, O, V there).
_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


@dataclass(frozen=True)
class DemoFiles:
    """Paths of the files :func:`make_demo` wrote."""

    #: ``extract.xlsx``: the care-package extract (sheet ``Packages``, plus a ``README`` sheet).
    extract: Path
    #: ``epraccur.csv``: synthetic GP practices in the NHS ODS epraccur layout.
    practices: Path
    #: ``providers.csv``: provider, office_postcode, synthetic.
    providers: Path
    #: ``lotdesign.yaml``: run config mapping the files above.
    config: Path
    #: ``demo_planted_errors.csv``: source_row, reason_code, description of each planted reject.
    planted: Path


def make_demo(
    out_dir: str | Path = "data/raw",
    *,
    seed: int = settings.DEMO_SEED,
    districts: Sequence[str] = settings.DEMO_DISTRICTS,
    n_customers: int = settings.DEMO_CUSTOMERS,
    as_of: str = "2026-11-01",
    processed_dir: str = "data/processed",
    reports_dir: str = "reports",
    n_providers: int = settings.DEMO_PROVIDERS,
    n_practices: int = settings.DEMO_GP_PRACTICES,
) -> DemoFiles:
    """Write a synthetic county's inputs: extract, GP practices, providers and config.

    Customers are placed on real postcodes of ``districts`` (towns hold most, villages and
    hamlets some); providers have offices in towns and overlapping patches; GP practices sit
    in the settlements. Everything is drawn from one ``numpy`` generator seeded with ``seed``,
    so the same arguments give the same data.

    Parameters
    ----------
    out_dir
        Folder for the files (created if missing). ``data/raw`` is where a run expects inputs.
    seed
        Random seed.
    districts
        Local authority district codes (e.g. ``E07000227``) whose postcodes to use. The default
        is the seven West Sussex districts.
    n_customers
        Customers with an accepted package active on ``as_of`` (the extract also holds ended and
        future packages and planted bad rows, which are extra).
    as_of
        Analysis date, ISO ``YYYY-MM-DD``; start and end dates are drawn around it.
    processed_dir, reports_dir
        Where a run should write its outputs; written into the config relative to ``out_dir``.
    n_providers
        Providers in the market.
    n_practices
        Open GP practices (the practice file also lists a few closed and non-GP ones).

    Returns
    -------
    DemoFiles
        Paths of the files written.

    Raises
    ------
    lotdesign.ValidationError
        An argument is out of range, ``as_of`` is not an ISO date, or a district code has no
        postcodes in the packaged lookup.

    Examples
    --------
    >>> files = make_demo("data/raw", seed=1)  # doctest: +SKIP
    >>> files.extract.name  # doctest: +SKIP
    'extract.xlsx'
    """
    district_codes, as_of_date = _check_inputs(
        out_dir, seed, districts, n_customers, as_of, n_providers, n_practices
    )
    rng = np.random.default_rng(seed)
    places = _settlements(_district_postcodes(district_codes))
    if (places["place"] != "dispersed").sum() < n_practices + settings.DEMO_GP_CLOSED:
        raise ValidationError(
            f"Districts {', '.join(district_codes)} have too few settlement postcodes for "
            f"{n_practices} GP practices: name more districts or pass a smaller n_practices."
        )
    practices = _make_practices(places, rng, n_practices, as_of_date)
    providers = _make_providers(places, rng, n_providers)
    rows, planted = _make_rows(places, practices, providers, rng, n_customers, as_of_date)

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = DemoFiles(
        extract=out / "extract.xlsx",
        practices=out / "epraccur.csv",
        providers=out / "providers.csv",
        config=out / "lotdesign.yaml",
        planted=out / "demo_planted_errors.csv",
    )
    readme = [
        SYNTHETIC_NOTE,
        "Every person, package, provider and GP practice in this workbook is invented by "
        "lotdesign's demo generator. Postcodes are real (ONS Postcode Directory, OGL v3.0) "
        "but nobody here receives care at them.",
        "Some rows are deliberately malformed to exercise validation: see "
        f"{files.planted.name} for each one and the reason it must be rejected.",
        f"Generated by lotdesign {__version__} make_demo(seed={seed}, "
        f"districts={list(district_codes)}, n_customers={n_customers}, as_of={as_of_date}).",
        "Contains National Statistics data \u00a9 Crown copyright and database right.",
    ]
    _write_extract(files.extract, rows, readme)
    _write_epraccur(files.practices, practices)
    providers[["provider", "office_postcode"]].assign(synthetic=True).sort_values(
        "provider"
    ).to_csv(files.providers, index=False)
    planted.to_csv(files.planted, index=False)
    _write_config(files, seed, district_codes, as_of_date, processed_dir, reports_dir)
    return files


def ensure_demo(
    out_dir: str | Path = "data/raw",
    *,
    processed_dir: str | Path | None = None,
    reports_dir: str | Path | None = None,
) -> Path:
    """Return the demo config in ``out_dir``, writing the demo first if it isn't there.

    Notebooks call this so they run on a fresh clone. Outputs go beside ``out_dir``
    (``../processed`` and ``../../reports`` from ``data/raw``) unless given. A lock file keeps
    two notebooks started together from writing the files at the same time.
    """
    out = Path(out_dir)
    config = out / "lotdesign.yaml"
    if config.exists():
        return config
    out.mkdir(parents=True, exist_ok=True)
    processed = Path(processed_dir) if processed_dir is not None else out.parent / "processed"
    reports = Path(reports_dir) if reports_dir is not None else out.parent.parent / "reports"
    with open(out / ".demo.lock", "w") as lock:
        try:
            import fcntl

            fcntl.flock(lock, fcntl.LOCK_EX)
        except ImportError:  # pragma: no cover - Windows: no lock, the race is harmless there
            pass
        if not config.exists():
            make_demo(out, processed_dir=str(processed), reports_dir=str(reports))
    return config


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
    if n_providers * settings.DEMO_PROVIDER_MIN_CUSTOMERS > n_customers:
        raise ValidationError(
            f"{n_providers} providers with at least {settings.DEMO_PROVIDER_MIN_CUSTOMERS} "
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
        eps=settings.DEMO_SETTLEMENT_EPS_M, min_samples=settings.DEMO_SETTLEMENT_MIN_POSTCODES
    ).fit_predict(xy)
    sizes = np.bincount(labels[labels >= 0]) if (labels >= 0).any() else np.zeros(0, int)
    size = np.where(labels >= 0, sizes[np.maximum(labels, 0)] if len(sizes) else 0, 0)
    town = size >= settings.DEMO_TOWN_MIN_POSTCODES
    if not town.any():
        # A small rural district may have no settlement of town size: its largest one serves.
        town = (labels == np.argmax(sizes)) if len(sizes) else np.ones(len(xy), bool)
    place = np.where(town, "town", np.where(labels >= 0, "village", "dispersed"))
    return lookup.assign(place=place, settlement=labels)


def _sample_places(rng: np.random.Generator, places: pd.DataFrame, k: int) -> np.ndarray:
    weights = places["place"].map(settings.DEMO_PLACEMENT_WEIGHTS).to_numpy(float)
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
    n_closed, n_other = settings.DEMO_GP_CLOSED, settings.DEMO_GP_NON_GP
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
    codes = [f"{settings.DEMO_GP_CODE_PREFIX}{i + 1:03d}" for i in rng.permutation(n)]
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
    size = rng.lognormal(0.0, settings.DEMO_PROVIDER_SIZE_SIGMA, n)
    low, high = settings.DEMO_PATCH_RANGE_KM
    radius_km = np.clip(
        rng.lognormal(np.log(settings.DEMO_PATCH_MEDIAN_KM), 0.5, n)
        * (size / np.median(size)) ** 0.3,
        low,
        high,
    )
    # The biggest providers work county-wide (infinite patch), as the large national ones do.
    county_wide = np.argsort(-size, kind="stable")[: settings.DEMO_COUNTY_WIDE_PROVIDERS]
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
            "rate_factor": rng.lognormal(0.0, settings.DEMO_PROVIDER_RATE_SD, n),
        }
    )


# --- Customers and extract rows ---------------------------------------------------------------


@dataclass
class _Line:
    person: int  # index into the person ids
    place: int  # index into places
    hours: float
    provider: int
    service: str
    start: dt.date
    end: dt.date | None
    status: str  # active | ended | future
    gp: str | None = None
    cost: float = float("nan")


def _provider_weights(xy: np.ndarray, providers: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    d = np.hypot(
        xy[:, None, 0] - providers["x"].to_numpy(), xy[:, None, 1] - providers["y"].to_numpy()
    )
    covers = d <= providers["radius_m"].to_numpy()
    w = providers["size"].to_numpy() * np.exp(-d / (settings.DEMO_PROVIDER_DECAY_KM * 1000.0))
    return np.where(covers, w, 0.0), d


def _pick(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One column index per row, with probability proportional to the row's weights."""
    cum = weights.cumsum(axis=1)
    u = rng.random(len(weights)) * cum[:, -1]
    return np.minimum((cum <= u[:, None]).sum(axis=1), weights.shape[1] - 1)


def _snap(rng: np.random.Generator, hours: np.ndarray) -> np.ndarray:
    # Care is planned as daily visits in 15-minute steps (1.75 h a week) or in quarter hours.
    daily = rng.random(len(hours)) < settings.DEMO_DAILY_STEP_SHARE
    step = np.where(daily, 1.75, 0.25)
    return np.maximum(np.round(hours / step) * step, np.where(daily, 1.75, 0.5))


def _rand_date(rng: np.random.Generator, first_year: int, last_year: int) -> dt.date:
    start = dt.date(first_year, 1, 1)
    days = (dt.date(last_year, 12, 31) - start).days
    return start + dt.timedelta(days=int(rng.integers(0, days + 1)))


def _yyyymmdd(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


class _County:
    """Draws the people and package lines of the demo county, one step at a time."""

    def __init__(
        self,
        places: pd.DataFrame,
        practices: pd.DataFrame,
        providers: pd.DataFrame,
        rng: np.random.Generator,
        as_of: dt.date,
    ) -> None:
        self.places, self.practices, self.providers = places, practices, providers
        self.rng, self.as_of = rng, as_of
        self.xy = places[["easting", "northing"]].to_numpy()
        self.history_days = int(settings.DEMO_HISTORY_YEARS * 365.25)
        self.n_people = 0
        self.scale = 1.0

    def days_ago(self, low: int, high: int) -> dt.date:
        return self.as_of - dt.timedelta(days=int(self.rng.integers(low, high)))

    def new_people(self, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Ids, places and weights over providers of ``k`` new people."""
        people = np.arange(self.n_people, self.n_people + k)
        self.n_people += k
        at = _sample_places(self.rng, self.places, k)
        weights, _ = _provider_weights(self.xy[at], self.providers)
        return people, at, weights

    def draw_hours(self, k: int) -> np.ndarray:
        raw = self.scale * self.rng.lognormal(0.0, settings.DEMO_HOURS_SIGMA, k)
        return _snap(self.rng, np.minimum(raw, settings.DEMO_ORDINARY_MAX_HOURS))

    def current_hours(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Weekly hours of the current customers, and which of them are very large packages.

        A lognormal bulk below a cap, scaled so that with the few very large packages the mean
        is the target, then snapped to how care is planned.
        """
        rng, cap = self.rng, settings.DEMO_ORDINARY_MAX_HOURS
        lo, hi = settings.DEMO_LARGE_PACKAGES
        n_large = int(min(rng.integers(lo, hi + 1), max(1, n // 300)))
        large = np.round(rng.uniform(*settings.DEMO_LARGE_PACKAGE_HOURS, n_large) * 2) / 2
        z = rng.lognormal(0.0, settings.DEMO_HOURS_SIGMA, n - n_large)
        bulk_mean = (settings.DEMO_MEAN_WEEKLY_HOURS * n - large.sum()) / (n - n_large)
        self.scale = brentq(lambda s: np.minimum(s * z, cap).mean() - bulk_mean, 1e-3, 1e3)
        order = rng.permutation(n)
        hours = np.concatenate([_snap(rng, np.minimum(self.scale * z, cap)), large])[order]
        return hours, order >= n - n_large

    def current_lines(self, n: int) -> tuple[list[_Line], np.ndarray]:
        """Lines of the ``n`` current customers, and which customers have a single plain line.

        Every provider first takes a few customers nearest its office (so none is empty); the
        rest go by provider size and distance among the providers whose patch covers them.
        """
        rng, as_of = self.rng, self.as_of
        hours, large = self.current_hours(n)
        people, where, weights = self.new_people(n)
        provider = _pick(rng, weights)
        _, dist = _provider_weights(self.xy[where], self.providers)
        taken = np.zeros(n, bool)
        for p in np.argsort(self.providers["size"].to_numpy(), kind="stable"):
            free = np.flatnonzero(~taken)
            nearest = free[np.argsort(dist[free, p], kind="stable")]
            nearest = nearest[: settings.DEMO_PROVIDER_MIN_CUSTOMERS]
            provider[nearest] = p
            taken[nearest] = True
        # Time since the package started: exponential (most packages are recent), truncated to
        # the history window by inverting its distribution function.
        mean_age = settings.DEMO_MEAN_PACKAGE_AGE_YEARS * 365.25
        within = 1.0 - np.exp(-(self.history_days - 1) / mean_age)
        age = -mean_age * np.log1p(-rng.random(n) * within)
        starts = [as_of - dt.timedelta(days=int(a) + 1) for a in age]
        second = (rng.random(n) < settings.DEMO_SECOND_LINE_SHARE) & (hours >= 1.5) & ~large
        lines = []
        for i in people:
            end = None
            if rng.random() < settings.DEMO_PLANNED_END_SHARE:
                end = as_of + dt.timedelta(days=int(rng.integers(7, 121)))
            main = _Line(i, where[i], hours[i], provider[i], _PERSONAL, starts[i], end, "active")
            lines.append(main)
            if not second[i]:
                continue
            # A second line: a sitting/domestic line from the same provider, or personal care
            # from a second provider that also covers the customer.
            main.hours = hours[i] - max(0.5, np.round(hours[i] * rng.uniform(0.2, 0.5) * 4) / 4)
            others = weights[i].copy()
            others[provider[i]] = 0.0
            two_providers = rng.random() < 0.5 and others.sum() > 0
            start = starts[i] + dt.timedelta(days=int(rng.integers(0, (as_of - starts[i]).days)))
            lines.append(
                _Line(
                    i,
                    where[i],
                    hours[i] - main.hours,
                    int(_pick(rng, others[None, :])[0]) if two_providers else provider[i],
                    _PERSONAL if two_providers else _DOMESTIC,
                    start,
                    None,
                    "active",
                )
            )
        # A customer's previous package, ended before the current one began.
        n_ended = round(settings.DEMO_ENDED_SHARE * len(lines) / self._live_share())
        for i in rng.choice(np.flatnonzero(~large), size=n_ended // 2, replace=False):
            end = starts[i] - dt.timedelta(days=int(rng.integers(1, 31)))
            start = end - dt.timedelta(days=int(rng.integers(14, 700)))
            p = int(_pick(rng, weights[i][None, :])[0])
            lines.append(
                _Line(i, where[i], self.draw_hours(1)[0], p, _PERSONAL, start, end, "ended")
            )
        return lines, ~second & ~large

    @staticmethod
    def _live_share() -> float:
        return 1.0 - settings.DEMO_ENDED_SHARE - settings.DEMO_FUTURE_SHARE

    def former_and_future_lines(self, n_live_lines: int, n_previous: int) -> list[_Line]:
        """People whose only package ended before ``as_of``, and people starting after it."""
        rng, as_of = self.rng, self.as_of
        n_ended = round(settings.DEMO_ENDED_SHARE * n_live_lines / self._live_share())
        n_future = max(1, round(settings.DEMO_FUTURE_SHARE * n_live_lines / self._live_share()))
        lines = []
        people, at, weights = self.new_people(max(0, n_ended - n_previous))
        for j, (person, provider, hours) in enumerate(
            zip(people, _pick(rng, weights), self.draw_hours(len(people)), strict=True)
        ):
            start = self.days_ago(60, self.history_days)
            end = start + dt.timedelta(days=int(rng.integers(14, (as_of - start).days)))
            lines.append(_Line(person, at[j], hours, provider, _PERSONAL, start, end, "ended"))
        people, at, weights = self.new_people(n_future)
        for j, (person, provider, hours) in enumerate(
            zip(people, _pick(rng, weights), self.draw_hours(len(people)), strict=True)
        ):
            start = as_of + dt.timedelta(days=int(rng.integers(1, 43)))
            lines.append(_Line(person, at[j], hours, provider, _PERSONAL, start, None, "future"))
        return lines

    def reject_templates(self, k: int) -> list[_Line]:
        """Clean, live single-line packages of ``k`` new people, to be given one fault each."""
        people, at, weights = self.new_people(k)
        return [
            _Line(
                person,
                at[j],
                hours,
                provider,
                _PERSONAL,
                self.days_ago(30, self.history_days),
                None,
                "active",
            )
            for j, (person, provider, hours) in enumerate(
                zip(people, _pick(self.rng, weights), self.draw_hours(k), strict=True)
            )
        ]

    def assign_practices(self, lines: list[_Line], n_current: int) -> None:
        """Give each person a GP practice code, the same on all their lines.

        Usually one of the nearest open practices; a few current customers still carry a closed
        practice's code (those living nearest it), and a few an unknown or blank one.
        """
        rng, practices = self.rng, self.practices
        home: dict[int, int] = {}
        for line in lines:
            home.setdefault(int(line.person), int(line.place))
        persons = np.array(sorted(home))
        pxy = self.xy[[home[p] for p in persons]]
        open_pr = practices[practices["kind"] == "open"]
        k = min(3, len(open_pr))
        _, near = cKDTree(open_pr[["x", "y"]].to_numpy()).query(pxy, k=k)
        near = np.asarray(near).reshape(len(persons), k)
        prob = np.array([0.7, 0.2, 0.1][:k])
        rank = rng.choice(k, size=len(persons), p=prob / prob.sum())
        code = open_pr["code"].to_numpy()[near[np.arange(len(persons)), rank]].astype(object)
        closed_pr = practices[practices["kind"] == "closed"]
        per_closed = max(
            1, round(settings.DEMO_GP_CLOSED_SHARE * n_current / max(1, len(closed_pr)))
        )
        for closed_code, cx, cy in closed_pr[["code", "x", "y"]].itertuples(index=False):
            d = np.where(persons < n_current, np.hypot(pxy[:, 0] - cx, pxy[:, 1] - cy), np.inf)
            code[np.argsort(d, kind="stable")[:per_closed]] = closed_code
        unknown = rng.choice(
            len(persons), size=round(settings.DEMO_GP_UNKNOWN_SHARE * n_current), replace=False
        )
        code[unknown] = [None if j % 2 else GP_UNKNOWN_CODE for j in range(len(unknown))]
        of = dict(zip(persons.tolist(), code, strict=True))
        for line in lines:
            line.gp = of[int(line.person)]

    def price(self, lines: list[_Line], n_clean: int) -> None:
        """Set each line's weekly cost = hours x rate, in pence.

        The rate is the provider's level, a rural premium and a little noise, scaled so that the
        hours-weighted mean rate of live clean lines is the target. A few clean lines have no
        cost yet.
        """
        place_class = self.places["place"].to_numpy()
        share = settings.DEMO_RURAL_PREMIUM_SHARE
        premium = np.array(
            [1.0 + settings.RURAL_PREMIUM * share[place_class[x.place]] for x in lines]
        )
        factor = self.providers["rate_factor"].to_numpy()[[x.provider for x in lines]]
        mult = factor * premium * self.rng.lognormal(0.0, settings.DEMO_LINE_RATE_SD, len(lines))
        hours = np.array([x.hours for x in lines], dtype=float)
        live = np.array([x.status == "active" for x in lines]) & (np.arange(len(lines)) < n_clean)
        base = settings.MEAN_HOURLY_RATE * hours[live].sum() / (hours * mult)[live].sum()
        rates = np.round(base * mult, 2)
        blank = self.rng.random(len(lines)) < settings.DEMO_BLANK_COST_SHARE
        for k, line in enumerate(lines):
            if k >= n_clean or not blank[k]:
                line.cost = round(float(line.hours) * float(rates[k]), 2)

    def cells(self, lines: list[_Line]) -> list[list]:
        """Spreadsheet rows of the lines, in extract column order."""
        rng = self.rng
        # Ids are sparse and shuffled, so an id says nothing about a person's status.
        person_ids = [
            f"C{v:06d}" for v in rng.choice(999_999, size=self.n_people, replace=False) + 1
        ]
        package_ids = rng.choice(9_000_000, size=len(lines), replace=False) + 1_000_000
        team_cuts = np.quantile(self.xy[:, 0], [1 / 3, 2 / 3])
        teams = ("Adults West", "Adults Central", "Adults East")
        postcode = self.places["postcode"].to_numpy()
        provider = self.providers["provider"].to_numpy()
        rows = []
        for k, line in enumerate(lines):
            row: list = [None] * len(_HEADERS)
            row[_H["Package ID"]] = f"PK{package_ids[k]:07d}"
            row[_H[COLUMNS["customer_id"]]] = person_ids[line.person]
            row[_H[COLUMNS["postcode"]]] = str(postcode[line.place])
            row[_H["Team"]] = teams[int(np.searchsorted(team_cuts, self.xy[line.place, 0]))]
            row[_H[COLUMNS["service_type"]]] = line.service
            row[_H[COLUMNS["provider"]]] = str(provider[line.provider])
            row[_H[COLUMNS["weekly_hours"]]] = float(line.hours)
            row[_H[COLUMNS["weekly_cost"]]] = None if np.isnan(line.cost) else line.cost
            row[_H[COLUMNS["gp_practice"]]] = line.gp
            row[_H[COLUMNS["start_date"]]] = _excel_date(line.start)
            row[_H[COLUMNS["end_date"]]] = None if line.end is None else _excel_date(line.end)
            rows.append(row)
        return rows


def _make_rows(
    places: pd.DataFrame,
    practices: pd.DataFrame,
    providers: pd.DataFrame,
    rng: np.random.Generator,
    n: int,
    as_of: dt.date,
) -> tuple[list[list], pd.DataFrame]:
    """Build the extract's rows (shuffled) and the table of planted rejects."""
    county = _County(places, practices, providers, rng, as_of)
    lines, plain = county.current_lines(n)
    n_live = sum(line.status == "active" for line in lines)
    lines += county.former_and_future_lines(n_live, n_previous=len(lines) - n_live)

    # Planted rejects: an even spread over the reasons; all but duplicates are fresh people.
    n_rejects = max(2 * len(REJECT_REASONS), round(settings.DEMO_REJECTED_SHARE * len(lines)))
    per_reason = np.full(len(REJECT_REASONS), n_rejects // len(REJECT_REASONS))
    per_reason[rng.permutation(len(REJECT_REASONS))[: n_rejects % len(REJECT_REASONS)]] += 1
    reasons = [r for r, k in zip(REJECT_REASONS, per_reason, strict=True) for _ in range(k)]
    templates = county.reject_templates(sum(r != "duplicate_row" for r in reasons))
    county.assign_practices(lines + templates, n)
    county.price(lines + templates, len(lines))
    cells = county.cells(lines + templates)
    clean, fresh = cells[: len(lines)], iter(cells[len(lines) :])
    _add_variants(rng, clean)

    # Duplicates copy live single-line packages, so the original alone still tells the truth.
    copyable = [k for k, x in enumerate(lines) if x.status == "active" and plain[x.person]]
    originals = iter(rng.choice(copyable, size=reasons.count("duplicate_row"), replace=False))
    not_found = iter(_absent_postcodes(rng, places, reasons.count("postcode_not_found")))
    bad, source_of, descriptions, seen = [], [], [], dict.fromkeys(REJECT_REASONS, 0)
    for reason in reasons:
        variant, seen[reason] = seen[reason], seen[reason] + 1
        if reason == "duplicate_row":
            original = int(next(originals))
            row, text = list(clean[original]), "exact copy of another row"
        else:
            original, row = None, next(fresh)
            text = _plant(row, reason, variant, rng, as_of, not_found)
        bad.append(row)
        source_of.append(original)
        descriptions.append(f"Planted ({reason}): {text}")

    # Shuffle everything together; of two identical rows the later one is the copy.
    rows = clean + bad
    position = np.empty(len(rows), dtype=int)
    position[rng.permutation(len(rows))] = np.arange(len(rows))
    sheet: list[list] = [[] for _ in rows]
    for k, row in enumerate(rows):
        sheet[position[k]] = row
    source_rows = [
        int(max(position[len(clean) + j], -1 if o is None else position[o])) + 2  # header = row 1
        for j, o in enumerate(source_of)
    ]
    planted = pd.DataFrame(
        {"source_row": source_rows, "reason_code": reasons, "description": descriptions}
    )
    return sheet, planted.sort_values("source_row").reset_index(drop=True)


def _excel_date(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day)


def _add_variants(rng: np.random.Generator, rows: list[list]) -> None:
    """Reformat some clean rows the way councils' exports do; all must still be accepted."""
    share = settings.DEMO_VARIANT_SHARE
    styles = (
        lambda p: p.lower(),
        lambda p: p.replace(" ", ""),
        lambda p: p.replace(" ", "").lower(),
        lambda p: p.replace(" ", "  "),
        lambda p: f" {p} ",
    )
    cost_col = _H[COLUMNS["weekly_cost"]]
    n = len(rows)
    postcode_style = np.where(rng.random(n) < share, rng.integers(0, len(styles), n), -1)
    hours_text = rng.random(n) < share
    cost_text = rng.random(n) < share
    # Make sure the thousands separator shows up at least once.
    big = [k for k in range(n) if rows[k][cost_col] is not None and rows[k][cost_col] >= 1000]
    if big and not any(cost_text[k] for k in big):
        cost_text[big[0]] = True
    uk, iso = settings.DEMO_DATE_TEXT_SHARE["uk"], settings.DEMO_DATE_TEXT_SHARE["iso"]
    date_draw = rng.random(n)
    for k, row in enumerate(rows):
        if postcode_style[k] >= 0:
            row[_H["Post Code"]] = styles[postcode_style[k]](row[_H["Post Code"]])
        if hours_text[k]:
            row[_H["Planned Hrs/Wk"]] = f"{row[_H['Planned Hrs/Wk']]:g}"
        if cost_text[k] and row[cost_col] is not None:
            row[cost_col] = f"\u00a3{row[cost_col]:,.2f}"
        fmt = "%d/%m/%Y" if date_draw[k] < uk else "%Y-%m-%d" if date_draw[k] < uk + iso else None
        if fmt:
            for col in (_H["Start Date"], _H["End Date"]):
                if row[col] is not None:
                    row[col] = row[col].strftime(fmt)


def _absent_postcodes(rng: np.random.Generator, places: pd.DataFrame, k: int) -> list[str]:
    """Valid-format postcodes in real sectors of the area that exist nowhere in the lookup."""
    if k == 0:
        return []
    sectors = np.unique(pc.sector_series(places["postcode"]).to_numpy())
    known = set(places["postcode"])
    found: list[str] = []
    while len(found) < k:
        # Most unit codes of a sector exist, so draw many candidates to keep a few absent ones.
        letters = rng.choice(list(_UNIT_LETTERS), size=(20 * k, 2))
        candidates = sorted(
            {
                f"{s}{a}{b}"
                for s, (a, b) in zip(rng.choice(sectors, size=20 * k), letters, strict=True)
            }
            - known
            - set(found)
        )
        # Check the whole UK lookup, not just the districts: a sector can cross a boundary.
        real = set(read_postcode_lookup("packaged", postcodes=candidates)["postcode"])
        found += [c for c in candidates if c not in real and pc.is_valid(c)][: k - len(found)]
    return found


def _plant(
    row: list,
    reason: str,
    variant: int,
    rng: np.random.Generator,
    as_of: dt.date,
    not_found: Iterator[str],
) -> str:
    """Give a clean row exactly one fault; return what was done."""
    postcode = row[_H["Post Code"]]
    cost_col = _H[COLUMNS["weekly_cost"]]
    if reason == "customer_id_missing":
        row[_H["Person ID"]] = None
        return "Person ID is blank"
    if reason == "postcode_missing":
        row[_H["Post Code"]] = (None, "  ")[variant % 2]
        return "Post Code is blank"
    if reason == "postcode_invalid":
        options = [
            postcode[:-1],
            f"{postcode[:-3]}{_UNIT_LETTERS[variant % 20]}{postcode[-2:]}",
            str(rng.integers(10_000, 100_000)),
            postcode + "Z",
        ]
        bad = options[variant % len(options)]
        if pc.is_valid(pc.normalise(bad)):
            bad = str(rng.integers(10_000, 100_000))
        row[_H["Post Code"]] = bad
        return f"Post Code {bad!r} is not a valid UK postcode format"
    if reason == "postcode_not_found":
        row[_H["Post Code"]] = absent = next(not_found)
        return f"Post Code {absent!r} has a valid format but does not exist"
    if reason == "hours_missing":
        row[_H["Planned Hrs/Wk"]] = None
        return "Planned Hrs/Wk is blank"
    if reason == "hours_not_numeric":
        row[_H["Planned Hrs/Wk"]] = ("ten", "tbc", "see care plan")[variant % 3]
        return f"Planned Hrs/Wk is {row[_H['Planned Hrs/Wk']]!r}"
    if reason == "hours_not_positive":
        row[_H["Planned Hrs/Wk"]] = (0.0, -7.0, -3.5)[variant % 3]
        return f"Planned Hrs/Wk is {row[_H['Planned Hrs/Wk']]:g}"
    if reason == "hours_implausible":
        row[_H["Planned Hrs/Wk"]] = (400.0, 350.0, 500.0)[variant % 3]
        return (
            f"Planned Hrs/Wk is {row[_H['Planned Hrs/Wk']]:g}, over {settings.MAX_WEEKLY_HOURS:g}"
        )
    if reason == "cost_not_numeric":
        row[cost_col] = ("TBC", "see notes", "\u00a3 to follow")[variant % 3]
        return f"Weekly Cost is {row[cost_col]!r}"
    if reason == "cost_negative":
        row[cost_col] = -abs(row[cost_col])
        return f"Weekly Cost is {row[cost_col]:.2f}"
    if reason == "date_invalid":
        column, text = (
            ("Start Date", "31/02/2024"),
            ("End Date", "not known"),
            ("Start Date", "30/02/2025"),
        )[variant % 3]
        row[_H[column]] = text
        return f"{column} is {text!r}"
    if reason == "end_before_start":
        start = as_of - dt.timedelta(days=int(rng.integers(60, 700)))
        end = start - dt.timedelta(days=int(rng.integers(7, 121)))
        row[_H["Start Date"]], row[_H["End Date"]] = _excel_date(start), _excel_date(end)
        return f"End Date {end:%d/%m/%Y} is before Start Date {start:%d/%m/%Y}"
    raise AssertionError(f"no fault defined for {reason}")  # pragma: no cover


# --- Writing ----------------------------------------------------------------------------------


def _write_extract(path: Path, rows: list[list], readme: list[str]) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(list(_HEADERS))
    for row in rows:
        ws.append(row)
    cost_col = _H[COLUMNS["weekly_cost"]] + 1
    date_cols = (_H["Start Date"] + 1, _H["End Date"] + 1)
    for cells in ws.iter_rows(min_row=2):
        for cell in cells:
            if cell.column in date_cols and isinstance(cell.value, dt.datetime):
                cell.number_format = "DD/MM/YYYY"
            elif cell.column == cost_col and isinstance(cell.value, float):
                cell.number_format = "#,##0.00"
    for i, header in enumerate(_HEADERS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(12, len(header) + 4)
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("README")
    for line in readme:
        notes.append([line])
    notes.column_dimensions["A"].width = 120
    wb.properties.title = SYNTHETIC_NOTE
    wb.properties.creator = "lotdesign demo"
    wb.save(path)


def _write_epraccur(path: Path, practices: pd.DataFrame) -> None:
    national, health_geography, commissioner = settings.DEMO_EPRACCUR_GEOGRAPHY
    status = {"open": "A", "closed": "C", "other": "A"}
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n")
        for k, p in enumerate(practices.sort_values("code").itertuples(index=False)):
            other = p.kind == "other"
            writer.writerow(
                [
                    p.code,
                    p.name,
                    national,
                    health_geography,
                    p.name.replace(" (SYNTHETIC)", ""),
                    "SYNTHETIC DEMO ADDRESS",
                    "",
                    "",
                    "",
                    p.postcode,
                    p.opened,
                    p.closed,
                    status[p.kind],
                    "B",
                    commissioner,
                    "20200401",
                    p.closed,
                    # Ofcom reserves 01632 960xxx for drama: never a real line.
                    f"01632 960{k:03d}",
                    "",
                    "",
                    "",
                    "0",
                    "",
                    commissioner,
                    "",
                    "8" if other and "OUT OF HOURS" in p.name else "0" if other else "4",
                    "",
                ]
            )


def _write_config(
    files: DemoFiles,
    seed: int,
    districts: tuple[str, ...],
    as_of: dt.date,
    processed_dir: str,
    reports_dir: str,
) -> None:
    here = os.path.abspath(files.config.parent)

    def relative(path: str) -> str:
        target = os.path.abspath(path)
        # Relative paths keep the folder movable; across unrelated trees an absolute one is clearer.
        if os.path.commonpath([target, here]) == os.path.abspath(os.sep):
            return Path(target).as_posix()
        return Path(os.path.relpath(target, here)).as_posix()

    config = {
        "name": "Demo county (SYNTHETIC)",
        "synthetic": True,
        "description": SYNTHETIC_NOTE,
        "inputs": {
            "packages": files.extract.name,
            "sheet": SHEET,
            "columns": dict(COLUMNS),
            "postcode_lookup": "packaged",
            "gp_practices": files.practices.name,
            "providers": files.providers.name,
            "as_of": as_of,
        },
        "units": "postcode_sector",
        "outputs": {"processed": relative(processed_dir), "reports": relative(reports_dir)},
        "demo": {
            "seed": int(seed),
            "districts": list(districts),
            "planted_errors": files.planted.name,
            "generator": f"lotdesign.demo.make_demo (lotdesign {__version__})",
        },
    }
    with open(files.config, "w", encoding="utf-8") as fh:
        yaml.safe_dump(config, fh, sort_keys=False, allow_unicode=True)


__all__ = ["COLUMNS", "GP_UNKNOWN_CODE", "REJECT_REASONS", "SHEET", "DemoFiles", "make_demo"]
