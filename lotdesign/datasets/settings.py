"""Knobs of the synthetic demo county (:mod:`lotdesign.datasets.demo`), apart from the domain.

These shape made-up data; none changes how a real council's lots are designed, so they are
not in :mod:`lotdesign.settings` (whose :func:`~lotdesign.settings.describe` does not list
them). They are declared the same way: each with a section, a short source and an audience
(all ``"demo"``), and read when the generator runs, so a changed knob takes effect::

    >>> from lotdesign.datasets import settings as demo_settings
    >>> demo_settings.get("DEMO_CUSTOMERS"), demo_settings.source("DEMO_CUSTOMERS")
    (2400, 'WSCC MPS 2024: customers')

The headline figures (customers, mean hours, providers, practices) are West Sussex's, from
the West Sussex County Council market position statement 2024 (WSCC MPS 2024); the generator
knobs are project defaults chosen so the demo looks like a real extract, not sourced figures.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from lotdesign._settings_table import SettingsTable, missing_attribute

__all__ = ["AUDIENCES", "default", "describe", "get", "source"]

#: Who a setting is for.
AUDIENCES: dict[str, str] = {"demo": "the synthetic demo county and its generator"}

_TABLE = SettingsTable(__name__, AUDIENCES)

# --- Demo county (WSCC MPS 2024) -------------------------------------------------------------
_county = _TABLE.section("Demo county (WSCC MPS 2024)", audience="demo")

#: West Sussex districts: Adur, Arun, Chichester, Crawley, Horsham, Mid Sussex, Worthing.
DEMO_DISTRICTS: tuple[str, ...] = _county(
    "DEMO_DISTRICTS",
    ("E07000223", "E07000224", "E07000225", "E07000226", "E07000227", "E07000228", "E07000229"),
    "ONS: the seven West Sussex districts",
)
DEMO_CUSTOMERS: int = _county("DEMO_CUSTOMERS", 2400, "WSCC MPS 2024: customers")
DEMO_MEAN_WEEKLY_HOURS: float = _county(
    "DEMO_MEAN_WEEKLY_HOURS", 12.6, "WSCC MPS 2024: mean weekly hours per customer"
)
DEMO_PROVIDERS: int = _county("DEMO_PROVIDERS", 95, "WSCC MPS 2024: providers")
DEMO_GP_PRACTICES: int = _county("DEMO_GP_PRACTICES", 80, "WSCC MPS 2024: GP practices")
DEMO_SEED: int = _county("DEMO_SEED", 2024, "project default: the year of the figures")

# --- Demo generator (lotdesign.datasets.demo) ------------------------------------------------
# Shape of the synthetic demo county: project defaults chosen so the demo looks like a real
# extract, not sourced figures.
_generator = _TABLE.section("Demo generator", audience="demo")

#: Settlements are found by DBSCAN on postcode points: postcodes within this many metres of
#: each other chain into one settlement (urban postcodes lie ~50-150 m apart; 200 m joins a
#: town's streets without bridging the fields between villages).
DEMO_SETTLEMENT_EPS_M: float = _generator(
    "DEMO_SETTLEMENT_EPS_M", 200.0, "project default: urban postcodes lie ~50-150 m apart"
)
#: Fewest postcodes (DBSCAN min_samples) around a core point of a settlement; fewer is a hamlet.
DEMO_SETTLEMENT_MIN_POSTCODES: int = _generator(
    "DEMO_SETTLEMENT_MIN_POSTCODES", 8, "project default: fewer is a hamlet"
)
#: A settlement with at least this many postcodes (~5,000 people at ~35 a postcode) is a town.
DEMO_TOWN_MIN_POSTCODES: int = _generator(
    "DEMO_TOWN_MIN_POSTCODES", 150, "project default: ~5,000 people at ~35 a postcode"
)
#: Relative chance that a customer lives at a postcode, by settlement class. Rural postcodes
#: hold fewer addresses but older people; dispersed ones are still less likely per postcode.
DEMO_PLACEMENT_WEIGHTS: dict[str, float] = _generator(
    "DEMO_PLACEMENT_WEIGHTS",
    {"town": 1.0, "village": 1.0, "dispersed": 0.75},
    "project default: fewer addresses but older people in rural postcodes",
)
#: Share of RURAL_PREMIUM added to hourly rates, by settlement class (Rural England's ~13%
#: applies in full to dispersed areas, half to villages).
DEMO_RURAL_PREMIUM_SHARE: dict[str, float] = _generator(
    "DEMO_RURAL_PREMIUM_SHARE",
    {"town": 0.0, "village": 0.5, "dispersed": 1.0},
    "project default: Rural England 2018's premium, in full where dispersed",
)
#: Package hours are lognormal with this shape (sigma of log hours); with a mean of 12.6 it
#: gives a median near 9 h, in line with daily 30-60 minute visits (Torbay FCoC 2022 mix).
DEMO_HOURS_SIGMA: float = _generator(
    "DEMO_HOURS_SIGMA", 0.85, "project default: median near 9 h (Torbay FCoC 2022 visit mix)"
)
#: Cap on ordinary packages (weekly hours); only the planted very large packages exceed it.
DEMO_ORDINARY_MAX_HOURS: float = _generator(
    "DEMO_ORDINARY_MAX_HOURS", 70.0, "project default: only planted large packages exceed it"
)
#: Number (inclusive range) and weekly hours (range) of very large packages, e.g. live-in or
#: double-handed round-the-clock care.
DEMO_LARGE_PACKAGES: tuple[int, int] = _generator(
    "DEMO_LARGE_PACKAGES", (3, 8), "project default: live-in or double-handed care"
)
DEMO_LARGE_PACKAGE_HOURS: tuple[float, float] = _generator(
    "DEMO_LARGE_PACKAGE_HOURS", (80.0, 250.0), "project default: live-in or double-handed care"
)
#: Share of packages sized as daily care in 15-minute steps (multiples of 1.75 h a week); the
#: rest are in quarter hours.
DEMO_DAILY_STEP_SHARE: float = _generator(
    "DEMO_DAILY_STEP_SHARE", 0.5, "project default: daily care in 15-minute steps"
)
#: Share of customers with a second service line (another provider or a domestic/sitting line).
DEMO_SECOND_LINE_SHARE: float = _generator(
    "DEMO_SECOND_LINE_SHARE", 0.10, "project default: a second provider or a domestic line"
)
#: Share of extract lines that ended before the analysis date, and that start after it.
DEMO_ENDED_SHARE: float = _generator("DEMO_ENDED_SHARE", 0.08, "project default")
DEMO_FUTURE_SHARE: float = _generator("DEMO_FUTURE_SHARE", 0.01, "project default")
#: Share of live lines with a planned end date after the analysis date.
DEMO_PLANNED_END_SHARE: float = _generator("DEMO_PLANNED_END_SHARE", 0.03, "project default")
#: Years of start dates before the analysis date, and mean time since a live package started.
DEMO_HISTORY_YEARS: float = _generator("DEMO_HISTORY_YEARS", 6.0, "project default")
DEMO_MEAN_PACKAGE_AGE_YEARS: float = _generator(
    "DEMO_MEAN_PACKAGE_AGE_YEARS", 2.0, "project default"
)
#: Providers: spread (sigma of log) of market size, how many work county-wide, the median and
#: range of the others' patch radius (km), how fast their pick-up of customers falls with
#: distance from the office (km), the spread of their rates, and the fewest customers each has.
DEMO_PROVIDER_SIZE_SIGMA: float = _generator(
    "DEMO_PROVIDER_SIZE_SIGMA", 0.8, "project default: a fragmented market"
)
DEMO_COUNTY_WIDE_PROVIDERS: int = _generator(
    "DEMO_COUNTY_WIDE_PROVIDERS", 6, "project default: the largest work county-wide"
)
DEMO_PATCH_MEDIAN_KM: float = _generator(
    "DEMO_PATCH_MEDIAN_KM", 12.0, "project default: overlapping provider patches"
)
DEMO_PATCH_RANGE_KM: tuple[float, float] = _generator(
    "DEMO_PATCH_RANGE_KM", (5.0, 35.0), "project default: overlapping provider patches"
)
DEMO_PROVIDER_DECAY_KM: float = _generator(
    "DEMO_PROVIDER_DECAY_KM", 15.0, "project default: pick-up falls with distance from office"
)
DEMO_PROVIDER_RATE_SD: float = _generator(
    "DEMO_PROVIDER_RATE_SD", 0.05, "project default: providers' rates vary ~5%"
)
DEMO_PROVIDER_MIN_CUSTOMERS: int = _generator(
    "DEMO_PROVIDER_MIN_CUSTOMERS", 2, "project default: every provider has customers"
)
#: Per-line rate noise (sigma, as a share of the rate): spot purchases at odd prices.
DEMO_LINE_RATE_SD: float = _generator(
    "DEMO_LINE_RATE_SD", 0.02, "project default: spot purchases at odd prices"
)
#: GP practices beyond the open ones: closed practices (status C) and non-GP prescribing
#: settings (out-of-hours, walk-in) that an epraccur file also lists.
DEMO_GP_CLOSED: int = _generator(
    "DEMO_GP_CLOSED", 3, "project default: epraccur lists closed practices too"
)
DEMO_GP_NON_GP: int = _generator(
    "DEMO_GP_NON_GP", 2, "project default: epraccur lists out-of-hours and walk-in settings"
)
#: Share of customers recorded with a closed practice's code, and with an unknown one (half
#: blank, half V81999, the NHS code for "GP practice not known").
DEMO_GP_CLOSED_SHARE: float = _generator("DEMO_GP_CLOSED_SHARE", 0.01, "project default")
DEMO_GP_UNKNOWN_SHARE: float = _generator("DEMO_GP_UNKNOWN_SHARE", 0.01, "project default")
#: Synthetic GP practice codes are this prefix + 3 digits ("SYN001"). Real ODS practice codes
#: are one letter + five digits, so these can never clash with one.
DEMO_GP_CODE_PREFIX: str = _generator(
    "DEMO_GP_CODE_PREFIX", "SYN", "project default: cannot clash with real ODS codes"
)
#: epraccur national grouping, high-level health geography and commissioner written for the
#: synthetic practices (NHS England South East, Sussex ICB, West Sussex sub-ICB, as in ODS).
DEMO_EPRACCUR_GEOGRAPHY: tuple[str, str, str] = _generator(
    "DEMO_EPRACCUR_GEOGRAPHY",
    ("Y59", "QNX", "70F"),
    "NHS ODS: NHS England South East, Sussex ICB, West Sussex sub-ICB",
)
#: Share of extract rows planted as rejects (each with exactly one fault), and of clean rows
#: with formatting variants the reader must accept.
DEMO_REJECTED_SHARE: float = _generator(
    "DEMO_REJECTED_SHARE", 0.025, "project default: exercises validation"
)
DEMO_VARIANT_SHARE: float = _generator(
    "DEMO_VARIANT_SHARE", 0.03, "project default: exercises validation"
)
#: Share of clean rows whose dates are text rather than Excel dates, by style ("uk" is
#: day-first 03/04/2024, "iso" is 2024-04-03): both occur in councils' exports.
DEMO_DATE_TEXT_SHARE: dict[str, float] = _generator(
    "DEMO_DATE_TEXT_SHARE",
    {"uk": 0.05, "iso": 0.03},
    "project default: both styles occur in councils' exports",
)
#: Share of clean lines with a blank weekly cost (e.g. costs not yet loaded); accepted.
DEMO_BLANK_COST_SHARE: float = _generator(
    "DEMO_BLANK_COST_SHARE", 0.005, "project default: costs not yet loaded"
)

_TABLE.seal(globals(), others=["AUDIENCES"])


def describe(*, audience: str | None = None, section: str | None = None) -> pd.DataFrame:
    """The demo knobs as a table, with their current values.

    Columns ``name``, ``value``, ``section``, ``source``, ``audience``, as
    :func:`lotdesign.settings.describe`; filter by ``audience`` (``"demo"``) or ``section``
    (case ignored).
    """
    return _TABLE.describe(audience=audience, section=section)


def get(name: str) -> Any:
    """The current value of demo knob ``name``."""
    return _TABLE.get(name)


def source(name: str) -> str:
    """The short source citation of demo knob ``name``."""
    return _TABLE.source(name)


def default(name: str) -> Any:
    """The value demo knob ``name`` is declared with, whatever it is set to now."""
    return _TABLE.default(name)


def __getattr__(name: str) -> Any:
    """Name the knob a misspelt name meant."""
    raise missing_attribute(__name__, name, _TABLE, {})
