"""Price build-up: the price of a contact hour, line by line, as HCA's minimum price is built.

:func:`price_per_hour` builds a contact hour's price from care-worker pay, paid travel time,
on-costs, mileage, running the business and surplus (the Homecare Association's line items,
:data:`PRICE_LINES`); :func:`price_by_visit_length` prices each visit length of a mix, and
:func:`hca_reference` sets the model's price beside HCA's published minimum prices.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from lotdesign import settings
from lotdesign.cost.params import PriceParams, TravelParams
from lotdesign.errors import ValidationError

__all__ = [
    "PRICE_LINES",
    "build_up_coefficients",
    "hca_reference",
    "price_by_visit_length",
    "price_per_hour",
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
    >>> p = price_per_hour(travel_share=0.195, miles_per_contact_hour=3.02,
    ...                    params=PriceParams(year="2020-21"))
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


def build_up_coefficients(params: PriceParams | None = None) -> tuple[float, float, float]:
    """The build-up as a line: price = a + b * travel_share + c * miles_per_contact_hour.

    Every line of the build-up is linear in paid travel and miles, so the whole price is;
    the cost model's ranges move travel thousands of times without re-running the build-up.

    >>> a, b, c = build_up_coefficients(PriceParams(year="2020-21"))
    >>> round(a + b * 0.195 + c * 3.02, 2)
    20.69
    """
    params = params or PriceParams()
    zero, one = np.zeros(1), np.ones(1)
    a = float(_build_up(zero, zero, params)["total"][0])
    b = float(_build_up(one, zero, params)["total"][0]) - a
    c = float(_build_up(zero, one, params)["total"][0]) - a
    return a, b, c


def hca_reference(
    *,
    travel_share: float | None = None,
    miles_per_contact_hour: float | None = None,
) -> pd.DataFrame:
    """Each price year's build-up next to the Homecare Association's published price.

    Every year of ``settings.NLW_BY_YEAR`` is built with its own wage, employer NI and
    running-the-business share (:class:`PriceParams` with ``year``) at HCA's reference travel.
    A published year reproduces HCA's total; a year HCA has not published (or the settings do
    not hold yet) shows the built floor, and ``basis`` says which.

    Parameters
    ----------
    travel_share : float, optional
        Paid travel minutes per contact minute (default ``settings.HCA_TRAVEL_SHARE``).
    miles_per_contact_hour : float, optional
        Miles per contact hour (default ``settings.HCA_MILES_PER_CONTACT_HOUR``).

    Returns
    -------
    pandas.DataFrame
        One row per year: ``year``, ``wage``, ``employer_ni_rate``, ``business_share``,
        ``hca_price`` (NaN if not published), ``model_price``, ``difference``, ``basis``.
    """
    from lotdesign.cost.years import price_year

    if travel_share is None:
        travel_share = settings.HCA_TRAVEL_SHARE
    if miles_per_contact_hour is None:
        miles_per_contact_hour = settings.HCA_MILES_PER_CONTACT_HOUR
    rows = []
    for year in sorted(settings.NLW_BY_YEAR):
        py = price_year(year)
        params = PriceParams(year=year)
        total = float(
            price_per_hour(
                travel_share=travel_share,
                miles_per_contact_hour=miles_per_contact_hour,
                params=params,
            )["total"]
        )
        published = settings.HCA_MINIMUM_PRICE.get(year, np.nan)
        rows.append(
            (
                year,
                params.wage,
                params.employer_ni_rate,
                params.business_share,
                published,
                total,
                total - published,
                py.basis,
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "year",
            "wage",
            "employer_ni_rate",
            "business_share",
            "hca_price",
            "model_price",
            "difference",
            "basis",
        ],
    )
