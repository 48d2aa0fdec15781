"""The balanced construction: as many lots as the floors allow, packed by an assignment LP.

Growth from a centre stops once a lot meets both floors, and the LP dive chooses among such
lots, so a pool whose hours allow only a few lots more than the floor (500 units of 14,926 h
hold at most 21 lots of 700 h) comes out with fewer, fuller lots: 17-18 on that grid, where
the best plans have 20. Window moves keep the lot count they start with, so the search
after does not find the missing lots. This construction starts from the count instead:

1. ``p`` centres, the pool units nearest an hours-weighted k-means of the unit points, for
   ``p`` the most lots the pool's hours and customers allow with room of a mean unit above
   each floor, and fewer (settings.LOT_BALANCED_COUNTS counts in all), each above the
   count of the plan it competes with, and only where those lots would hold
   settings.LOT_BALANCED_MIN_UNITS_PER_LOT units or more on average;
2. a balanced Lloyd iteration: a HiGHS LP assigns units to the centres (fractions allowed)
   within the radius and drive limit, every lot between the bands (a floor may be missed at
   a steep price, so the LP is always feasible), then each lot's centre moves to the unit
   that minimises its hours-weighted travel; until a set of centres comes round again, and
   the best LP kept;
3. the LP's assignment made whole: each unit whose neighbours are all in its lot is held
   there, and the units along the boundaries are assigned by the capacitated p-median MIP
   over those centres (:func:`~lotdesign.lots.search._window_mip`, with contiguity held by
   separator rows), stopped by limits of work (nodes, separator rounds) so the plan is the
   same for a seed; a lot still in pieces is cut to its centre's piece.

It competes with the growth constructions in :func:`lotdesign.lots.engine.design`: the plan
with the lower objective after boundary moves is the one searched.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import highspy
import numpy as np
from scipy.sparse import csc_matrix
from sklearn.cluster import KMeans

from lotdesign import settings
from lotdesign.highs import lp_from_csc, new_highs
from lotdesign.lots.instance import _EPS, _Instance
from lotdesign.lots.prephases import _component_with
from lotdesign.lots.search import _Lot, _window_mip

# A missed floor in the assignment LP costs this many times the uncovered penalty per hour
# short (per customer short, scaled by the floor's hours per customer): far above any travel,
# so a floor is missed only where no assignment can meet it.
_FLOOR_SHORT_FACTOR = 10.0


class _Balanced(NamedTuple):
    """The best round of balanced Lloyd rounds from one start."""

    value: float  # the LP's objective, on the plan's scale
    short: float  # hours the LP left short of the floors
    rounds: int  # rounds run
    centres: np.ndarray
    assigned: np.ndarray  # unit -> index into centres (-1: mostly uncovered)


def _balanced_lots(
    inst: _Instance,
    pool: np.ndarray,
    *,
    seed: int,
    stats: dict[str, Any],
    to_beat: float = math.inf,
    above: int = 0,
) -> list[_Lot]:
    """Lots over ``pool`` by the balanced construction (module docstring); may be empty.

    Every lot returned passes the rule check. Only lot counts greater than ``above`` (the
    competing plan's lots) are tried: the construction is there to add the lots growth
    leaves out (on the demo county growth makes the 33 the pool allows, and the balanced
    plans never won). Nothing is tried where lots would hold fewer than
    settings.LOT_BALANCED_MIN_UNITS_PER_LOT units on average (``stats["balanced_skipped"]``
    says so). ``to_beat`` is the pool's objective (its travel and uncovered penalty) in the
    plan this one competes with: no lots are made when no LP comes below it, which spares
    the MIP where the balanced centres are no better (West Sussex's 487 LSOAs, were they
    tried: LP 120,440 against a plan of 107,774). ``stats["balanced"]``: per lot count and
    k-means start, the LP's objective (on the same scale), the hours it left short of the
    floors and its Lloyd rounds; ``balanced_mips`` and ``balanced_lots``.
    """
    rules = inst.rules
    units = np.flatnonzero(pool)
    # Rounding the LP's fractions moves about one unit across each lot's boundary, so each
    # lot needs room of a mean unit above the floors: 20, not 21, lots of 700 h on the
    # 500-unit grid (14,926 h in units of 30 h on average), whose 21-lot MIPs fail.
    most = math.floor(
        min(
            inst.h[units].sum() / max(rules.min_hours + inst.h[units].mean(), _EPS),
            inst.k[units].sum() / max(rules.min_customers + inst.k[units].mean(), _EPS),
        )
        + _EPS
    )
    tried: list[dict[str, Any]] = []
    stats["balanced"] = tried
    # The LP is a guide to the plan only where a unit is small against a lot: on the grid
    # (25 units a lot) the plan came 0.2-0.5% above it, on a London borough's 222 sectors
    # (8 a lot) 4.1%, worse than growth's plan once searched.
    per_lot = len(units) / max(most, 1)
    if per_lot < settings.LOT_BALANCED_MIN_UNITS_PER_LOT:
        stats["balanced_skipped"] = f"{per_lot:.1f} units a lot"
        return []
    found: list[_Balanced] = []
    for p in range(most, max(most - settings.LOT_BALANCED_COUNTS, above, 0), -1):
        for start in range(settings.LOT_BALANCED_STARTS):
            centres = _kmeans_centres(inst, units, p, seed=seed * 1000 + start)
            run = _lloyd(inst, pool, centres)
            if run is not None:
                found.append(run)
                tried.append({"count": p, "start": start, "lp": round(run.value, 1),
                              "short": round(run.short, 1), "rounds": run.rounds})  # fmt: skip
    found = [run for run in found if run.value < to_beat]
    if not found:
        return []
    # The MIP for the lowest LP whose lots all reach the floors (else the lowest shortfall);
    # if it makes no lots, once more for the best LP of another count.
    found.sort(key=lambda run: (run.short > _EPS, run.short, run.value))
    other = [run for run in found if len(run.centres) != len(found[0].centres)]
    lots: list[_Lot] = []
    for run in [found[0], *other[:1]]:
        lots = _whole(inst, pool, run.centres, run.assigned, seed=seed)
        stats["balanced_mips"] = stats.get("balanced_mips", 0) + 1
        if lots:
            break
    stats["balanced_lots"] = len(lots)
    return lots


def _kmeans_centres(inst: _Instance, units: np.ndarray, p: int, *, seed: int) -> np.ndarray:
    """The units nearest the centroids of an hours-weighted k-means of ``units`` (sorted)."""
    xy = np.column_stack([inst.x[units], inst.y[units]])
    p = min(p, len(units))
    km = KMeans(n_clusters=p, n_init=1, random_state=seed % 2**31)
    km.fit(xy, sample_weight=inst.h[units] + _EPS)
    nearest = [
        int(units[np.argmin(np.hypot(xy[:, 0] - cx, xy[:, 1] - cy))])
        for cx, cy in km.cluster_centers_
    ]
    return np.unique(nearest)


def _lloyd(inst: _Instance, pool: np.ndarray, centres: np.ndarray) -> _Balanced | None:
    """Balanced Lloyd rounds from ``centres``: the round whose LP is lowest.

    Each unit goes to the lot holding most of it, or -1 if the LP leaves most of it
    uncovered. None if no centre can meet the floors.
    """
    seen: set[tuple[int, ...]] = set()
    best: _Balanced | None = None
    rounds = 0
    for rounds in range(1, settings.LOT_BALANCED_LLOYD_ROUNDS + 1):
        centres = _openable(inst, pool, centres)
        if not len(centres) or tuple(centres.tolist()) in seen:
            break
        seen.add(tuple(centres.tolist()))
        value, short, ii, jj, x = _assignment_lp(inst, pool, centres)
        if not math.isfinite(value):
            break
        if best is None or value < best.value:
            share = np.zeros(inst.n)
            assigned = np.full(inst.n, -1)
            for i, j, v in zip(ii.tolist(), jj.tolist(), x.tolist(), strict=True):
                if v > share[i] and v > 0.5 - _EPS:
                    share[i], assigned[i] = v, j
            best = _Balanced(value, short, rounds, centres, assigned)
        centres = np.unique(
            [_medoid(inst, ii[jj == j], x[jj == j], c) for j, c in enumerate(centres.tolist())]
        )
    return None if best is None else best._replace(rounds=rounds)


def _openable(inst: _Instance, pool: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """The ``centres`` whose reach holds enough hours and customers for both floors."""
    keep = [c for c in centres.tolist() if inst.meets_floors(inst.reachable(c, pool)[0])]
    return np.asarray(keep, dtype=np.int64)


def _assignment_lp(
    inst: _Instance, pool: np.ndarray, centres: np.ndarray
) -> tuple[float, float, np.ndarray, np.ndarray, np.ndarray]:
    """The balanced assignment LP over fixed ``centres``: (value, short, units, lots, x).

    Minimises hours-weighted minutes plus the uncovered penalty; each unit is assigned at
    most whole, only to centres whose reach it is in; each lot's hours and customers stay
    under the ceilings and reach the floors unless short at a steep price. ``value`` is on
    the plan's scale (the pool's travel and uncovered penalty, and each lot's cost,
    ``inst.lot_cost``, as under the viable policy); ``short`` is the lots' shortfall from
    the floors, in hours (customers at the floor's hours per customer).
    """
    rules = inst.rules
    balls = [inst.reachable(c, pool) for c in centres.tolist()]
    ii = np.concatenate([ball for ball, _ in balls])
    jj = np.repeat(np.arange(len(centres)), [len(ball) for ball, _ in balls])
    minutes = np.concatenate([mins for _, mins in balls])
    nx, p = len(ii), len(centres)
    # Rows: one per unit (sum <= 1), then hours and customers per lot, each with its
    # shortfall column: floor <= sum + short <= ceiling.
    rows = np.concatenate([ii, inst.n + jj, inst.n + p + jj, inst.n + np.arange(2 * p)])
    cols = np.concatenate([np.arange(nx), np.arange(nx), np.arange(nx), nx + np.arange(2 * p)])
    vals = np.concatenate([np.ones(nx), inst.h[ii], inst.k[ii], np.ones(2 * p)])
    short = _FLOOR_SHORT_FACTOR * inst.penalty
    per_customer = rules.min_hours / max(rules.min_customers, _EPS)
    lp = lp_from_csc(
        csc_matrix((vals, (rows, cols)), shape=(inst.n + 2 * p, nx + 2 * p)),
        cost=np.concatenate(
            [inst.h[ii] * (minutes - inst.penalty), np.full(p, short),
             np.full(p, short * per_customer)]
        ),
        col_lower=np.zeros(nx + 2 * p),
        col_upper=np.concatenate([np.ones(nx), np.full(2 * p, highspy.kHighsInf)]),
        row_lower=np.concatenate(
            [np.full(inst.n, -highspy.kHighsInf), np.full(p, rules.min_hours),
             np.full(p, rules.min_customers)]
        ),
        row_upper=np.concatenate(
            [np.ones(inst.n), np.full(p, rules.max_hours), np.full(p, rules.max_customers)]
        ),
    )  # fmt: skip
    h = new_highs(time_limit=settings.LOT_BALANCED_SECONDS, threads=1)
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:  # the safety limit
        return math.inf, math.inf, ii, jj, np.zeros(nx)
    col = np.asarray(h.getSolution().col_value)
    short_h = float(col[nx : nx + p].sum() + col[nx + p :].sum() * per_customer)
    value = h.getInfo().objective_function_value + inst.penalty * float(inst.h[pool].sum())
    value += p * inst.lot_cost
    return float(value), short_h, ii, jj, col[:nx]


def _medoid(inst: _Instance, members: np.ndarray, share: np.ndarray, centre: int) -> int:
    """The unit holding part of the lot that minimises its hours-weighted minutes.

    Only a unit from which every unit held mostly by the lot is within reach may be chosen,
    when one is; the shortlist is the members nearest the lot's weighted centroid. A lot the
    LP left empty keeps its ``centre``.
    """
    held = share > _EPS
    if not held.any():
        return centre
    members, share = members[held], share[held]
    weight = inst.h[members] * share
    size = min(len(members), settings.LOT_CENTRE_SHORTLIST)
    candidates = inst.centre_shortlist(members, size)
    cost = inst.travel.minutes(candidates[:, None], members[None, :]) @ weight
    core = members[share > 0.5]
    for c in candidates[np.argsort(cost, kind="stable")].tolist():
        if inst.reach_ok(c, core).all():
            return int(c)
    return int(candidates[np.argmin(cost)])


def _whole(
    inst: _Instance, pool: np.ndarray, centres: np.ndarray, assigned: np.ndarray, *, seed: int
) -> list[_Lot]:
    """Lots from the LP's assignment: interior units held, the boundaries solved as a MIP."""
    held = {
        i: int(centres[assigned[i]])
        for i in np.flatnonzero(assigned >= 0).tolist()
        if all(assigned[j] == assigned[i] for j in inst.adj[i])
    }
    for c in centres.tolist():
        if assigned[c] >= 0 and int(centres[assigned[c]]) == c:
            held[c] = c
    current = [
        (int(c), np.union1d(np.flatnonzero(assigned == j), [c]).astype(np.int64))
        for j, c in enumerate(centres.tolist())
    ]
    solved = _window_mip(
        inst, pool, current, time_limit=settings.LOT_BALANCED_SECONDS, seed=seed,
        separate=True, centres=centres, max_nodes=settings.LOT_BALANCED_MIP_NODES, fixed=held,
        max_solves=settings.LOT_BALANCED_MIP_SOLVES,
    )  # fmt: skip
    if solved is None:
        return []
    lots = []
    for c, members in solved[1]:
        # A lot the separator rounds left in pieces is cut to its centre's piece; the boundary
        # moves after place the rest.
        members = _component_with(inst, members, c)
        if not inst.breaches(inst.measure(members, c)):
            lots.append(_Lot(set(members.tolist()), c, inst))
    return lots
