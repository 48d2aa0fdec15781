"""The hard rules a lot must meet: :class:`LotRules`, read from settings when made."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from lotdesign import settings
from lotdesign.errors import InfeasibleRulesError, ValidationError

__all__ = ["LotRules"]


@dataclass(frozen=True)
class LotRules:
    """Hard rules every Tier 1 lot must meet (defaults from :mod:`lotdesign.settings`).

    Defaults are read from :mod:`lotdesign.settings` when a ``LotRules`` is made, not when
    this module is imported, so a changed setting reaches every later ``LotRules()``.

    Parameters
    ----------
    min_hours, max_hours
        Weekly hours band of a lot (default: settings.LOT_MIN_HOURS, settings.LOT_MAX_HOURS).
    min_customers, max_customers
        Customers band of a lot (default: settings.LOT_MIN_CUSTOMERS,
        settings.LOT_MAX_CUSTOMERS).
    max_radius_miles
        Largest straight-line distance (miles) from the lot centre to any of its units
        (default: settings.LOT_MAX_RADIUS_MILES).
    max_drive_minutes
        Largest drive time (minutes) from the lot centre to any of its units
        (default: settings.LOT_MAX_DRIVE_MINUTES).
    contiguous
        If True, a lot's units must be connected through shared edges (``neighbours``)
        (default: settings.LOT_CONTIGUOUS).
    circuity
        Road / straight-line distance, for estimated drive times
        (default: settings.ROAD_CIRCUITY).
    speeds
        Driving speed (mph) by rurality class, for estimated drive times
        (default: settings.SPEED_MPH).
    land_paths
        Estimate drive times along the shortest path over land where the straight line
        crosses water (default: settings.LAND_PATHS); needs unit polygons.
    land_grid_m, land_path_limit_m, land_detour_ratio
        The grid of those paths (metres), the longest path searched (metres) and how much
        longer than the straight line a path must be to count (default:
        settings.LAND_GRID_M, settings.LAND_PATH_LIMIT_M, settings.LAND_DETOUR_MIN_RATIO).
    reach_tolerance
        Share of a lot's customers allowed beyond the radius or drive limit, when the reach is
        measured to customers (default: settings.LOT_REACH_TOLERANCE, 0: every customer).
    headroom_years, headroom_growth
        Growth headroom: the hours and customers ceilings are held as they will be after
        ``headroom_years`` of demand growth at ``headroom_growth`` a year, so lots stay in
        band over the contract (default: settings.LOT_HEADROOM_YEARS, 0 = off, and
        settings.LOT_HEADROOM_GROWTH).

    Raises
    ------
    InfeasibleRulesError
        If a band's floor is above its ceiling.
    ValidationError
        If a value is negative, zero where it must be positive, or not a number.
    """

    min_hours: float = field(default_factory=lambda: settings.LOT_MIN_HOURS)
    max_hours: float = field(default_factory=lambda: settings.LOT_MAX_HOURS)
    min_customers: int = field(default_factory=lambda: settings.LOT_MIN_CUSTOMERS)
    max_customers: int = field(default_factory=lambda: settings.LOT_MAX_CUSTOMERS)
    max_radius_miles: float = field(default_factory=lambda: settings.LOT_MAX_RADIUS_MILES)
    max_drive_minutes: float = field(default_factory=lambda: settings.LOT_MAX_DRIVE_MINUTES)
    contiguous: bool = field(default_factory=lambda: settings.LOT_CONTIGUOUS)
    circuity: float = field(default_factory=lambda: settings.ROAD_CIRCUITY)
    speeds: Mapping[str, float] = field(default_factory=lambda: dict(settings.SPEED_MPH))
    land_paths: bool = field(default_factory=lambda: settings.LAND_PATHS)
    land_grid_m: float = field(default_factory=lambda: settings.LAND_GRID_M)
    land_path_limit_m: float = field(default_factory=lambda: settings.LAND_PATH_LIMIT_M)
    land_detour_ratio: float = field(default_factory=lambda: settings.LAND_DETOUR_MIN_RATIO)
    reach_tolerance: float = field(default_factory=lambda: settings.LOT_REACH_TOLERANCE)
    headroom_years: float = field(default_factory=lambda: settings.LOT_HEADROOM_YEARS)
    headroom_growth: float = field(default_factory=lambda: settings.LOT_HEADROOM_GROWTH)

    def __post_init__(self) -> None:
        for name in ("min_hours", "max_hours", "min_customers", "max_customers"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float, np.number)) and math.isfinite(value)):
                raise ValidationError(f"LotRules.{name} must be a finite number; got {value!r}")
            if value < 0:
                raise ValidationError(f"LotRules.{name} cannot be negative; got {value}")
        for name in ("max_radius_miles", "max_drive_minutes"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float, np.number)) and value > 0):
                raise ValidationError(f"LotRules.{name} must be a positive number; got {value!r}")
        if self.min_hours > self.max_hours:
            raise InfeasibleRulesError(
                f"hours band is empty: min_hours {self.min_hours:g} > max_hours "
                f"{self.max_hours:g}. Lower the floor or raise the ceiling."
            )
        if self.min_customers > self.max_customers:
            raise InfeasibleRulesError(
                f"customers band is empty: min_customers {self.min_customers} > max_customers "
                f"{self.max_customers}. Lower the floor or raise the ceiling."
            )
        if self.circuity < 1:
            raise ValidationError(f"LotRules.circuity must be >= 1; got {self.circuity}")
        if not isinstance(self.land_paths, bool | np.bool_):
            raise ValidationError(
                f"LotRules.land_paths must be True or False; got {self.land_paths!r}"
            )
        if not (self.land_grid_m > 0 and self.land_path_limit_m > 0):
            raise ValidationError(
                "LotRules.land_grid_m and land_path_limit_m are lengths in metres above 0; got "
                f"{self.land_grid_m!r} and {self.land_path_limit_m!r}"
            )
        if not self.land_detour_ratio >= 1:
            raise ValidationError(
                f"LotRules.land_detour_ratio must be >= 1 (a path over land is never shorter "
                f"than the straight line); got {self.land_detour_ratio!r}"
            )
        if not 0 <= self.reach_tolerance < 1:
            raise ValidationError(
                f"LotRules.reach_tolerance is a share of customers in [0, 1); got "
                f"{self.reach_tolerance!r}"
            )
        if self.headroom_years < 0 or not -1 < self.headroom_growth < 1:
            raise ValidationError(
                "LotRules.headroom_years must be >= 0 and headroom_growth a yearly rate in "
                f"(-1, 1); got {self.headroom_years!r} and {self.headroom_growth!r}"
            )
        if self.growth_factor > 1 and self.min_hours > self.max_hours / self.growth_factor:
            raise InfeasibleRulesError(
                f"with {self.headroom_years:g} years' growth at {self.headroom_growth:.1%} the "
                f"hours ceiling {self.max_hours:g} h holds only "
                f"{self.max_hours / self.growth_factor:,.0f} h today, below the "
                f"{self.min_hours:g} h floor. Shorten the headroom or widen the band."
            )

    @property
    def growth_factor(self) -> float:
        """Demand after the headroom years, per unit of demand today (1 without headroom)."""
        return float((1 + self.headroom_growth) ** self.headroom_years)

    def effective(self) -> LotRules:
        """The rules a lot must meet *today* to stay in band after the headroom's growth."""
        f = self.growth_factor
        if f <= 1:
            return self
        return replace(
            self, max_hours=self.max_hours / f, max_customers=self.max_customers / f,
            headroom_years=0.0,
        )  # fmt: skip

    def headroom_note(self) -> str:
        """Words for a ceiling lowered by headroom ("" when there is none)."""
        if self.growth_factor <= 1:
            return ""
        return (
            f" ({self.headroom_years:g} years' growth at {self.headroom_growth:.1%} a year to "
            f"come: {self.max_hours:,.0f} h / {self.max_customers} customers then)"
        )

    @classmethod
    def tier2(cls, **overrides: Any) -> LotRules:
        """Rules for Tier 2 rural zones (defaults ``settings.TIER2_*``, read at call time).

        Zones are not required to be contiguous by default: a rural zone may wrap round a
        town's Tier 1 lot, and the wider radius still keeps it compact. Circuity and speeds
        are the Tier 1 defaults.

        Parameters
        ----------
        **overrides
            Rule values that replace the Tier 2 defaults (``min_hours=200``...).
        """
        base = {
            "min_hours": settings.TIER2_MIN_HOURS,
            "max_hours": settings.TIER2_MAX_HOURS,
            "min_customers": settings.TIER2_MIN_CUSTOMERS,
            "max_customers": settings.TIER2_MAX_CUSTOMERS,
            "max_radius_miles": settings.TIER2_MAX_RADIUS_MILES,
            "max_drive_minutes": settings.TIER2_MAX_DRIVE_MINUTES,
            "contiguous": settings.TIER2_CONTIGUOUS,
            # Tier 2 zones start small and are meant to grow (seed 003): no headroom.
            "headroom_years": 0.0,
        }
        base.update(overrides)
        return cls(**base)

    def replace(self, **changes: Any) -> LotRules:
        """A copy with some rules changed."""
        return replace(self, **changes)
