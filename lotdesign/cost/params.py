"""Parameter sets of the cost model, and the input checks its layers share.

Four frozen dataclasses hold the model's inputs: :class:`PriceParams` (the price build-up),
:class:`TravelParams` (the travel model), :class:`ScenarioParams` (how a lot plan is staffed
and paid) and :class:`PaymentParams` (the payment-model comparison). Their defaults are read
from :mod:`lotdesign.settings` each time one is built, so a changed setting takes effect
without re-importing. Each can also be built from a plain mapping (a config section) with
:meth:`~PriceParams.from_mapping`, which refuses unknown keys.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Self

import pandas as pd

from lotdesign import settings
from lotdesign.errors import ValidationError

__all__ = ["PaymentParams", "PriceParams", "ScenarioParams", "TravelParams"]


class _FromMapping:
    """Mixin giving a frozen parameter dataclass a strict :meth:`from_mapping`."""

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], *, where: str = "cost") -> Self:
        """Build the parameter set from a plain mapping, refusing unknown keys.

        Keys left out take their defaults (read from :mod:`lotdesign.settings` now). A list
        given for a tuple field becomes a tuple, and a mapping given for a mapping field is
        copied to a dict.

        Parameters
        ----------
        values : mapping of str to object
            Field names to values, e.g. a section of a run config.
        where : str
            Where the values came from (e.g. ``"cost.price"``), named in error messages.

        Returns
        -------
        Self
            The parameter set, checked as the constructor checks it.

        Raises
        ------
        lotdesign.errors.ValidationError
            If ``values`` is not a mapping, names a key that is not a field (the message names
            the closest field), or gives a value the constructor refuses.

        Examples
        --------
        >>> PriceParams.from_mapping({"wage": 12.21}).wage
        12.21
        >>> PriceParams.from_mapping({"wgae": 12.21}, where="cost.price")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        lotdesign.errors.ValidationError: cost.price: unknown key 'wgae' (did you mean 'wage'?). ...
        """
        if not isinstance(values, Mapping):
            raise ValidationError(
                f"{where}: expected a mapping of {cls.__name__} fields, got "
                f"{type(values).__name__}."
            )
        fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
        unknown = [str(k) for k in values if k not in fields]
        if unknown:
            hints = []
            for key in unknown:
                close = difflib.get_close_matches(key, list(fields), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                hints.append(f"unknown key {key!r}{hint}")
            raise ValidationError(
                f"{where}: {'; '.join(hints)}. {cls.__name__} takes {sorted(fields)}."
            )
        kwargs = {name: _coerce(value, fields[name]) for name, value in values.items()}
        try:
            return cls(**kwargs)
        except (TypeError, ValueError) as exc:
            raise ValidationError(f"{where}: {exc}") from exc


def _coerce(value: Any, f: dataclasses.Field[Any]) -> Any:
    """A config value in the shape its field's default has (list -> tuple, mapping -> dict)."""
    if f.default is not dataclasses.MISSING:
        default = f.default
    elif f.default_factory is not dataclasses.MISSING:
        default = f.default_factory()
    else:
        return value
    if isinstance(default, tuple) and isinstance(value, list):
        return tuple(value)
    if isinstance(default, Mapping) and isinstance(value, Mapping):
        return dict(value)
    return value


@dataclass(frozen=True)
class PriceParams(_FromMapping):
    """Inputs of the price build-up, for a price year; defaults from :mod:`lotdesign.settings`.

    Prices belong to a year: ``year`` (``"2026-27"``, April to March) picks the wage, the
    effective employer NI and the running-the-business share from the year tables (see
    :func:`~lotdesign.cost.price_year`). Any of them given here overrides the year's value.

    Attributes
    ----------
    wage : float
        Care worker's hourly pay (£), for contact and travel time alike; the year's National
        Living Wage (uprated, and said so, after the newest published one).
    holiday_rate, sick_pay_rate, training_rate : float
        Other on-costs, each a share of gross pay (pay + paid travel time).
    employer_ni_rate, pension_rate : float
        Employer NI (effective, the year's statutory rate above its threshold) and pension,
        shares of all pay including the other on-costs.
    mileage_rate : float
        £ a mile paid to care workers.
    business_share : float
        Running the business (office, management, registration, insurance, IT) as a share of
        total cost before surplus; the year's share closes its published HCA price.
    surplus_rate : float
        Surplus as a share of total cost.
    year : str
        The price year these rates belong to; default the newest year with a published HCA
        minimum price (the pipeline uses the analysis date's year).
    """

    #: £/h; the year's ``settings.NLW_BY_YEAR`` (GOV.UK), uprated by PRICE_UPRATING after it.
    wage: float | None = None
    #: Share of gross pay; ``settings.HOLIDAY_PAY_RATE`` (5.6 weeks / 46.4 weeks worked).
    holiday_rate: float = field(default_factory=lambda: settings.HOLIDAY_PAY_RATE)
    #: Share of gross pay; ``settings.SICK_PAY_RATE`` (UKHCA 2020-21).
    sick_pay_rate: float = field(default_factory=lambda: settings.SICK_PAY_RATE)
    #: Share of gross pay; ``settings.TRAINING_RATE`` (closes HCA 2020-21 other on-costs).
    training_rate: float = field(default_factory=lambda: settings.TRAINING_RATE)
    #: Share of all pay; the year's ``settings.EMPLOYER_NI_BY_YEAR`` on a care worker's pay.
    employer_ni_rate: float | None = None
    #: Share of all pay; ``settings.EMPLOYER_PENSION_RATE`` (auto-enrolment minimum).
    pension_rate: float = field(default_factory=lambda: settings.EMPLOYER_PENSION_RATE)
    #: £/mile; ``settings.MILEAGE_RATE`` (HMRC approved mileage allowance).
    mileage_rate: float = field(default_factory=lambda: settings.MILEAGE_RATE)
    #: Share of cost before surplus, < 1; the year's ``settings.BUSINESS_SHARE_BY_YEAR``.
    business_share: float | None = None
    #: Share of total cost; ``settings.SURPLUS_RATE`` (HCA 2020-21).
    surplus_rate: float = field(default_factory=lambda: settings.SURPLUS_RATE)
    #: "YYYY-YY"; default the newest year of ``settings.HCA_MINIMUM_PRICE``.
    year: str | None = None

    def __post_init__(self) -> None:
        from lotdesign.cost.years import price_year

        if self.year is not None and not isinstance(self.year, str):
            raise ValidationError(f"PriceParams.year is written like '2026-27', got {self.year!r}.")
        if None in (self.wage, self.employer_ni_rate, self.business_share) or self.year is None:
            py = price_year(self.year)
            object.__setattr__(self, "year", py.year)
            for name in ("wage", "employer_ni_rate", "business_share"):
                if getattr(self, name) is None:
                    object.__setattr__(self, name, getattr(py, name))
        for f in dataclasses.fields(self):
            if f.name == "year":
                continue
            value = getattr(self, f.name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise ValidationError(f"PriceParams.{f.name} must be a number >= 0, got {value!r}.")
        if self.business_share >= 1:
            raise ValidationError(
                f"PriceParams.business_share is a share of cost and must be < 1, got "
                f"{self.business_share}."
            )


@dataclass(frozen=True)
class TravelParams(_FromMapping):
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
        Rounds against shortest tours (calibrated on simulated care rounds, bench_rounds.py).
    visit_mix : dict
        Visits a week by visit length (minutes); its mean converts hours to visits.
    share_draws : int
        Seeded samples of a lot's customers on which the area a provider holding a share of
        the lot sees is measured (0: assume it thins as for uniform points).
    """

    #: Dimensionless; ``settings.BHH_CONSTANT`` (Applegate et al. 2011).
    bhh_constant: float = field(default_factory=lambda: settings.BHH_CONSTANT)
    #: Road / straight-line distance; ``settings.ROAD_CIRCUITY``.
    circuity: float = field(default_factory=lambda: settings.ROAD_CIRCUITY)
    #: Miles an hour by rurality class; ``settings.SPEED_MPH`` (copied).
    speed_mph: Mapping[str, float] = field(default_factory=lambda: dict(settings.SPEED_MPH))
    #: Calls a round (>= 1); ``settings.VISITS_PER_ROUND``.
    visits_per_round: float = field(default_factory=lambda: settings.VISITS_PER_ROUND)
    #: Call slots a day; ``settings.CALL_SLOTS_PER_DAY`` (morning, lunch, tea, bed).
    slots_per_day: float = field(default_factory=lambda: settings.CALL_SLOTS_PER_DAY)
    #: Real / shortest round length; ``settings.ROUND_SCHEDULING_FACTOR`` (calibrated).
    scheduling_factor: float = field(default_factory=lambda: settings.ROUND_SCHEDULING_FACTOR)
    #: Visits a week by visit minutes; ``settings.VISIT_LENGTH_MIX`` (Torbay FCoC 2022, copied).
    visit_mix: Mapping[int, float] = field(default_factory=lambda: dict(settings.VISIT_LENGTH_MIX))
    #: Draws (>= 0); ``settings.TRAVEL_SHARE_DRAWS`` (benchmarks/bench_rounds.py).
    share_draws: int = field(default_factory=lambda: settings.TRAVEL_SHARE_DRAWS)

    def __post_init__(self) -> None:
        for name in ("bhh_constant", "circuity", "scheduling_factor", "slots_per_day"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ValidationError(f"TravelParams.{name} must be a number > 0, got {value!r}.")
        draws = self.share_draws
        if isinstance(draws, bool) or not isinstance(draws, int) or draws < 0:
            raise ValidationError(
                f"TravelParams.share_draws must be a whole number >= 0, got {draws!r}."
            )
        if not self.visits_per_round >= 1:
            raise ValidationError(
                f"TravelParams.visits_per_round must be >= 1, got {self.visits_per_round!r}."
            )
        bad = {k: v for k, v in self.speed_mph.items() if not (v > 0)}
        if bad or not self.speed_mph:
            raise ValidationError(f"TravelParams.speed_mph needs speeds > 0 by rurality: {bad}.")
        if not self.visit_mix or any(
            not isinstance(k, int | float) or k <= 0 or v < 0 for k, v in self.visit_mix.items()
        ):
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
class ScenarioParams(_FromMapping):
    """How a lot plan is staffed and paid.

    Attributes
    ----------
    lead_share : float
        Share of a Tier 1 lot's customers held by its lead provider; the secondary holds the
        rest.
    tier2_lead_share : float
        Share held by the main provider of a Tier 2 zone (1.0 = a single provider).
    rural_premium : float
        Uplift on the cost-of-care floor in ``rural_premium_tiers`` (the ``floor`` price policy).
    rural_premium_tiers : tuple of int
        Tiers that carry the rural premium.
    current_by : tuple of str
        Columns that define a provider's patch today (default provider within district).
    """

    #: Share in (0, 1]; ``settings.LEAD_PROVIDER_SHARE`` (project default, seed 003).
    lead_share: float = field(default_factory=lambda: settings.LEAD_PROVIDER_SHARE)
    #: Share in (0, 1]; ``settings.TIER2_LEAD_SHARE`` (seed 003).
    tier2_lead_share: float = field(default_factory=lambda: settings.TIER2_LEAD_SHARE)
    #: Share of price (0.13 = +13%); ``settings.RURAL_PREMIUM``.
    rural_premium: float = field(default_factory=lambda: settings.RURAL_PREMIUM)
    #: Tier numbers; ``settings.RURAL_PREMIUM_TIERS``.
    rural_premium_tiers: tuple[int, ...] = field(
        default_factory=lambda: settings.RURAL_PREMIUM_TIERS
    )
    #: Column names of the package lines; fixed default, not a setting.
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
class PaymentParams(_FromMapping):
    """Inputs of the payment-model comparison (see :func:`lotdesign.cost.payment_models`).

    Attributes
    ----------
    block_discount : float
        Discount on a block contract's hourly price for the volume guarantee.
    block_utilisation : float
        Share of a block's hours that expected demand fills (> 0).
    outcome_upfront_share : float
        Share of a plan's value paid up front under outcome-based payment.
    outcome_achievement_rate : float
        Expected share of the remaining value earned by meeting outcomes.
    outcome_bonus_rate : float
        Bonus, as a share of value, for a customer who needs no further support.
    outcome_bonus_share : float
        Share of customers who earn the bonus.
    """

    #: Share of price in [0, 1]; ``settings.BLOCK_DISCOUNT`` (project default).
    block_discount: float = field(default_factory=lambda: settings.BLOCK_DISCOUNT)
    #: Share of block hours in (0, 1]; ``settings.BLOCK_UTILISATION`` (project default).
    block_utilisation: float = field(default_factory=lambda: settings.BLOCK_UTILISATION)
    #: Share of value in [0, 1]; ``settings.OUTCOME_UPFRONT_SHARE`` (Wiltshire, seed 004).
    outcome_upfront_share: float = field(default_factory=lambda: settings.OUTCOME_UPFRONT_SHARE)
    #: Share in [0, 1]; ``settings.OUTCOME_ACHIEVEMENT_RATE`` (project default).
    outcome_achievement_rate: float = field(
        default_factory=lambda: settings.OUTCOME_ACHIEVEMENT_RATE
    )
    #: Share of value in [0, 1]; ``settings.OUTCOME_BONUS_RATE`` (Essex, project default).
    outcome_bonus_rate: float = field(default_factory=lambda: settings.OUTCOME_BONUS_RATE)
    #: Share of customers in [0, 1]; ``settings.OUTCOME_BONUS_SHARE`` (project default).
    outcome_bonus_share: float = field(default_factory=lambda: settings.OUTCOME_BONUS_SHARE)

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if not 0 <= value <= 1:
                raise ValidationError(f"PaymentParams.{f.name} must be in [0, 1], got {value!r}.")
        if self.block_utilisation == 0:
            raise ValidationError("PaymentParams.block_utilisation must be > 0.")


def _require(frame: pd.DataFrame, columns: Iterable[str]) -> None:
    """Raise a :class:`~lotdesign.errors.ValidationError` naming the columns ``frame`` lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValidationError(
            f"Missing columns {missing}; the frame has {sorted(map(str, frame.columns))}. "
            "Build it to the customers / assignment contract (see lotdesign.cost)."
        )
