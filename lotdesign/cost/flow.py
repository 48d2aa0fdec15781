"""New customers only: how a lot's contracted volume, and its saving, build up over a contract.

West Sussex's Level 1 lots take new customers only; existing customers stay with their
providers (seed 003). A lead provider's volume therefore grows as packages end and new ones
start, and any change in price arrives on that curve, not on day one.

* :func:`estimate_turnover` estimates how long packages last from the extract's start dates:
  in a steady caseload whose packages end at a constant monthly rate ``h``, the time since
  live packages started is exponential with mean ``1 / h`` (truncated at the oldest start),
  so the mean age of live packages estimates the mean package length. Without start dates,
  ``settings.PACKAGE_MEAN_MONTHS`` is used and said so.
* :func:`flow_by_lot` projects each lot month by month over the contract: demand ``H(t) =
  H0 (1 + g) ** (t / 12)``; today's packages, which stay with today's providers, end at rate
  ``h`` (``H0 (1 - h) ** t`` left); the lot's lead and secondary hold the rest, all of it
  under "transfer all". It reports the months until the lot's contracted volume reaches its
  viable volume (the Tier 1 floor; for Tier 2 the seed's start and established volumes).
* :func:`project` phases the change in spend on that curve, year by year: an N-year figure
  sums years 1 to N.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lotdesign import settings
from lotdesign.cost.params import ScenarioParams, _FromMapping, _require
from lotdesign.errors import ValidationError

__all__ = [
    "FlowParams",
    "Turnover",
    "contracted_share",
    "estimate_turnover",
    "flow_by_lot",
    "project",
]

#: Longest mean package length an estimate may give (months): with almost no turnover in the
#: dates a lot would never fill, which says more about the dates than the caseload.
_MAX_MEAN_MONTHS = 240.0
_DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class FlowParams(_FromMapping):
    """How lots fill over the contract; defaults from :mod:`lotdesign.settings`.

    Attributes
    ----------
    new_customers_only : bool
        Lots take new customers only (seed 003); False transfers every customer at once.
    package_mean_months : float or None
        Mean months a package lasts; None estimates it from the extract's start dates (or
        ``settings.PACKAGE_MEAN_MONTHS`` without them).
    start_window_months : int
        Months before the analysis date in which each lot's observed starts are counted.
    tier2_established_hours : float
        Hours a Tier 2 zone's provider holds once established (seed 003: 750).
    """

    #: ``settings.NEW_CUSTOMERS_ONLY`` (seed 003).
    new_customers_only: bool = field(default_factory=lambda: settings.NEW_CUSTOMERS_ONLY)
    #: Months > 0, or None to estimate; ``settings.PACKAGE_MEAN_MONTHS`` without dates.
    package_mean_months: float | None = None
    #: Months >= 1; ``settings.FLOW_START_WINDOW_MONTHS``.
    start_window_months: int = field(default_factory=lambda: settings.FLOW_START_WINDOW_MONTHS)
    #: Hours; ``settings.TIER2_ESTABLISHED_HOURS`` (seed 003).
    tier2_established_hours: float = field(default_factory=lambda: settings.TIER2_ESTABLISHED_HOURS)

    def __post_init__(self) -> None:
        if not isinstance(self.new_customers_only, bool):
            raise ValidationError("FlowParams.new_customers_only must be true or false.")
        if self.package_mean_months is not None and not (
            isinstance(self.package_mean_months, int | float) and self.package_mean_months > 0
        ):
            raise ValidationError(
                f"FlowParams.package_mean_months must be > 0, got {self.package_mean_months!r}."
            )
        if not (isinstance(self.start_window_months, int) and self.start_window_months >= 1):
            raise ValidationError(
                f"FlowParams.start_window_months must be a whole number >= 1, got "
                f"{self.start_window_months!r}."
            )
        if not self.tier2_established_hours > 0:
            raise ValidationError("FlowParams.tier2_established_hours must be > 0.")


@dataclass(frozen=True)
class Turnover:
    """How fast packages end: the mean package length and where it came from.

    Attributes
    ----------
    mean_months
        Mean months a package lasts.
    customers_dated
        Customers whose start date was used (0 when the default was used).
    history_months
        Months from the oldest start used to the analysis date.
    source
        ``"estimated"``, ``"given"`` or ``"default"``.
    basis
        One sentence for the report.
    """

    mean_months: float
    customers_dated: int
    history_months: float
    source: str
    basis: str

    @property
    def monthly_end_rate(self) -> float:
        """Share of a caseload whose packages end in a month: ``1 - exp(-1 / mean_months)``."""
        return 1.0 - math.exp(-1.0 / self.mean_months)


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce")


def customer_starts(lines: pd.DataFrame) -> pd.Series:
    """Each customer's start: the earliest start date of their live lines (NaT if none)."""
    if "start_date" not in lines.columns:
        return pd.Series(pd.NaT, index=pd.Index(lines["customer_id"].unique(), name="customer_id"))
    frame = lines[["customer_id"]].assign(_start=_dates(lines["start_date"]))
    return frame.groupby("customer_id")["_start"].min()


def estimate_turnover(
    lines: pd.DataFrame,
    *,
    as_of: dt.date | None,
    params: FlowParams | None = None,
) -> Turnover:
    """Mean package length, from how long live packages have run.

    With packages ending at a constant monthly rate, the ages of live packages (analysis date
    less start, per customer) are exponential with the mean package length as mean, truncated
    at the oldest start ``W``; the maximum-likelihood mean ``D`` solves ``mean age = D - W /
    (exp(W / D) - 1)``. Start dates reset by reviews make packages look younger (more
    turnover); the ranges carry ``package_months_factor`` for that.

    Parameters
    ----------
    lines : pandas.DataFrame
        Live package lines with ``customer_id`` and, if known, ``start_date``.
    as_of : datetime.date or None
        The analysis date; None uses the default.
    params : FlowParams, optional
        ``package_mean_months`` given there is used as it is.

    Returns
    -------
    Turnover
    """
    params = params or FlowParams()
    _require(lines, ["customer_id"])
    if params.package_mean_months is not None:
        months = float(params.package_mean_months)
        return Turnover(
            months,
            0,
            0.0,
            "given",
            f"Packages are taken to last {months:.0f} months on average (set for this run).",
        )
    starts = customer_starts(lines).dropna() if as_of is not None else pd.Series(dtype=float)
    if as_of is not None:
        ages = (pd.Timestamp(as_of) - starts).dt.days.to_numpy(float) / _DAYS_PER_MONTH
        ages = ages[ages >= 0]
    else:
        ages = np.array([])
    if len(ages) < 20 or ages.max() <= 0:
        months = float(settings.PACKAGE_MEAN_MONTHS)
        why = "no analysis date" if as_of is None else f"{len(ages)} customers with start dates"
        return Turnover(
            months,
            0,
            0.0,
            "default",
            f"The extract gives too few start dates to estimate turnover ({why}), so packages "
            f"are taken to last {months:.0f} months on average (PACKAGE_MEAN_MONTHS, a project "
            "default): set it from the council's own records.",
        )
    window = float(ages.max())
    months = _truncated_exponential_mean(float(ages.mean()), window)
    return Turnover(
        months,
        len(ages),
        window,
        "estimated",
        f"Packages last {months:.0f} months on average, estimated from the start dates of "
        f"{len(ages):,} customers' live packages (oldest {window / 12:.1f} years before the "
        f"analysis date): about {1 - math.exp(-1 / months):.1%} of a caseload ends each month.",
    )


def _truncated_exponential_mean(mean_age: float, window: float) -> float:
    """The exponential mean ``D`` whose truncation at ``window`` has mean ``mean_age``."""
    if mean_age >= window / 2 * (1 - 1e-9):  # no decline with age: turnover too slow to see
        return _MAX_MEAN_MONTHS

    def truncated(d: float) -> float:
        x = window / d
        return d - window / math.expm1(x) if x < 700 else d

    lo, hi = 1e-3, _MAX_MEAN_MONTHS
    if truncated(hi) < mean_age:
        return _MAX_MEAN_MONTHS
    for _ in range(200):  # truncated() rises with d: bisect
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if truncated(mid) < mean_age else (lo, mid)
    return 0.5 * (lo + hi)


def contracted_share(
    months: np.ndarray,
    *,
    monthly_end_rate: float | np.ndarray,
    demand_growth: float | np.ndarray,
    new_customers_only: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Demand and contracted hours at month ``t``, as multiples of today's hours.

    Returns ``(demand, contracted)``: ``(1 + g) ** (t / 12)`` and, under new customers only,
    demand less today's packages still running, ``(1 - h) ** t``; under transfer all, demand.
    Arrays broadcast (draws of ``h`` and ``g`` against months).
    """
    h = np.asarray(monthly_end_rate, dtype=float)
    g = np.asarray(demand_growth, dtype=float)
    t = np.asarray(months, dtype=float)
    demand = (1.0 + g[..., None]) ** (t / 12.0) if g.ndim else (1.0 + g) ** (t / 12.0)
    if not new_customers_only:
        return demand, demand
    legacy = (1.0 - h[..., None]) ** t if h.ndim else (1.0 - h) ** t
    return demand, demand - legacy


def flow_by_lot(
    lots: pd.DataFrame,
    turnover: Turnover,
    *,
    lines: pd.DataFrame | None = None,
    as_of: dt.date | None = None,
    params: FlowParams | None = None,
    scenario: ScenarioParams | None = None,
    years: int | None = None,
    demand_growth: float | None = None,
    tier1_viable_hours: float | None = None,
    tier2_viable_hours: float | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each lot's contracted hours month by month, and the months until it is viable.

    Parameters
    ----------
    lots : pandas.DataFrame
        One row per lot: ``lot_id``, ``tier``, ``hours`` (the lot table of
        :func:`~lotdesign.cost.proposed_scenario`).
    turnover : Turnover
        From :func:`estimate_turnover`.
    lines : pandas.DataFrame, optional
        The scenario's lines (``lot_id``, ``customer_id``, ``weekly_hours``, ``start_date``),
        to count each lot's observed starts in the window before ``as_of``.
    as_of : datetime.date, optional
    params : FlowParams, optional
    scenario : ScenarioParams, optional
        The lead provider's share of a lot's contracted hours, by tier.
    years : int, optional
        The contract term (default ``settings.PROJECTION_YEARS``).
    demand_growth : float, optional
        Yearly growth in demand (default ``settings.DEMAND_GROWTH``).
    tier1_viable_hours, tier2_viable_hours : float, optional
        A lot's viable volume: the Tier 1 floor (default ``settings.LOT_MIN_HOURS``) and a
        Tier 2 zone's start volume (default ``settings.TIER2_MIN_HOURS``).

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        Per lot: ``lot_id``, ``tier``, ``hours``, ``start_hours_month`` and
        ``end_hours_month`` (modelled, month 1), ``observed_starts`` (customers who started
        in the window) and ``observed_start_hours_month`` (their hours: starts in
        the window, grossed up for those already ended; NaN without dates), ``viable_hours``,
        ``lead_viable_hours``, ``months_to_viable`` (NaN: not within the term),
        ``established_hours`` and ``months_to_established`` (Tier 2), ``contracted_share_year1``
        and ``contracted_share_end`` (of the lot's demand), ``lead_hours_end``.
        Monthly, one row per lot and month ``1..12 * years``: ``lot_id``, ``month``,
        ``demand_hours``, ``contracted_hours``, ``lead_hours_new_only`` and
        ``lead_hours_transfer_all``.
    """
    params = params or FlowParams()
    scenario = scenario or ScenarioParams()
    years = settings.PROJECTION_YEARS if years is None else years
    demand_growth = settings.DEMAND_GROWTH if demand_growth is None else demand_growth
    if tier1_viable_hours is None:
        tier1_viable_hours = settings.LOT_MIN_HOURS
    if tier2_viable_hours is None:
        tier2_viable_hours = settings.TIER2_MIN_HOURS
    _check_term(years, demand_growth)
    _require(lots, ["lot_id", "tier", "hours"])
    h = turnover.monthly_end_rate
    months = np.arange(1, 12 * years + 1)
    demand, contracted = contracted_share(
        months, monthly_end_rate=h, demand_growth=demand_growth, new_customers_only=True
    )
    hours = lots["hours"].to_numpy(float)[:, None]
    tier = lots["tier"].to_numpy(int)
    lead = np.where(tier == 1, scenario.lead_share, scenario.tier2_lead_share)
    contracted_hours = hours * contracted
    viable = np.where(tier == 1, tier1_viable_hours, tier2_viable_hours)
    established = np.where(tier == 2, params.tier2_established_hours, np.nan)
    out = lots[["lot_id", "tier", "hours"]].copy()
    growth = (1.0 + demand_growth) ** (1.0 / 12.0) - 1.0
    out["start_hours_month"] = lots["hours"].to_numpy(float) * (h + growth)
    out["end_hours_month"] = lots["hours"].to_numpy(float) * h
    # A count of the people behind the observed figure, so disclosure control can blank it.
    out["observed_starts"], out["observed_start_hours_month"] = _observed_starts(
        lots, lines, as_of=as_of, turnover=turnover, window=params.start_window_months
    )
    out["viable_hours"] = viable
    out["lead_viable_hours"] = viable * lead
    out["months_to_viable"] = _first_month(contracted_hours, viable, months)
    out["established_hours"] = established
    out["months_to_established"] = np.where(
        tier == 2, _first_month(contracted_hours, np.nan_to_num(established), months), np.nan
    )
    out["contracted_share_year1"] = contracted[11] / demand[11]
    out["contracted_share_end"] = contracted[-1] / demand[-1]
    out["lead_hours_end"] = contracted_hours[:, -1] * lead
    monthly = pd.DataFrame(
        {
            "lot_id": np.repeat(lots["lot_id"].to_numpy(), len(months)),
            "month": np.tile(months, len(lots)),
            "demand_hours": (hours * demand).ravel(),
            "contracted_hours": contracted_hours.ravel(),
            "lead_hours_new_only": (contracted_hours * lead[:, None]).ravel(),
            "lead_hours_transfer_all": (hours * demand * lead[:, None]).ravel(),
        }
    )
    return out, monthly


def _first_month(values: np.ndarray, threshold: np.ndarray, months: np.ndarray) -> np.ndarray:
    reached = values >= np.asarray(threshold, dtype=float)[:, None] - 1e-9
    first = np.where(reached.any(axis=1), months[np.argmax(reached, axis=1)], np.nan)
    return first.astype(float)


def _observed_starts(
    lots: pd.DataFrame,
    lines: pd.DataFrame | None,
    *,
    as_of: dt.date | None,
    turnover: Turnover,
    window: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Customers who started in the window, and their hours a month grossed up for those
    since ended."""
    nan = np.full(len(lots), np.nan)
    if lines is None or as_of is None or "start_date" not in lines.columns:
        return nan, nan
    starts = customer_starts(lines)
    if starts.notna().sum() == 0:
        return nan, nan
    age = (pd.Timestamp(as_of) - starts).dt.days / _DAYS_PER_MONTH
    recent = set(age[(age >= 0) & (age < window)].index)
    frame = lines[lines["customer_id"].isin(recent)]
    hours = frame.groupby("lot_id")["weekly_hours"].sum()
    people = frame.groupby("lot_id")["customer_id"].nunique()
    d = turnover.mean_months
    survived = d * (1.0 - math.exp(-window / d))  # months of starts still live per month
    count = lots["lot_id"].map(people).fillna(0).to_numpy(float)
    return count, lots["lot_id"].map(hours).fillna(0.0).to_numpy(float) / survived


def _check_term(years: int, demand_growth: float) -> None:
    if not (isinstance(years, int | np.integer) and years >= 1):
        raise ValidationError(
            f"years (the contract term) must be a whole number >= 1, got {years!r}."
        )
    if not demand_growth > -1:
        raise ValidationError("demand_growth must be > -1 (a share, 0.024 = 2.4% a year).")


def project(
    lots: pd.DataFrame,
    turnover: Turnover,
    *,
    spend_current: float,
    customers: float,
    hours: float,
    params: FlowParams | None = None,
    years: int | None = None,
    rate_uplift: float | None = None,
    demand_growth: float | None = None,
    weeks_per_year: float | None = None,
) -> pd.DataFrame:
    """The change in spend phased on the flow of new customers, year by year.

    Demand (customers, hours, spend) grows by ``demand_growth`` and prices by ``rate_uplift`` a
    year, today's and proposed alike. In each lot, the hours its lead and secondary hold
    (:func:`contracted_share`) cost the lot's proposed price and the rest today's; spot
    purchase costs today's. Year ``y`` is months ``12 (y - 1)`` to ``12 y`` after the analysis
    date, at the analysis year's prices uplifted ``y - 1`` times.

    Parameters
    ----------
    lots : pandas.DataFrame
        ``hours``, ``price_current``, ``price_proposed`` per lot.
    turnover : Turnover
    spend_current, customers, hours : float
        The county's weekly spend, customers and weekly hours today.
    params : FlowParams, optional
        ``new_customers_only``.
    years, rate_uplift, demand_growth, weeks_per_year : optional
        Defaults ``settings.PROJECTION_YEARS``, ``RATE_UPLIFT``, ``DEMAND_GROWTH``,
        ``WEEKS_PER_YEAR``.

    Returns
    -------
    pandas.DataFrame
        One row per year ``1..years``: ``year``, ``customers``, ``hours`` (mid-year),
        ``contracted_share`` (of lot hours on the new contracts, mean over the year),
        ``annual_spend_current``, ``annual_spend_proposed``, ``change_annual``,
        ``cumulative_change`` (the N-year figure is its last value: years 1 to N).
    """
    params = params or FlowParams()
    years = settings.PROJECTION_YEARS if years is None else years
    rate_uplift = settings.RATE_UPLIFT if rate_uplift is None else rate_uplift
    demand_growth = settings.DEMAND_GROWTH if demand_growth is None else demand_growth
    weeks = settings.WEEKS_PER_YEAR if weeks_per_year is None else weeks_per_year
    _check_term(years, demand_growth)
    if not rate_uplift > -1:
        raise ValidationError("rate_uplift must be > -1 (a share, 0.03 = 3% a year).")
    _require(lots, ["hours", "price_current", "price_proposed"])
    mid = np.arange(12 * years) + 0.5
    demand, contracted = contracted_share(
        mid,
        monthly_end_rate=turnover.monthly_end_rate,
        demand_growth=demand_growth,
        new_customers_only=params.new_customers_only,
    )
    delta = float(
        ((lots["price_proposed"] - lots["price_current"]) * lots["hours"]).sum()
    )  # £ a week at full effect
    lot_hours = float(lots["hours"].sum())
    year_of = (mid // 12).astype(int)
    uplift = (1.0 + rate_uplift) ** year_of
    per_month = weeks / 12.0
    current = spend_current * demand * uplift * per_month
    change = delta * contracted * uplift * per_month
    rows = []
    for y in range(years):
        m = year_of == y
        rows.append(
            (
                y + 1,
                customers * demand[m].mean(),
                hours * demand[m].mean(),
                float((contracted[m] / demand[m]).mean()) if lot_hours else 0.0,
                float(current[m].sum()),
                float(current[m].sum() + change[m].sum()),
            )
        )
    out = pd.DataFrame(
        rows,
        columns=[
            "year",
            "customers",
            "hours",
            "contracted_share",
            "annual_spend_current",
            "annual_spend_proposed",
        ],
    )
    out["change_annual"] = out["annual_spend_proposed"] - out["annual_spend_current"]
    out["cumulative_change"] = out["change_annual"].cumsum()
    return out
