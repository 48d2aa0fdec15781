"""The lot-design engine: partition demand units into Tier 1 lots that meet every hard rule.

How it works (column generation over valid lots, then set packing):

1. **Candidate lots, valid by construction.** From every unit (or every fixed centre) the
   engine grows lots outwards through the units within the radius and drive-time limits of
   that centre, found with a k-d tree (no n x n matrix). Growth is nearest-first, then several
   jittered and directional orders; with contiguity it only crosses shared edges. A unit that
   would break a ceiling (hours or customers) is skipped. Snapshots are kept once both floors
   are met (smallest, mid-band and largest), so every candidate meets every rule.
2. **Centre.** A lot's centre is the member unit with the least hours-weighted drive time to
   the other members among those from which every member is within the radius and drive limit
   (a constrained medoid); with fixed centres it is the given point. Rules are checked from it.
3. **Selection.** A HiGHS LP dive picks a disjoint set of candidates minimising
   ``travel + penalty x uncovered hours``, where travel is the sum over covered units of
   weekly hours x drive minutes to the lot centre and the penalty per uncovered hour is
   :data:`lotdesign.settings.LOT_UNCOVERED_PENALTY_FACTOR` x the drive limit. Any covered hour
   travels less than the drive limit, so coverage comes first and travel second. The dive
   solves the set-packing LP, fixes the lots it all but chooses, and re-solves warm; a
   greedy pass (hardest-to-cover unit first) finishes, then lots are regrown from the units
   still free ("refill").
4. **Improvement.** Units move between neighbouring lots, and uncovered units join a lot,
   whenever every rule still holds on both sides and the objective falls; centres are then
   re-chosen. Optional: several constructions with the best kept (``restarts``),
   large-neighbourhood search (``lns_rounds``: each lot re-solved with its nearest lots) and
   exact polishing (``polish_rounds``: windows of lots re-solved to optimality as HiGHS
   p-median models; ``polish_units`` leaves out windows of more units), and for a small
   pool an exact design (``exact_units``: the whole pool re-solved as one such model,
   contiguity held exactly by separator rows, which proves the plan optimal under the
   rules); for a pool too large for that, a kernel step (``kernel_units``,
   :mod:`lotdesign.lots.kernel`: every lot re-cut at once over the centres the p-median LP
   opens, then each lot left in pieces made whole by an exact window), which can change the
   number of lots where window moves cannot. Every replacement is re-checked against the
   rules.
5. **Scale.** Large instances are cut into spatial tiles (k-means on unit points), solved tile
   by tile; a second pass over the uncovered units with a shifted tiling recovers lots along
   the seams. Memory grows with n x (units within the radius), not n squared. Above
   2 x :data:`lotdesign.settings.LOT_REGION_UNITS` free units the units are also cut into
   regions, each designed and searched on its own, in worker processes (``workers``), then
   stitched: lots over the units left free along the seams, boundary moves, and the
   neighbourhood search over the windows that touch a seam. The regions, and so the plan,
   do not depend on the number of workers.

:func:`lower_bound` gives a HiGHS lower bound on the objective (column generation with
contiguity relaxed, or a p-median MIP holding it) to measure how far a plan is from optimal.

Reach, policy and nesting: given the customers (``design(customers=...)``), the radius and
drive limit are checked from a lot's centre to every customer's postcode, up to
``LotRules.reach_tolerance``; ``policy`` chooses what the objective prefers besides coverage
(``compact``: least travel; ``viable``: a cost per lot, so fewer, fuller lots; ``target``: a
lot count), :func:`policy_tradeoff` compares them; ``LotRules.headroom_years`` lowers the
ceilings by the demand growth to come; ``within`` (unit -> area, :func:`within_areas`) keeps
every lot inside one district, locality or PCN. Drive times may come from real roads
(:mod:`lotdesign.roads`).

Locked units (unit -> lot label) keep their label: the lot is grown round them first and they
never move. A starting plan (unit -> area) is repaired, not discarded: valid areas are kept as
they are, broken areas are trimmed and topped up with the fewest changes that make them valid,
and only what is left is designed afresh. A unit whose own hours or customers exceed the Tier 1
ceiling becomes its own lot (``X01``...), flagged ``oversize`` and never counted as Tier 1.

Lot ids: new lots are ``L01``, ``L02``... ordered north to south by centre (ties west to east);
locked and starting-plan lots keep their label. Units outside any lot have ``lot_id`` None.

The engine is a package, one module per phase: :mod:`~lotdesign.lots.rules`
(:class:`LotRules`), :mod:`~lotdesign.lots.plan` (:class:`LotPlan`, :func:`plan_objective`),
:mod:`~lotdesign.lots.instance` (unit arrays, travel, adjacency), :mod:`~lotdesign.lots.candidates`
(growth), :mod:`~lotdesign.lots.selection` (LP dive, greedy), :mod:`~lotdesign.lots.construct`
(tiles), :mod:`~lotdesign.lots.search` (boundary moves, neighbourhood search, exact polishing,
search levels), :mod:`~lotdesign.lots.prephases` (locked units, starting plan),
:mod:`~lotdesign.lots.regions` (regions in parallel), :mod:`~lotdesign.lots.diagnostics`,
:mod:`~lotdesign.lots.bounds` (:func:`lower_bound`) and
:mod:`~lotdesign.lots.engine` (:func:`design`, as its phases).
"""

from lotdesign.lots.areas import within_areas
from lotdesign.lots.bounds import lower_bound
from lotdesign.lots.engine import POLICIES, design
from lotdesign.lots.instance import UNIT_COLUMNS
from lotdesign.lots.instance import _Instance as _Instance  # not public: lotdesign.checks uses it
from lotdesign.lots.plan import LotPlan, plan_objective
from lotdesign.lots.policy import policy_tradeoff
from lotdesign.lots.rules import LotRules
from lotdesign.lots.search import SEARCH_LEVELS, search_options

__all__ = [
    "POLICIES",
    "SEARCH_LEVELS",
    "UNIT_COLUMNS",
    "LotPlan",
    "LotRules",
    "design",
    "lower_bound",
    "plan_objective",
    "policy_tradeoff",
    "search_options",
    "within_areas",
]
