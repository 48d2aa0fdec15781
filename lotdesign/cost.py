"""Cost model: price per contact hour, travel per visit, current vs proposed scenarios.

Three layers, each usable on its own:

* **Price build-up** (:func:`price_per_hour`, :func:`price_by_visit_length`): a contact hour's
  price built up as the Homecare Association's minimum price is -- care-worker pay, paid
  travel time, on-costs, mileage, running the business and surplus.
* **Travel model** (:func:`travel_per_visit`, :func:`patch_area`, :func:`patch_travel`):
  the Beardwood-Halton-Hammersley law, a shortest tour through ``n`` random points in an
  area ``A`` is about ``k * sqrt(n * A)``, turned into road miles and minutes per visit for
  a provider whose customers lie in a patch, with a calibrated factor for real rounds.
* **Scenarios** (:func:`current_scenario`, :func:`proposed_scenario`, :func:`compare`,
  :func:`cost_summary`, :func:`project`, :func:`tornado`, :func:`payment_models`): today's
  providers against a lot plan, per lot, tier and district.

The current scenario's spend is the extract's own weekly cost (imputed where missing, and
the imputed sum is reported), so it reconciles with the extract. The model prices both
scenarios; the proposed spend is the current spend plus the modelled change in price per
hour times hours. Modelled prices therefore move the answer only through their difference,
which is what the travel model is good for.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import Delaunay, QhullError

from lotdesign import settings
from lotdesign.errors import ValidationError

__all__ = [
    "PRICE_LINES",
    "PaymentParams",
    "PriceParams",
    "ScenarioParams",
    "TravelParams",
    "compare",
    "cost_summary",
    "current_scenario",
    "hca_reference",
    "mst_length",
    "patch_area",
    "patch_travel",
    "payment_models",
    "price_by_visit_length",
    "price_per_hour",
    "project",
    "proposed_scenario",
    "tornado",
    "travel_per_visit",
]

#: Line items of the price build-up, in the Homecare Association's order.
PRICE_LINES: tuple[str, ...] = (
    "pay",
    "travel_time",
    "ni_pension",
    "other_oncosts",
    "mileage",
    "running_business",
    "surplus",
)


# --- Parameters ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceParams:
    """Inputs of the price build-up; defaults from :mod:`lotdesign.settings`.

    Attributes
    ----------
    wage : float
        Care worker's hourly pay (£), for contact and travel time alike.
    holiday_rate, sick_pay_rate, training_rate : float
        Other on-costs, each a share of gross pay (pay + paid travel time).
    employer_ni_rate, pension_rate : float
        Employer NI and pension, shares of all pay including the other on-costs.
    mileage_rate : float
        £ a mile paid to care workers.
    business_share : float
        Running the business (office, management, registration, insurance, IT) as a share of
        total cost before surplus.
    surplus_rate : float
        Surplus as a share of total cost.
    """

    wage: float = settings.CARE_WORKER_WAGE
    holiday_rate: float = settings.HOLIDAY_PAY_RATE
    sick_pay_rate: float = settings.SICK_PAY_RATE
    training_rate: float = settings.TRAINING_RATE
    employer_ni_rate: float = settings.EMPLOYER_NI_RATE
    pension_rate: float = settings.EMPLOYER_PENSION_RATE
    mileage_rate: float = settings.MILEAGE_RATE
    business_share: float = settings.BUSINESS_COST_SHARE
    surplus_rate: float = settings.SURPLUS_RATE

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise ValidationError(f"PriceParams.{f.name} must be a number >= 0, got {value!r}.")
        if self.business_share >= 1:
            raise ValidationError(
                f"PriceParams.business_share is a share of cost and must be < 1, got "
                f"{self.business_share}."
            )


@dataclass(frozen=True)
class TravelParams:
    """Inputs of the travel model; defaults from :mod:`lotdesign.settings`.

    Attributes
    ----------
    bhh_constant : float
        ``k`` in tour length ``k * sqrt(n * A)``.
    circuity : float
        Road distance / straight-line distance.
    speed_mph : dict
        Average driving speed by rurality class.
    visits_per_round : int
        Calls in a care worker's round; ``(c - 1) / c`` legs a visit are paid.
    slots_per_day : int
        Call slots a day; a round sees only the customers who need a call in its slot.
    scheduling_factor : float
        Real rounds against shortest tours (calibrated to published averages).
    visit_mix : dict
        Visits a week by visit length (minutes); its mean converts hours to visits.
    """

    bhh_constant: float = settings.BHH_CONSTANT
    circuity: float = settings.ROAD_CIRCUITY
    speed_mph: Mapping[str, float] = field(default_factory=lambda: dict(settings.SPEED_MPH))
    visits_per_round: float = settings.VISITS_PER_ROUND
    slots_per_day: float = settings.CALL_SLOTS_PER_DAY
    scheduling_factor: float = settings.ROUND_SCHEDULING_FACTOR
    visit_mix: Mapping[int, float] = field(default_factory=lambda: dict(settings.VISIT_LENGTH_MIX))

    def __post_init__(self) -> None:
        for name in ("bhh_constant", "circuity", "scheduling_factor", "slots_per_day"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ValidationError(f"TravelParams.{name} must be a number > 0, got {value!r}.")
        if not self.visits_per_round >= 1:
            raise ValidationError(
                f"TravelParams.visits_per_round must be >= 1, got {self.visits_per_round!r}."
            )
        bad = {k: v for k, v in self.speed_mph.items() if not (v > 0)}
        if bad or not self.speed_mph:
            raise ValidationError(f"TravelParams.speed_mph needs speeds > 0 by rurality: {bad}.")
        if not self.visit_mix or any(k <= 0 or v < 0 for k, v in self.visit_mix.items()):
            raise ValidationError(
                "TravelParams.visit_mix maps visit minutes (> 0) to visit counts (>= 0), "
                f"got {dict(self.visit_mix)}."
            )
        if sum(self.visit_mix.values()) <= 0:
            raise ValidationError("TravelParams.visit_mix has no visits; give some counts > 0.")

    @property
    def mean_visit_minutes(self) -> float:
        """Mean visit length (minutes) of the visit mix."""
        counts = sum(self.visit_mix.values())
        return sum(k * v for k, v in self.visit_mix.items()) / counts


@dataclass(frozen=True)
class ScenarioParams:
    """How a lot plan is staffed and paid.

    Attributes
    ----------
    lead_share : float
        Share of a Tier 1 lot's customers held by its lead provider; the secondary holds the
        rest.
    tier2_lead_share : float
        Share held by the main provider of a Tier 2 zone (1.0 = a single provider).
    rural_premium : float
        Uplift on the modelled price per hour in ``rural_premium_tiers``.
    rural_premium_tiers : tuple of int
        Tiers that carry the rural premium.
    current_by : tuple of str
        Columns that define a provider's patch today (default provider within district).
    """

    lead_share: float = settings.LEAD_PROVIDER_SHARE
    tier2_lead_share: float = settings.TIER2_LEAD_SHARE
    rural_premium: float = settings.RURAL_PREMIUM
    rural_premium_tiers: tuple[int, ...] = settings.RURAL_PREMIUM_TIERS
    current_by: tuple[str, ...] = ("provider", "district")

    def __post_init__(self) -> None:
        for name in ("lead_share", "tier2_lead_share"):
            value = getattr(self, name)
            if not 0 < value <= 1:
                raise ValidationError(f"ScenarioParams.{name} must be in (0, 1], got {value!r}.")
        if self.rural_premium < 0:
            raise ValidationError(
                f"ScenarioParams.rural_premium must be >= 0, got {self.rural_premium!r}."
            )


@dataclass(frozen=True)
class PaymentParams:
    """Inputs of the payment-model comparison (see :func:`payment_models`)."""

    block_discount: float = settings.BLOCK_DISCOUNT
    block_utilisation: float = settings.BLOCK_UTILISATION
    outcome_upfront_share: float = settings.OUTCOME_UPFRONT_SHARE
    outcome_achievement_rate: float = settings.OUTCOME_ACHIEVEMENT_RATE
    outcome_bonus_rate: float = settings.OUTCOME_BONUS_RATE
    outcome_bonus_share: float = settings.OUTCOME_BONUS_SHARE

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if not 0 <= value <= 1:
                raise ValidationError(f"PaymentParams.{f.name} must be in [0, 1], got {value!r}.")
        if self.block_utilisation == 0:
            raise ValidationError("PaymentParams.block_utilisation must be > 0.")


# --- Price build-up ------------------------------------------------------------------------


def price_per_hour(
    *,
    travel_share: float | Sequence[float] | np.ndarray,
    miles_per_contact_hour: float | Sequence[float] | np.ndarray,
    params: PriceParams | None = None,
) -> pd.Series | pd.DataFrame:
    """Price of one contact hour, built up line by line.

    Paid travel time is the wage times the travel share; other on-costs (holiday, sick pay,
    training) are shares of that gross pay; employer NI and pension are shares of all pay;
    running the business is a share of total cost before surplus; surplus a share of total
    cost.

    Parameters
    ----------
    travel_share : float or array-like
        Paid travel minutes per contact minute (HCA 2020-21: 0.195).
    miles_per_contact_hour : float or array-like
        Miles driven per contact hour.
    params : PriceParams, optional
        Wage and rates; defaults from :mod:`lotdesign.settings`.

    Returns
    -------
    pandas.Series or pandas.DataFrame
        The lines of :data:`PRICE_LINES` and ``total`` (£ per contact hour): a Series for
        scalar inputs, a DataFrame with one row per input otherwise.

    Examples
    --------
    >>> from lotdesign import settings
    >>> p = price_per_hour(travel_share=0.195, miles_per_contact_hour=3.02,
    ...                    params=PriceParams(wage=settings.NLW_2020_21))
    >>> round(float(p["total"]), 2)
    20.69
    """
    params = params or PriceParams()
    scalar = np.ndim(travel_share) == 0 and np.ndim(miles_per_contact_hour) == 0
    share = np.atleast_1d(np.asarray(travel_share, dtype=float))
    miles = np.atleast_1d(np.asarray(miles_per_contact_hour, dtype=float))
    if not (np.all(np.isfinite(share)) and np.all(share >= 0)):
        raise ValidationError("travel_share must be finite and >= 0 (travel minutes per minute).")
    if not (np.all(np.isfinite(miles)) and np.all(miles >= 0)):
        raise ValidationError("miles_per_contact_hour must be finite and >= 0.")
    share, miles = np.broadcast_arrays(share, miles)
    table = pd.DataFrame(_build_up(share, miles, params))
    return table.iloc[0] if scalar else table


def _build_up(share: np.ndarray, miles: np.ndarray, p: PriceParams) -> dict[str, np.ndarray]:
    pay = np.full(share.shape, p.wage)
    travel_time = p.wage * share
    gross = pay + travel_time
    other = gross * (p.holiday_rate + p.sick_pay_rate + p.training_rate)
    ni_pension = (gross + other) * (p.employer_ni_rate + p.pension_rate)
    mileage = p.mileage_rate * miles
    direct = gross + other + ni_pension + mileage
    business = direct * p.business_share / (1.0 - p.business_share)
    surplus = (direct + business) * p.surplus_rate
    lines = {
        "pay": pay,
        "travel_time": travel_time,
        "ni_pension": ni_pension,
        "other_oncosts": other,
        "mileage": mileage,
        "running_business": business,
        "surplus": surplus,
    }
    lines["total"] = direct + business + surplus
    return lines


def price_by_visit_length(
    *,
    travel_minutes_per_visit: float,
    miles_per_visit: float,
    visit_mix: Mapping[int, float] | None = None,
    params: PriceParams | None = None,
) -> pd.DataFrame:
    """Price per contact hour by visit length, and weighted by a visit-length mix.

    Travel is per visit whatever the visit's length, so a 15-minute call carries four times
    the travel per contact hour of a 60-minute one (HCA prices by visit length from 2025-26).

    Parameters
    ----------
    travel_minutes_per_visit, miles_per_visit : float
        Paid travel to each visit (from :func:`travel_per_visit`).
    visit_mix : mapping of int to float, optional
        Visits a week by length in minutes (default ``settings.VISIT_LENGTH_MIX``).
    params : PriceParams, optional

    Returns
    -------
    pandas.DataFrame
        Index ``visit_minutes`` (the lengths, then ``"weighted"``), columns ``visits``,
        ``contact_hours``, ``travel_share``, ``miles_per_contact_hour``, the price lines and
        ``total``. The weighted row is the contact-hour-weighted mean.
    """
    mix = dict(visit_mix if visit_mix is not None else settings.VISIT_LENGTH_MIX)
    TravelParams(visit_mix=mix)  # validates the mix
    if travel_minutes_per_visit < 0 or miles_per_visit < 0:
        raise ValidationError("travel_minutes_per_visit and miles_per_visit must be >= 0.")
    lengths = np.array(sorted(mix), dtype=float)
    visits = np.array([mix[int(k)] for k in lengths], dtype=float)
    share = travel_minutes_per_visit / lengths
    miles = miles_per_visit * 60.0 / lengths
    table = price_per_hour(travel_share=share, miles_per_contact_hour=miles, params=params)
    table.insert(0, "miles_per_contact_hour", miles)
    table.insert(0, "travel_share", share)
    table.insert(0, "contact_hours", visits * lengths / 60.0)
    table.insert(0, "visits", visits)
    table.index = pd.Index([int(k) for k in lengths], name="visit_minutes", dtype=object)
    weights = table["contact_hours"] / table["contact_hours"].sum()
    weighted = table.drop(columns=["visits", "contact_hours"]).mul(weights, axis=0).sum()
    weighted["visits"] = visits.sum()
    weighted["contact_hours"] = table["contact_hours"].sum()
    table.loc["weighted"] = weighted[table.columns]
    return table


def hca_reference(
    *,
    params: PriceParams | None = None,
    travel_share: float = settings.HCA_TRAVEL_SHARE,
    miles_per_contact_hour: float = settings.HCA_MILES_PER_CONTACT_HOUR,
) -> pd.DataFrame:
    """The model's price at each year's National Living Wage next to HCA's published price.

    Only the wage changes between years; HCA's later prices also raised business costs and
    (2025-26) employer NI, so the gap shows what the 2020-21 ratios leave out. Shown, never
    forced.

    Returns
    -------
    pandas.DataFrame
        One row per year: ``year``, ``wage``, ``hca_price``, ``model_price``, ``difference``.
    """
    params = params or PriceParams()
    rows = []
    for year, wage in settings.NLW_BY_YEAR.items():
        p = dataclasses.replace(params, wage=wage)
        total = float(
            price_per_hour(
                travel_share=travel_share, miles_per_contact_hour=miles_per_contact_hour, params=p
            )["total"]
        )
        published = settings.HCA_MINIMUM_PRICE.get(year, np.nan)
        rows.append((year, wage, published, total, total - published))
    return pd.DataFrame(rows, columns=["year", "wage", "hca_price", "model_price", "difference"])


# --- Travel model --------------------------------------------------------------------------


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
    (Beardwood-Halton-Hammersley), so ``k * sqrt(A / n_slot)`` a visit, of which
    ``(c - 1) / c`` is paid (the drive to the first call is not). Road miles add circuity and
    the calibrated scheduling factor; minutes divide by the rurality's speed.

    Parameters
    ----------
    customers : float or array-like
        Customers the provider serves in the patch (> 0).
    area_m2 : float or array-like
        Area of the patch, m² (e.g. :func:`patch_area`).
    weekly_hours : float or array-like, optional
        Their weekly contact hours; default ``settings.DEMO_MEAN_WEEKLY_HOURS`` each.
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
    >>> t = travel_per_visit(25, 284e6, weekly_hours=25 * 12.6)
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
        hours = n * settings.DEMO_MEAN_WEEKLY_HOURS
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
    paid_legs = 1.0 - 1.0 / p.visits_per_round
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


def patch_area(
    x: Sequence[float] | np.ndarray,
    y: Sequence[float] | np.ndarray,
    *,
    method: str = "mst",
    bhh_constant: float = settings.BHH_CONSTANT,
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

    Parameters
    ----------
    x, y : array-like
        Customer coordinates, BNG metres.
    method : {"mst", "hull"}
    bhh_constant : float
        ``k`` of the tour law, for ``method="mst"``.

    Returns
    -------
    float
        Area in m²; 0.0 when there is no extent (one distinct point; for ``hull`` also two
        points or collinear ones).
    """
    if method not in ("mst", "hull"):
        raise ValidationError(f"patch_area method must be 'mst' or 'hull', got {method!r}.")
    pts = np.column_stack([np.asarray(x, float), np.asarray(y, float)])
    pts = np.unique(pts[np.all(np.isfinite(pts), axis=1)], axis=0)
    n = len(pts)
    if method == "mst":
        if n < 2:
            return 0.0
        return float((mst_length(pts) / bhh_constant) ** 2 / n)
    if n < 3:
        return 0.0
    hull = shapely.convex_hull(shapely.multipoints(pts))
    if hull.geom_type != "Polygon" or hull.area <= 0:
        return 0.0
    vertices = len(hull.exterior.coords) - 1
    return float(hull.area * n / max(n - vertices, 1))


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
        edges = np.unique(np.sort(edges, axis=1), axis=0)
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
        patch -- 0.7 for a lead provider holding 70% of a lot.
    area_method : {"mst", "hull"}
        How a patch's area is estimated (see :func:`patch_area`).

    Returns
    -------
    pandas.DataFrame
        One row per group (``by`` columns as columns): ``customers``, ``hours``, ``area_km2``,
        ``area_source`` (``area_method``, or ``density`` for a group on one point,
        taken as dense as all ``lines``), ``minutes_per_mile`` and the columns of
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
        area = patch_area(g["easting"], g["northing"], method=area_method, bhh_constant=k)
        source = area_method
        if area <= 0:
            if not np.isfinite(density):
                raise ValidationError(
                    "All customers lie on one point, so no patch area can be estimated; pass "
                    "more customers or an area to travel_per_visit."
                )
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


# --- Scenarios -----------------------------------------------------------------------------

_LINE_COLUMNS = ("customer_id", "weekly_hours", "easting", "northing", "district", "rurality")


def current_scenario(
    customers: pd.DataFrame,
    packages: pd.DataFrame | None = None,
    *,
    travel: TravelParams | None = None,
    price: PriceParams | None = None,
    scenario: ScenarioParams | None = None,
    default_hourly_rate: float = settings.DEFAULT_HOURLY_RATE,
) -> pd.DataFrame:
    """Today's market: each provider's customers as they lie now, with their real cost.

    Each package line's weekly cost is the extract's; where missing, ``weekly_hours *
    hourly_rate``; where that is missing too, ``weekly_hours * default_hourly_rate``. Travel
    is modelled per provider patch (``scenario.current_by``, default provider within
    district); lines with no provider are grouped by district.

    Parameters
    ----------
    customers : pandas.DataFrame
        The customers contract (one row per customer).
    packages : pandas.DataFrame, optional
        Service lines (one row per package line, same columns); default ``customers``.
    travel, price, scenario : optional parameter sets
    default_hourly_rate : float
        £/h for lines with neither cost nor rate.

    Returns
    -------
    pandas.DataFrame
        One row per line: ``customer_id``, ``unit_id``, ``district``, ``provider``,
        ``rurality``, ``weekly_hours``, ``weekly_cost``, ``cost_source`` (``extract``,
        ``hours_x_rate`` or ``default_rate``), ``visits_week``, ``miles_per_visit``,
        ``minutes_per_visit``, ``model_price``. ``attrs`` holds ``extract_weekly_cost`` (sum
        of the costs given), ``imputed_weekly_cost`` and ``imputed_lines``.
    """
    scenario = scenario or ScenarioParams()
    lines = _lines(customers, packages)
    if not (math.isfinite(default_hourly_rate) and default_hourly_rate > 0):
        raise ValidationError(f"default_hourly_rate must be > 0, got {default_hourly_rate!r}.")
    reported = pd.to_numeric(lines.get("weekly_cost"), errors="coerce")
    rate = pd.to_numeric(lines.get("hourly_rate"), errors="coerce")
    cost = reported.copy()
    source = pd.Series("extract", index=lines.index, dtype=object)
    from_rate = cost.isna() & rate.notna()
    cost[from_rate] = lines.loc[from_rate, "weekly_hours"] * rate[from_rate]
    source[from_rate] = "hours_x_rate"
    default = cost.isna()
    cost[default] = lines.loc[default, "weekly_hours"] * default_hourly_rate
    source[default] = "default_rate"
    lines["weekly_cost"] = cost.astype(float)
    lines["cost_source"] = source

    missing = [c for c in scenario.current_by if c not in lines.columns]
    if missing:
        raise ValidationError(
            f"ScenarioParams.current_by names {missing}, not columns of the packages; "
            f"use columns among {sorted(lines.columns)}."
        )
    lines = _attach_travel(lines, list(scenario.current_by), travel, price, label="current")
    lines.attrs.update(
        extract_weekly_cost=float(reported.sum()),
        imputed_weekly_cost=float(cost[source != "extract"].sum()),
        imputed_lines=int((source != "extract").sum()),
    )
    if lines.attrs["imputed_lines"]:
        warnings.warn(
            f"{lines.attrs['imputed_lines']} package lines had no weekly cost; "
            f"£{lines.attrs['imputed_weekly_cost']:,.0f} a week was imputed from hours x rate.",
            stacklevel=2,
        )
    return lines


def _lines(customers: pd.DataFrame, packages: pd.DataFrame | None) -> pd.DataFrame:
    if not isinstance(customers, pd.DataFrame):
        raise ValidationError("customers must be a DataFrame (the customers contract).")
    lines = customers if packages is None else packages
    if not isinstance(lines, pd.DataFrame):
        raise ValidationError("packages must be a DataFrame of service lines, or None.")
    lines = lines.copy()
    if packages is not None and "customer_id" in lines.columns and "customer_id" in customers:
        # Service lines are read before units exist: take each line's unit (and any missing
        # place columns) from its customer.
        known = customers.drop_duplicates("customer_id").set_index("customer_id")
        for col in ("unit_id", "district", "rurality", "easting", "northing"):
            if col in known.columns:
                mapped = lines["customer_id"].map(known[col])
                lines[col] = (
                    lines[col].where(lines[col].notna(), mapped) if col in lines else mapped
                )
    _require(lines, [*_LINE_COLUMNS, "unit_id"])
    if lines.empty:
        raise ValidationError("No package lines to cost; the customers frame is empty.")
    if lines["unit_id"].isna().any():
        raise ValidationError(
            f"{int(lines['unit_id'].isna().sum())} package lines have no unit_id and no "
            "customer to take one from; pass the customers frame the lines belong to."
        )
    if "provider" not in lines.columns:
        lines["provider"] = None
    hours = pd.to_numeric(lines["weekly_hours"], errors="coerce")
    if hours.isna().any() or (hours < 0).any():
        raise ValidationError("weekly_hours must be numbers >= 0 on every line.")
    xy = lines[["easting", "northing"]].apply(pd.to_numeric, errors="coerce")
    if xy.isna().any().any():
        raise ValidationError(
            f"{int(xy.isna().any(axis=1).sum())} lines have no easting/northing; the costed "
            "customers must be geocoded (drop or fix them first)."
        )
    lines["weekly_hours"] = hours.astype(float)
    lines["customer_id"] = lines["customer_id"].astype(str)
    lines["unit_id"] = lines["unit_id"].astype(str)
    # A line with no provider cannot join anyone's patch; its district stands in for one.
    lines["_patch_provider"] = lines["provider"].where(
        lines["provider"].notna(), "(none) " + lines["district"].astype(str)
    )
    return lines.reset_index(drop=True)


def _attach_travel(
    lines: pd.DataFrame,
    by: list[str],
    travel: TravelParams | None,
    price: PriceParams | None,
    *,
    label: str,
) -> pd.DataFrame:
    by = ["_patch_provider" if c == "provider" else c for c in by]
    patches = patch_travel(lines, by=by, params=travel, price_params=price)
    cols = ["visits_week", "miles_per_visit", "minutes_per_visit", "price_per_hour"]
    merged = lines.merge(patches[[*by, *cols[1:]]], on=by, how="left", validate="many_to_one")
    merged["visits_week"] = (
        merged["weekly_hours"] * 60.0 / (travel or TravelParams()).mean_visit_minutes
    )
    merged = merged.rename(columns={"price_per_hour": "model_price"})
    merged.attrs["patches_" + label] = patches
    return merged


def proposed_scenario(
    customers: pd.DataFrame,
    assignment: pd.DataFrame,
    *,
    packages: pd.DataFrame | None = None,
    current: pd.DataFrame | None = None,
    travel: TravelParams | None = None,
    price: PriceParams | None = None,
    scenario: ScenarioParams | None = None,
) -> pd.DataFrame:
    """The lot plan against today, line by line.

    In a Tier 1 lot the lead provider holds ``lead_share`` of the lot's customers, spread
    over the whole lot, and the secondary the rest; a Tier 2 zone's main provider holds
    ``tier2_lead_share``. Each is priced from its own density; the lot's price per hour is
    their hours-weighted mean, times ``1 + rural_premium`` in the premium tiers. A line's
    proposed weekly cost is its current cost plus (proposed - current modelled price) x
    hours. Customers in Tier 3-4 or outside any lot stay spot-purchased from their current
    providers, whose patches are re-modelled without the customers the lots took.

    Parameters
    ----------
    customers : pandas.DataFrame
        The customers contract.
    assignment : pandas.DataFrame
        The lot plan: ``unit_id``, ``lot_id`` (None outside lots), ``tier`` (1-4).
    packages : pandas.DataFrame, optional
        Service lines; default ``customers``.
    current : pandas.DataFrame, optional
        A :func:`current_scenario` result to reuse (else computed with the same parameters).
    travel, price, scenario : optional parameter sets

    Returns
    -------
    pandas.DataFrame
        The current scenario's columns renamed with a ``_current`` suffix where they differ
        between scenarios (``weekly_cost``, ``model_price``, ``miles_per_visit``,
        ``minutes_per_visit``), the same with ``_proposed``, and ``lot_id``, ``tier``,
        ``arrangement`` (``lot`` or ``spot``). ``attrs`` carries the current attrs and
        ``lots`` (the per-lot travel table).
    """
    scenario = scenario or ScenarioParams()
    plan = _check_assignment(assignment)
    if current is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            current = current_scenario(
                customers, packages, travel=travel, price=price, scenario=scenario
            )
    else:
        _require(current, ["weekly_cost", "model_price", "miles_per_visit", "unit_id"])
    moved = ["weekly_cost", "model_price", "miles_per_visit", "minutes_per_visit"]
    lines = current.rename(columns={c: c + "_current" for c in moved}).drop(
        columns=["lot_id", "tier"], errors="ignore"
    )
    lines = lines.merge(plan, on="unit_id", how="left")
    unplanned = lines["tier"].isna()
    if unplanned.any():
        warnings.warn(
            f"{lines.loc[unplanned, 'unit_id'].nunique()} units with customers are not in the "
            "assignment; their customers stay spot-purchased (tier 3).",
            stacklevel=2,
        )
        lines.loc[unplanned, "tier"] = 3
        lines.loc[unplanned, "lot_id"] = None
    lines["tier"] = lines["tier"].astype(int)
    in_lot = lines["lot_id"].notna() & lines["tier"].isin([1, 2])
    lines["arrangement"] = np.where(in_lot, "lot", "spot")

    for col in moved:
        lines[col + "_proposed"] = lines[col + "_current"]
    if in_lot.any():
        lot_lines = lines[in_lot]
        lots = _lot_prices(lot_lines, travel, price, scenario)
        idx = lines.index[in_lot]
        joined = lot_lines[["lot_id"]].merge(lots, on="lot_id", how="left").set_index(idx)
        for col in ("model_price", "miles_per_visit", "minutes_per_visit"):
            lines.loc[idx, col + "_proposed"] = joined[col]
        lines.attrs["lots"] = lots
    spot = ~in_lot
    if spot.any() and in_lot.any():
        respot = _attach_travel(
            lines.loc[spot].drop(
                columns=[c for c in lines.columns if c.endswith("_proposed")] + ["visits_week"]
            ),
            list(scenario.current_by),
            travel,
            price,
            label="proposed",
        )
        idx = lines.index[spot]
        lines.loc[idx, "model_price_proposed"] = respot["model_price"].to_numpy()
        lines.loc[idx, "miles_per_visit_proposed"] = respot["miles_per_visit"].to_numpy()
        lines.loc[idx, "minutes_per_visit_proposed"] = respot["minutes_per_visit"].to_numpy()
    lines["weekly_cost_proposed"] = (
        lines["weekly_cost_current"]
        + (lines["model_price_proposed"] - lines["model_price_current"]) * lines["weekly_hours"]
    )
    lines.attrs.update({k: v for k, v in current.attrs.items() if not k.startswith("patches")})
    lines.attrs["scenario"] = dataclasses.asdict(scenario)
    return lines


def _check_assignment(assignment: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(assignment, pd.DataFrame):
        raise ValidationError("assignment must be a DataFrame with unit_id, lot_id, tier.")
    _require(assignment, ["unit_id", "lot_id", "tier"])
    plan = assignment[["unit_id", "lot_id", "tier"]].copy()
    plan["unit_id"] = plan["unit_id"].astype(str)
    if plan["unit_id"].duplicated().any():
        dup = plan.loc[plan["unit_id"].duplicated(), "unit_id"].head(5).tolist()
        raise ValidationError(f"assignment lists units more than once (e.g. {dup}); one row each.")
    tier = pd.to_numeric(plan["tier"], errors="coerce")
    if tier.isna().any() or not tier.isin([1, 2, 3, 4]).all():
        raise ValidationError("assignment.tier must be 1, 2, 3 or 4 on every row.")
    plan["tier"] = tier.astype(int)
    plan["lot_id"] = plan["lot_id"].where(plan["lot_id"].notna(), None)
    plan.loc[plan["lot_id"].notna(), "lot_id"] = plan["lot_id"].dropna().astype(str)
    mixed = plan.dropna(subset=["lot_id"]).groupby("lot_id")["tier"].nunique()
    if (mixed > 1).any():
        raise ValidationError(
            f"Lots {mixed[mixed > 1].index[:5].tolist()} have units of different tiers; give "
            "each lot one tier."
        )
    return plan


def _lot_prices(
    lot_lines: pd.DataFrame,
    travel: TravelParams | None,
    price: PriceParams | None,
    scenario: ScenarioParams,
) -> pd.DataFrame:
    tiers = lot_lines.groupby("lot_id")["tier"].first()
    parts = []
    for tier, share in ((1, scenario.lead_share), (2, scenario.tier2_lead_share)):
        group = lot_lines[lot_lines["tier"] == tier]
        if group.empty:
            continue
        roles = [(share, "lead")] + ([(1.0 - share, "secondary")] if share < 1 else [])
        priced = []
        for role_share, _role in roles:
            t = patch_travel(
                group, by="lot_id", params=travel, price_params=price, customer_share=role_share
            )
            t["_w"] = t["hours"] * role_share
            priced.append(t)
        both = pd.concat(priced)
        cols = ["price_per_hour", "miles_per_visit", "minutes_per_visit"]
        weighted = both[cols].mul(both["_w"], axis=0).assign(lot_id=both["lot_id"], _w=both["_w"])
        agg = weighted.groupby("lot_id").sum()
        out = agg[cols].div(agg["_w"], axis=0)
        first = priced[0].set_index("lot_id")
        out["customers"] = first["customers"]
        out["hours"] = first["hours"]
        out["area_km2"] = first["area_km2"]
        parts.append(out)
    lots = pd.concat(parts).reset_index()
    lots["tier"] = lots["lot_id"].map(tiers).astype(int)
    premium = np.where(lots["tier"].isin(scenario.rural_premium_tiers), scenario.rural_premium, 0.0)
    lots["model_price_before_premium"] = lots["price_per_hour"]
    lots["model_price"] = lots["price_per_hour"] * (1.0 + premium)
    return lots.drop(columns="price_per_hour")


# --- Summaries -----------------------------------------------------------------------------


def compare(
    scenario: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = "lot_id",
    weeks_per_year: float = settings.WEEKS_PER_YEAR,
    hours_per_worker: float = settings.HOURS_PER_CARE_WORKER,
) -> pd.DataFrame:
    """Current against proposed, per group (lot, tier, district) or for the whole county.

    Parameters
    ----------
    scenario : pandas.DataFrame
        A :func:`proposed_scenario` result.
    by : str, sequence of str or None
        Grouping columns; ``None`` for one county row. Lines outside lots have ``lot_id``
        shown as ``"(spot)"``.
    weeks_per_year, hours_per_worker : float

    Returns
    -------
    pandas.DataFrame
        One row per group: ``customers``, ``hours``, ``visits_week``, ``miles_per_visit_*``,
        ``minutes_per_visit_*``, ``price_per_hour_*`` (spend / hours), ``cost_per_customer_week_*``,
        ``weekly_spend_*``, ``annual_spend_*``, ``miles_week_*`` for ``*`` in current and
        proposed; ``change_weekly``, ``change_annual``, ``change_pct``, ``care_workers``.
        Weekly spends, hours and care workers of the groups sum to the county's.
    """
    _require(
        scenario,
        [
            "customer_id",
            "weekly_hours",
            "visits_week",
            "weekly_cost_current",
            "weekly_cost_proposed",
        ],
    )
    frame = scenario.copy()
    if "lot_id" in frame.columns:
        frame["lot_id"] = frame["lot_id"].where(frame["lot_id"].notna(), "(spot)")
    keys = [] if by is None else ([by] if isinstance(by, str) else list(by))
    _require(frame, keys)
    if not keys:
        frame["_all"] = "county"
        keys = ["_all"]
    for s in ("current", "proposed"):
        frame[f"_miles_{s}"] = frame[f"miles_per_visit_{s}"] * frame["visits_week"]
        frame[f"_mins_{s}"] = frame[f"minutes_per_visit_{s}"] * frame["visits_week"]
    agg = frame.groupby(keys, dropna=False).agg(
        customers=("customer_id", "nunique"),
        hours=("weekly_hours", "sum"),
        visits_week=("visits_week", "sum"),
        weekly_spend_current=("weekly_cost_current", "sum"),
        weekly_spend_proposed=("weekly_cost_proposed", "sum"),
        miles_week_current=("_miles_current", "sum"),
        miles_week_proposed=("_miles_proposed", "sum"),
        _mins_current=("_mins_current", "sum"),
        _mins_proposed=("_mins_proposed", "sum"),
    )
    for s in ("current", "proposed"):
        agg[f"miles_per_visit_{s}"] = agg[f"miles_week_{s}"] / agg["visits_week"]
        agg[f"minutes_per_visit_{s}"] = agg.pop(f"_mins_{s}") / agg["visits_week"]
        agg[f"price_per_hour_{s}"] = agg[f"weekly_spend_{s}"] / agg["hours"]
        agg[f"cost_per_customer_week_{s}"] = agg[f"weekly_spend_{s}"] / agg["customers"]
        agg[f"annual_spend_{s}"] = agg[f"weekly_spend_{s}"] * weeks_per_year
    agg["change_weekly"] = agg["weekly_spend_proposed"] - agg["weekly_spend_current"]
    agg["change_annual"] = agg["change_weekly"] * weeks_per_year
    agg["change_pct"] = 100.0 * agg["change_weekly"] / agg["weekly_spend_current"]
    agg["care_workers"] = agg["hours"] / hours_per_worker
    out = agg.reset_index()
    return out.drop(columns="_all") if "_all" in out.columns else out


def cost_summary(scenario: pd.DataFrame, **kwargs: Any) -> pd.DataFrame:
    """:func:`compare` at every level stacked: county, tier, lot and district.

    This is ``cost_summary.csv``: columns ``level`` (county, tier, lot, district) and
    ``area`` (the tier, lot or district; ``"county"``) then :func:`compare`'s columns.
    """
    parts = []
    for level, key in (
        ("county", None),
        ("tier", "tier"),
        ("lot", "lot_id"),
        ("district", "district"),
    ):
        table = compare(scenario, by=key, **kwargs)
        area = table.pop(key).astype(str) if key else pd.Series("county", index=table.index)
        table.insert(0, "area", area)
        table.insert(0, "level", level)
        parts.append(table)
    return pd.concat(parts, ignore_index=True)


def project(
    scenario: pd.DataFrame,
    *,
    years: int = settings.PROJECTION_YEARS,
    rate_uplift: float = settings.RATE_UPLIFT,
    demand_growth: float = settings.DEMAND_GROWTH,
    weeks_per_year: float = settings.WEEKS_PER_YEAR,
) -> pd.DataFrame:
    """Project spend over ``years`` with a yearly rate uplift and demand growth.

    Rates rise by ``rate_uplift`` a year and customers and hours by ``demand_growth``, so
    spend grows by both. Travel per visit is held at today's: growth makes patches denser
    and travel shorter, so the projection errs on the high side.

    Returns
    -------
    pandas.DataFrame
        One row per year ``0..years``: ``customers``, ``hours``, ``annual_spend_current``,
        ``annual_spend_proposed``, ``change_annual``, ``cumulative_change``.
    """
    if not (isinstance(years, int) and years >= 0):
        raise ValidationError(f"years must be a whole number >= 0, got {years!r}.")
    if rate_uplift <= -1 or demand_growth <= -1:
        raise ValidationError("rate_uplift and demand_growth must be > -1 (shares, 0.03 = 3%).")
    base = compare(scenario, by=None, weeks_per_year=weeks_per_year).iloc[0]
    year = np.arange(years + 1)
    volume = (1.0 + demand_growth) ** year
    rate = (1.0 + rate_uplift) ** year
    out = pd.DataFrame(
        {
            "year": year,
            "customers": base["customers"] * volume,
            "hours": base["hours"] * volume,
            "annual_spend_current": base["annual_spend_current"] * volume * rate,
            "annual_spend_proposed": base["annual_spend_proposed"] * volume * rate,
        }
    )
    out["change_annual"] = out["annual_spend_proposed"] - out["annual_spend_current"]
    out["cumulative_change"] = out["change_annual"].cumsum()
    return out


#: Parameters :func:`tornado` moves, as (parameter set, field). ``speed`` scales every speed.
TORNADO_PARAMETERS: dict[str, tuple[str, str]] = {
    "lead_share": ("scenario", "lead_share"),
    "rural_premium": ("scenario", "rural_premium"),
    "wage": ("price", "wage"),
    "business_share": ("price", "business_share"),
    "mileage_rate": ("price", "mileage_rate"),
    "circuity": ("travel", "circuity"),
    "scheduling_factor": ("travel", "scheduling_factor"),
    "visits_per_round": ("travel", "visits_per_round"),
    "speed": ("travel", "speed_mph"),
}


def tornado(
    customers: pd.DataFrame,
    assignment: pd.DataFrame,
    *,
    packages: pd.DataFrame | None = None,
    parameters: Iterable[str] | None = None,
    swing: float = settings.TORNADO_SWING,
    travel: TravelParams | None = None,
    price: PriceParams | None = None,
    scenario: ScenarioParams | None = None,
    weeks_per_year: float = settings.WEEKS_PER_YEAR,
) -> pd.DataFrame:
    """One-at-a-time sensitivity of the plan's annual change in spend.

    Each parameter is moved to ``(1 - swing)`` and ``(1 + swing)`` times its base value
    (shares capped at 1) with the others held, and the whole comparison re-run.

    Parameters
    ----------
    parameters : iterable of str, optional
        Names from :data:`TORNADO_PARAMETERS` (default all).
    swing : float
        Relative move, 0.2 = +-20%.

    Returns
    -------
    pandas.DataFrame
        One row per parameter, widest first: ``parameter``, ``base_value``, ``low_value``,
        ``high_value``, ``change_at_low``, ``change_at_high`` (annual £, proposed - current),
        ``base_change``, ``range``.
    """
    if not 0 < swing < 1:
        raise ValidationError(f"swing must be in (0, 1), got {swing!r}.")
    names = list(parameters) if parameters is not None else list(TORNADO_PARAMETERS)
    unknown = [n for n in names if n not in TORNADO_PARAMETERS]
    if unknown:
        raise ValidationError(
            f"Unknown tornado parameters {unknown}; choose from {list(TORNADO_PARAMETERS)}."
        )
    base_sets = {
        "travel": travel or TravelParams(),
        "price": price or PriceParams(),
        "scenario": scenario or ScenarioParams(),
    }

    def run(sets: dict[str, Any]) -> float:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s = proposed_scenario(
                customers,
                assignment,
                packages=packages,
                travel=sets["travel"],
                price=sets["price"],
                scenario=sets["scenario"],
            )
        return float(compare(s, by=None, weeks_per_year=weeks_per_year)["change_annual"].iloc[0])

    base_change = run(base_sets)
    rows = []
    for name in names:
        which, attr = TORNADO_PARAMETERS[name]
        value = getattr(base_sets[which], attr)
        results, shown = [], []
        for factor in (1.0 - swing, 1.0 + swing):
            if name == "speed":
                new: Any = {k: v * factor for k, v in value.items()}
                shown.append(factor)
            else:
                new = value * factor
                if name == "lead_share":
                    new = min(new, 1.0)
                if name == "visits_per_round":
                    new = max(new, 1.0)
                shown.append(new)
            sets = dict(base_sets)
            sets[which] = dataclasses.replace(base_sets[which], **{attr: new})
            results.append(run(sets))
        base_shown = 1.0 if name == "speed" else value
        rows.append((name, base_shown, shown[0], shown[1], results[0], results[1], base_change))
    out = pd.DataFrame(
        rows,
        columns=[
            "parameter",
            "base_value",
            "low_value",
            "high_value",
            "change_at_low",
            "change_at_high",
            "base_change",
        ],
    )
    out["range"] = (out["change_at_high"] - out["change_at_low"]).abs()
    return out.sort_values("range", ascending=False, ignore_index=True)


def payment_models(
    scenario: pd.DataFrame,
    *,
    params: PaymentParams | None = None,
    weeks_per_year: float = settings.WEEKS_PER_YEAR,
) -> pd.DataFrame:
    """Annual cost of the proposed plan under three ways of paying for lot care.

    * **hourly** (time and task): delivered hours at the proposed price.
    * **block**: each lot's hours bought as a guaranteed block at ``block_discount`` off,
      sized so that expected demand fills ``block_utilisation`` of it; the council pays for
      the unused hours.
    * **outcome**: ``outcome_upfront_share`` of the plan's value paid up front, the rest
      when outcomes are met (expected ``outcome_achievement_rate``), plus a bonus of
      ``outcome_bonus_rate`` of value for the ``outcome_bonus_share`` of customers who need
      no further support (Wiltshire, Essex; seed 004).

    Spot-purchased lines (Tier 3-4) are paid hourly in every model.

    Returns
    -------
    pandas.DataFrame
        One row per model: ``model``, ``annual_cost``, ``change_vs_hourly``,
        ``cost_per_delivered_hour``, ``council_pays_for_unused``, ``provider_income_at_risk``
        (share of lot income that depends on volume or outcomes).
    """
    params = params or PaymentParams()
    _require(scenario, ["weekly_hours", "weekly_cost_proposed", "arrangement"])
    lot = scenario["arrangement"] == "lot"
    lot_value = float(scenario.loc[lot, "weekly_cost_proposed"].sum()) * weeks_per_year
    spot_value = float(scenario.loc[~lot, "weekly_cost_proposed"].sum()) * weeks_per_year
    hours = float(scenario["weekly_hours"].sum()) * weeks_per_year

    block_lot = lot_value * (1.0 - params.block_discount) / params.block_utilisation
    unused = block_lot * (1.0 - params.block_utilisation)
    outcome_lot = lot_value * (
        params.outcome_upfront_share
        + (1.0 - params.outcome_upfront_share) * params.outcome_achievement_rate
        + params.outcome_bonus_rate * params.outcome_bonus_share
    )
    rows = [
        ("hourly", lot_value + spot_value, 0.0, 1.0),
        ("block", block_lot + spot_value, unused, 0.0),
        ("outcome", outcome_lot + spot_value, 0.0, 1.0 - params.outcome_upfront_share),
    ]
    out = pd.DataFrame(
        rows, columns=["model", "annual_cost", "council_pays_for_unused", "provider_income_at_risk"]
    )
    hourly = out.loc[0, "annual_cost"]
    out.insert(2, "change_vs_hourly", out["annual_cost"] - hourly)
    out.insert(3, "cost_per_delivered_hour", out["annual_cost"] / hours if hours else np.nan)
    return out


def _require(frame: pd.DataFrame, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValidationError(
            f"Missing columns {missing}; the frame has {sorted(map(str, frame.columns))}. "
            "Build it to the customers / assignment contract (see lotdesign.cost)."
        )
