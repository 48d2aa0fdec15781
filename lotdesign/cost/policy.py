"""The proposed price is a policy: what the council pays for the hours in its lots.

A lot design changes how far care workers drive; what the council pays for lot hours is its
own decision (DESIGN §7). :class:`PricePolicy` names it:

``hold``
    today's rates (each lot's current spend per hour);
``rate_card``
    a price per contact hour for each tier;
``floor``
    the price year's cost-of-care floor (the Homecare Association's minimum price), with the
    rural premium in the premium tiers;
``pass_back``
    today's rate less a stated share of the modelled travel saving per hour.

Whatever the policy, :func:`apply_price_policy` never prices a lot below the year's floor or
below what the lot costs today, whichever is lower, unless ``allow_below_floor`` is set; then
each lot priced below the floor is flagged. A travel saving the policy does not pass back
stays with the providers: it is reported as a benefit of its own
(:func:`lotdesign.cost.travel_benefit`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lotdesign import settings
from lotdesign.cost.params import ScenarioParams, _FromMapping, _require
from lotdesign.errors import ValidationError

__all__ = ["POLICIES", "PricePolicy", "apply_price_policy"]

#: The price policies, with what each pays for a lot's contact hour.
POLICIES: dict[str, str] = {
    "hold": "today's rates",
    "rate_card": "a rate card per tier",
    "floor": "the year's cost-of-care floor",
    "pass_back": "today's rates less a share of the modelled travel saving",
}


@dataclass(frozen=True)
class PricePolicy(_FromMapping):
    """What the council pays for lot hours; defaults from :mod:`lotdesign.settings`.

    Attributes
    ----------
    kind : str
        ``hold``, ``rate_card``, ``floor`` or ``pass_back`` (see :data:`POLICIES`).
    pass_back_share : float
        Share of the modelled travel saving per hour taken off today's rate (``pass_back``).
    rate_card : dict of int to float
        £ per contact hour by tier (``rate_card``); must price tiers 1 and 2.
    allow_below_floor : bool
        Allow a lot below the year's floor and below today's cost (flagged in the report).
    """

    #: ``settings.PRICE_POLICY`` (project default: pass back a stated share, DESIGN §7).
    kind: str = field(default_factory=lambda: settings.PRICE_POLICY)
    #: Share in [0, 1]; ``settings.PASS_BACK_SHARE`` (project default).
    pass_back_share: float = field(default_factory=lambda: settings.PASS_BACK_SHARE)
    #: £/h by tier; no default (a council's own card).
    rate_card: Mapping[int, float] | None = None
    #: ``settings.ALLOW_BELOW_FLOOR`` (DESIGN §7: off).
    allow_below_floor: bool = field(default_factory=lambda: settings.ALLOW_BELOW_FLOOR)

    def __post_init__(self) -> None:
        if self.kind not in POLICIES:
            raise ValidationError(
                f"PricePolicy.kind must be one of {', '.join(POLICIES)}, got {self.kind!r}."
            )
        if not (isinstance(self.pass_back_share, int | float) and 0 <= self.pass_back_share <= 1):
            raise ValidationError(
                f"PricePolicy.pass_back_share must be in [0, 1], got {self.pass_back_share!r}."
            )
        if not isinstance(self.allow_below_floor, bool):
            raise ValidationError("PricePolicy.allow_below_floor must be true or false.")
        if self.rate_card is not None:
            card = {int(k): float(v) for k, v in dict(self.rate_card).items()}
            bad = {k: v for k, v in card.items() if not (math.isfinite(v) and v > 0)}
            if bad:
                raise ValidationError(f"PricePolicy.rate_card prices must be > 0, got {bad}.")
            object.__setattr__(self, "rate_card", card)
        if self.kind == "rate_card":
            missing = [t for t in (1, 2) if t not in (self.rate_card or {})]
            if missing:
                raise ValidationError(
                    f"PricePolicy kind 'rate_card' needs a price for tiers {missing} "
                    "(cost.price_policy.rate_card: {1: 30.50, 2: 33.00})."
                )

    def describe(self) -> str:
        """The policy in words, for the report."""
        if self.kind == "pass_back":
            text = f"today's rates less {self.pass_back_share:.0%} of the modelled travel saving"
        elif self.kind == "rate_card":
            card = ", ".join(f"Tier {t} £{p:.2f}" for t, p in sorted(self.rate_card.items()))
            text = f"a rate card ({card} an hour)"
        else:
            text = POLICIES[self.kind]
        if self.allow_below_floor:
            text += ", allowed below the cost-of-care floor"
        return text


def apply_price_policy(
    lots: pd.DataFrame,
    *,
    floor: float,
    policy: PricePolicy | None = None,
    scenario: ScenarioParams | None = None,
) -> pd.DataFrame:
    """Each lot's proposed price per contact hour under a price policy.

    Parameters
    ----------
    lots : pandas.DataFrame
        One row per lot: ``tier``, ``price_current`` (today's spend per hour) and
        ``saving_per_hour`` (modelled travel saving per contact hour; NaN where it could not
        be modelled, which ``pass_back`` then treats as no saving).
    floor : float
        The price year's cost-of-care floor, £ per contact hour.
    policy : PricePolicy, optional
    scenario : ScenarioParams, optional
        The rural premium and its tiers (``floor`` policy).

    Returns
    -------
    pandas.DataFrame
        ``lots`` with ``floor``, ``policy_price`` (before the guard), ``price_lower_bound``
        (the lower of the floor and today's price), ``price_proposed``, ``raised_to_bound``
        (the guard raised the policy's price) and ``below_floor`` (priced under the floor and
        under today's price: only with ``allow_below_floor``, and flagged in the report).

    Examples
    --------
    >>> lots = pd.DataFrame({"tier": [1, 1], "price_current": [28.0, 36.0],
    ...                      "saving_per_hour": [3.0, 3.0]})
    >>> apply_price_policy(lots, floor=32.14)["price_proposed"].tolist()
    [28.0, 34.5]
    """
    policy = policy or PricePolicy()
    scenario = scenario or ScenarioParams()
    _require(lots, ["tier", "price_current", "saving_per_hour"])
    if not (math.isfinite(floor) and floor > 0):
        raise ValidationError(f"floor must be a price > 0, got {floor!r}.")
    out = lots.copy()
    current = out["price_current"].to_numpy(float)
    tier = out["tier"].to_numpy(int)
    out["floor"] = floor
    out["policy_price"] = policy_prices(
        current,
        out["saving_per_hour"].to_numpy(float),
        tier,
        floor=floor,
        policy=policy,
        pass_back_share=policy.pass_back_share,
        scenario=scenario,
    )
    bound = np.minimum(floor, current)
    out["price_lower_bound"] = bound
    raised = ~policy.allow_below_floor & (out["policy_price"].to_numpy() < bound - 1e-9)
    out["price_proposed"] = np.where(raised, bound, out["policy_price"])
    out["raised_to_bound"] = raised
    # Below the floor *and* below today's price: only an explicit setting allows that.
    out["below_floor"] = out["price_proposed"] < bound - 1e-9
    return out


def policy_prices(
    current: np.ndarray,
    saving: np.ndarray,
    tier: np.ndarray,
    *,
    floor: float,
    policy: PricePolicy,
    pass_back_share: float | np.ndarray,
    scenario: ScenarioParams,
) -> np.ndarray:
    """The policy's price per lot before the guard (arrays broadcast, for the ranges)."""
    if policy.kind == "hold":
        return np.broadcast_to(current, np.broadcast(current, saving).shape).astype(float)
    if policy.kind == "rate_card":
        card = np.array([policy.rate_card.get(int(t), np.nan) for t in tier])
        if np.isnan(card).any():
            missing = sorted({int(t) for t, c in zip(tier, card, strict=True) if np.isnan(c)})
            raise ValidationError(f"The rate card has no price for tiers {missing}.")
        return np.broadcast_to(card, np.broadcast(current, saving).shape).astype(float)
    if policy.kind == "floor":
        premium = np.where(np.isin(tier, scenario.rural_premium_tiers), scenario.rural_premium, 0)
        return np.broadcast_to(floor * (1.0 + premium), np.broadcast(current, saving).shape).astype(
            float
        )
    share = np.asarray(pass_back_share, dtype=float)
    if share.ndim:
        share = share[..., None]
    return current - share * np.nan_to_num(saving, nan=0.0)
