"""Defaults for lotdesign, each named, typed and sourced.

Every figure that comes from the domain lives here, with where it comes from, so that a user
can see and change it in one place. Functions take these as keyword defaults; change them for
a run by passing options (or config keys), not by editing this module.

Sources
-------
seed 003
    West Sussex County Council, *Care and Support at Home Recommissioning Recommendations*,
    market engagement meeting, 7 August 2019 (``../shared/seeds/003_375859b7989866ad.txt``).
WSCC MPS 2024
    West Sussex County Council market position statement 2024.
HCA
    Homecare Association, *Minimum Price for Homecare* (2020-21 to 2025-26).
Access Group
    *The Hidden Dynamics of Homecare* (2017-18 visit data, 148 million miles).
Torbay FCoC 2022
    Torbay Council, Fair Cost of Care exercise 2022 (visit-length mix).
Rural England
    Rural England, *State of Rural Services* (2018): rural councils paid ~13% more per hour.
Skills for Care
    Adult social care workforce estimates, domiciliary care 2017/18 (quoted in seed 003).
"""

from __future__ import annotations

# --- Data validation -------------------------------------------------------------------------

#: Weekly hours above which a package is implausible and rejected: two carers round the clock
#: (2 x 24 x 7 = 336). A data-quality rule, not a domain figure.
MAX_WEEKLY_HOURS: float = 336.0

#: Analysis CRS: British National Grid (metres). Web maps convert to WGS84 only at the end.
CRS_BNG: str = "EPSG:27700"
#: CRS of web maps.
CRS_WGS84: str = "EPSG:4326"

#: Buffer (metres) around the convex hull of the postcodes in play, used as the study area
#: when no boundary file is given. 2 km keeps edge units' cells from being cut tight.
STUDY_AREA_BUFFER_M: float = 2000.0

# --- Tier 1 lot rules (seed 003) -------------------------------------------------------------

#: Tier 1 lot volume band, weekly hours (seed 003: "700 - 1300 current weekly hours").
LOT_MIN_HOURS: float = 700.0
LOT_MAX_HOURS: float = 1300.0
#: Tier 1 lot customer band (seed 003: "50 - 110 current customers").
LOT_MIN_CUSTOMERS: int = 50
LOT_MAX_CUSTOMERS: int = 110
#: Largest distance (miles) from a lot's centre to any of its units. Seed 003's rural workshop
#: gave optimum areas of "5-7 miles"; the upper figure is the hard limit.
LOT_MAX_RADIUS_MILES: float = 7.0
#: Largest drive time (minutes) from a lot's centre to any unit (seed 003: "15 minute travel
#: time maximum").
LOT_MAX_DRIVE_MINUTES: float = 15.0
#: Number of Tier 1 areas in the West Sussex design and their share of business (seed 003:
#: "20 areas reflecting 85% of business"). Shown as a check, never forced.
SEED_TIER1_AREAS: int = 20
SEED_TIER1_SHARE: float = 0.85

# --- Tier 2 rural zones (seed 003) -----------------------------------------------------------

#: Tier 2 starting volume (seed 003 rural workshop: "150-175 hours per week start").
TIER2_MIN_HOURS: float = 150.0
#: Tier 2 zones grow to "750 hours - 1000+ hours" once established (seed 003); a zone is still
#: Tier 2 up to the Tier 1 ceiling.
TIER2_MAX_HOURS: float = 1300.0
#: Tier 2 customers at start (seed 003: "average 10 customers").
TIER2_MIN_CUSTOMERS: int = 10
#: Tier 2 zones may be wider than Tier 1 lots. 12 miles is this project's default (roughly
#: the width of a rural district's market-town catchment); no seed figure exists.
TIER2_MAX_RADIUS_MILES: float = 12.0
#: Tier 2 drive-time limit (minutes); a project default in proportion to the wider radius.
TIER2_MAX_DRIVE_MINUTES: float = 25.0
#: Share of Tier 1-2 weekly hours sized for the Tier 4 reserve (DPS), to absorb hand-backs and
#: surges. Project default: the workforce vacancy rate (10%, Skills for Care 2017/18) is the
#: share of capacity a lead and secondary provider can be expected to fail to staff.
TIER4_RESERVE_SHARE: float = 0.10

# --- Travel ------------------------------------------------------------------------------------

#: Road distance / straight-line distance. ~1.3 is the usual figure for British roads
#: (e.g. DfT and academic circuity studies give 1.2-1.4); project default.
ROAD_CIRCUITY: float = 1.3
#: Average door-to-door driving speeds (mph) by rurality class. Project defaults, in line
#: with DfT average speeds on local A roads (~25 mph urban peak, ~35-40 mph rural).
SPEED_MPH: dict[str, float] = {
    "urban": 20.0,
    "town_fringe": 28.0,
    "village_dispersed": 35.0,
}
METRES_PER_MILE: float = 1609.344

# --- Workforce (seed 003) --------------------------------------------------------------------

#: Contact hours a week per care worker (seed 003: "30 hours per week (per worker)").
HOURS_PER_CARE_WORKER: float = 30.0
#: Domiciliary care worker turnover and vacancy rates (Skills for Care 2017/18, seed 003).
WORKFORCE_TURNOVER: float = 0.374
WORKFORCE_VACANCY: float = 0.10
WORKFORCE_ZERO_HOURS_SHARE: float = 0.61

# --- Money -------------------------------------------------------------------------------------

#: Mean hourly rate paid by West Sussex, 2024 (WSCC MPS 2024).
MEAN_HOURLY_RATE: float = 28.66
#: Average weekly cost per customer, 2018/19 (seed 003).
SEED_WEEKLY_COST_PER_CUSTOMER: float = 210.0
#: Annual rate uplift (seed 003: "rates up >= 3% a year").
RATE_UPLIFT: float = 0.03
#: Annual demand growth: customers +14% between March 2017 and March 2019 (seed 003), i.e.
#: 1.14 ** 0.5 - 1 ~ 6.8% a year.
DEMAND_GROWTH: float = 1.14**0.5 - 1.0
#: Rural councils paid ~13% more per hour than urban ones (Rural England 2018).
RURAL_PREMIUM: float = 0.13

# --- Demo county (WSCC MPS 2024) -------------------------------------------------------------

#: West Sussex districts: Adur, Arun, Chichester, Crawley, Horsham, Mid Sussex, Worthing.
DEMO_DISTRICTS: tuple[str, ...] = (
    "E07000223",
    "E07000224",
    "E07000225",
    "E07000226",
    "E07000227",
    "E07000228",
    "E07000229",
)
DEMO_CUSTOMERS: int = 2400
DEMO_MEAN_WEEKLY_HOURS: float = 12.6
DEMO_PROVIDERS: int = 95
DEMO_GP_PRACTICES: int = 80
DEMO_SEED: int = 2024

# --- Disclosure control ------------------------------------------------------------------------

#: Counts of people from 1 to this number are suppressed in anything shared (maps, reports,
#: member tables). 7 follows common NHS/ONS small-number practice ("1-7 suppressed").
SUPPRESS_MAX_COUNT: int = 7
