"""Price years: which wage, employer NI, overheads and cost-of-care floor belong to a year.

Prices belong to a year. A price year runs April to March (``"2026-27"``); the analysis date
picks it (:func:`financial_year`). :func:`price_year` gathers that year's build-up inputs from
the year tables in :mod:`lotdesign.settings` (``NLW_BY_YEAR``, ``EMPLOYER_NI_BY_YEAR``,
``BUSINESS_SHARE_BY_YEAR``, ``HCA_MINIMUM_PRICE``), each with where it came from:

* a year with a published Homecare Association (HCA) minimum price takes it as its floor, and
  its running-the-business share is the one that closes that price;
* a year after the newest published price is built from the newest year's ratios with its
  own statutory wage and NI where they are published, and its wage uprated by
  ``settings.PRICE_UPRATING`` a year where they are not -- and :attr:`PriceYear.basis` says so.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from lotdesign import settings
from lotdesign.errors import ValidationError

__all__ = ["PriceYear", "financial_year", "price_year"]

_YEAR = re.compile(r"^(\d{4})-(\d{2})$")


def financial_year(date: dt.date | str) -> str:
    """The financial year (April to March) a date falls in, as ``"2026-27"``.

    >>> financial_year(dt.date(2026, 11, 1)), financial_year("2026-03-31")
    ('2026-27', '2025-26')
    """
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError:
            raise ValidationError(f"{date!r} is not a date (YYYY-MM-DD).") from None
    if isinstance(date, dt.datetime):
        date = date.date()
    start = date.year if date.month >= 4 else date.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def _start(year: str) -> int:
    match = _YEAR.match(str(year))
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        raise ValidationError(
            f"A price year is written like '2026-27' (April 2026 to March 2027), got {year!r}."
        )
    return int(match[1])


def _label(start: int) -> str:
    return f"{start}-{(start + 1) % 100:02d}"


@dataclass(frozen=True)
class PriceYear:
    """The build-up inputs of one price year and where each came from.

    Attributes
    ----------
    year
        ``"2026-27"``.
    wage
        Care worker's hourly pay (£): the year's National Living Wage, or uprated.
    employer_ni_rate
        Effective employer NI on a care worker's pay (statutory rate above the threshold).
    business_share
        Running the business as a share of cost before surplus.
    floor
        The year's cost-of-care floor (£ per contact hour): HCA's published minimum price, or
        the build-up at HCA's reference travel when none is published.
    published
        Whether ``floor`` is HCA's published figure.
    ratios_from
        The year whose running-the-business share is used.
    uprated_years
        Years the wage was uprated beyond the newest published NLW (0 if published).
    basis
        One sentence a reader can check: what is published and what is built or uprated.
    """

    year: str
    wage: float
    employer_ni_rate: float
    business_share: float
    floor: float
    published: bool
    ratios_from: str
    uprated_years: int
    basis: str


def _newest_at_or_before(table: dict, start: int, what: str) -> str:
    years = sorted((k for k in table if _start(k) <= start), key=_start)
    if not years:
        raise ValidationError(
            f"settings.{what} has no year at or before {_label(start)} (it has "
            f"{sorted(table)}); choose a later price year or add the year to the table."
        )
    return years[-1]


def _effective_ni(year: str, wage: float) -> float:
    """Employer NI as a share of a care worker's pay in ``year`` (rate above the threshold)."""
    table = settings.EMPLOYER_NI_BY_YEAR
    ni = table[_newest_at_or_before(table, _start(year), "EMPLOYER_NI_BY_YEAR")]
    other = settings.HOLIDAY_PAY_RATE + settings.SICK_PAY_RATE + settings.TRAINING_RATE
    weekly = (
        settings.NI_CONTACT_HOURS_WEEK * wage * (1.0 + settings.HCA_TRAVEL_SHARE) * (1.0 + other)
    )
    return ni["rate"] * max(0.0, weekly - ni["threshold_week"]) / weekly


def price_year(year: str | dt.date | None = None) -> PriceYear:
    """The build-up inputs and floor of a price year.

    Parameters
    ----------
    year
        ``"2026-27"``, a date (its financial year), or None for the newest year with a
        published HCA minimum price.

    Returns
    -------
    PriceYear

    Raises
    ------
    lotdesign.ValidationError
        A malformed year, or one before the year tables begin or missing between published
        years (add it to ``settings.NLW_BY_YEAR``).

    Examples
    --------
    >>> price_year("2025-26").floor, price_year("2025-26").published
    (32.14, True)
    >>> price_year("2027-28").uprated_years
    1
    """
    hca = settings.HCA_MINIMUM_PRICE
    nlw = settings.NLW_BY_YEAR
    if year is None:
        year = max(hca, key=_start)
    elif isinstance(year, dt.date):
        year = financial_year(year)
    start = _start(year)
    newest_nlw = max(nlw, key=_start)
    if year in nlw:
        wage, uprated = float(nlw[year]), 0
    elif start > _start(newest_nlw):
        uprated = start - _start(newest_nlw)
        wage = float(nlw[newest_nlw]) * (1.0 + settings.PRICE_UPRATING) ** uprated
    else:
        raise ValidationError(
            f"No National Living Wage for {year} in settings.NLW_BY_YEAR (it has "
            f"{', '.join(sorted(nlw, key=_start))}); add it, or set cost.price.year."
        )
    shares = settings.BUSINESS_SHARE_BY_YEAR
    ratios_from = _newest_at_or_before(shares, start, "BUSINESS_SHARE_BY_YEAR")
    ni = _effective_ni(year, wage)
    published = year in hca
    if uprated:
        wage_text = (
            f"the April {_start(newest_nlw)} National Living Wage (£{nlw[newest_nlw]:.2f}) "
            f"uprated {settings.PRICE_UPRATING:.1%} a year for {uprated} "
            f"year{'s' if uprated > 1 else ''} (£{wage:.2f}; no published wage yet)"
        )
    else:
        wage_text = f"the April {start} National Living Wage (£{wage:.2f})"
    if published:
        basis = (
            f"{year}: the Homecare Association's published minimum price (£{hca[year]:.2f}) "
            f"is the floor; the build-up uses {wage_text}."
        )
        floor = float(hca[year])
    else:
        floor = _built_floor(wage, ni, shares[ratios_from])
        basis = (
            f"{year}: no published Homecare Association minimum price in the settings, so the "
            f"floor (£{floor:.2f}) is built from {ratios_from}'s ratios with {wage_text}."
        )
    return PriceYear(
        year=year,
        wage=wage,
        employer_ni_rate=ni,
        business_share=float(shares[ratios_from]),
        floor=floor,
        published=published,
        ratios_from=ratios_from,
        uprated_years=uprated,
        basis=basis,
    )


def _built_floor(wage: float, ni: float, business_share: float) -> float:
    """The build-up at HCA's reference travel (what the floor would be if HCA published it)."""
    from lotdesign.cost.params import PriceParams
    from lotdesign.cost.price import price_per_hour

    params = PriceParams(wage=wage, employer_ni_rate=ni, business_share=business_share)
    built = price_per_hour(
        travel_share=settings.HCA_TRAVEL_SHARE,
        miles_per_contact_hour=settings.HCA_MILES_PER_CONTACT_HOUR,
        params=params,
    )
    return float(built["total"])
