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

#: Buffer (metres) around the concave hull of the postcodes in play, used as the study area
#: when no boundary file is given. 1 km keeps edge units' cells from being cut tight.
STUDY_AREA_BUFFER_M: float = 1000.0
#: Concavity of that hull (shapely.concave_hull ratio: 0 hugs the points, 1 is the convex
#: hull). 0.05 on the West Sussex postcodes gives 1,936 km² against the county's 1,991 km².
STUDY_AREA_HULL_RATIO: float = 0.05

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

# --- Demo generator (lotdesign/demo.py) ------------------------------------------------------
# Shape of the synthetic demo county. The headline figures (customers, mean hours, rate,
# providers, practices) are the WSCC MPS 2024 ones above; the knobs below are project defaults
# chosen so the demo looks like a real extract, not sourced figures.

#: Settlements are found by DBSCAN on postcode points: postcodes within this many metres of
#: each other chain into one settlement (urban postcodes lie ~50-150 m apart; 200 m joins a
#: town's streets without bridging the fields between villages).
DEMO_SETTLEMENT_EPS_M: float = 200.0
#: Fewest postcodes (DBSCAN min_samples) around a core point of a settlement; fewer is a hamlet.
DEMO_SETTLEMENT_MIN_POSTCODES: int = 8
#: A settlement with at least this many postcodes (~5,000 people at ~35 a postcode) is a town.
DEMO_TOWN_MIN_POSTCODES: int = 150
#: Relative chance that a customer lives at a postcode, by settlement class. Rural postcodes
#: hold fewer addresses but older people; dispersed ones are still less likely per postcode.
DEMO_PLACEMENT_WEIGHTS: dict[str, float] = {"town": 1.0, "village": 1.0, "dispersed": 0.75}
#: Share of RURAL_PREMIUM added to hourly rates, by settlement class (Rural England's ~13%
#: applies in full to dispersed areas, half to villages).
DEMO_RURAL_PREMIUM_SHARE: dict[str, float] = {"town": 0.0, "village": 0.5, "dispersed": 1.0}
#: Package hours are lognormal with this shape (sigma of log hours); with a mean of 12.6 it
#: gives a median near 9 h, in line with daily 30-60 minute visits (Torbay FCoC 2022 mix).
DEMO_HOURS_SIGMA: float = 0.85
#: Cap on ordinary packages (weekly hours); only the planted very large packages exceed it.
DEMO_ORDINARY_MAX_HOURS: float = 70.0
#: Number (inclusive range) and weekly hours (range) of very large packages, e.g. live-in or
#: double-handed round-the-clock care.
DEMO_LARGE_PACKAGES: tuple[int, int] = (3, 8)
DEMO_LARGE_PACKAGE_HOURS: tuple[float, float] = (80.0, 250.0)
#: Share of packages sized as daily care in 15-minute steps (multiples of 1.75 h a week); the
#: rest are in quarter hours.
DEMO_DAILY_STEP_SHARE: float = 0.5
#: Share of customers with a second service line (another provider or a domestic/sitting line).
DEMO_SECOND_LINE_SHARE: float = 0.10
#: Share of extract lines that ended before the analysis date, and that start after it.
DEMO_ENDED_SHARE: float = 0.08
DEMO_FUTURE_SHARE: float = 0.01
#: Share of live lines with a planned end date after the analysis date.
DEMO_PLANNED_END_SHARE: float = 0.03
#: Years of start dates before the analysis date, and mean time since a live package started.
DEMO_HISTORY_YEARS: float = 6.0
DEMO_MEAN_PACKAGE_AGE_YEARS: float = 2.0
#: Providers: spread (sigma of log) of market size, how many work county-wide, the median and
#: range of the others' patch radius (km), how fast their pick-up of customers falls with
#: distance from the office (km), the spread of their rates, and the fewest customers each has.
DEMO_PROVIDER_SIZE_SIGMA: float = 0.8
DEMO_COUNTY_WIDE_PROVIDERS: int = 6
DEMO_PATCH_MEDIAN_KM: float = 12.0
DEMO_PATCH_RANGE_KM: tuple[float, float] = (5.0, 35.0)
DEMO_PROVIDER_DECAY_KM: float = 15.0
DEMO_PROVIDER_RATE_SD: float = 0.05
DEMO_PROVIDER_MIN_CUSTOMERS: int = 2
#: Per-line rate noise (sigma, as a share of the rate): spot purchases at odd prices.
DEMO_LINE_RATE_SD: float = 0.02
#: GP practices beyond the open ones: closed practices (status C) and non-GP prescribing
#: settings (out-of-hours, walk-in) that an epraccur file also lists.
DEMO_GP_CLOSED: int = 3
DEMO_GP_NON_GP: int = 2
#: Share of customers recorded with a closed practice's code, and with an unknown one (half
#: blank, half V81999, the NHS code for "GP practice not known").
DEMO_GP_CLOSED_SHARE: float = 0.01
DEMO_GP_UNKNOWN_SHARE: float = 0.01
#: Synthetic GP practice codes are this prefix + 3 digits ("SYN001"). Real ODS practice codes
#: are one letter + five digits, so these can never clash with one.
DEMO_GP_CODE_PREFIX: str = "SYN"
#: epraccur national grouping, high-level health geography and commissioner written for the
#: synthetic practices (NHS England South East, Sussex ICB, West Sussex sub-ICB, as in ODS).
DEMO_EPRACCUR_GEOGRAPHY: tuple[str, str, str] = ("Y59", "QNX", "70F")
#: Share of extract rows planted as rejects (each with exactly one fault), and of clean rows
#: with formatting variants the reader must accept.
DEMO_REJECTED_SHARE: float = 0.025
DEMO_VARIANT_SHARE: float = 0.03
#: Share of clean rows whose dates are text rather than Excel dates, by style ("uk" is
#: day-first 03/04/2024, "iso" is 2024-04-03): both occur in councils' exports.
DEMO_DATE_TEXT_SHARE: dict[str, float] = {"uk": 0.05, "iso": 0.03}
#: Share of clean lines with a blank weekly cost (e.g. costs not yet loaded); accepted.
DEMO_BLANK_COST_SHARE: float = 0.005

# --- Maps (lotdesign.maps) ---------------------------------------------------------------------

#: Tolerance (metres) for ``shapely.coverage_simplify`` on lot and unit polygons before they go
#: into a web map. Project default: 25 m is under a screen pixel at county zoom (~60 m/px on a
#: 1200 px-wide map of West Sussex) and keeps a county map to a few hundred kilobytes.
MAP_SIMPLIFY_TOLERANCE_M: float = 25.0
#: Grid (degrees) that web-map coordinates are rounded to: 1e-5 degrees is about 1 m in
#: England, far finer than any boundary we draw, and halves the size of the embedded GeoJSON.
MAP_COORDINATE_PRECISION_DEG: float = 1e-5
#: Largest offline map file (bytes) saved without a warning. Maps go to members by email;
#: 5 MB keeps them well inside common council attachment limits (10 MB and up).
MAP_MAX_BYTES: int = 5_000_000

# --- Lot-design engine, tiers and checks (lots.py, tiers.py, checks.py) -----------------------

#: Whether a Tier 1 lot's units must be connected through shared edges. Project default: lots
#: are tendered as areas on a map, and seed 003's providers asked for compact patches.
LOT_CONTIGUOUS: bool = True
#: Tier 2 customer ceiling: as Tier 1 (seed 003 gives no separate Tier 2 ceiling).
TIER2_MAX_CUSTOMERS: int = LOT_MAX_CUSTOMERS
#: Tier 2 zones need not be contiguous: a rural zone may wrap round a town's Tier 1 lot
#: (project default; the wider radius keeps zones compact).
TIER2_CONTIGUOUS: bool = False
#: Penalty per uncovered weekly hour, as a multiple of the drive limit (minutes). Any covered
#: hour costs at most the drive limit, so with a factor above 1 the engine covers hours first
#: and cuts travel second; 4 makes coverage dominate even when covering forces longer trips.
LOT_UNCOVERED_PENALTY_FACTOR: float = 4.0
#: Relative lot-count tolerance for a target ("about 20 lots" allows 18-22). Project default.
LOT_TARGET_TOLERANCE: float = 0.1
#: Growth orders tried per candidate centre (nearest-first plus jittered, directional ones).
#: Engine tuning (benchmarks/bench_lots.py): 3 costs ~1.6x the time of 2 for an objective
#: within run-to-run noise (+-3%) on 500 and 2,000-unit grids.
LOT_GROWTH_VARIANTS: int = 2
#: How elongated directional growth orders are (0 = round lots). Engine tuning.
LOT_GROWTH_STRETCH: float = 0.6
#: Points of the hours band (fractions from floor to ceiling) at which grown lots are kept as
#: candidates, besides the smallest and largest valid ones. Engine tuning.
LOT_SNAPSHOT_FRACTIONS: tuple[float, ...] = (0.1, 0.25, 0.5)
#: Members nearest a lot's hours-weighted centroid tried as its centre. Engine tuning.
LOT_CENTRE_SHORTLIST: int = 4
#: Nearest units whose lots a unit may move to in improvement, when contiguity is off.
LOT_MOVE_NEIGHBOURS: int = 12
#: Units per spatial tile: each tile is one HiGHS LP dive. The set-packing LP grows
#: super-linearly (measured: 1.4 s at 500 units, 64 s at 1,500), and small tiles with a seam
#: pass cover as much in a fraction of the time (2,000 units: 2.5 s at 200, 20 s at 800).
LOT_TILE_SIZE: int = 200
#: Most LP solves in one tile's dive before a greedy pass completes it. Engine tuning:
#: later rounds fix few lots, and boundary moves recover what the greedy leaves.
LOT_DIVE_ROUNDS: int = 1000
#: Seconds the HiGHS LP dive may spend in one tile before a greedy pass completes it.
LOT_MIP_TIME_LIMIT: float = 20.0
#: Passes of boundary moves after selection.
LOT_IMPROVE_PASSES: int = 4
#: Sweeps of large-neighbourhood search after selection, and lots per window (a lot and its
#: nearest neighbours, re-solved together by fresh candidates and the LP dive). Off by
#: default: measured -0.3% to -2% objective for 2-3x the time.
LOT_LNS_ROUNDS: int = 0
LOT_LNS_WINDOW: int = 4
#: Independent constructions per design, the best kept (``design(restarts=...)``). Engine
#: tuning: 1 is the fast default; see RUN_LOT_RESTARTS for what ``lotdesign run`` uses.
LOT_RESTARTS: int = 1
#: Exact polishing (``design(polish_rounds=...)``): sweeps (0 = off), lots per window
#: re-solved to optimality as a HiGHS p-median model, and a safety time limit per window
#: (windows stop on HiGHS's work, so results are deterministic unless this bites; plan.stats
#: counts it). A window of 2 is each lot with each lot it touches. Engine tuning, measured on
#: the 500-unit benchmark grid (thorough search, seed 0): touching pairs 58,950 in 209 s,
#: nearest pairs only 59,012 in 87 s; with 3 growth orders nearest triples 59,121 in 394 s,
#: 2 windows stopped by the safety limit.
LOT_POLISH_ROUNDS: int = 0
LOT_POLISH_WINDOW: int = 2
LOT_POLISH_WINDOW_SECONDS: float = 120.0
#: A rule is amber (not red) in the checks table when the breach is within this share of the
#: limit (e.g. 1,350 h against a 1,300 h ceiling). Project default for RAG reporting.
CHECK_AMBER_MARGIN: float = 0.10

# --- Cost model (lotdesign/cost.py) -------------------------------------------------------------
# Price per contact hour, built up as the Homecare Association (HCA) minimum price is. The
# on-cost, business and surplus rates below are derived from HCA's 2020-21 line items
# (pay 8.72, travel time 1.70, NI & pension 1.14, other on-costs 1.97, mileage 1.36, running
# the business 5.20, surplus 0.60 = 20.69), so that the build-up reproduces them within 1p;
# tests/test_cost.py checks it.

#: National Living Wage, April 2020 - March 2021 (age 25+): HCA 2020-21's careworker pay line.
NLW_2020_21: float = 8.72
#: National Living Wage by financial year (GOV.UK NMW/NLW rates), used to show HCA's later
#: minimum prices next to the model's. April 2023 £10.42, April 2024 £11.44, April 2025 £12.21.
NLW_BY_YEAR: dict[str, float] = {
    "2020-21": 8.72,
    "2023-24": 10.42,
    "2024-25": 11.44,
    "2025-26": 12.21,
}
#: HCA minimum price per contact hour by year (HCA, 2020-21 to 2025-26): reference points.
HCA_MINIMUM_PRICE: dict[str, float] = {
    "2020-21": 20.69,
    "2023-24": 25.95,
    "2024-25": 28.53,
    "2025-26": 32.14,
}
#: Default care-worker wage (£/h): NLW 2024-25, the year of the WSCC 2024 rate (£28.66 mean).
CARE_WORKER_WAGE: float = 11.44
#: Paid travel time as a share of contact time: HCA 2020-21 travel line / pay line
#: (1.70 / 8.72 = 19.5%), i.e. 11.7 minutes per contact hour.
HCA_TRAVEL_SHARE: float = 0.195
#: Statutory holiday (5.6 weeks) as a share of pay for weeks worked: 5.6 / 46.4 = 12.07%
#: (UKHCA costing model's upper figure).
HOLIDAY_PAY_RATE: float = 0.1207
#: Sick pay as a share of gross pay: 2.9% (UKHCA 2020-21, from ONS sickness-absence data).
SICK_PAY_RATE: float = 0.029
#: Training and supervision time as a share of gross pay. 3.92% is what closes HCA 2020-21's
#: "other on-costs" line (£1.97) after holiday and sick pay; UKHCA's model suggests 1.5-3%
#: for training alone, the rest being supervision and induction time.
TRAINING_RATE: float = 0.0392
#: Employer National Insurance, effective rate on a part-time care worker's pay after the
#: secondary threshold (13.8% above £169/week in 2020-21 bites on only part of the pay).
#: 6.2% + the 3% pension below closes HCA 2020-21's "NI & pension" line (£1.14).
EMPLOYER_NI_RATE: float = 0.062
#: Employer auto-enrolment pension contribution (3% minimum since April 2019).
EMPLOYER_PENSION_RATE: float = 0.03
#: Mileage paid to care workers (£/mile): HMRC approved mileage allowance, 45p.
MILEAGE_RATE: float = 0.45
#: Miles driven per contact hour implied by HCA 2020-21's mileage line: 1.36 / 0.45 = 3.02.
HCA_MILES_PER_CONTACT_HOUR: float = 3.02
#: Running the business as a share of total cost before surplus: HCA 2020-21
#: 5.20 / (20.69 - 0.60) = 25.88% (the "running the business ~25% of price" ratio).
BUSINESS_COST_SHARE: float = 0.2588
#: Surplus (profit) as a share of total cost: HCA 2020-21 0.60 / 20.09 = 3%.
SURPLUS_RATE: float = 0.03
#: Visit-length mix, visits a week by length in minutes (Torbay FCoC 2022 median; mean 35 min).
VISIT_LENGTH_MIX: dict[int, float] = {15: 18.0, 30: 835.0, 45: 209.0, 60: 97.0}

# Travel model: a round's length ~ k * sqrt(n * A) (Beardwood-Halton-Hammersley 1959).

#: BHH constant for uniform random points in a square (Applegate et al. 2011 estimate).
BHH_CONSTANT: float = 0.7124
#: Visits in one care worker's round (a morning run of ~3.5 hours of ~35-minute calls). Travel
#: from home to the first call is usually unpaid, so a round pays (c - 1) / c legs per visit.
VISITS_PER_ROUND: int = 6
#: Call slots a day (morning, lunch, tea, bed). A round only serves the customers who need a
#: call in its slot, so rounds see a provider's customers thinned by visits-a-day / slots.
CALL_SLOTS_PER_DAY: int = 4
#: Real rounds against optimal ones: time windows, continuity of carer, double-handed calls and
#: rotas built a week ahead make them longer than the shortest tours the BHH formula gives.
#: Calibrated: 1.67 makes the model give 3.06 miles per visit (Access Group 2017-18) for a
#: typical spot-market provider (the two TYPICAL_* settings below, town/fringe speeds),
#: where paid travel is then 18.7% of contact time (HCA 2020-21: 19.5%). Shortest tours
#: alone (factor 1) give 1.83 miles. A calibration to the published averages, not a measured
#: figure: change it when a council's own rota data show its real miles per visit.
ROUND_SCHEDULING_FACTOR: float = 1.67
#: Published averages the calibration aims at.
ACCESS_GROUP_MILES_PER_VISIT: float = 3.06
#: A typical provider in a shire county: 2,400 customers / 95 providers (WSCC MPS 2024) ...
TYPICAL_PROVIDER_CUSTOMERS: float = 2400 / 95
#: ... spread over a district: West Sussex's 1,991 km2 / 7 districts (ONS SAM 2023).
TYPICAL_PROVIDER_AREA_KM2: float = 1991 / 7

# Scenarios.

#: Share of a Tier 1 lot held by the lead provider; the secondary holds the rest. Project
#: default: seed 003 gives a lead and a secondary per lot, not the split.
LEAD_PROVIDER_SHARE: float = 0.7
#: Share held by the one provider of a Tier 2 rural zone (seed 003: "one or a small number
#: of providers").
TIER2_LEAD_SHARE: float = 1.0
#: Tiers whose price carries RURAL_PREMIUM in the proposed scenario.
RURAL_PREMIUM_TIERS: tuple[int, ...] = (2,)
#: Hourly rate for a package line with neither cost nor rate: the WSCC 2024 mean.
DEFAULT_HOURLY_RATE: float = MEAN_HOURLY_RATE
#: Years projected, and weeks in a year for annual figures.
PROJECTION_YEARS: int = 5
WEEKS_PER_YEAR: float = 52.14
#: One-at-a-time sensitivity: each parameter is moved down and up by this share.
TORNADO_SWING: float = 0.2

# Payment models (seed 004 case studies; rates are project defaults, to be set locally).

#: Block contracts: guaranteed hours bought at a discount for the volume guarantee, paid for
#: whether used or not. 5% discount and 92% utilisation are project defaults.
BLOCK_DISCOUNT: float = 0.05
BLOCK_UTILISATION: float = 0.92
#: Outcome-based: Wiltshire paid 20% of a plan's value up front, the rest when outcomes are
#: met, with penalties and rewards (seed 004); Essex reablement: set price plus a bonus if no
#: further support is needed. Achievement and bonus rates are project defaults.
OUTCOME_UPFRONT_SHARE: float = 0.2
OUTCOME_ACHIEVEMENT_RATE: float = 0.9
OUTCOME_BONUS_RATE: float = 0.1
OUTCOME_BONUS_SHARE: float = 0.25

# --- Report (lotdesign/report.py) --------------------------------------------------------------

#: Market concentration bands on the Herfindahl-Hirschman Index (0-10,000): above 1,000 a
#: market is "concentrated", above 2,000 "highly concentrated" (CMA/OFT *Merger Assessment
#: Guidelines*, CC2/OFT1254, 2010, para 5.3.5).
MARKET_HHI_CONCENTRATED: float = 1000.0
MARKET_HHI_HIGHLY_CONCENTRATED: float = 2000.0
#: Fewest providers working in a lot today for its tender to be contested: a lead and a
#: secondary (seed 003) plus at least one rival bidder. Project default.
REPORT_MIN_PROVIDERS_PER_LOT: int = 3
#: Share of weekly hours left to case-by-case purchase (Tier 3) above which the report flags a
#: risk: the reference design left 1 - SEED_TIER1_SHARE (15%) outside Tier 1 altogether.
REPORT_TIER3_RISK_SHARE: float = 1.0 - SEED_TIER1_SHARE
#: Share of extract rows rejected above which the report flags a data-quality risk. Project
#: default: beyond ~1 row in 20 the design may miss real demand.
REPORT_REJECTED_RISK_SHARE: float = 0.05
#: Most bars in a per-lot chart; with more lots the report charts tiers instead (beyond ~40
#: bars the labels no longer fit a portrait page). Project default.
REPORT_MAX_CHART_BARS: int = 40

# --- lotdesign run (pipeline.py) ---------------------------------------------------------------

#: The lot-engine search ``lotdesign run`` uses by default (config ``rules.search:
#: standard``): growth orders, neighbourhood-search rounds and restarts. A council run has
#: hundreds of units, where more search costs seconds and buys a closer plan. Measured with
#: benchmarks/bench_lots.py: on the demo county 1.0 s and 1.9% above the proven relaxed
#: optimum (the engine's fast defaults: 0.1 s, 12.8%); on the 500-unit grid 6-10 s and
#: 5.7-10.9% above the HiGHS bound over seeds 0-3 (fast defaults: 12-18%); on the 2,000-unit
#: grid 47 s and 5.4% below the fast defaults' objective. Deterministic for a seed. Project
#: default.
RUN_LOT_VARIANTS: int = 5
RUN_LOT_LNS_ROUNDS: int = 2
RUN_LOT_RESTARTS: int = 3
#: The thorough search (config ``rules.search: thorough``): 6 constructions over one tile,
#: then exact polishing of touching lot pairs until none improves. Measured on the 500-unit
#: grid: 153-289 s and 4.7-4.95% above the HiGHS bound over seeds 0-3; demo county 2.4 s and
#: 0.9% above the proven relaxed optimum. Minutes, not seconds: meant for a final design of
#: up to ~1,000 units (one tile). Deterministic for a seed. Project default.
RUN_LOT_THOROUGH: dict[str, int] = {
    "variants": 5,
    "restarts": 6,
    "tile_size": 600,
    "lns_rounds": 2,
    "polish_rounds": 5,
}
